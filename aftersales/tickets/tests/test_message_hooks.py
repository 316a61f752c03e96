"""The seam channels use to send replies out: hooks run inside the reply's transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Message, MessageKind, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen() -> Iterator[list[Message]]:
    calls: list[Message] = []

    def hook(message: Message) -> None:
        calls.append(message)

    actions.register_message_hook(hook)
    actions.register_message_hook(hook)  # registering twice keeps one
    yield calls
    actions.unregister_message_hook(hook)


def test_hook_sees_each_outbound_reply_once_with_the_updated_ticket(personas, seen):
    ticket = make_ticket(customer=personas.customer, contact=personas.contact)
    reply = actions.record_reply(ticket=ticket, body="We are on it.", actor=personas.agent)
    assert [m.pk for m in seen] == [reply.pk]
    assert seen[0].kind == MessageKind.OUTBOUND
    assert seen[0].ticket.status == Status.OPEN and seen[0].ticket.first_response_at is not None


def test_notes_and_customer_messages_do_not_call_hooks(personas, seen):
    ticket = make_ticket(customer=personas.customer, contact=personas.contact)
    actions.add_note(ticket=ticket, body="internal", actor=personas.agent)
    actions.record_customer_message(ticket=ticket, body="any news?", channel="email", contact=personas.contact)
    assert seen == []


def test_a_failing_hook_rolls_the_reply_back(personas):
    ticket = make_ticket(customer=personas.customer, contact=personas.contact)

    def broken(message: Message) -> None:
        raise RuntimeError("outbox unavailable")

    actions.register_message_hook(broken)
    try:
        with pytest.raises(RuntimeError):
            actions.record_reply(ticket=ticket, body="This will not be stored.", actor=personas.agent)
    finally:
        actions.unregister_message_hook(broken)
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.first_response_at is None
