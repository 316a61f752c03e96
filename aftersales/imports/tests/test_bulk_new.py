"""``core.bulk.new`` builds the same object as the model's constructor, for the objects the import builds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.core import bulk
from aftersales.customers.models import Customer
from aftersales.imports.models import ImportedRow
from aftersales.testing.factories import make_customer, make_ticket, make_user
from aftersales.tickets.models import Message, Ticket, TicketEvent

AT = dt.datetime(2025, 3, 5, 14, 20, tzinfo=dt.UTC)


def _same(model: type[Any], **values: Any) -> Any:
    built, expected = bulk.new(model, **values), model(**values)
    assert type(built) is model
    assert {k: v for k, v in vars(built).items() if k != "_state"} == {
        k: v for k, v in vars(expected).items() if k != "_state"
    }
    assert built._state.adding and built._state.db == expected._state.db
    assert built._state.fields_cache == expected._state.fields_cache
    return built


@pytest.mark.django_db
def test_the_same_object_as_the_constructor_for_what_the_import_builds() -> None:
    customer = make_customer("bluewave", "Bluewave Games")
    agent = make_user("li-na")
    ticket = _same(Ticket, number=7, ref="T-7", subject="送达率下降", description="", customer=customer,
                   category=None, owner=agent, created_at=AT, updated_at=AT, imported=True,
                   source_ref="f1")  # fmt: skip
    assert ticket.customer is customer and ticket.customer_id == customer.pk and ticket.owner_id == agent.pk
    assert ticket.pk is None and ticket.status == Ticket._meta.get_field("status").default
    ticket = make_ticket(customer=customer)
    note = _same(Message, ticket=ticket, kind="note", author_user=None, body="Imported", created_at=AT, imported=True)
    assert note.ticket is ticket and note.author_user is None and note.ticket_id == ticket.pk
    assert note._state.db == "default"  # (given a related object, the descriptor picks the database)
    unsaved = bulk.new(Ticket, number=8, ref="T-8", subject="Not saved yet")
    assert unsaved._state.db is None
    bulk.new(TicketEvent, ticket=unsaved, kind="created")
    assert unsaved._state.db == "default"
    _same(Message, ticket_id=ticket.pk, kind="note", body="by key")
    event = _same(TicketEvent, ticket=ticket, kind="created", actor=agent, at=AT, before={}, after={"status": "new"})
    assert event.before == {} and event.before is not _same(TicketEvent, ticket=ticket, kind="x").before
    _same(ImportedRow, fingerprint="f1", line=3, raw="a,b", outcome="ticket", ticket=ticket, message_id=None)
    _same(AuditEntry, action="ticket.import", after={"tickets": ["T-7"]})


@pytest.mark.django_db
def test_a_callable_default_is_called_for_each_object() -> None:
    first, second = bulk.new(TicketEvent, kind="a"), bulk.new(TicketEvent, kind="b")
    first.before["x"] = 1
    assert second.before == {}


def test_what_it_does_not_know_goes_to_the_constructor() -> None:
    with pytest.raises(TypeError, match="unexpected keyword"):
        bulk.new(Message, no_such_field=1)
    with pytest.raises(ValueError, match="must be a \"Ticket\" instance"):
        bulk.new(Message, ticket=Customer(name="Not a ticket"))


class _NoRelations:
    """A router that allows no relation between objects (as a sharded setup might)."""

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return False


@pytest.mark.django_db
def test_a_router_is_asked_as_the_descriptor_asks_it(settings: Any) -> None:
    ticket = make_ticket(customer=make_customer("bluewave", "Bluewave Games"))
    settings.DATABASE_ROUTERS = [_NoRelations()]
    with pytest.raises(ValueError, match="the current database router prevents this relation"):
        bulk.new(Message, ticket=ticket, kind="note", body="refused by the router")
    settings.DATABASE_ROUTERS = []
    assert bulk.new(Message, ticket=ticket, kind="note", body="allowed").ticket is ticket
