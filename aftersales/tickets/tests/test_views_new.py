"""Logging a phone or chat conversation as a new ticket."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.testing.factories import make_contact
from aftersales.tickets.models import Channel, Status, Ticket

pytestmark = pytest.mark.django_db
NEW = reverse("tickets:new")


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(NEW)["Location"].startswith(reverse("core:login"))
    assert client.post(NEW, {"subject": "x"})["Location"].startswith(reverse("core:login"))


def test_outsider_and_viewer_are_refused(client, personas):
    for user in (personas.outsider, personas.viewer):
        client.force_login(user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"subject": "x", "channel": "phone", "priority": "3"}).status_code == 403
    assert not Ticket.objects.exists()


def test_form_defaults_to_phone_and_me_and_lists_sub_accounts(client, personas):
    client.force_login(personas.agent)
    html = client.get(NEW).content.decode()
    assert 'data-testid="new-ticket-subject"' in html and 'data-testid="new-ticket-customer"' in html
    assert '<option value="phone" selected>' in html
    assert f'<option value="{personas.agent.pk}" selected>Li Heping</option>' in html
    assert "Starriver Tech 星河科技 › Starriver Sub-account 2" in html


def test_agent_logs_a_call_for_a_sub_account(client, personas):
    client.force_login(personas.agent)
    response = client.post(NEW, {
        "channel": "phone", "customer": personas.subaccount.pk, "contact": "", "subject": "Balance looks wrong",
        "description": "Caller says the balance dropped overnight.", "category": "", "priority": "2",
        "owner": personas.agent.pk, "tags": "billing",
    })
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[ticket.ref])
    assert ticket.channel == Channel.PHONE and ticket.customer == personas.subaccount
    assert ticket.owner == personas.agent and ticket.status == Status.OPEN and ticket.last_customer_message_at
    page = client.get(response["Location"]).content.decode()
    assert f"Ticket {ticket.ref} opened." in page and "Caller says the balance dropped overnight." in page


def test_unknown_caller_goes_to_needs_customer(client, personas):
    client.force_login(personas.agent)
    client.post(NEW, {"channel": "chat", "subject": "Asked about prices", "priority": "3", "owner": ""})
    ticket = Ticket.objects.get()
    assert ticket.customer is None and ticket.owner is None and ticket.status == Status.NEW


def test_contact_of_another_customer_is_refused_with_a_message(client, personas):
    stranger = make_contact(personas.other_customer, "Wu Lan")
    client.force_login(personas.agent)
    response = client.post(NEW, {"channel": "phone", "customer": personas.customer.pk, "contact": stranger.pk,
                                 "subject": "Wrong contact", "priority": "3"})
    assert response.status_code == 400
    assert "Wu Lan is not a contact of this customer." in response.content.decode()
    assert not Ticket.objects.exists()


def test_missing_subject_is_shown_next_to_the_field(client, personas):
    client.force_login(personas.agent)
    response = client.post(NEW, {"channel": "phone", "subject": "", "priority": "3"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_the_contact_list_follows_the_chosen_customer(client, personas):
    mine = make_contact(personas.customer, "Zhou Min")
    stranger = make_contact(personas.other_customer, "Wu Lan")
    client.force_login(personas.agent)
    html = client.get(NEW).content.decode()
    contacts = html[html.index('name="contact"'):html.index("</select>", html.index('name="contact"'))]
    assert "Zhou Min" not in contacts and "Wu Lan" not in contacts  # no customer chosen yet: none listed
    assert f'hx-get="{reverse("tickets:new_contacts")}"' in html
    options = client.get(reverse("tickets:new_contacts"), {"customer": personas.customer.pk}).content.decode()
    assert f'<option value="{mine.pk}">Zhou Min — ' in options and "Wu Lan" not in options
    assert client.get(reverse("tickets:new_contacts"), {"customer": "nonsense"}).content.decode().count("<option") == 1
    refused = client.post(NEW, {"channel": "phone", "customer": personas.other_customer.pk, "priority": "3"})
    assert refused.status_code == 400  # (no subject): the list shown again is the chosen customer's
    again = refused.content.decode()
    assert f'<option value="{stranger.pk}">Wu Lan — ' in again and "Zhou Min" not in again
    client.force_login(personas.viewer)
    assert client.get(reverse("tickets:new_contacts"), {"customer": personas.customer.pk}).status_code == 403
