"""``import_notes``: a batch of imported continuations writes what ``add_note`` + ``change_status``
write one by one, with a constant number of queries, and is refused whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.audit.models import AuditEntry
from aftersales.core import clock
from aftersales.core.models import SearchDoc
from aftersales.core.search.query import search
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Message, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Shanghai

# (note, when, the status the row asks for, when it got there): resolved, then reopened by a later
# row (its clocks restart, the reopening is counted), then a note that changes nothing, then closed.
STEPS = [
    ("客户反馈越南送达率恢复", T0 + dt.timedelta(hours=2), Status.RESOLVED, T0 + dt.timedelta(hours=3)),
    ("又出现延迟，重新跟进 vonage", T0 + dt.timedelta(days=1), Status.OPEN, None),
    ("已提醒客户充值", T0 + dt.timedelta(days=1, hours=1), "", None),
    ("换通道后稳定，关闭", T0 + dt.timedelta(days=2), Status.CLOSED, T0 + dt.timedelta(days=2, hours=4)),
]


def _asked(status: str, at: dt.datetime | None) -> Any:
    def answer(current: str) -> actions.ImportedStatus:
        if not status or status == current:
            return "", None, None
        resolution = actions.Resolution.of(summary="换通道") if status == Status.RESOLVED else None
        return status, at, resolution

    return answer


def _one_by_one(ticket: Ticket, actor: Any) -> None:
    for note, when, status, status_at in STEPS:
        with time_machine.travel(when, tick=False):
            message = actions.add_note(ticket=ticket, body=note, actor=actor)
        Message.objects.filter(pk=message.pk).update(imported=True)  # as the importer marks it afterwards
        ticket.refresh_from_db()
        wanted, at, resolution = _asked(status, status_at)(ticket.status)
        if wanted:
            with time_machine.travel(at or when, tick=False):
                actions.change_status(ticket=ticket, status=wanted, actor=actor, resolution=resolution)


def _batched(ticket: Ticket, actor: Any) -> list[Message]:
    return actions.import_notes([actions.ImportedNote(ticket=ticket, note=note, at=when, status=_asked(status, at))
                                 for note, when, status, at in STEPS], actor=actor)  # fmt: skip


def _snapshot(ticket: Ticket, user: Any) -> dict[str, Any]:
    bodies = {m.pk: m.body for m in Message.objects.filter(ticket=ticket)}
    messages = [(m.kind, m.body, m.created_at, m.author_user_id, m.channel, m.imported)
                for m in Message.objects.filter(ticket=ticket)]  # fmt: skip
    timeline = [(e.kind, e.at, str(e.before), str(e.after), e.reason, e.actor_id)
                for e in TicketEvent.objects.filter(ticket=ticket)]  # fmt: skip
    entries = AuditEntry.objects.filter(action__startswith="ticket.", object_id=str(ticket.pk))
    audit = [(e.action, e.at, e.actor_label, e.object_label, str(e.before),
              bodies.get(e.after.get("message"), str(e.after))) for e in entries]  # fmt: skip
    doc = SearchDoc.objects.get(kind="ticket", object_id=ticket.pk)
    return {
        "ticket": Ticket.objects.filter(pk=ticket.pk).values().get(),
        "messages": sorted(messages),
        "events": sorted(timeline),
        "audit": sorted(audit),
        "doc": (doc.tokens, doc.status, doc.updated_at),
        "found": [hit.object_id for hit in search("重新跟进", kinds=["ticket"], user=user).items],
    }


def _written(ticket: Ticket, user: Any, write: Any) -> dict[str, Any]:
    with transaction.atomic():
        write(ticket, user)
        snapshot = _snapshot(ticket, user)
        transaction.set_rollback(True)
    return snapshot


def test_a_batch_writes_what_add_note_and_change_status_write(personas: Any) -> None:
    """On a live ticket with SLA clocks: notes, statuses, the clocks' fields, events, audit, search."""
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        ticket = make_ticket(customer=personas.customer, actor=personas.agent, owner=personas.agent,
                             subject="越南送达率下降")  # fmt: skip
    assert ticket.resolution_due_at is not None  # it has clocks
    per_row = _written(ticket, personas.agent, _one_by_one)
    batched = _written(ticket, personas.agent, _batched)
    assert per_row["ticket"]["status"] == Status.CLOSED and per_row["ticket"]["reopen_count"] == 1
    assert per_row["found"] == [ticket.pk]
    for part in ("ticket", "events", "audit", "doc", "found"):
        assert batched[part] == per_row[part], part
    assert batched["messages"] == per_row["messages"]


def test_the_notes_are_marked_imported_and_listeners_hear_each_change(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(customer=personas.customer, actor=personas.agent)
    heard: list[tuple[str, str]] = []
    actions.register_listener(listener := lambda t, what: heard.append((t.ref, what)))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notes = _batched(ticket, personas.agent)
    finally:
        actions._listeners.remove(listener)
    assert [note.body for note in notes] == [note for note, *_rest in STEPS]
    assert all(note.imported and note.pk for note in notes)
    assert heard == [(ticket.ref, what) for what in ("noted", "status", "noted", "status", "noted", "noted", "status")]


def test_a_batch_costs_the_same_queries_whatever_its_size(personas: Any) -> None:
    tickets = [make_ticket(customer=personas.customer, actor=personas.agent) for _ in range(30)]

    def notes(count: int) -> list[actions.ImportedNote]:
        return [actions.ImportedNote(ticket=tickets[n % len(tickets)], note=f"vonage 回复 {n}", at=clock.now(),
                                     status=_asked(Status.RESOLVED if n % 2 else Status.OPEN, None))
                for n in range(count)]  # fmt: skip

    actions.import_notes(notes(1), actor=personas.lead)  # the actor's groups, the SLA calendars
    with CaptureQueriesContext(connection) as small:
        actions.import_notes(notes(2), actor=personas.lead)
    with CaptureQueriesContext(connection) as large:
        actions.import_notes(notes(90), actor=personas.lead)
    if connection.vendor == "postgresql":  # (SQLite updates the rows one by one)
        assert len(large) == len(small)
    assert len(small) <= 15
    assert Message.objects.filter(imported=True, author_user=personas.lead).count() == 93


def test_a_merged_ticket_refuses_the_whole_batch_and_nothing_is_written(personas: Any) -> None:
    first = make_ticket(customer=personas.customer, actor=personas.agent)
    source = make_ticket(customer=personas.customer, actor=personas.agent)
    actions.merge_tickets(source=source, target=first, actor=personas.agent)
    before = (Message.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count())
    with pytest.raises(actions.TicketActionError, match=f"merged into {first.ref}"):
        actions.import_notes([
            actions.ImportedNote(ticket=first, note="fine", at=clock.now(), status=_asked(Status.RESOLVED, None)),
            actions.ImportedNote(ticket=source, note="on the merged one", at=clock.now()),
        ], actor=personas.agent)  # fmt: skip
    assert (Message.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count()) == before
    assert Ticket.objects.get(pk=first.pk).status != Status.RESOLVED


def test_an_empty_note_or_a_viewer_is_refused(personas: Any) -> None:
    ticket = make_ticket(customer=personas.customer, actor=personas.agent)
    with pytest.raises(actions.TicketActionError, match="Write something"):
        actions.import_notes([actions.ImportedNote(ticket=ticket, note="  ", at=clock.now())], actor=personas.agent)
    with pytest.raises(actions.TicketActionError, match="not an agent"):
        actions.import_notes([actions.ImportedNote(ticket=ticket, note="x", at=clock.now())], actor=personas.viewer)
    assert actions.import_notes([], actor=personas.agent) == []
    assert not Message.objects.filter(ticket=ticket, kind="note").exists()
