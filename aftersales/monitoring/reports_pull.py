"""The periodic pull of message records from the Vonage Reports API (``GET /v2/reports/records``).

Why: webhooks can be missed (a receipt URL never configured, an outage on either side); the Reports
API has every message. Every hour (``monitoring.pull_reports``) each active vendor account (Vonage,
or the simulator) is asked for the records received in the windows it has not pulled yet:

- windows are at most 24 hours (the API's limit for a synchronous query) and end at the last whole
  hour minus ``SETTLE`` (records finalise late); they follow on from the latest window pulled, so an
  hourly run pulls the last hour, and a desk that was down catches up 24 hours at a time, at most
  ``CATCH_UP_WINDOWS`` per run (the rest next run). The first pull of an account covers 24 hours;
- a failed window stays ``failed`` with its reason and is retried first at the next run; after an
  account-wide error (credentials, access, the vendor down or limiting us) the account's other windows
  wait for the next run too;
- each page is stored as a ``RawEvent`` (source ``reports``) before it is parsed; its records become
  events through the Reports CSV import's own mapping (``csvimport.row_events``) and go through
  ``ingest.record_events``, so a message the webhooks already delivered is a duplicate, counted once;
- a window is claimed atomically (a new row, or ``UPDATE … WHERE state/started_at`` unchanged), so two
  runs never pull it at once; a run that died half-way leaves the window ``running``, and after
  ``STALE_AFTER`` the next run pulls it again from the start — what was recorded is then duplicates.

``aftersales pull-reports`` runs the same pass by hand, or re-pulls a given range.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from dataclasses import replace as copy_event
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django_tasks import task

from aftersales.core import clock
from aftersales.core.scheduler import register_job
from aftersales.monitoring import payloads
from aftersales.monitoring.csvimport import row_events
from aftersales.monitoring.ingest import TrafficEvent, record_events
from aftersales.monitoring.models import EventSource, EventState, PullState, RawEvent, ReportPull
from aftersales.sms.balances import connector_options
from aftersales.sms.connectors.base import (
    REPORT_MAX_WINDOW,
    Connector,
    VendorBadResponse,
    VendorError,
    VendorRequestRefused,
    mask_key,
)
from aftersales.sms.connectors.registry import get_connector
from aftersales.sms.models import VendorAccount

logger = logging.getLogger(__name__)

HOUR = dt.timedelta(hours=1)
WINDOW = REPORT_MAX_WINDOW  # 24 hours
SETTLE = dt.timedelta(hours=1)  # records of the last hour are still being finalised
CATCH_UP_WINDOWS = 7  # per account and direction and run: a week behind is caught up in one run
STALE_AFTER = dt.timedelta(hours=2)  # a window "running" this long belongs to a run that died
DIRECTIONS = ("outbound",)  # what the monitors read; inbound (MO) records can be pulled too
# Errors about one window (the vendor refused or garbled this query): the account's other windows
# are still pulled. Any other error (credentials, access, the vendor down or limiting us) stops the
# account until the next run.
WINDOW_ERRORS = (VendorRequestRefused, VendorBadResponse)
MAX_REASONS = 3  # unreadable records named in a page's reason


@dataclass
class WindowOutcome:
    """One window of one account, as the run left it."""

    pull_id: int
    account_id: int
    account: str
    direction: str
    start: dt.datetime
    end: dt.datetime
    state: str
    pages: int = 0
    records: int = 0
    recorded: int = 0
    duplicates: int = 0
    unmapped: int = 0
    invalid: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        return data


@dataclass
class PullRun:
    windows: list[WindowOutcome] = field(default_factory=list)
    accounts: int = 0

    @property
    def failed(self) -> list[WindowOutcome]:
        return [w for w in self.windows if w.state == PullState.FAILED]

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "windows": len(self.windows),
            "failed": len(self.failed),
            "records": sum(w.records for w in self.windows),
            "recorded": sum(w.recorded for w in self.windows),
            "duplicates": sum(w.duplicates for w in self.windows),
            "pulls": [w.as_dict() for w in self.windows],
        }


Progress = Callable[[WindowOutcome], None]


def settled_end(now: dt.datetime) -> dt.datetime:
    """Where windows end: the last whole hour minus ``SETTLE``."""
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0) - SETTLE


def pullable_accounts(account_ids: Iterable[int] | None = None) -> list[VendorAccount]:
    query = VendorAccount.objects.filter(
        active=True, kind__in=[VendorAccount.Kind.VONAGE, VendorAccount.Kind.SIMULATOR]
    ).select_related("parent")
    if account_ids is not None:
        query = query.filter(pk__in=list(account_ids))
    return list(query.order_by("pk"))


# --- Which windows ---------------------------------------------------------------------------


def due_windows(
    account: VendorAccount, direction: str, *, now: dt.datetime, max_windows: int = CATCH_UP_WINDOWS
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The windows to pull now, oldest first: failed ones (and ones a dead run left running), then new
    ones from the latest window's end up to ``settled_end`` (24 hours back for a first pull)."""
    end = settled_end(now)
    pulls = ReportPull.objects.filter(account=account, direction=direction)
    retry = pulls.filter(Q(state=PullState.FAILED) | Q(state=PullState.RUNNING, started_at__lt=now - STALE_AFTER))
    windows = [(p.window_start, p.window_end) for p in retry.order_by("window_start")[:max_windows]]
    start = pulls.aggregate(latest=Max("window_end"))["latest"] or end - WINDOW
    while start < end and len(windows) < max_windows:
        stop = min(start + WINDOW, end)
        windows.append((start, stop))
        start = stop
    return windows


def range_windows(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """``start`` to ``end`` cut into windows of at most 24 hours."""
    windows = []
    while start < end:
        stop = min(start + WINDOW, end)
        windows.append((start, stop))
        start = stop
    return windows


def _claim(
    account: VendorAccount,
    direction: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime,
    again: bool = False,
) -> ReportPull | None:
    """The window's row, now ``running`` for this run; None when another run has it (or, unless
    ``again``, has already pulled it)."""
    existing = ReportPull.objects.filter(account=account, direction=direction, window_start=start).first()
    if existing is None:
        try:
            with transaction.atomic():
                return ReportPull.objects.create(
                    account=account,
                    direction=direction,
                    window_start=start,
                    window_end=end,
                    state=PullState.RUNNING,
                    started_at=now,
                )
        except IntegrityError:
            return None  # another run created it a moment ago
    if existing.state == PullState.RUNNING and existing.started_at >= now - STALE_AFTER:
        return None
    if existing.state == PullState.DONE and not again:
        return None
    fresh = {
        "state": PullState.RUNNING,
        "started_at": now,
        "finished_at": None,
        "error": "",
        "window_end": end,
        "pages": 0,
        "records": 0,
        "recorded": 0,
        "duplicates": 0,
    }
    claimed = ReportPull.objects.filter(pk=existing.pk, state=existing.state, started_at=existing.started_at).update(
        **fresh
    )
    if not claimed:
        return None
    for name, value in fresh.items():
        setattr(existing, name, value)
    return existing


# --- One window --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value)


def record_events_of(records: list[Any], *, default_key: str) -> tuple[list[TrafficEvent], list[str]]:
    """The events of a page's records (the CSV import's mapping: same columns) and why the others
    could not be read."""
    events: list[TrafficEvent] = []
    problems: list[str] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            problems.append(f"record {number}: not an object")
            continue
        try:
            events.extend(row_events({k: _text(v) for k, v in record.items()}, default_key=default_key))
        except payloads.Malformed as exc:
            problems.append(f"record {number}: {exc}")
    return events, problems


def page_events(raw: RawEvent) -> list[TrafficEvent]:
    """The events of a stored page (to read it again, e.g. after its key is mapped). Raises
    ``payloads.Malformed`` for a body that is not a Reports API page."""
    try:
        data = json.loads(raw.body or "null")
    except ValueError as exc:
        raise payloads.Malformed("the page is not JSON") from exc
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise payloads.Malformed("the page has no records list")
    events, _problems = record_events_of(records, default_key=raw.api_key)
    return [copy_event(event, raw_event_id=raw.pk) for event in events]


def _store_page(account: VendorAccount, body: str) -> RawEvent:
    # Its own autocommit INSERT: durable before anything parses it.
    return RawEvent.objects.create(
        source=EventSource.REPORTS,
        received_at=clock.now(),
        method="GET",
        content_type="application/json",
        body=body,
        api_key=account.api_key[:100],
        account=account,
    )


def _pull_window(
    connector: Connector, account: VendorAccount, pull: ReportPull, *, report_key: str, outcome: WindowOutcome
) -> None:
    pages = connector.report_records(
        start=pull.window_start, end=pull.window_end, direction=pull.direction, account_id=report_key
    )
    for page in pages:
        raw = _store_page(account, page.body)
        events, problems = record_events_of(page.records, default_key=report_key or account.api_key)
        try:
            result = record_events([copy_event(e, raw_event_id=raw.pk) for e in events], source=EventSource.REPORTS)
        except Exception as exc:
            # Kept, with why; the window fails and its next pull records these records (the drain
            # cannot read a page again by itself).
            RawEvent.objects.filter(pk=raw.pk, state=EventState.STORED).update(
                state=EventState.INVALID,
                processed_at=clock.now(),
                reason=f"not recorded ({type(exc).__name__}); the window is pulled again at the next run"[:300],
            )
            raise
        # A page without events (empty, or nothing readable) gets no state from the ingestion.
        RawEvent.objects.filter(pk=raw.pk, state=EventState.STORED).update(
            state=EventState.PROCESSED if events or not problems else EventState.INVALID, processed_at=clock.now()
        )
        if problems:
            reason = f"{len(problems)} record(s) could not be read: {'; '.join(problems[:MAX_REASONS])}"
            RawEvent.objects.filter(pk=raw.pk).update(reason=reason[:300])
        pull.pages += 1
        pull.records += len(page.records)
        pull.recorded += result.recorded
        pull.duplicates += result.duplicates
        pull.save(update_fields=["pages", "records", "recorded", "duplicates"])
        outcome.unmapped += result.unmapped
        outcome.invalid += len(problems) + result.invalid


def _connector(account: VendorAccount) -> tuple[Connector, str]:
    """The connector to ask, and the ``account_id`` to ask it for ("" = its own account). A Vonage
    sub-account stored without its own secret is read through its master (the Reports API lets a
    master query its sub-accounts)."""
    if account.kind == VendorAccount.Kind.VONAGE and not account.api_secret and account.parent is not None:
        master = account.parent
        return get_connector(master.kind, **connector_options(master, None)), account.api_key
    return get_connector(account.kind, **connector_options(account, None)), ""


def _finish(pull: ReportPull, outcome: WindowOutcome, *, error: VendorError | Exception | None) -> None:
    pull.state = PullState.FAILED if error is not None else PullState.DONE
    pull.error = "" if error is None else _reason(error)
    pull.finished_at = clock.now()
    pull.save(update_fields=["state", "error", "finished_at"])
    outcome.state, outcome.error = pull.state, pull.error
    outcome.pages, outcome.records = pull.pages, pull.records
    outcome.recorded, outcome.duplicates = pull.recorded, pull.duplicates


def _reason(error: Exception) -> str:
    if isinstance(error, VendorError):
        return str(error)[:300]  # the error's sentence and its secret-free detail
    return f"{type(error).__name__}: {error}"[:300]


def _outcome(account: VendorAccount, pull: ReportPull) -> WindowOutcome:
    return WindowOutcome(
        pull_id=pull.pk,
        account_id=account.pk,
        account=account.name,
        direction=pull.direction,
        start=pull.window_start,
        end=pull.window_end,
        state=pull.state,
    )


def pull_account(
    account: VendorAccount,
    *,
    now: dt.datetime | None = None,
    windows: list[tuple[dt.datetime, dt.datetime]] | None = None,
    directions: Iterable[str] = DIRECTIONS,
    max_windows: int = CATCH_UP_WINDOWS,
    progress: Progress | None = None,
) -> list[WindowOutcome]:
    """Pull ``account``'s due windows (or exactly ``windows``, even those done before). Never raises
    for a vendor error: the window is marked failed with the reason."""
    now = now or clock.now()
    done: list[WindowOutcome] = []
    connector: Connector | None = None
    report_key = ""
    try:
        for direction in directions:
            wanted = (
                windows if windows is not None else due_windows(account, direction, now=now, max_windows=max_windows)
            )
            for start, end in wanted:
                pull = _claim(account, direction, start, end, now=now, again=windows is not None)
                if pull is None:
                    continue
                outcome = _outcome(account, pull)
                error: Exception | None = None
                try:
                    if connector is None:
                        connector, report_key = _connector(account)
                    _pull_window(connector, account, pull, report_key=report_key, outcome=outcome)
                except VendorError as exc:
                    error = exc
                except NotImplementedError:
                    error = VendorError(detail=f"the {account.kind} connector has no Reports API")
                except Exception as exc:  # the window must not stay "running" for hours
                    logger.exception("reports pull of %s failed", mask_key(account.api_key))
                    error = exc
                _finish(pull, outcome, error=error)
                done.append(outcome)
                if progress is not None:
                    progress(outcome)
                if error is not None:
                    logger.info(
                        "reports pull of %s %s %s failed: %s",
                        mask_key(account.api_key),
                        direction,
                        start.isoformat(),
                        _reason(error),
                    )
                    if not isinstance(error, WINDOW_ERRORS):
                        return done  # the account's other windows would fail the same way: next run
    finally:
        if connector is not None:
            connector.close()
    return done


def pull_all(
    *,
    now: dt.datetime | None = None,
    account_ids: Iterable[int] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    max_windows: int = CATCH_UP_WINDOWS,
    progress: Progress | None = None,
) -> PullRun:
    """One pass over every active Vonage or simulator account (or those of ``account_ids``): their due
    windows, or the windows of ``start``–``end`` when given (pulled again even when done)."""
    now = now or clock.now()
    windows = range_windows(start, end) if start is not None and end is not None else None
    run = PullRun()
    for account in pullable_accounts(account_ids):
        run.accounts += 1
        run.windows.extend(pull_account(account, now=now, windows=windows, max_windows=max_windows, progress=progress))
    return run


# --- Schedule --------------------------------------------------------------------------------


@task()
def pull_reports() -> dict[str, Any]:
    """Every hour: pull each account's new (and failed) Reports API windows into the rollups."""
    summary = pull_all().as_dict()
    summary.pop("pulls")
    return summary


# Ten past the hour: the hour ending an hour ago (``SETTLE``) has had time to settle.
register_job("monitoring.pull_reports", every=HOUR, offset=dt.timedelta(minutes=10), task=pull_reports)
