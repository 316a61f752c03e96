"""``core.bulk.insert`` (COPY on PostgreSQL, ``bulk_create`` elsewhere) saves what ``bulk_create`` saves."""

from __future__ import annotations

from typing import Any

from aftersales.audit.log import build as audit_build
from aftersales.audit.models import AuditEntry
from aftersales.core import bulk, clock
from aftersales.tickets.models import Channel, Ticket, TicketEvent


def test_insert_saves_the_rows_with_their_pks_json_and_foreign_keys(personas: Any) -> None:
    entries = [
        audit_build(actor=personas.lead, action="imports.test", obj=personas.customer,
                    before={"n": n}, after={"名": "星河科技", "tab": "a\tb\nc\\d", "none": None})
        for n in range(3)
    ]  # fmt: skip
    saved = bulk.insert(entries)
    assert [entry.pk for entry in saved] == sorted({entry.pk for entry in saved}) and saved[0].pk is not None
    stored = list(AuditEntry.objects.filter(action="imports.test").order_by("pk"))
    assert [entry.pk for entry in stored] == [entry.pk for entry in saved]
    assert [entry.before for entry in stored] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert stored[0].after == {"名": "星河科技", "tab": "a\tb\nc\\d", "none": None}
    assert stored[0].actor_id == personas.lead.pk and stored[0].object_label == str(personas.customer)
    later = audit_build(actor=None, action="imports.test", obj=None)
    later.save()  # the sequence moved past the rows: the next pk does not collide
    assert later.pk > saved[-1].pk

    now = clock.now()
    ticket = Ticket(number=990001, ref="T-990001", subject="Bulk", channel=Channel.IMPORT, created_at=now,
                    updated_at=now, status_since=now)  # fmt: skip
    event = TicketEvent(ticket=ticket, kind="created", at=now, after={"status": "new"})  # assigned before saved
    bulk.insert([ticket])
    bulk.insert([event])
    assert TicketEvent.objects.get(pk=event.pk).ticket_id == ticket.pk
    assert bulk.insert([]) == []


def test_set_column_saves_each_objects_own_value_and_nothing_else(personas: Any) -> None:
    import datetime as dt

    from aftersales.sms.models import VendorCase

    at = dt.datetime(2025, 3, 5, 14, 20, tzinfo=dt.UTC)
    cases = [VendorCase.objects.create(vendor="vonage", case_number=f"0460112{n}", subject=f"Case {n}",
                                       opened_at=at, created_at=at, updated_at=at) for n in range(3)]  # fmt: skip
    for n, case in enumerate(cases[:2]):
        case.updated_at = at + dt.timedelta(days=n + 1, microseconds=n)
        case.subject = "not saved"
    bulk.set_column(cases[:2], "updated_at")
    stored = {case.pk: case for case in VendorCase.objects.filter(pk__in=[case.pk for case in cases])}
    assert [stored[case.pk].updated_at for case in cases] == [
        at + dt.timedelta(days=1), at + dt.timedelta(days=2, microseconds=1), at
    ]
    assert {case.subject for case in stored.values()} == {"Case 0", "Case 1", "Case 2"}
    bulk.set_column([], "updated_at")


def test_set_columns_saves_several_fields_each_objects_own_values(personas: Any) -> None:
    import datetime as dt

    from aftersales.tickets.models import RootCause

    at = dt.datetime(2025, 3, 5, 14, 20, tzinfo=dt.UTC)
    cause = RootCause.objects.create(code="bulk-cause", name_en="Bulk", name_zh="批量")
    tickets = [Ticket.objects.create(number=990100 + n, ref=f"T-9901{n:02d}", subject=f"Ticket {n}",
                                     channel=Channel.IMPORT, created_at=at, updated_at=at, status_since=at,
                                     root_cause=cause) for n in range(3)]  # fmt: skip
    tickets[0].status, tickets[0].resolved_at, tickets[0].root_cause = "resolved", at + dt.timedelta(hours=1), None
    tickets[1].status, tickets[1].resolution_summary = "closed", "换通道后恢复"
    for ticket in tickets:
        ticket.subject = "not saved"
    bulk.set_columns(tickets[:2], ["status", "resolved_at", "root_cause", "resolution_summary"])
    stored = {ticket.pk: ticket for ticket in Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets])}
    first, second, third = (stored[ticket.pk] for ticket in tickets)
    assert (first.status, first.resolved_at, first.root_cause_id) == ("resolved", at + dt.timedelta(hours=1), None)
    assert (second.status, second.resolved_at, second.root_cause_id) == ("closed", None, cause.pk)
    assert second.resolution_summary == "换通道后恢复"
    assert (third.status, third.root_cause_id) == ("new", cause.pk)
    assert {ticket.subject for ticket in stored.values()} == {"Ticket 0", "Ticket 1", "Ticket 2"}
    bulk.set_columns(tickets, [])
