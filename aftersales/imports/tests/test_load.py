"""The loading half: rows → tickets with their original times, owners, notes; nothing twice, nothing lost."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from typing import Any

import pytest

from aftersales.core import clock
from aftersales.core.heap import THRESHOLD
from aftersales.customers.models import Customer
from aftersales.imports import load as loading
from aftersales.imports.models import AgentAlias, ImportedRow, ImportRun
from aftersales.imports.records import Fact, Interpreted, Outcome, Reason
from aftersales.imports.tests.conftest import at, item, run_load, start
from aftersales.tickets.models import Channel, MessageKind, Status, Ticket

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def aliases(personas: Any) -> None:
    AgentAlias.objects.create(alias="小李", key="小李", user=personas.agent, created_at=clock.now())
    AgentAlias.objects.create(alias="杨", key="杨", user=personas.agent2, created_at=clock.now())


def test_row_becomes_an_imported_ticket_with_its_original_times(personas: Any, aliases: None) -> None:
    raw = "2025/3/5,Bluewave Games,印尼送达率下降到60%左右,小李 / 杨,已解决,2025/3/7,开case给vonage"
    summary = run_load([item(2, raw, customer_name="Bluewave Games", subject="印尼送达率下降到60%左右",
                             description="客户反馈印尼送达率下降到60%左右", owners=["小李", "杨"], status="resolved",
                             resolved_at=at(3, 7, 18), notes="开case给vonage", category_code="delivery-conversion")])
    assert summary.as_dict()["rows"] == 1 and summary.imported == 1 and summary.adds_up
    ticket = Ticket.objects.get()
    assert ticket.imported and ticket.channel == Channel.IMPORT and ticket.source_kind == "import"
    assert ticket.customer == personas.other_customer
    assert ticket.owner == personas.agent
    assert ticket.category is not None and ticket.category.code == "delivery-conversion"
    assert ticket.created_at == at(3, 5)
    assert ticket.status == Status.RESOLVED and ticket.resolved_at == at(3, 7, 18)
    assert ticket.resolution_summary == "开case给vonage"
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert raw in note.body and "Participants: 杨" in note.body and note.imported
    assert note.created_at == at(3, 5)
    resolved_event = ticket.events.filter(kind="status").order_by("-at").first()
    assert resolved_event is not None and resolved_event.at == at(3, 7, 18)
    row = ImportedRow.objects.get()
    assert (row.outcome, row.ticket, row.message, row.line) == (Outcome.TICKET, ticket, note, 2)
    assert ticket.source_ref == row.fingerprint


def test_reimporting_the_same_rows_changes_nothing(personas: Any) -> None:
    rows = [item(2, "a,Bluewave Games,first"), item(3, "b,Bluewave Games,second")]
    first = run_load(rows)
    second = run_load(rows)
    assert (first.imported, first.duplicates) == (2, 0)
    assert second.as_dict() | {"outcomes": {}} == {
        "rows": 2, "imported": 0, "duplicates": 2, "quarantined": 0, "reasons": {}, "outcomes": {},
        "provisional_customers": [],
    }
    assert Ticket.objects.count() == 2 and ImportedRow.objects.count() == 2


def test_an_identical_row_twice_in_one_file_is_a_duplicate(personas: Any) -> None:
    summary = run_load([item(2, "same,text"), item(2, "same,text")])
    assert (summary.imported, summary.duplicates) == (1, 1)


def test_quarantined_rows_are_kept_and_retried_by_the_next_run(personas: Any) -> None:
    raw = "日期不记得了,Bluewave Games,客户电话投诉"
    bad = item(5, raw, reason=Reason.UNPARSEABLE_DATE, detail="日期不记得了", occurred_at=None)
    good = item(6, "2025/3/6,Bluewave Games,ok")
    first = run_load([bad, good])
    assert first.reasons == {"unparseable_date": 1} and first.quarantined == 1 and first.adds_up
    row = ImportedRow.objects.get(outcome=Outcome.QUARANTINED)
    assert (row.reason, row.detail, row.raw, row.ticket) == ("unparseable_date", "日期不记得了", raw, None)
    fixed = item(5, raw, occurred_at=at(3, 9), customer_name="Bluewave Games", subject="客户电话投诉")
    second = run_load([fixed, good])
    assert (second.imported, second.duplicates, second.quarantined) == (1, 1, 0)
    row.refresh_from_db()
    assert row.outcome == Outcome.TICKET and row.reason == "" and row.ticket is not None
    assert row.ticket.created_at == at(3, 9)
    assert ImportedRow.objects.count() == 2 and Ticket.objects.count() == 2


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"reason": Reason.EMPTY}, "empty"),
        ({"occurred_at": None}, "no_date"),
        ({"subject": "", "description": ""}, "no_text"),
        ({"occurred_at": at(12, 31)}, "unparseable_date"),  # after "now" (2025-07-01): a misread date
    ],
)
def test_rows_that_cannot_be_tickets_are_quarantined_with_their_reason(personas: Any, values: dict[str, Any],
                                                                       reason: str) -> None:  # fmt: skip
    summary = run_load([item(3, "x,y,z", **values)])
    assert summary.quarantined == 1 and summary.reasons == {reason: 1}
    assert ImportedRow.objects.get().reason == reason and not Ticket.objects.exists()


@pytest.mark.parametrize("batched", [True, False])
def test_a_refused_action_quarantines_the_row_and_leaves_nothing_half_written(personas: Any, monkeypatch: Any,
                                                                            batched: bool) -> None:  # fmt: skip
    from aftersales.tickets import actions

    real = actions.change_status
    real_batch = actions.import_tickets

    def refuse(**kwargs: Any) -> Any:
        if kwargs["ticket"].subject == "refuse me":
            raise actions.TicketActionError("Refused for the test.")
        return real(**kwargs)

    def refuse_batch(items: Any, **kwargs: Any) -> Any:  # the batch is refused: each row is tried alone
        tickets = real_batch(items, **kwargs)  # written, then rolled back by the refusal
        if any(ticket.subject == "refuse me" for ticket in tickets):
            raise actions.TicketActionError("Refused for the test.")
        return tickets

    monkeypatch.setattr(actions, "change_status", refuse)
    monkeypatch.setattr(actions, "import_tickets", refuse_batch)
    summary = run_load([item(2, "refuse me", status="closed"), item(3, "fine", status="closed")], batched=batched)
    assert summary.reasons == {"rejected": 1} and summary.imported == 1
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["fine"]
    assert ImportedRow.objects.get(outcome="quarantined").detail == "Refused for the test."


def _crashing(items: list[Interpreted], after: int) -> Iterator[Interpreted]:
    for index, value in enumerate(items):
        if index == after:
            raise RuntimeError("disk full")
        yield value


def test_a_crashed_run_resumes_without_duplicates(personas: Any) -> None:
    rows = [item(line, f"row {line},Bluewave Games,text {line}") for line in range(2, 9)]  # 7 rows
    with pytest.raises(RuntimeError):
        run_load(_crashing(rows, after=5), batch_size=2)
    assert Ticket.objects.count() == 4  # two whole batches committed; the third never completed
    failed = ImportRun.objects.get()
    assert failed.state == ImportRun.State.FAILED and "disk full" in failed.error
    assert failed.counts["imported"] == 4
    summary = run_load(rows, batch_size=2)
    assert (summary.rows, summary.duplicates, summary.imported) == (7, 4, 3)
    assert Ticket.objects.count() == 7 and ImportedRow.objects.count() == 7


@pytest.mark.parametrize("batched", [True, False])
def test_a_crash_inside_a_batch_rolls_the_whole_batch_back(personas: Any, monkeypatch: Any, batched: bool) -> None:
    from aftersales.tickets import actions

    real = actions.open_ticket
    real_batch = actions.import_tickets

    def crash(**kwargs: Any) -> Any:
        if kwargs["subject"] == "row 5":
            raise ConnectionError("database went away")
        return real(**kwargs)

    def crash_batch(items: Any, **kwargs: Any) -> Any:
        tickets = real_batch(items, **kwargs)
        if any(ticket.subject == "row 5" for ticket in tickets):
            raise ConnectionError("database went away")
        return tickets

    rows = [item(line, f"row {line}") for line in range(2, 8)]
    monkeypatch.setattr(actions, "open_ticket", crash)
    monkeypatch.setattr(actions, "import_tickets", crash_batch)
    with pytest.raises(ConnectionError):
        run_load(rows, batch_size=2, batched=batched)
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["row 2", "row 3"]
    assert ImportedRow.objects.count() == 2
    monkeypatch.setattr(actions, "open_ticket", real)
    monkeypatch.setattr(actions, "import_tickets", real_batch)
    summary = run_load(rows, batch_size=2, batched=batched)
    assert (summary.duplicates, summary.imported) == (2, 4)


def test_a_failed_batch_is_not_counted_on_the_failed_run(personas: Any, monkeypatch: Any) -> None:
    """The run's counts are what its committed batches did, even when the batch fails after its rows
    were tallied (here: storing the rows' records)."""
    from aftersales.core import bulk

    real = bulk.insert
    stored: list[int] = []

    def full_disk_on_the_second_batch(objs: Any) -> Any:
        if objs and isinstance(objs[0], ImportedRow):
            stored.append(len(objs))
            if len(stored) == 2:
                raise OSError("No space left on device")
        return real(objs)

    monkeypatch.setattr(bulk, "insert", full_disk_on_the_second_batch)
    run = start()
    with pytest.raises(OSError, match="No space left"):
        loading.load([item(line, f"row {line}") for line in range(2, 8)], run=run, batch_size=2)
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and "No space left" in run.error
    assert run.counts["rows"] == run.counts["imported"] == ImportedRow.objects.count() == 2


def test_ctrl_c_marks_the_run_failed_and_keeps_the_committed_batches(personas: Any) -> None:
    def interrupted(summary: loading.Summary) -> None:
        if summary.rows >= 4:
            raise KeyboardInterrupt

    run = start()
    with pytest.raises(KeyboardInterrupt):
        loading.load([item(line, f"row {line}") for line in range(2, 8)], run=run, batch_size=2,
                     progress=interrupted)  # fmt: skip
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and run.error.startswith("KeyboardInterrupt")
    assert run.counts["imported"] == Ticket.objects.count() == 4
    assert run.options["holder"]  # who ran it: the page tells a gone process from a live one


@pytest.mark.postgres  # a PostgreSQL setting (deselected in the SQLite run)
def test_a_batch_commits_without_waiting_for_the_disk(personas: Any, monkeypatch: Any) -> None:
    from django.db import connection

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0])

    seen: list[str] = []
    real = loading.Loader._batch

    def watched(self: Any, batch: Any) -> None:
        seen.append(setting())
        real(self, batch)

    monkeypatch.setattr(loading.Loader, "_batch", watched)
    assert setting() == "on"  # the desk's default
    run_load([item(line, f"row {line}") for line in range(2, 6)], batch_size=2)
    assert seen == ["off", "off"]  # set in each batch's transaction (SET LOCAL: it ends with it)


def test_dry_run_shows_the_full_result_and_writes_nothing(personas: Any) -> None:
    rows = [item(2, "a,Unknown Corp,x", customer_name="Unknown Corp"), item(3, "b", reason=Reason.EMPTY),
            item(4, "c,Bluewave Games,y", customer_name="Bluewave Games")]  # fmt: skip
    run = start()
    summary = loading.load(rows, run=run, dry_run=True)
    assert summary.as_dict()["provisional_customers"] == ["Unknown Corp"]
    assert (summary.rows, summary.imported, summary.quarantined) == (3, 2, 1)
    assert [r.outcome for r in summary.first_rows] == ["ticket", "quarantined", "ticket"]
    assert not Ticket.objects.exists() and not ImportedRow.objects.exists()
    assert not Customer.objects.filter(provisional=True).exists()
    run.refresh_from_db()
    assert run.dry_run and run.state == ImportRun.State.DONE and run.counts["imported"] == 2
    real = run_load(rows)
    assert real.as_dict() == summary.as_dict()


def test_rows_always_add_up_with_random_junk(personas: Any) -> None:
    rng = random.Random(9)  # noqa: S311 - reproducible junk, not secrets
    reasons = [None, None, None, Reason.EMPTY, Reason.NO_DATE, Reason.BAD_ENCODING, Reason.TOO_LONG]
    rows = []
    for _row in range(120):
        text = "".join(rng.choice("ab,星河 \t?") for _ in range(rng.randint(0, 12)))
        rows.append(item(rng.randint(1, 60), text, reason=rng.choice(reasons), subject=text.strip(),
                         description=text.strip(), customer_name=rng.choice(["", "Bluewave Games", "星河 ?"]),
                         occurred_at=rng.choice([at(3, 5), at(4, 1), None])))  # fmt: skip
    for _ in range(2):
        summary = run_load(rows, batch_size=7)
        assert summary.rows == 120 and summary.adds_up
        assert sum(summary.outcomes.values()) == 120
    assert ImportedRow.objects.count() == len({r.source.fingerprint() for r in rows})
    assert Ticket.objects.count() == ImportedRow.objects.filter(outcome="ticket").count()


def test_an_unknown_owner_is_kept_in_the_note_and_never_fails_the_row(personas: Any) -> None:
    run_load([item(2, "x,Bluewave Games,x", owners=["老王"])])
    ticket = Ticket.objects.get()
    assert ticket.owner is None
    assert "Owner in the log (no agent matches): 老王" in ticket.messages.get().body


def test_owners_match_by_username_display_name_and_alias(personas: Any, aliases: None) -> None:
    run_load([item(2, "a", owners=["Yang Meng"]), item(3, "b", owners=["li.heping"]), item(4, "c", owners=["小李"]),
              item(5, "d", owners=["HAN PENGSHUAI"])])  # fmt: skip
    owners = dict(Ticket.objects.values_list("subject", "owner"))
    assert owners == {"a": personas.agent2.pk, "b": personas.agent.pk, "c": personas.agent.pk, "d": personas.lead.pk}


def test_facts_link_a_vendor_case_without_duplicating_an_existing_one(personas: Any, aliases: None) -> None:
    from aftersales.sms.cases import open_case
    from aftersales.sms.models import VendorCase

    existing = open_case(vendor="vonage", case_number="04577310", subject="Vodafone UK", actor=None,
                         opened_at=at(4, 29))  # fmt: skip
    run_load([
        item(2, "case 04512877", customer_name="Bluewave Games", facts=[Fact("case_number", "04512877")],
             owners=["小李"], status="resolved", resolved_at=at(3, 7)),
        item(3, "case 04577310", customer_name="Bluewave Games", occurred_at=at(4, 30),
             facts=[Fact("case_number", "04577310")]),
    ])
    assert VendorCase.objects.count() == 2
    new = VendorCase.objects.get(case_number="04512877")
    first, second = Ticket.objects.order_by("created_at")
    assert list(new.tickets.all()) == [first] and new.opened_at == at(3, 5) and new.owner == personas.agent
    assert new.status == VendorCase.Status.RESOLVED and new.resolved_at == at(3, 7)
    assert first.status == Status.RESOLVED
    assert list(existing.tickets.all()) == [second] and second.status == Status.WAITING_VENDOR


def test_a_continuation_becomes_a_timeline_entry_on_the_earlier_ticket(personas: Any) -> None:
    rows = [
        item(4, "5.6 越南短信发送失败率高。已开 case 04601122", file="notes.md", kind="markdown",
             customer_name="Bluewave Games", occurred_at=at(5, 6), facts=[Fact("case_number", "04601122")]),
        item(5, "5/9 case 04601122 vonage 回复已恢复，通知客户", file="notes.md", kind="markdown",
             customer_name="Bluewave Games", occurred_at=at(5, 9, 15), facts=[Fact("case_number", "04601122")],
             continues="04601122"),
    ]
    summary = run_load(rows)
    assert summary.outcomes == {"ticket": 1, "timeline": 1} and summary.imported == 2
    ticket = Ticket.objects.get()
    later = ticket.messages.filter(kind=MessageKind.NOTE, body__contains="回复已恢复").get()
    assert later.created_at == at(5, 9, 15) and later.imported
    assert ImportedRow.objects.get(line=5).ticket == ticket
    # A later run (another file) continuing the same case finds the ticket through the vendor case.
    follow = item(9, "6/1 case 04601122 closed by vonage", file="later.md", customer_name="Bluewave Games",
                  occurred_at=at(6, 1), continues="04601122", status="resolved")
    assert run_load([follow]).outcomes == {"timeline": 1}
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at == at(6, 1)


@pytest.mark.parametrize("batched", [True, False])
def test_a_refused_continuation_is_quarantined_and_the_rest_of_its_batch_written(personas: Any, monkeypatch: Any,
                                                                                 batched: bool) -> None:  # fmt: skip
    """Continuations go with their batch (``import_notes``); refused as a batch, each goes alone
    (``add_note`` + ``change_status``) and only the refused one is quarantined."""
    from aftersales.tickets import actions

    real, real_batch, tried = actions.add_note, actions.import_notes, []

    def refuse(**kwargs: Any) -> Any:
        if "refuse me" in kwargs["body"]:
            raise actions.TicketActionError("Refused for the test.")
        return real(**kwargs)

    def refuse_batch(items: Any, **kwargs: Any) -> Any:
        tried.append(len(items))
        notes = real_batch(items, **kwargs)  # written, then rolled back by the refusal
        if any("refuse me" in note.body for note in notes):
            raise actions.TicketActionError("Refused for the test.")
        return notes

    monkeypatch.setattr(actions, "add_note", refuse)
    monkeypatch.setattr(actions, "import_notes", refuse_batch)
    case = [Fact("case_number", "04601122")]
    opening = item(2, "越南短信发送失败率高 case 04601122", customer_name="Bluewave Games", facts=case)
    later = [item(line, text, customer_name="Bluewave Games", facts=case, continues="04601122",
                  occurred_at=at(3, 5 + line), status=status)
             for line, text, status in ((3, "case 04601122 vonage 已回复", "open"),
                                        (4, "case 04601122 refuse me", "closed"),
                                        (5, "case 04601122 已恢复", "resolved"))]  # fmt: skip
    summary = run_load([opening], batched=batched)
    summary = run_load(later, batched=batched)
    assert summary.outcomes == {"timeline": 2, "quarantined": 1} and summary.reasons == {"rejected": 1}
    assert tried == ([3] if batched else [])
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at == at(3, 10)
    notes = ticket.messages.filter(kind=MessageKind.NOTE, imported=True).order_by("created_at")
    assert [note.created_at for note in notes] == [at(3, 5), at(3, 8), at(3, 10)]
    rows = {row.line: row for row in ImportedRow.objects.filter(line__gt=2)}
    assert rows[4].outcome == "quarantined" and rows[4].detail == "Refused for the test."
    assert (rows[3].ticket, rows[5].ticket) == (ticket, ticket) and rows[5].message == notes.last()


def test_a_checkin_row_becomes_a_checkin_record_and_no_ticket(personas: Any, aliases: None) -> None:
    from aftersales.feedback.models import Checkin

    row = item(13, "2025/3/25,Bluewave Games,月度回访,小李,已完成,,客户满意", customer_name="Bluewave Games",
               subject="月度回访", is_checkin=True, owners=["小李"], notes="客户满意", occurred_at=at(3, 25, 10))
    summary = run_load([row])
    assert summary.outcomes == {"checkin": 1}
    checkin = Checkin.objects.get()
    assert (checkin.customer, checkin.owner, checkin.source, checkin.occurred_at) == (
        personas.other_customer, personas.agent, "import", at(3, 25, 10))
    assert checkin.kind == "call" and "客户满意" in checkin.notes
    assert not Ticket.objects.exists()
    assert ImportedRow.objects.get().checkin == checkin
    assert run_load([row]).duplicates == 1 and Checkin.objects.count() == 1


def test_batches_run_with_the_long_lived_heap_set_aside(personas: Any, monkeypatch: Any) -> None:
    """Full collections walked the whole process (jieba's dictionary, Django) every few thousand
    rows; during a run they leave what was alive before it alone (``core.heap``), and after it,
    even a failed one, the collector is as it was."""
    seen: list[tuple[bool, int]] = []
    real = loading.Loader._batch

    def watched(self: Any, batch: Any) -> None:
        seen.append((gc.get_freeze_count() > 0, gc.get_threshold()[0]))
        real(self, batch)

    monkeypatch.setattr(loading.Loader, "_batch", watched)
    before = gc.get_threshold()
    run_load([item(line, f"row {line}") for line in range(2, 6)], batch_size=2)
    assert seen == [(True, THRESHOLD), (True, THRESHOLD)]
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before

    def refused(self: Any, batch: Any) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(loading.Loader, "_batch", refused)
    with pytest.raises(OSError, match="No space left"):
        run_load([item(7, "row 7")])
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


@pytest.mark.parametrize("batched", [True, False])
def test_an_old_row_that_resolves_a_live_ticket_asks_no_survey(
    personas: Any, settings: Any, batched: bool, django_capture_on_commit_callbacks: Any
) -> None:
    """Old logs are history, not news: a row continuing a ticket the desk opened resolves it at the
    row's time, and nobody is told (no survey to the customer, no chat notice)."""
    from django.core import mail

    from aftersales.feedback.models import CsatRequest
    from aftersales.sms.cases import open_case
    from aftersales.testing.factories import make_contact, make_ticket

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    contact = make_contact(personas.customer, "Lin Qiu", email="lin.qiu@starriver.example")
    live = make_ticket("越南短信发送失败率高", customer=personas.customer, contact=contact, owner=personas.agent,
                       actor=personas.agent)  # fmt: skip
    open_case(vendor="vonage", case_number="04601122", subject="VN delivery", actor=personas.agent, tickets=[live])
    row = item(3, "case 04601122 vonage 回复已恢复", customer_name=personas.customer.name, status="resolved",
               facts=[Fact("case_number", "04601122")], continues="04601122", occurred_at=at(6, 2))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = run_load([row], batched=batched)
    assert summary.outcomes == {"timeline": 1}
    live.refresh_from_db()
    assert live.status == Status.RESOLVED and live.resolved_at == at(6, 2) and not live.imported
    assert not CsatRequest.objects.exists() and mail.outbox == []
    assert callbacks == []  # no listener was even scheduled


def test_a_batchs_continuations_find_their_tickets_in_one_query(personas: Any) -> None:
    """Each continuation used to read its ticket on its own (~0.85 ms a row: 16 % of a million-row
    import, whose file continues 68,597 tickets); the batch reads them together."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def ticket_reads(count: int) -> int:
        numbers = [f"0471{count}{n:03d}" for n in range(count)]
        opening = [item(n + 2, f"VN delivery down case {number}", customer_name="Bluewave Games",
                        facts=[Fact("case_number", number)], file=f"f{count}.csv")
                   for n, number in enumerate(numbers)]  # fmt: skip
        later = [item(n + 100, f"case {number} vonage 已恢复", customer_name="Bluewave Games", status="resolved",
                      facts=[Fact("case_number", number)], continues=number, occurred_at=at(3, 9), file=f"f{count}.csv")
                 for n, number in enumerate(numbers)]  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            summary = run_load(opening + later, batch_size=count)  # the continuations: the second batch
        assert summary.outcomes == {"ticket": count, "timeline": count}
        assert Ticket.objects.filter(status=Status.RESOLVED, subject__endswith=numbers[-1]).exists()
        reads = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
        return sum(1 for sql in reads if 'FROM "tickets_ticket"' in sql)

    assert ticket_reads(2) == ticket_reads(6)
