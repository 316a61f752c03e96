"""The importer's writing half (issue 9): ``Interpreted`` rows → customers, tickets, timeline
entries, check-ins and vendor-case links, through the same actions as live work.

Every row ends as exactly one outcome, and the summary adds up:
``rows = imported + duplicates + quarantined`` (imported = ticket + timeline + checkin).

- **Original times.** The writes run under ``core.clock.moving``: the clock is set to the row's
  time before each step (opened at the row's date, resolved at its resolution time), so stamps,
  events and audit entries carry the original times; tickets are opened with ``imported_at`` (marked
  imported: no live SLA clocks, no satisfaction survey). The clock replacement is process-wide (see
  ``core.clock``): a web process runs one import at a time in its request.
- **One ticket per row**: ``open_ticket(channel="import", source_ref=<fingerprint>)`` with the
  first owner (given to ``open_ticket`` rather than ``assign_ticket``: with ``imported_at`` it
  notifies nobody, where ``assign_ticket`` would tell the agent about a years-old ticket), then one
  internal note holding the row's original text, the notes column, the other owners
  ("participants", kept in that note) and an owner name that matched no agent; vendor case numbers
  link the ticket to their ``VendorCase`` (opened if the desk has none); the status last, at the
  resolution time.
- **Per batch**: a new ticket (most rows, with or without vendor cases) is written with the rest of
  its batch: ``sms.cases.import_cases`` (the cases it opens), ``tickets.actions.import_tickets``
  (the same rows as ``open_ticket`` + ``add_note`` + the case links' status and note +
  ``change_status``, one INSERT or COPY per table), ``sms.cases.import_links``; if that is refused,
  each of them is written alone. The batch's check-ins go together at its end
  (``feedback.checkins.import_checkins``, the same rows as ``log_checkin``). Continuations are
  written row by row.
- **Continuations** (``Interpreted.continues``): an internal note at the original time on the
  ticket that carried that case number earlier in the run (or, in the desk, a ticket linked to
  that vendor case), instead of a new ticket; a Markdown bullet that only states an outcome
  ("approved!") continues the ticket of the bullet before it under its heading.
- **Check-ins** ("月度回访"): a check-in (``source="import"``) at the row's time, no ticket.
- **Nothing twice.** The fingerprints of a batch are checked in one query; a row already imported
  is a duplicate (nothing written); a quarantined one is retried and its ``ImportedRow`` updated.
  A real run is one transaction per batch: after a crash, the committed batches are duplicates on
  the next run and the rest is imported.
- **Dry run**: the same pass inside one transaction that is rolled back at the end, so the result
  (counts, provisional customers, the first rows) is exactly what a real run would do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from aftersales.core import bulk, clock, leases, stamps
from aftersales.core.access import can_write
from aftersales.core.ahead import ahead
from aftersales.core.heap import quiet_collector
from aftersales.core.search import tokens as search_tokens
from aftersales.customers.models import Customer
from aftersales.feedback.checkins import ImportedCheckin, import_checkins, log_checkin
from aftersales.feedback.models import Checkin, CheckinKind, CheckinSource
from aftersales.imports import details
from aftersales.imports.actions import create_provisional_customer
from aftersales.imports.matching import CustomerMatcher, OwnerMatcher
from aftersales.imports.models import ImportedRow, ImportRun
from aftersales.imports.records import Interpreted, Outcome, Reason
from aftersales.sms import cases as case_actions
from aftersales.sms.models import VendorAccount, VendorCase
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import Category, Channel, Message, Status, Ticket

logger = logging.getLogger(__name__)

# Rows per transaction. Each batch costs ~50 ms whatever its size (a few dozen round trips, the
# commit): measured on 60,000 rows (bench/README.md), 500 → ~960 rows/s, 1,000 → 1,090, 2,000 →
# ~1,190, 5,000 → 1,090; 2,000 costs ~15 MB more memory than 500.
BATCH_SIZE = 2_000
FIRST_ROWS = 50
# A loader-level reason (not in records.Reason): an action refused the row; ``detail`` says why.
REJECTED = "rejected"
IN_THE_FUTURE = dt.timedelta(days=1)
SOURCE_KIND = "import"
IMPORTED_OUTCOMES = (Outcome.TICKET, Outcome.TIMELINE, Outcome.CHECKIN)
# Looked up once: Django's ``Choices.values`` builds a new list on each use, and the loader asks per row.
# (The statuses a row can set: ``ticket_actions.IMPORTED_STATUSES``.)
_VENDOR_KINDS = tuple(VendorAccount.Kind.values)
CASE_NUMBER_MAX: int = VendorCase._meta.get_field("case_number").max_length  # type: ignore[assignment]


@dataclass
class RowResult:
    """What became of one row (the summary keeps the first ``FIRST_ROWS`` for the pages)."""

    file: str
    sheet: str
    line: int
    outcome: str
    reason: str = ""
    detail: str = ""
    ticket_ref: str = ""
    customer: str = ""
    subject: str = ""
    occurred_at: dt.datetime | None = None


# The tables an import grows, analyzed (PostgreSQL) after the first ANALYZE_FIRST imported rows and
# each time that count doubles since (``core.bulk.analyze``): a million rows cost ~10 rounds.
WRITTEN = ("tickets.Ticket", "tickets.Message", "tickets.TicketEvent", "core.SearchDoc", "audit.AuditEntry",
           "imports.ImportedRow", "sms.VendorCase", "feedback.Checkin")
ANALYZE_FIRST = 2000


@dataclass
class Summary:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    provisional_customers: list[str] = field(default_factory=list)
    first_rows: list[RowResult] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        self.rows += 1
        self.outcomes[result.outcome] += 1
        if result.outcome == Outcome.DUPLICATE:
            self.duplicates += 1
        elif result.outcome == Outcome.QUARANTINED:
            self.quarantined += 1
            self.reasons[result.reason] += 1
        else:
            self.imported += 1
        if len(self.first_rows) < FIRST_ROWS:
            self.first_rows.append(result)

    def copy(self) -> Summary:
        """As it is now: later rows change neither the copy's counts nor its lists (the rows already
        in them are done with)."""
        return dataclasses.replace(self, reasons=Counter(self.reasons), outcomes=Counter(self.outcomes),
                                   provisional_customers=list(self.provisional_customers),
                                   first_rows=list(self.first_rows))  # fmt: skip

    @property
    def adds_up(self) -> bool:
        return self.rows == self.imported + self.duplicates + self.quarantined

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "reasons": dict(sorted(self.reasons.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
            "provisional_customers": list(self.provisional_customers),
        }


class _Quarantine(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class _Written:
    outcome: str
    ticket: Ticket | None = None
    message_id: int | None = None
    checkin: Checkin | None = None
    cases: list[tuple[str, int]] = field(default_factory=list)  # (case number, case pk) opened or linked
    pending: ticket_actions.ImportedTicket | None = None  # a new ticket written with its batch
    marked: bool = False  # its note was written marked imported (by a batch)
    alone: Callable[[], _Written] | None = None  # … or on its own, when the batch is refused


@dataclass
class _Queued:
    """A new ticket waiting for its batch: the row's result and written, the customer (for the
    continuation map) and the vendor cases it links (with whether linking set it waiting)."""

    result: RowResult
    written: _Written
    customer_pk: int | None
    links: list[tuple[str, case_actions.ImportedCase, bool]] = field(default_factory=list)  # (key, case, moved)


# ``Interpreted.continues`` of an outcome-only bullet: the ticket of the bullet before it (never a case number).
PREVIOUS = "\x00previous"


def _heading_key(item: Interpreted) -> tuple[str, str, str]:
    source = item.source
    return source.file, source.sheet, source.cells.get("heading", "")


def _note_formats() -> dict[str, str]:
    """The imported note's lines, translated once for a run (the language does not change during it)."""
    return {
        "from": _("Imported from %(where)s:"), "notes": _("Notes: %(notes)s"),
        "owner": _("Owner in the log (no agent matches): %(name)s"), "participants": _("Participants: %(names)s"),
    }  # fmt: skip


def _note_head(item: Interpreted, formats: dict[str, str]) -> list[str]:
    """The imported note's lines about the row itself (``formats``: ``_note_formats()``): where it
    comes from, its text, its notes column (the lines about its owners follow: ``Loader._owners``)."""
    source = item.source
    where = f"{source.file}" + (f" [{source.sheet}]" if source.sheet else "") + f":{source.line}"
    parts = [formats["from"] % {"where": where}, source.raw.strip()]
    if item.notes.strip():
        parts.append(formats["notes"] % {"notes": item.notes.strip()})
    return parts


def _batches(items: Iterable[Interpreted], size: int) -> Iterator[list[Interpreted]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _case_key(number: str) -> str:
    return case_actions.normalise_case_number(number).lower()


def _pending_of(entry: _Queued) -> ticket_actions.ImportedTicket:
    assert entry.written.pending is not None
    return entry.written.pending


def _case_numbers(item: Interpreted) -> list[tuple[str, str]]:
    """The row's vendor case numbers, (key, number as stored), in order."""
    numbers = (case_actions.normalise_case_number(fact.value) for fact in item.facts if fact.kind == "case_number")
    return [(number.lower(), number) for number in numbers if number]


class Loader:
    """One run's writer: caches customers, owners, categories and cases for the whole run."""

    def __init__(self, *, run: ImportRun, actor: Any = None, create_customers: bool = True,
                 real_now: Callable[[], dt.datetime] = clock.now, batched: bool = True) -> None:  # fmt: skip
        self.run = run
        # New tickets without vendor cases are written per batch (``tickets.actions.import_tickets``);
        # ``batched=False`` (the equivalence test) writes each through open_ticket, add_note, change_status.
        self.batched = batched and (actor is None or can_write(actor))
        self.actor = actor
        self.create_customers = create_customers
        self.real_now = real_now
        self.summary = Summary()
        self.customers = CustomerMatcher()
        self.owners = OwnerMatcher()
        self.categories = {category.code: category for category in Category.objects.filter(is_active=True)}
        self._customer_objects: dict[int, Customer] = {}
        self._cases: dict[str, int] = {}  # case number (lower) → VendorCase pk
        self._case_tickets: dict[tuple[int | None, str], int] = {}  # (customer pk, case number) → ticket pk
        self._batch_tickets: dict[int, Ticket] = {}  # the tickets the batch's continuations may continue
        self._fake: clock.MovingClock | None = None
        # The batch's vendor cases as its queued rows leave them (key → case; looked up once a batch)
        # and the new tickets waiting to be written together (``_flush``).
        self._batch_cases: dict[str, case_actions.ImportedCase] = {}
        self._looked_up: set[str] = set()
        self._queue: list[_Queued] = []
        self._queued_keys: set[str] = set()
        self._last_ticket: dict[tuple[str, str, str], _Written] = {}  # (file, sheet, heading) → its last ticket
        self._checkins: list[tuple[_Queued, ImportedCheckin]] = []  # the batch's check-ins, written at its end
        self._notes: list[tuple[_Queued, ticket_actions.ImportedNote]] = []  # … and its continuations
        self._formats = _note_formats()

    # --- The run -----------------------------------------------------------------------------
    def load(self, items: Iterable[Interpreted], *, batch_size: int = BATCH_SIZE,
             progress: Callable[[Summary], None] | None = None) -> Summary:  # fmt: skip
        # Statistics are refreshed beside the run, on their own connection, which sees each batch
        # once committed; inside a caller's transaction (a dry run, a test) nothing is committed:
        # they are refreshed in it, in turn.
        beside = not transaction.get_connection().in_atomic_block
        analyzing: threading.Thread | None = None
        with clock.moving(self.real_now()) as fake:
            self._fake = fake
            try:
                analyze_at = ANALYZE_FIRST
                for batch in _batches(items, batch_size):
                    committed = self.summary.copy()  # a batch that fails counts for nothing
                    try:
                        with stamps.pinned(), transaction.atomic():  # one unit of work: settings read once
                            bulk.relaxed_commit()  # a batch lost to a crash is imported by the next run
                            self._batch(batch)
                            fake.at = self.real_now()
                            self._save_counts()
                    except BaseException:
                        self.summary = committed
                        raise
                    # The tables it grows have doubled (and the last round beside is over, else: after the next batch).
                    if self.summary.imported >= analyze_at and (analyzing is None or not analyzing.is_alive()):
                        tables = [apps.get_model(label) for label in WRITTEN]
                        if beside:
                            analyzing = bulk.analyze_beside(tables)
                        else:
                            bulk.analyze(tables)
                        analyze_at *= 2
                    if progress is not None:
                        progress(self.summary)
            finally:
                self._fake = None
                if analyzing is not None:
                    analyzing.join()
        return self.summary

    def _save_counts(self) -> None:
        ImportRun.objects.filter(pk=self.run.pk).update(counts=self.summary.as_dict())

    def _set_clock(self, at: dt.datetime) -> None:
        assert self._fake is not None
        self._fake.at = at

    # --- A batch -----------------------------------------------------------------------------
    def _batch(self, batch: list[Interpreted]) -> None:
        known: dict[str, str] = {}  # the search tokens the reading process made of the batch's lines
        for item in batch:
            known.update(item.line_tokens)
        with search_tokens.known_lines(known):
            self._write_batch(batch)

    def _write_batch(self, batch: list[Interpreted]) -> None:
        fingerprints = [item.source.fingerprint() for item in batch]
        legacy = [item.source.legacy_fingerprint() for item in batch]  # (Markdown rows imported before 2026-12)
        wanted = set(fingerprints).union(filter(None, legacy))
        known = {
            fingerprint: (pk, outcome, run_id)
            for fingerprint, pk, outcome, run_id in ImportedRow.objects.filter(fingerprint__in=wanted).values_list(
                "fingerprint", "pk", "outcome", "run_id"
            )
        }
        seen: set[str] = set()
        self._batch_cases, self._looked_up = {}, set()
        if self.batched:
            self._look_up_cases({key: number for item in batch for key, number in _case_numbers(item)})
            self._look_up_continued(batch)
        results: list[RowResult] = []  # every row's, in order (added to the summary once all are written)
        done: list[tuple[Interpreted, str, tuple[int, str, int] | None, RowResult, _Written | None]] = []
        for item, fingerprint, old in zip(batch, fingerprints, legacy, strict=True):
            source = item.source
            previous = known.get(fingerprint) or (known.get(old) if old else None)
            # The same row twice in this run (within a batch or across batches) is a duplicate whatever the
            # first became; a row quarantined by an earlier run is tried again.
            if fingerprint in seen or (previous is not None and (previous[1] != Outcome.QUARANTINED
                                                                 or previous[2] == self.run.pk)):
                results.append(RowResult(source.file, source.sheet, source.line, Outcome.DUPLICATE,
                                         customer=item.customer_name, subject=item.subject,
                                         occurred_at=item.occurred_at))  # fmt: skip
                continue
            seen.add(fingerprint)
            result, written = self._row(item, fingerprint)
            results.append(result)
            done.append((item, fingerprint, previous, result, written))
        self._flush()
        self._write_checkins()
        self._write_notes()
        for result in results:
            self.summary.add(result)
        new_rows: list[ImportedRow] = []
        retried: list[ImportedRow] = []
        imported_messages: list[int] = []
        now = self.real_now()
        for item, fingerprint, previous, result, written in done:
            source = item.source
            if written is not None and written.outcome == "":  # refused when written one by one
                written = None
            row = bulk.new(
                ImportedRow, run=self.run, fingerprint=fingerprint, file=source.file[:255], sheet=source.sheet[:100],
                line=source.line, raw=source.raw, outcome=result.outcome, reason=result.reason,
                detail=result.detail, ticket=written.ticket if written else None,
                message_id=written.message_id if written else None, checkin=written.checkin if written else None,
                created_at=now, updated_at=now,
            )
            if written is not None and written.message_id is not None and not written.marked:
                imported_messages.append(written.message_id)  # (the batched notes are written imported)
            if previous is not None:
                row.pk = previous[0]
                retried.append(row)
            else:
                new_rows.append(row)
        bulk.insert(new_rows)
        if retried:
            ImportedRow.objects.bulk_update(
                retried, ["run", "file", "sheet", "line", "raw", "outcome", "reason", "detail", "ticket", "message",
                          "checkin", "updated_at"],
            )  # fmt: skip
        if imported_messages:  # the notes that hold old text are marked imported, like their tickets
            Message.objects.filter(pk__in=imported_messages).update(imported=True)

    def _flush(self) -> None:
        """Write the queued new tickets: their new vendor cases (``sms.cases.import_cases``), the
        tickets with their notes and status changes (``tickets.actions.import_tickets``), then the
        links (``sms.cases.import_links``); their rows learn ticket and note.

        Refused as a batch (an action's ValidationError), each is written on its own through the
        per-row actions, so only the row that is refused is quarantined (``REJECTED``)."""
        queue, self._queue, self._queued_keys = self._queue, [], set()
        if not queue:
            return
        cases = list({id(case): case for entry in queue for _key, case, _moved in entry.links}.values())
        try:
            with transaction.atomic():
                case_actions.import_cases(cases, actor=self.actor)
                notes_by_pk = case_actions.link_notes(case.case for case in cases)
                link_notes = {id(case): notes_by_pk[case.case.pk] for case in cases}
                pending = [dataclasses.replace(_pending_of(entry), steps=[
                    ticket_actions.ImportedStep(status=Status.WAITING_VENDOR if moved else "",
                                                reason=case_actions.REASON_LINKED if moved else "",
                                                note=link_notes[id(case)])
                    for _key, case, moved in entry.links
                ]) for entry in queue]  # fmt: skip
                self._set_clock(self.real_now())  # the batch's audit entry: when it was imported
                notes: list[Message] = []
                tickets = ticket_actions.import_tickets(pending, actor=self.actor, first_notes=notes)
                case_actions.import_links(cases, tickets, actor=self.actor)
        except ValidationError:
            self._batch_cases, self._looked_up = {}, set()  # rolled back: ask the database again
            for entry in queue:
                self._write_alone(entry)
            return
        for case in cases:  # written: what the next rows of the batch link to
            case.new, case.touched, case.links, case.resolved = False, False, [], []
        for entry, ticket, note in zip(queue, tickets, notes, strict=True):  # the note with the row's text
            entry.written.ticket, entry.written.message_id, entry.written.marked = ticket, note.pk, True
            entry.result.ticket_ref = ticket.ref
            entry.written.cases = [(key, case.case.pk) for key, case, _moved in entry.links]
            self._remember_cases(entry.written, entry.customer_pk)

    def _write_checkins(self) -> None:
        """Write the batch's check-ins (``feedback.checkins.import_checkins``); refused as a batch,
        each goes on its own through ``log_checkin``, so only the refused row is quarantined."""
        queue, self._checkins = self._checkins, []
        if not queue:
            return
        try:
            with transaction.atomic():
                checkins = import_checkins([checkin for _entry, checkin in queue])
        except ValidationError:
            for entry, _checkin in queue:
                self._write_alone(entry)
            return
        for (entry, _checkin), checkin in zip(queue, checkins, strict=True):
            entry.written.checkin = checkin

    def _write_notes(self) -> None:
        """Write the batch's continuations (``tickets.actions.import_notes``); refused as a batch,
        each goes on its own through ``add_note`` and ``change_status``, so only the refused row is
        quarantined."""
        queue, self._notes = self._notes, []
        if not queue:
            return
        try:
            with transaction.atomic():
                messages = ticket_actions.import_notes([note for _entry, note in queue], actor=self.actor)
        except ValidationError:
            for entry, _note in queue:
                self._write_alone(entry)
            return
        for (entry, note), message in zip(queue, messages, strict=True):
            entry.written.message_id, entry.written.marked = message.pk, True
            entry.result.ticket_ref = note.ticket.ref

    def _remember_cases(self, written: _Written, customer_pk: int | None) -> None:
        for number, case_pk in written.cases:
            self._cases[number] = case_pk
            if written.ticket is not None:
                self._case_tickets.setdefault((customer_pk, number), written.ticket.pk)

    def _look_up_continued(self, batch: list[Interpreted]) -> None:
        """The tickets this run opened that the batch's continuations name, in one query (each
        row's ``_continued`` read its own). Nothing writes to tickets that exist while a batch is
        planned (its notes are written at its end), so they are what each row would have read.
        A row whose customer is not known yet (a provisional one the batch creates) reads its own."""
        pks = set()
        for item in batch:
            if item.continues:
                pk = self._case_tickets.get((self.customers.match(item.customer_name), _case_key(item.continues)))
                if pk is not None:
                    pks.add(pk)
        self._batch_tickets = Ticket.objects.in_bulk(pks) if pks else {}

    def _look_up_cases(self, numbers: dict[str, str]) -> None:
        """The desk's vendor cases for these case numbers (key → number as written), one query: the
        one this run linked before, else the first whose number matches (as ``_link_case`` finds it)."""
        wanted = {key: number for key, number in numbers.items() if key not in self._looked_up}
        if not wanted:
            return
        self._looked_up |= set(wanted)
        known = [self._cases[key] for key in wanted if key in self._cases]
        found = VendorCase.objects.annotate(upper_number=Upper("case_number")).filter(
            Q(pk__in=known) | Q(upper_number__in={number.upper() for number in wanted.values()})
        )
        by_pk: dict[int, VendorCase] = {}
        by_number: dict[str, VendorCase] = {}
        for case in found:  # in the model's order, as ``.first()`` picks
            by_pk[case.pk] = case
            by_number.setdefault(case.case_number.upper(), case)
        for key, number in wanted.items():
            known_case = by_pk.get(self._cases.get(key, 0)) or by_number.get(number.upper())
            if known_case is not None:
                self._batch_cases[key] = case_actions.ImportedCase(case=known_case)

    def _forget_cases(self, item: Interpreted) -> None:
        """A row written on its own may have opened or linked cases: ask the database next time."""
        for key, _number in _case_numbers(item):
            self._batch_cases.pop(key, None)
            self._looked_up.discard(key)

    def _write_alone(self, entry: _Queued) -> None:
        result, written = entry.result, entry.written
        assert written.alone is not None
        try:
            with transaction.atomic():
                alone = written.alone()
        except ValidationError as exc:
            result.outcome, result.reason, result.detail = Outcome.QUARANTINED, REJECTED, "; ".join(exc.messages)[:2000]
            written.outcome, written.pending = "", None
            return
        written.ticket, written.message_id, written.pending = alone.ticket, alone.message_id, None
        written.checkin, written.cases = alone.checkin, alone.cases
        result.ticket_ref = alone.ticket.ref if alone.ticket is not None else ""
        self._remember_cases(written, entry.customer_pk)

    def _row(self, item: Interpreted, fingerprint: str) -> tuple[RowResult, _Written | None]:
        source = item.source
        result = RowResult(source.file, source.sheet, source.line, Outcome.QUARANTINED,
                           customer=item.customer_name, subject=item.subject, occurred_at=item.occurred_at)  # fmt: skip
        try:
            customer = self._check(item)
            if not item.continues and customer is not None:
                item.continues = self._continued_from_before(item, customer)
            if not item.continues and item.continues_previous and _heading_key(item) in self._last_ticket:
                item.continues = PREVIOUS
            written = self._pending(item, fingerprint, customer, result)  # written later, with the batch
            if written is not None:
                result.outcome = written.outcome
                self._remember_last(item, written)
                return result, written
            keys = {key for key, _number in _case_numbers(item)}
            if keys & self._queued_keys:  # it continues or links a case of a queued row: write those first
                self._flush()
            if written := self._pending_note(item, customer, result):  # it continues a ticket: written with its batch
                result.outcome = written.outcome
                return result, written
            try:
                with transaction.atomic():  # a refused row leaves nothing behind
                    written = self._write(item, fingerprint, customer)
            finally:
                if keys:
                    self._forget_cases(item)
        except _Quarantine as stop:
            result.reason, result.detail = stop.reason, stop.detail[:2000]
            return result, None
        except ValidationError as exc:  # an action refused the row (TicketActionError, CaseActionError …)
            result.reason, result.detail = REJECTED, "; ".join(exc.messages)[:2000]
            return result, None
        self._remember_cases(written, customer.pk if customer else None)
        self._remember_last(item, written)
        result.outcome = written.outcome
        result.ticket_ref = written.ticket.ref if written.ticket is not None else ""
        return result, written

    def _remember_last(self, item: Interpreted, written: _Written) -> None:
        """A Markdown bullet that opened a ticket: the one a later outcome-only bullet under the same
        heading continues (one per heading: the last)."""
        if item.source.kind == "markdown" and written.outcome == Outcome.TICKET:
            self._last_ticket[_heading_key(item)] = written

    # --- Checks before writing ---------------------------------------------------------------
    def _check(self, item: Interpreted) -> Customer | None:
        if item.reason is not None:
            raise _Quarantine(str(item.reason), item.detail)
        if item.occurred_at is None:
            raise _Quarantine(Reason.NO_DATE, details.say(N_("No date in the row.")))
        if item.occurred_at > self.real_now() + IN_THE_FUTURE:
            future = details.say(N_("The date %(date)s is in the future."), date=item.occurred_at.date().isoformat())
            raise _Quarantine(Reason.UNPARSEABLE_DATE, future)
        if not (item.subject or item.description).strip():
            raise _Quarantine(Reason.NO_TEXT, details.say(N_("Nothing says what happened.")))
        if item.resolved_at is not None and item.resolved_at > self.real_now() + IN_THE_FUTURE:
            item.resolved_at = None  # a typo (2031 for 2025): a row that says it is done is resolved at its time
        return self._customer(item.customer_name)

    def _customer(self, name: str) -> Customer | None:
        name = (name or "").strip()
        if not name:
            return None
        pk = self.customers.match(name)
        if pk is None:
            if not self.create_customers:
                raise _Quarantine(Reason.NO_CUSTOMER, details.say(N_("No customer matches “%(name)s”."), name=name))
            master = self.customers.master_of(name)
            parent = self._customer_object(master[0]) if master is not None else None
            self._set_clock(self.real_now())
            customer = create_provisional_customer(name=name, actor=self.actor, parent=parent)
            self.customers.add(customer)
            self._customer_objects[customer.pk] = customer
            self.summary.provisional_customers.append(name)
            return customer
        return self._customer_object(pk)

    def _customer_object(self, pk: int) -> Customer:
        if pk not in self._customer_objects:
            self._customer_objects[pk] = Customer.objects.get(pk=pk)
        return self._customer_objects[pk]

    # --- Writing one row ---------------------------------------------------------------------
    def _write(self, item: Interpreted, fingerprint: str, customer: Customer | None) -> _Written:
        assert item.occurred_at is not None
        owner, note_lines = self._owners(item)
        if item.is_checkin and customer is not None:
            return self._checkin(self._checkin_of(item, fingerprint, customer, owner))
        if item.continues:
            target = self._continued_ticket(item, customer)
            if target is not None:
                return self._continuation(item, target, note_lines)
        return self._ticket(item, fingerprint, customer, owner, note_lines)

    def _pending(self, item: Interpreted, fingerprint: str, customer: Customer | None,
                 result: RowResult) -> _Written | None:  # fmt: skip
        """A new ticket (not a continuation): queued, written with its batch by ``_flush``; a
        check-in is queued for ``_write_checkins`` instead.

        Its vendor cases are planned here, in row order, as ``_ticket`` would open and link them:
        a case this run or the desk has is linked; an unknown number opens a case; linking an open
        case sets the ticket waiting on the vendor; a row that says it is done resolves the cases it
        opened."""
        if self.batched and item.is_checkin and customer is not None:
            return self._pending_checkin(item, fingerprint, customer, result)
        if not self.batched or item.continues:
            return None
        numbers = _case_numbers(item)
        if any(len(number) > CASE_NUMBER_MAX for _key, number in numbers):
            return None  # ``open_case`` refuses it: the row goes alone (and is quarantined)
        owner, lines = self._owners(item)
        assert item.occurred_at is not None
        at0 = item.occurred_at
        subject = (item.subject or item.description).strip().splitlines()[0]
        entry = _Queued(result, _Written(Outcome.TICKET), customer.pk if customer is not None else None)
        ticket_status = Status.OPEN if owner is not None else Status.NEW
        opened: list[case_actions.ImportedCase] = []
        for key, number in numbers:
            if any(key == linked for linked, _case, _moved in entry.links):
                continue  # linked already (``link_ticket`` does nothing)
            self._look_up_cases({key: number})
            case = self._batch_cases.get(key)
            if case is None:
                text = f"{item.description} {item.notes}".lower()
                vendor = next((kind for kind in _VENDOR_KINDS if kind in text), VendorAccount.Kind.VONAGE)
                case = case_actions.ImportedCase(new=True, case=VendorCase(
                    vendor=vendor, case_number=number, subject=subject.strip()[:255], owner=owner, opened_at=at0,
                    status=VendorCase.Status.WAITING_VENDOR, created_at=at0, updated_at=at0,
                ))  # fmt: skip
                self._batch_cases[key] = case
                opened.append(case)
            case.case.updated_at, case.touched = at0, True
            moved = case.case.is_open and ticket_status != Status.WAITING_VENDOR
            if moved:
                ticket_status = Status.WAITING_VENDOR
            case.links.append((len(self._queue), at0))
            entry.links.append((key, case, moved))
        status, at, resolution = self._final_status(item, ticket_status)
        if status in (Status.RESOLVED, Status.CLOSED):
            for case in opened:  # done at the same time (``change_case_status``)
                assert at is not None
                case.resolved.append((case.case.status, at))
                case.case.status, case.case.updated_at = VendorCase.Status.RESOLVED, at
                case.case.resolved_at = case.case.resolved_at or at
        entry.written.pending = ticket_actions.ImportedTicket(
            subject=subject, opened_at=at0, note=self._note_text(item, lines),
            description=item.description or item.subject, customer=customer,
            category=self.categories.get(item.category_code) if item.category_code else None, owner=owner,
            status=status, status_at=at, resolution=resolution, source_kind=SOURCE_KIND, source_ref=fingerprint,
        )  # fmt: skip
        entry.written.alone = lambda: self._ticket(item, fingerprint, customer, owner, lines)
        self._queue.append(entry)
        self._queued_keys.update(key for key, _number in numbers)
        return entry.written

    def _pending_note(self, item: Interpreted, customer: Customer | None, result: RowResult) -> _Written | None:
        """A row that continues a ticket (``_continued``): queued, its note and status written with
        its batch by ``_write_notes``. None when it is not one (or not batched)."""
        if not self.batched or not item.continues or (item.is_checkin and customer is not None):
            return None
        ticket = self._continued_ticket(item, customer)
        if ticket is None:
            return None
        assert item.occurred_at is not None
        _owner, lines = self._owners(item)
        entry = _Queued(result, _Written(Outcome.TIMELINE, ticket=ticket), None)
        entry.written.alone = lambda: self._continuation(item, ticket, lines)
        self._notes.append((entry, ticket_actions.ImportedNote(
            ticket=ticket, note=self._note_text(item, lines), at=item.occurred_at,
            status=functools.partial(self._final_status, item),
        )))  # fmt: skip
        return entry.written

    def _owners(self, item: Interpreted) -> tuple[Any, list[str]]:
        """The first owner (None when no agent matches) and the note lines about the others."""
        lines: list[str] = []
        names = [name.strip() for name in item.owners if name and name.strip()]
        owner = self.owners.match(names[0]) if names else None
        if names and owner is None:
            lines.append(self._formats["owner"] % {"name": names[0]})
        if len(names) > 1:
            lines.append(self._formats["participants"] % {"names": ", ".join(names[1:])})
        return owner, lines

    def _note_text(self, item: Interpreted, lines: list[str]) -> str:
        return "\n".join(part for part in [*_note_head(item, self._formats), *lines] if part)

    def _checkin_of(self, item: Interpreted, fingerprint: str, customer: Customer, owner: Any) -> ImportedCheckin:
        assert item.occurred_at is not None
        text = " ".join(part for part in (item.description or item.subject, item.notes) if part).strip()
        lowered = text.lower()
        kind = CheckinKind.CALL if any(word in lowered for word in ("call", "电话", "回访")) else CheckinKind.OTHER
        # No actor: the check-in's owner is who talked to the customer (from the log), never the
        # person running the import (recorded on the ImportRun).
        return ImportedCheckin(customer=customer, kind=kind, occurred_at=item.occurred_at,
                               notes=text or item.source.raw.strip(), owner=owner, source_ref=fingerprint)  # fmt: skip

    def _pending_checkin(self, item: Interpreted, fingerprint: str, customer: Customer,
                         result: RowResult) -> _Written:  # fmt: skip
        """A "月度回访" row: queued, written with its batch by ``_write_checkins``."""
        owner, _lines = self._owners(item)
        entry = _Queued(result, _Written(Outcome.CHECKIN), customer.pk)
        planned = self._checkin_of(item, fingerprint, customer, owner)
        entry.written.alone = lambda: self._checkin(planned)
        self._checkins.append((entry, planned))
        return entry.written

    def _checkin(self, planned: ImportedCheckin) -> _Written:
        """One check-in on its own, through ``log_checkin`` at its time."""
        self._set_clock(planned.occurred_at)
        checkin = log_checkin(customer=planned.customer, actor=None, kind=planned.kind,
                              occurred_at=planned.occurred_at, notes=planned.notes, owner=planned.owner,
                              source=CheckinSource.IMPORT, source_ref=planned.source_ref)  # fmt: skip
        return _Written(Outcome.CHECKIN, checkin=checkin)

    def _continued_ticket(self, item: Interpreted, customer: Customer | None) -> Ticket | None:
        """The ticket a continuation adds to: the one of the bullet before it under the same heading,
        or the one its case number names (``_continued``)."""
        if item.continues != PREVIOUS:
            return self._continued(customer, item.continues)
        written = self._last_ticket.get(_heading_key(item))
        if written is None:
            return None
        if written.ticket is None and written.pending is not None:
            self._flush()  # the bullet before is waiting for its batch: write it first
        ticket = written.ticket
        while ticket is not None and ticket.merged_into_id is not None:
            ticket = ticket.merged_into
        return ticket

    def _continued_from_before(self, item: Interpreted, customer: Customer) -> str:
        """The case number by which a row continues a ticket of an earlier run or of the desk (the
        reader knows only this run's): one the desk has a case for, not linked by this run, whose
        case is linked to a ticket of the row's customer; "" when there is none."""
        for key, number in _case_numbers(item):
            if key in self._cases or (key in self._looked_up and key not in self._batch_cases):
                continue  # this run's case (the reader decided), or one the desk does not have
            if self._continued(customer, number) is not None:
                return number
        return ""

    def _continued(self, customer: Customer | None, reference: str) -> Ticket | None:
        number = _case_key(reference)
        customer_pk = customer.pk if customer is not None else None
        pk = self._case_tickets.get((customer_pk, number))
        ticket: Ticket | None = None
        if pk is not None:
            ticket = self._batch_tickets.get(pk) or Ticket.objects.filter(pk=pk).first()
        else:
            case = VendorCase.objects.filter(case_number__iexact=case_actions.normalise_case_number(reference)).first()
            if case is not None:
                linked = case.tickets.order_by("pk")
                if customer is not None:
                    linked = linked.filter(customer=customer)
                ticket = linked.first()
        while ticket is not None and ticket.merged_into_id is not None:
            ticket = ticket.merged_into
        return ticket

    def _continuation(self, item: Interpreted, ticket: Ticket, lines: list[str]) -> _Written:
        assert item.occurred_at is not None
        self._set_clock(item.occurred_at)
        message = ticket_actions.add_note(ticket=ticket, body=self._note_text(item, lines), actor=self.actor)
        self._status(item, ticket)
        return _Written(Outcome.TIMELINE, ticket=ticket, message_id=message.pk)

    def _ticket(self, item: Interpreted, fingerprint: str, customer: Customer | None, owner: Any,
                lines: list[str]) -> _Written:  # fmt: skip
        assert item.occurred_at is not None
        self._set_clock(item.occurred_at)
        subject = (item.subject or item.description).strip().splitlines()[0]
        category = self.categories.get(item.category_code) if item.category_code else None
        ticket = ticket_actions.open_ticket(
            subject=subject, channel=Channel.IMPORT, actor=self.actor, description=item.description or item.subject,
            customer=customer, category=category, owner=owner, imported_at=item.occurred_at, source_kind=SOURCE_KIND,
            source_ref=fingerprint,
        )
        message = ticket_actions.add_note(ticket=ticket, body=self._note_text(item, lines), actor=self.actor)
        written = _Written(Outcome.TICKET, ticket=ticket, message_id=message.pk)
        opened: list[VendorCase] = []
        for fact in item.facts:
            if fact.kind != "case_number" or not case_actions.normalise_case_number(fact.value):
                continue
            case, created = self._link_case(fact.value, ticket, item, owner)
            written.cases.append((_case_key(fact.value), case.pk))
            if created:
                opened.append(case)
        self._status(item, ticket, cases=opened)
        return written

    def _link_case(self, number: str, ticket: Ticket, item: Interpreted, owner: Any) -> tuple[VendorCase, bool]:
        key = _case_key(number)
        pk = self._cases.get(key)
        case = VendorCase.objects.filter(pk=pk).first() if pk is not None else None
        if case is None:
            case = VendorCase.objects.filter(case_number__iexact=case_actions.normalise_case_number(number)).first()
        if case is not None:
            if ticket.status != Status.CLOSED:
                case_actions.link_ticket(case=case, ticket=ticket, actor=self.actor)
            return case, False
        text = f"{item.description} {item.notes}".lower()
        vendor = next((kind for kind in _VENDOR_KINDS if kind in text), VendorAccount.Kind.VONAGE)
        case = case_actions.open_case(vendor=vendor, case_number=number, subject=ticket.subject, actor=self.actor,
                                      owner=owner, opened_at=item.occurred_at, tickets=[ticket])  # fmt: skip
        return case, True

    def _final_status(self, item: Interpreted,
                      current: str) -> tuple[str, dt.datetime | None, ticket_actions.Resolution | None]:  # fmt: skip
        """What the row sets on a ticket in status ``current``, when, and the resolution ("" when
        nothing): resolved/closed at the resolution time (never before the row); "in progress"
        never takes a ticket out of waiting on the vendor. For a new ticket of the batch, ``current``
        is its status after its case links; ``_status`` asks with the ticket's status in the desk."""
        assert item.occurred_at is not None
        status = item.status
        if status not in ticket_actions.IMPORTED_STATUSES:
            return "", None, None
        if current == status or (status == Status.OPEN and current != Status.NEW):
            return "", None, None
        at = item.occurred_at
        if status in (Status.RESOLVED, Status.CLOSED) and item.resolved_at is not None and item.resolved_at > at:
            at = item.resolved_at
        resolution = None
        if status == Status.RESOLVED and item.notes.strip():
            resolution = ticket_actions.Resolution.of(summary=item.notes)
        return status, at, resolution

    def _status(self, item: Interpreted, ticket: Ticket, *, cases: Iterable[VendorCase] = ()) -> None:
        """The row's status, at its time (``_final_status`` of the ticket as it stands now)."""
        if item.status not in ticket_actions.IMPORTED_STATUSES:
            return  # nothing to set: no need to read the ticket's status
        ticket.refresh_from_db(fields=["status"])
        status, at, resolution = self._final_status(item, ticket.status)
        if not status:
            return
        assert at is not None
        self._set_clock(at)
        if status in (Status.RESOLVED, Status.CLOSED):
            for case in cases:  # a case this row opened and the row says is done: done at the same time
                case_actions.change_case_status(case=case, status=VendorCase.Status.RESOLVED, actor=self.actor)
        ticket_actions.change_status(ticket=ticket, status=status, actor=self.actor, resolution=resolution)


def load(items: Iterable[Interpreted], *, run: ImportRun, actor: Any = None, create_customers: bool = True,
         dry_run: bool = False, batch_size: int = BATCH_SIZE,
         progress: Callable[[Summary], None] | None = None, batched: bool = True) -> Summary:  # fmt: skip
    """Write ``items`` (or, ``dry_run``, do everything and roll it back); updates ``run``'s state and counts.

    ``run`` must exist (committed) before: its rows point at it. An exception marks the run failed
    and propagates; the batches committed before it stay (the next run skips them as duplicates).
    """
    real_now = clock.now
    loader = Loader(run=run, actor=actor, create_customers=create_customers, real_now=real_now, batched=batched)
    # Who runs it (``host:pid``): a page can tell a run whose process is gone from one under way.
    run.options = {**(run.options or {}), "holder": leases.holder()}
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING, dry_run=dry_run, options=run.options)
    try:
        # Millions of short-lived objects: the collector leaves the process's long-lived heap alone.
        # Old logs are history: the tickets' listeners hear none of it (no survey, no chat notice).
        with quiet_collector(), ticket_actions.quietly():
            if dry_run:
                with transaction.atomic():
                    loader.load(items, batch_size=batch_size, progress=progress)
                    transaction.set_rollback(True)
            else:
                loader.load(items, batch_size=batch_size, progress=progress)
    except BaseException as exc:  # Ctrl-C (KeyboardInterrupt) too: the run says it stopped, and why
        run.state, run.finished_at = ImportRun.State.FAILED, real_now()
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.counts = loader.summary.as_dict()  # what the committed batches did
        try:
            run.save(update_fields=["state", "error", "finished_at", "counts"])
        except Exception:  # the connection went with the interruption: the original error matters more
            logger.exception("import run %s: could not record its failure", run.pk)
        raise
    run.state, run.finished_at, run.dry_run = ImportRun.State.DONE, real_now(), dry_run
    run.counts = loader.summary.as_dict()
    run.save(update_fields=["state", "finished_at", "counts", "dry_run"])
    return loader.summary


# --- Files → rows → interpreted → loaded -----------------------------------------------------------
def interpreted(files: Iterable[tuple[str, str]], *, mapping: dict[str, str] | None = None,
                timezone: str | None = None, year: int | None = None) -> Iterator[Interpreted]:  # fmt: skip
    """Stream the ``(path, name)`` files through the reading half: one ``Interpreted`` per source row."""
    from aftersales.imports import interpret as interpreting
    from aftersales.imports import read as reading

    rows = itertools.chain.from_iterable(reading.read(path, name=name) for path, name in files)
    chosen = interpreting.Mapping.from_dict(mapping) if mapping else None
    return interpreting.interpret(rows, mapping=chosen, timezone=timezone, year=year)


def with_line_tokens(items: Iterable[Interpreted]) -> Iterator[Interpreted]:
    """``items``, each with the search tokens of the lines the writer indexes (the subject, the
    description, the note's lines about the row: where it comes from, the raw row, its notes): for
    the reading process, which has time to spare."""
    formats = _note_formats()
    for item in items:
        if not item.quarantined:
            for text in (item.subject.strip(), item.description, *_note_head(item, formats)):
                item.line_tokens.update(search_tokens.line_tokens(text))
        yield item


def start_run(*, actor: Any, files: list[dict[str, Any]], mapping: dict[str, str] | None = None,
              timezone: str = "", year: int | None = None, profile: Any = None, dry_run: bool = False,
              options: dict[str, Any] | None = None) -> ImportRun:  # fmt: skip
    """Record a run before anything is read (its rows point at it)."""
    from django.conf import settings

    return ImportRun.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None, created_at=clock.now(),
        files=files, mapping=mapping or {}, timezone=timezone or settings.TIME_ZONE, year=year, profile=profile,
        dry_run=dry_run, options=options or {},
    )


def run_files(*, run: ImportRun, actor: Any = None, dry_run: bool = False, batch_size: int = BATCH_SIZE,
              progress: Callable[[Summary], None] | None = None, read_ahead: bool = False) -> Summary:  # fmt: skip
    """Import ``run``'s files with its mapping, timezone, year and options.

    ``read_ahead``: the files are read and interpreted in a child process (``core.ahead``) while this
    one writes, for the command line; a web request keeps it all in its own process."""
    files = [(str(entry["path"]), str(entry["name"])) for entry in run.files]
    if read_ahead:
        search_tokens.jieba_tokenizer()  # loaded once, here, for both processes (the child shares it)

    def read() -> Iterator[Interpreted]:
        items = interpreted(files, mapping=run.mapping or None, timezone=run.timezone, year=run.year)
        return with_line_tokens(items) if read_ahead else items

    items = ahead(read, enabled=read_ahead)
    return load(items, run=run, actor=actor, create_customers=bool(run.options.get("create_customers", True)),
                dry_run=dry_run, batch_size=batch_size, progress=progress)  # fmt: skip
