"""Resolving a ticket asks its contact to rate it: by email, in their language, once per ticket."""

from __future__ import annotations

import pytest
from django.core import mail

from aftersales.feedback.csat import record_rating
from aftersales.feedback.models import CsatEmail, CsatRequest
from aftersales.feedback.tests.csat_helpers import (  # noqa: F401 - csat_mail_settings is a fixture
    clear_outbox,
    csat_mail_settings,
    request_of,
    resolve,
    resolved_ticket,
    survey_links,
)
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions

pytestmark = pytest.mark.django_db


def test_resolving_emails_five_rating_links_in_english(personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks, language="en")

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["lin.qiu@starriver.example"]
    assert sent.from_email == "support@desk.example"
    assert sent.subject == f"How did we do? [{ticket.ref}] SMS to Vietnam not delivered"
    assert "How satisfied are you with our help?" in sent.body
    assert len(survey_links(sent)) == 5
    html = sent.alternatives[0][0]  # type: ignore[attr-defined]  # EmailMultiAlternatives
    assert html.count("/feedback/csat/") == 5 and 'lang="en"' in html
    row = CsatEmail.objects.get()
    assert row.state == "sent" and row.request.ticket == ticket
    request = request_of(ticket)
    assert request.owner == personas.agent and request.language == "en" and request.rating is None
    assert (request.expires_at - request.sent_at).days == 14


def test_the_email_is_in_the_contacts_language(personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks, language="zh-hans")

    sent = mail.outbox[0]
    assert sent.subject == f"服务评价 [{ticket.ref}] SMS to Vietnam not delivered"
    assert "您对我们的服务满意吗？" in sent.body
    assert "非常满意" in sent.body
    assert len(survey_links(sent)) == 5


def test_the_survey_is_not_a_message_on_the_ticket(personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    assert not ticket.messages.exists()


def test_link_expiry_follows_the_setting(personas, settings, django_capture_on_commit_callbacks):
    settings.FEEDBACK_CSAT_LINK_DAYS = 3
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    request = request_of(ticket)
    assert (request.expires_at - request.sent_at).days == 3
    assert "The links work for 3 days." in mail.outbox[0].body


def test_no_survey_without_a_contact(personas, django_capture_on_commit_callbacks):
    ticket = make_ticket("Billing question", customer=personas.customer, owner=personas.agent)
    resolve(ticket, personas.agent, django_capture_on_commit_callbacks)
    assert not CsatRequest.objects.exists() and not mail.outbox


def test_no_survey_for_a_contact_without_email(personas, django_capture_on_commit_callbacks):
    nobody = make_contact(personas.customer, "Wu Lei", email="")
    ticket = make_ticket("Called about routes", customer=personas.customer, contact=nobody, owner=personas.agent)
    resolve(ticket, personas.agent, django_capture_on_commit_callbacks)
    assert not CsatRequest.objects.exists() and not mail.outbox


def test_no_survey_for_a_monitoring_ticket_without_contact(personas, django_capture_on_commit_callbacks):
    ticket = actions.open_ticket(
        subject="Delivery rate fell in NG",
        channel="monitoring",
        customer=personas.customer,
        owner=personas.agent,
        from_customer=False,
        source_kind="monitoring_alert",
    )
    resolve(ticket, personas.agent, django_capture_on_commit_callbacks)
    assert not CsatRequest.objects.exists() and not mail.outbox


def test_closing_a_resolved_ticket_does_not_ask_again(personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_status(ticket=ticket, status="closed", actor=personas.agent)
    assert len(mail.outbox) == 1 and CsatRequest.objects.count() == 1


def test_resolved_again_unanswered_reuses_the_request_and_asks_again(personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    first = request_of(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_status(ticket=ticket, status="open", actor=personas.agent)
    assert len(mail.outbox) == 1  # reopening asks nothing
    clear_outbox()
    resolve(ticket, personas.agent2, django_capture_on_commit_callbacks)

    again = request_of(ticket)
    assert again.pk == first.pk and again.times_sent == 2
    assert len(mail.outbox) == 1 and len(survey_links(mail.outbox[0])) == 5
    assert CsatEmail.objects.filter(request=again).count() == 2


def test_resolved_again_after_an_answer_keeps_the_answer_and_asks_nobody(personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    record_rating(request=request_of(ticket), rating=4)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_status(ticket=ticket, status="open", actor=personas.agent)
    clear_outbox()
    resolve(ticket, personas.agent, django_capture_on_commit_callbacks)

    assert not mail.outbox
    assert request_of(ticket).rating == 4 and CsatRequest.objects.count() == 1


def test_a_merged_ticket_is_not_asked(personas, django_capture_on_commit_callbacks):
    contact = make_contact(personas.customer, "Lin Qiu", email="lin.qiu@starriver.example", language="en")
    source = make_ticket("Duplicate", customer=personas.customer, contact=contact, owner=personas.agent)
    target = make_ticket("Original", customer=personas.customer, contact=contact, owner=personas.agent)
    with django_capture_on_commit_callbacks(execute=True):
        actions.merge_tickets(source=source, target=target, actor=personas.agent)
    assert not CsatRequest.objects.exists() and not mail.outbox
