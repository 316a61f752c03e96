"""The periodic Reports API pull (``monitoring.reports_pull`` and ``aftersales pull-reports``), through
the real ``vonage`` SDK against the fake Vonage HTTPS server."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.core.scheduler import registered_jobs
from aftersales.monitoring import reports_pull
from aftersales.monitoring.ingest import TrafficEvent, record_events
from aftersales.monitoring.models import (
    EventSource,
    EventState,
    MessageRecord,
    PullState,
    RawEvent,
    ReportPull,
    TrafficRollup,
)
from aftersales.sms.models import VendorAccount
from aftersales.sms.tests.fakevonage import FakeVonage, sms_records

pytestmark = pytest.mark.django_db

KEY = "a1b2c3d4"
SECRET = "Zq8xW3vT6pLm2Rk9"
NOW = dt.datetime(2026, 11, 25, 12, 20, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)  # the last whole hour minus an hour
START = END - dt.timedelta(hours=24)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVonage]:
    with FakeVonage() as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        fake.add_account(KEY, SECRET, records=[])
        yield fake


@pytest.fixture
def account(personas: Any, server: FakeVonage) -> VendorAccount:
    return VendorAccount.objects.create(
        customer=personas.customer,
        name="Starriver Vonage",
        kind="vonage",
        api_key=KEY,
        api_secret=SECRET,
        options={"api_host": server.host, "rest_host": server.host, "timeout": 5},
    )


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def give(server: FakeVonage, records: list[dict[str, Any]]) -> None:
    server.accounts[KEY].records.extend(records)


def pull(**options: Any) -> reports_pull.PullRun:
    return reports_pull.pull_all(**options)


def totals(**filters: Any) -> tuple[int, int, int]:
    rows = TrafficRollup.objects.filter(**filters)
    return (sum(r.submitted for r in rows), sum(r.delivered for r in rows), sum(r.failed for r in rows))


def test_a_first_pull_covers_the_last_24_hours_page_by_page_into_the_rollups(
    account: VendorAccount, server: FakeVonage
) -> None:
    server.report_page_size = 100
    give(server, sms_records(KEY, 230, start=START, every=dt.timedelta(minutes=6)))  # 23 hours
    give(server, sms_records(KEY, 20, start=START + dt.timedelta(hours=5), first=500, status="failed"))
    give(server, sms_records(KEY, 5, start=END, first=900))  # still settling: the next run's

    run = pull()

    [window] = run.windows
    assert (window.start, window.end, window.state) == (START, END, PullState.DONE)
    assert (window.pages, window.records, window.recorded, window.duplicates) == (3, 250, 500, 0)
    assert totals(account=account) == (250, 230, 20)
    assert TrafficRollup.objects.filter(account=account, country="NG", network="62130").exists()
    assert MessageRecord.objects.get(message_id=f"{KEY}-m0").latency_ms == 3000
    stored = ReportPull.objects.get()
    assert (stored.state, stored.pages, stored.records, stored.recorded) == (PullState.DONE, 3, 250, 500)
    assert stored.finished_at == NOW


def test_each_page_is_stored_as_received(account: VendorAccount, server: FakeVonage) -> None:
    server.report_page_size = 2
    give(server, sms_records(KEY, 3, start=START))
    give(
        server,
        [{**sms_records(KEY, 1, start=START + dt.timedelta(minutes=10), first=50)[0], "status": "lost in space"}],
    )

    pull()

    pages = list(RawEvent.objects.filter(source=EventSource.REPORTS).order_by("pk"))
    assert len(pages) == 2 and all(p.account_id == account.pk and p.api_key == KEY for p in pages)
    assert [len(json.loads(p.body)["records"]) for p in pages] == [2, 2]
    assert json.loads(pages[0].body)["request_status"] == "TRUNCATED"
    assert pages[0].state == EventState.PROCESSED
    assert "1 record(s) could not be read: record 2: “status” 'lost in space' is not a message status" in (
        pages[1].reason
    )
    assert totals(account=account)[0] == 3  # the readable records still count


def test_receipts_the_webhooks_delivered_are_duplicates(account: VendorAccount, server: FakeVonage) -> None:
    records = sms_records(KEY, 10, start=START + HOUR)
    give(server, records)
    webhook = [
        TrafficEvent(
            kind="dlr",
            at=START + HOUR + dt.timedelta(minutes=n, seconds=3),
            message_id=f"{KEY}-m{n}",
            api_key=KEY,
            status="delivered",
            err_code=0,
            msisdn=records[n]["to"],
            network="62130",
        )
        for n in range(4)
    ]
    record_events(webhook)

    [window] = pull().windows

    assert (window.recorded, window.duplicates) == (16, 4)  # 10 submissions + 6 receipts; 4 known receipts
    assert totals(account=account) == (10, 10, 0)


def test_pulling_a_window_again_records_nothing_twice(account: VendorAccount, server: FakeVonage) -> None:
    give(server, sms_records(KEY, 40, start=START, every=dt.timedelta(minutes=30)))
    pull()
    before = totals(account=account)

    out, err = io.StringIO(), io.StringIO()
    call_command("pull-reports", "--from", START.isoformat(), "--to", END.isoformat(), "--json", stdout=out, stderr=err)

    summary = json.loads(out.getvalue())
    assert (summary["windows"], summary["records"], summary["recorded"], summary["duplicates"]) == (1, 40, 0, 80)
    assert totals(account=account) == before == (40, 40, 0)
    assert ReportPull.objects.get().duplicates == 80
    assert "Starriver Vonage" in err.getvalue() and "2026-11-24 11:00 → 2026-11-25 11:00: done" in err.getvalue()


def test_a_401_fails_the_window_with_a_clear_reason_and_the_next_run_retries_it(
    account: VendorAccount, server: FakeVonage
) -> None:
    give(server, sms_records(KEY, 5, start=START))
    server.accounts[KEY].secret = "rotated-at-the-vendor-1"

    [window] = pull().windows

    failed = ReportPull.objects.get()
    assert window.state == failed.state == PullState.FAILED
    assert (
        "rejected the API key or secret (401)" in failed.error and "HTTP 401 from /v2/reports/records" in failed.error
    )
    assert SECRET not in failed.error
    assert totals(account=account) == (0, 0, 0)

    server.accounts[KEY].secret = SECRET  # the credentials are fixed
    with time_machine.travel(NOW + HOUR, tick=False):
        run = pull()

    assert [(w.start, w.state) for w in run.windows] == [(START, PullState.DONE), (END, PullState.DONE)]
    failed.refresh_from_db()
    assert (failed.state, failed.error, failed.records) == (PullState.DONE, "", 5)
    assert ReportPull.objects.count() == 2 and totals(account=account)[0] == 5


def test_after_an_account_error_its_other_windows_wait(account: VendorAccount, server: FakeVonage) -> None:
    ReportPull.objects.create(
        account=account,
        window_start=START - 5 * 24 * HOUR,
        window_end=START - 4 * 24 * HOUR,
        state=PullState.DONE,
        started_at=NOW - 4 * 24 * HOUR,
    )
    server.fail(401, path="/v2/reports/records")
    run = pull()
    assert [w.state for w in run.windows] == [PullState.FAILED]  # not five failures in a row
    assert ReportPull.objects.filter(state=PullState.FAILED).count() == 1


def test_a_desk_that_was_down_catches_up_in_24_hour_windows_up_to_the_limit(
    account: VendorAccount, server: FakeVonage
) -> None:
    last = END - 10 * 24 * HOUR - 5 * HOUR  # ten days and five hours ago
    ReportPull.objects.create(
        account=account, window_start=last - 24 * HOUR, window_end=last, state=PullState.DONE, started_at=last
    )
    give(server, sms_records(KEY, 12, start=last, every=24 * HOUR))  # one a day from then on

    run = pull()

    assert len(run.windows) == reports_pull.CATCH_UP_WINDOWS == 7
    assert [w.start for w in run.windows] == [last + n * 24 * HOUR for n in range(7)]
    assert all(w.end - w.start == 24 * HOUR and w.state == PullState.DONE for w in run.windows)
    assert sum(w.records for w in run.windows) == 7

    with time_machine.travel(NOW + dt.timedelta(minutes=60), tick=False):
        rest = pull()
    assert [w.end - w.start for w in rest.windows] == [24 * HOUR, 24 * HOUR, 24 * HOUR, 6 * HOUR]
    assert rest.windows[-1].end == END + HOUR
    assert totals(account=account)[0] == 11  # the twelfth is not due yet


def test_an_hourly_run_pulls_the_hour_since_the_last_window(account: VendorAccount, server: FakeVonage) -> None:
    pull()
    with time_machine.travel(NOW + HOUR, tick=False):
        [window] = pull().windows
        assert pull().windows == []  # nothing new within the same hour
    assert (window.start, window.end) == (END, END + HOUR)


def test_a_window_left_running_by_a_dead_run_is_pulled_again_without_double_counting(
    account: VendorAccount, server: FakeVonage, monkeypatch: pytest.MonkeyPatch
) -> None:
    give(server, sms_records(KEY, 6, start=START))
    real = reports_pull.record_events
    calls = {"n": 0}

    def dies_after_recording(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        calls["n"] += 1
        raise KeyboardInterrupt  # the worker killed right after the first page was recorded

    monkeypatch.setattr(reports_pull, "record_events", dies_after_recording)
    with pytest.raises(KeyboardInterrupt):
        pull()
    monkeypatch.setattr(reports_pull, "record_events", real)
    left = ReportPull.objects.get()
    assert left.state == PullState.RUNNING and calls["n"] == 1
    assert RawEvent.objects.filter(source=EventSource.REPORTS).count() == 1  # the page was stored first
    assert totals(account=account)[0] == 6

    assert pull().windows == []  # another run does not take a window that may still be running
    with time_machine.travel(NOW + reports_pull.STALE_AFTER + HOUR, tick=False):
        run = pull()

    assert run.windows[0].start == START and run.windows[0].state == PullState.DONE
    assert (run.windows[0].recorded, run.windows[0].duplicates) == (0, 12)
    assert totals(account=account) == (6, 6, 0)


def test_an_unexpected_error_fails_the_window_instead_of_leaving_it_running(
    account: VendorAccount, server: FakeVonage, monkeypatch: pytest.MonkeyPatch
) -> None:
    give(server, sms_records(KEY, 2, start=START))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(reports_pull, "record_events", broken)
    [window] = pull().windows
    assert window.state == PullState.FAILED and window.error == "RuntimeError: database went away"
    page = RawEvent.objects.get(source=EventSource.REPORTS)  # kept, with why
    assert page.state == EventState.INVALID and json.loads(page.body)["items_count"] == 2
    assert page.reason == "not recorded (RuntimeError); the window is pulled again at the next run"


def test_accounts_without_credentials_or_inactive_are_handled(personas: Any, account: VendorAccount) -> None:
    VendorAccount.objects.create(customer=personas.customer, name="No secret", kind="vonage", api_key="nosecret1")
    VendorAccount.objects.create(
        customer=personas.customer, name="Old", kind="vonage", api_key="old00001", api_secret="x", active=False
    )
    run = pull()
    by_account = {w.account: w for w in run.windows}
    assert set(by_account) == {"Starriver Vonage", "No secret"}
    assert by_account["No secret"].state == PullState.FAILED
    assert "no API key or secret configured" in by_account["No secret"].error


def test_a_simulator_account_pulls_its_simulated_traffic(personas: Any) -> None:
    sim = VendorAccount.objects.create(
        customer=personas.customer,
        name="Sim",
        kind="simulator",
        api_key="SIMSTAR1",
        options={"seed": 3, "report_per_hour": 30},
    )
    quiet = VendorAccount.objects.create(
        customer=personas.customer, name="Quiet sim", kind="simulator", api_key="SIMQUIET", options={"seed": 3}
    )
    run = pull()
    by_account = {w.account_id: w for w in run.windows}
    assert by_account[sim.pk].state == by_account[quiet.pk].state == PullState.DONE
    assert by_account[sim.pk].records > 300 and by_account[quiet.pk].records == 0
    assert totals(account=sim)[0] == by_account[sim.pk].records


def test_the_command_shows_a_line_per_window_and_refuses_bad_input(account: VendorAccount, server: FakeVonage) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("pull-reports", "--account", str(account.pk), stdout=out, stderr=err)
    assert "1 account(s), 1 window(s): 0 records" in out.getvalue()
    assert err.getvalue().count("\n") == 1 and "outbound 2026-11-24 11:00 → 2026-11-25 11:00: done" in err.getvalue()
    with pytest.raises(CommandError, match="No active Vonage or simulator vendor account with the id 999"):
        call_command("pull-reports", "--account", "999")
    with pytest.raises(CommandError, match="Give both --from and --to"):
        call_command("pull-reports", "--from", "2026-11-24T00:00:00Z")
    with pytest.raises(CommandError, match="--to must be at most 2026-11-25T11:00:00"):
        call_command("pull-reports", "--from", "2026-11-25T00:00:00Z", "--to", "2026-11-25T12:00:00Z")
    with pytest.raises(CommandError, match="--from: “--from” is not a time"):
        call_command("pull-reports", "--from", "yesterday", "--to", "2026-11-25T00:00:00Z")


def test_the_command_fails_when_a_window_fails(account: VendorAccount, server: FakeVonage) -> None:
    server.fail(401, path="/v2/reports/records")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 window\(s\) failed; they are retried at the next run"):
        call_command("pull-reports", stdout=io.StringIO(), stderr=err)
    assert ": failed" in err.getvalue() and "(401)" in err.getvalue()


def test_the_pull_is_an_hourly_job() -> None:
    import aftersales.monitoring.tasks  # noqa: F401 - registers the jobs

    [job] = [j for j in registered_jobs() if j.name == "monitoring.pull_reports"]
    assert job.every == HOUR


def test_a_stored_page_can_be_read_again(account: VendorAccount, server: FakeVonage) -> None:
    give(server, sms_records(KEY, 3, start=START))
    pull()
    raw = RawEvent.objects.get(source=EventSource.REPORTS)
    events = reports_pull.page_events(raw)
    assert len(events) == 6 and {e.raw_event_id for e in events} == {raw.pk}
    assert record_events(events).duplicates == 6
