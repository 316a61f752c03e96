"""The batched loader (``tickets.actions.import_tickets``) writes exactly what the per-row path writes.

The shared samples go through the per-row actions (open_ticket, add_note, change_status, one row
at a time) and through the batched path, each inside a transaction rolled back afterwards; the
tickets, notes, timeline events, audit entries, search docs and search results must be the same
field by field (references and primary keys aside: they are matched by the row's fingerprint).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.audit.models import AuditEntry
from aftersales.core import clock
from aftersales.core.models import SearchDoc
from aftersales.core.search.query import search
from aftersales.customers.models import Customer
from aftersales.imports import load as loading
from aftersales.imports.models import AgentAlias
from aftersales.testing.factories import make_customer
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("frozen")

SAMPLES = Path(__file__).parent / "samples"
FILES = [(str(SAMPLES / name), name) for name in ("ops-log-2025.csv", "customer-notes.md")]
QUERIES = ["送达率", "vonage", "验证码", "Bluewave", "星河科技", "case", "Imported", "participants", "余额"]


@pytest.fixture
def desk(personas: Any) -> None:
    for alias, user in (("小李", personas.agent), ("杨", personas.agent2), ("老韩", personas.lead)):
        AgentAlias.objects.create(alias=alias, key=alias, user=user, created_at=clock.now())
    xinghe = make_customer("xinghe", "星河科技", tier="key")
    make_customer("xinghe-2", "星河科技 子账号2", parent=xinghe)


def _snapshot(user: Any) -> dict[str, Any]:
    """Everything the import wrote about tickets, keyed by the rows' fingerprints instead of pks/refs."""
    key = dict(Ticket.objects.values_list("pk", "source_ref"))
    refs = {ref: key[pk] for pk, ref in Ticket.objects.values_list("pk", "ref")}

    def unref(value: Any) -> Any:
        text = str(value)
        for ref, fingerprint in refs.items():
            text = text.replace(ref, f"<{fingerprint}>")
        return text

    customers = dict(Customer.objects.values_list("pk", "name"))  # provisional ones get new pks each time
    skip = {"id", "number", "ref"}
    tickets: dict[str, dict[str, Any]] = {}
    for row in Ticket.objects.values():
        fields = {name: value for name, value in row.items() if name not in skip}
        fields["customer_id"] = customers.get(row["customer_id"] or 0)
        tickets[row["source_ref"]] = fields
    messages = {message.pk: message for message in Message.objects.all()}
    notes = sorted(
        (key[m.ticket_id], m.kind, unref(m.body), m.created_at, m.imported, m.channel, m.author_user_id)
        for m in messages.values()
    )
    timeline = sorted(
        (key[e.ticket_id], e.kind, e.at, unref(e.before), unref(e.after), e.reason, e.actor_id)
        for e in TicketEvent.objects.all()
    )

    def audit_after(entry: AuditEntry) -> str:
        after = dict(entry.after)
        if "message" in after:  # a pk: the note's text instead
            after["message"] = unref(messages[after["message"]].body)
        return unref(after)

    audit = sorted(
        (entry.action, entry.at, entry.actor_label, entry.object_type,
         key.get(int(entry.object_id), entry.object_id) if entry.object_type == "tickets.ticket" else "",
         unref(entry.object_label) if entry.object_type == "tickets.ticket" else "", unref(entry.before),
         audit_after(entry))
        for entry in AuditEntry.objects.filter(action__startswith="ticket.")
    )  # fmt: skip
    docs = {
        key[doc.object_id]: (doc.title, doc.tokens, doc.status, customers.get(doc.customer_id or 0), doc.language,
                             doc.happened_at, doc.updated_at, unref(doc.ref))
        for doc in SearchDoc.objects.filter(kind="ticket")
    }  # fmt: skip
    found = {
        q: sorted(key[hit.object_id] for hit in search(q, kinds=["ticket"], per_page=100, user=user).items)
        for q in QUERIES
    }
    return {"tickets": tickets, "notes": notes, "timeline": timeline, "audit": audit, "docs": docs, "found": found}


def _import(*, batched: bool, user: Any) -> tuple[dict[str, Any], loading.Summary]:
    if connection.vendor == "postgresql":  # the same case pks both times: the notes link to /sms/cases/<pk>/
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('sms_vendorcase', 'id'), 1000, false)")
    with transaction.atomic():
        run = loading.start_run(actor=None, files=[{"name": name, "path": path, "size": 0} for path, name in FILES])
        summary = loading.load(loading.interpreted(FILES), run=run, batched=batched, batch_size=10)
        snapshot = _snapshot(user)
        transaction.set_rollback(True)
    return snapshot, summary


def test_the_batched_path_writes_what_the_per_row_path_writes(personas: Any, desk: None,
                                                              monkeypatch: Any) -> None:  # fmt: skip
    calls: list[int] = []
    real = ticket_actions.import_tickets

    def counted(items: Any, **kwargs: Any) -> Any:
        calls.append(len(items))
        return real(items, **kwargs)

    monkeypatch.setattr(ticket_actions, "import_tickets", counted)
    one_by_one, per_row_summary = _import(batched=False, user=personas.agent)
    assert calls == []
    batched, batched_summary = _import(batched=True, user=personas.agent)
    assert sum(calls) >= 20 and max(calls) > 1  # most tickets went through the batch
    assert batched_summary.as_dict() == per_row_summary.as_dict()
    assert len(batched["tickets"]) == len(one_by_one["tickets"]) > 20
    for fingerprint, ticket in one_by_one["tickets"].items():
        assert batched["tickets"][fingerprint] == ticket, fingerprint
    for part in ("notes", "timeline", "audit", "docs"):
        assert batched[part] == one_by_one[part], part
    assert any(batched["found"].values())
    assert batched["found"] == one_by_one["found"]


def test_a_batch_costs_the_same_queries_whatever_its_size(personas: Any) -> None:
    def items(count: int) -> list[ticket_actions.ImportedTicket]:
        return [
            ticket_actions.ImportedTicket(subject=f"送达率下降 {n}", opened_at=clock.now(), note=f"Imported: row {n}",
                                          owner=personas.agent, status="resolved", customer=personas.customer)
            for n in range(count)
        ]  # fmt: skip

    ticket_actions.import_tickets(items(1), actor=personas.lead)  # the sequence's row, the actor's groups
    with CaptureQueriesContext(connection) as small:
        ticket_actions.import_tickets(items(2), actor=personas.lead)
    with CaptureQueriesContext(connection) as large:
        tickets = ticket_actions.import_tickets(items(300), actor=personas.lead)
    assert len(small) <= 12
    if connection.vendor == "postgresql":  # one INSERT per table (SQLite splits big INSERTs by its variable limit)
        assert len(large) == len(small)
    assert len(large) < 60  # not one query per ticket
    assert len(tickets) == 300 and tickets[0].ref != tickets[-1].ref
    assert Ticket.objects.filter(imported=True, status="resolved", owner=personas.agent).count() == 303
    assert Message.objects.filter(imported=True, author_user=personas.lead).count() == 303
    assert AuditEntry.objects.filter(action="ticket.status", actor=personas.lead).count() == 303
