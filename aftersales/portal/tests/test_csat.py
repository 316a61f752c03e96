"""Rating a resolved ticket in the customer portal."""

from __future__ import annotations

import pytest

from aftersales.feedback.tests.csat_helpers import (  # noqa: F401 - csat_mail_settings is a fixture
    csat_mail_settings,
    request_of,
    resolve,
)
from aftersales.portal.actions import ensure_portal_user
from aftersales.testing.factories import make_contact, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_ticket(personas, django_capture_on_commit_callbacks):
    personas.contact.email = "zhou.min@starriver.example"
    personas.contact.language = "en"
    personas.contact.save()
    ticket = make_ticket(
        "Sender ID rejected", customer=personas.customer, contact=personas.contact, owner=personas.agent
    )
    return ticket


def test_a_resolved_ticket_offers_rate_this_ticket(client, personas, portal_ticket, django_capture_on_commit_callbacks):
    client.force_login(ensure_portal_user(personas.contact))
    assert "portal-csat" not in client.get(f"/portal/tickets/{portal_ticket.ref}/").content.decode()  # still open

    resolve(portal_ticket, personas.agent, django_capture_on_commit_callbacks)
    html = client.get(f"/portal/tickets/{portal_ticket.ref}/").content.decode()
    assert "Rate this ticket" in html and 'data-testid="portal-csat-form"' in html


def test_the_contact_rates_in_the_portal(client, personas, portal_ticket, django_capture_on_commit_callbacks):
    resolve(portal_ticket, personas.agent, django_capture_on_commit_callbacks)
    client.force_login(ensure_portal_user(personas.contact))

    response = client.post(f"/portal/tickets/{portal_ticket.ref}/rate/", {"rating": "4", "comment": "Good"})

    assert response.status_code == 302
    request = request_of(portal_ticket)
    assert request.rating == 4 and request.comment == "Good" and request.answered_via == "portal"
    html = client.get(response["Location"]).content.decode()
    assert "Your rating: 4 out of 5." in html and "Thank you! Your rating is saved." in html


def test_a_bad_rating_in_the_portal_is_explained(client, personas, portal_ticket, django_capture_on_commit_callbacks):
    resolve(portal_ticket, personas.agent, django_capture_on_commit_callbacks)
    client.force_login(ensure_portal_user(personas.contact))
    response = client.post(f"/portal/tickets/{portal_ticket.ref}/rate/", {"rating": ""}, follow=True)
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert request_of(portal_ticket).rating is None


def test_a_contact_of_another_customer_cannot_rate(client, personas, portal_ticket, django_capture_on_commit_callbacks):
    resolve(portal_ticket, personas.agent, django_capture_on_commit_callbacks)
    stranger = make_contact(personas.other_customer, "Gao Yu", email="gao.yu@bluewave.example")
    client.force_login(ensure_portal_user(stranger))
    response = client.post(f"/portal/tickets/{portal_ticket.ref}/rate/", {"rating": "1"})
    assert response.status_code == 404
    assert request_of(portal_ticket).rating is None


def test_a_sub_account_contact_cannot_rate_the_masters_ticket(
    client, personas, portal_ticket, django_capture_on_commit_callbacks
):
    resolve(portal_ticket, personas.agent, django_capture_on_commit_callbacks)
    sub_contact = make_contact(personas.subaccount, "Qin Lan", email="qin.lan@sub2.starriver.example")
    client.force_login(ensure_portal_user(sub_contact))
    assert client.post(f"/portal/tickets/{portal_ticket.ref}/rate/", {"rating": "1"}).status_code == 404
