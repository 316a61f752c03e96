"""Shared pieces of the CSAT tests: a resolved ticket with a contact, the links of its email."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from aftersales.feedback.models import CsatRequest
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions

LINK = re.compile(r"https?://[^\s\"<>]+/feedback/csat/([^/\s\"<>]+)/")


@pytest.fixture(autouse=True)
def csat_mail_settings(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://desk.example"
    settings.DESK_EMAIL = "support@desk.example"


def resolve(ticket: Any, actor: Any, capture: Any) -> Any:
    """Resolve ``ticket`` and run what happens after the commit (the listener, the send task)."""
    with capture(execute=True):
        actions.change_status(ticket=ticket, status="resolved", actor=actor)
    ticket.refresh_from_db()
    return ticket


def resolved_ticket(personas: Any, capture: Any, *, language: str = "en", owner: Any = None) -> Any:
    contact = make_contact(personas.customer, "Lin Qiu", email="lin.qiu@starriver.example", language=language)
    ticket = make_ticket(
        "SMS to Vietnam not delivered", customer=personas.customer, contact=contact, owner=owner or personas.agent
    )
    return resolve(ticket, personas.agent, capture)


def survey_links(message: Any) -> list[str]:
    """The tokens of the rating links in a sent email's text, in order."""
    return LINK.findall(message.body)


def request_of(ticket: Any) -> CsatRequest:
    return CsatRequest.objects.get(ticket=ticket)


def clear_outbox() -> None:
    mail.outbox.clear()
