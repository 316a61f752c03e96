"""Strict isolation: every portal URL that names a ticket answers 404 to a contact who may not see it.

The walk is built from the URL patterns themselves, so a new portal URL with a ticket in it
must be added to ``METHODS`` (the test fails otherwise) and is then walked too.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from aftersales.portal.tests.conftest import sign_in
from aftersales.tickets import actions
from aftersales.tickets.models import MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db

# Every portal URL with a ticket reference → the method that uses it and the data it sends.
METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "detail": ("GET", {}),
    "reply": ("POST", {"body": "Let me in"}),
    "close": ("POST", {}),
    "attachment": ("GET", {}),
    "rate": ("POST", {"rating": "1"}),  # CSAT (issue 8)
}


def _ticket_urls() -> list[str]:
    resolver = get_resolver()
    portal = next(p for p in resolver.url_patterns if isinstance(p, URLResolver) and p.namespace == "portal")
    return [
        p.name for p in portal.url_patterns if isinstance(p, URLPattern) and p.name and "<str:ref>" in str(p.pattern)
    ]


def test_every_ticket_url_of_the_portal_is_walked():
    assert sorted(_ticket_urls()) == sorted(METHODS)


def _paths(ticket: Ticket, attachment_pk: int) -> dict[str, str]:
    return {
        "detail": f"/portal/tickets/{ticket.ref}/",
        "reply": f"/portal/tickets/{ticket.ref}/reply/",
        "close": f"/portal/tickets/{ticket.ref}/close/",
        "attachment": f"/portal/tickets/{ticket.ref}/attachments/{attachment_pk}/",
        "rate": f"/portal/tickets/{ticket.ref}/rate/",
    }


def _with_attachment(ticket: Ticket, agent: Any) -> int:
    message = actions.record_reply(
        ticket=ticket, body="report attached", actor=agent, attachments=[SimpleUploadedFile("r.csv", b"a,b\n")]
    )
    return message.attachments.get().pk


def _walk(client: Any, ticket: Ticket, attachment_pk: int) -> dict[str, int]:
    seen = {}
    for name, path in _paths(ticket, attachment_pk).items():
        method, data = METHODS[name]
        response = client.get(path) if method == "GET" else client.post(path, data)
        seen[name] = response.status_code
    return seen


@pytest.mark.parametrize("visitor", ["other_contact", "sub_contact"])
def test_master_ticket_is_404_everywhere_for_outsiders_and_sub_contacts(client, world, personas, visitor):
    ticket = world.master_ticket
    attachment_pk = _with_attachment(ticket, personas.agent)
    sign_in(client, getattr(world, visitor))
    assert _walk(client, ticket, attachment_pk) == dict.fromkeys(METHODS, 404)
    # Nothing changed behind the 404s.
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED
    assert not ticket.messages.filter(kind=MessageKind.INBOUND).exists()
    listing = client.get("/portal/tickets/").content.decode()
    assert ticket.ref not in listing and ticket.subject not in listing


@pytest.mark.parametrize("ticket_name", ["master_ticket", "sub_ticket"])
def test_another_customers_contact_gets_404_on_master_and_sub_tickets(client, world, personas, ticket_name):
    ticket = getattr(world, ticket_name)
    attachment_pk = _with_attachment(ticket, personas.agent)
    sign_in(client, world.other_contact)
    assert _walk(client, ticket, attachment_pk) == dict.fromkeys(METHODS, 404)


def test_a_visible_ticket_with_someone_elses_attachment_id_is_404(client, world, personas):
    other_pk = _with_attachment(world.other_ticket, personas.agent)
    sign_in(client, world.master_contact)
    path = f"/portal/tickets/{world.master_ticket.ref}/attachments/{other_pk}/"
    assert client.get(path).status_code == 404


def test_unknown_and_lowercase_refs(client, world):
    sign_in(client, world.master_contact)
    assert client.get("/portal/tickets/AS-999999/").status_code == 404
    assert client.get(f"/portal/tickets/{world.master_ticket.ref.lower()}/").status_code == 200
    assert client.get(f"/portal/tickets/{world.other_ticket.ref.lower()}/").status_code == 404


def test_the_same_walk_succeeds_for_the_rightful_contacts(client, world, personas):
    """The 404s above are about who asks: the owners of the tickets get through."""
    pairs = (
        (world.master_contact, world.master_ticket),
        (world.master_contact, world.sub_ticket),  # reads and answers a sub-account's ticket, cannot close it
        (world.sub_contact, world.sub_ticket),
    )
    for contact, ticket in pairs:
        attachment_pk = _with_attachment(ticket, personas.agent)
        client.logout()
        sign_in(client, contact)
        seen = _walk(client, ticket, attachment_pk)
        assert seen["detail"] == 200 and seen["attachment"] == 200 and seen["reply"] == 302
        assert seen["close"] == 302
    closed = set(Ticket.objects.filter(status=Status.CLOSED))
    assert closed == {world.master_ticket, world.sub_ticket}
