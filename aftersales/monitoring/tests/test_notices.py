"""The optional customer notice: a proactive ticket also tells the customer, in their language, from
a shared reply template or the built-in text; off by default; fraud only when allowed."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from aftersales.audit.models import AuditEntry
from aftersales.knowledge.models import Macro, MacroText
from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.models import AlertNotice
from aftersales.monitoring.tests.alerts_helpers import NOW, account, healthy_history, prefix, recent
from aftersales.testing.factories import make_contact
from aftersales.tickets.models import Message, MessageKind, Ticket

pytestmark = pytest.mark.django_db


def _outage(customer: Any) -> None:
    acc = account(customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=60, failed=140)


def _pumping(customer: Any) -> None:
    acc = account(customer)
    healthy_history(acc, "GB", network="23410")
    recent(acc, "NG", network="62130", submitted=300, delivered=290, failed=10, requested=300, verified=9)
    prefix(acc, "NG", "23480312", numbers=40)


def _pass() -> None:
    with time_machine.travel(NOW, tick=False):
        evaluate_all()


def _notice(customer: Any, *, language: str = "zh-hans", **extra: Any) -> AlertNotice:
    contact = make_contact(customer, "Tang Xiaoyu", email="ops@starriver.example", language=language)
    return AlertNotice.objects.create(customer=customer, enabled=True, contact=contact, **extra)


def _replies(ticket: Ticket) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND))


def test_without_settings_the_customer_is_not_told(personas: Any) -> None:
    _outage(personas.customer)
    _pass()
    [ticket] = Ticket.objects.all()
    assert _replies(ticket) == []


def test_the_contact_gets_the_built_in_notice_in_their_language(personas: Any) -> None:
    notice = _notice(personas.customer)
    _outage(personas.customer)
    _pass()
    [ticket] = Ticket.objects.all()
    assert ticket.contact == notice.contact
    [reply] = _replies(ticket)
    assert "Tang Xiaoyu" in reply.body and ticket.ref in reply.body
    assert "监控" in reply.body  # Chinese, the contact's language
    assert "NG / 62130" in reply.body and "30%" in reply.body  # the alert's explanation
    assert reply.outbound_email.to == "ops@starriver.example"  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(action="monitoring.notice.sent").count() == 1


def test_a_shared_template_in_the_contacts_language_is_used(personas: Any) -> None:
    macro = Macro.objects.create(key="delivery-notice", shared=True, created_at=NOW, updated_at=NOW)
    MacroText.objects.create(macro=macro, language="en", name="Delivery notice",
                             body="Dear {{ contact.name }}, we see: {{ alert.summary }} ({{ alert.where }}). "
                                  "Ticket {{ ticket.ref }}.")
    MacroText.objects.create(macro=macro, language="zh-hans", name="送达通知",
                             body="{{ contact.name }}您好：{{ alert.where }}")
    _notice(personas.customer, language="en", macro=macro)
    _outage(personas.customer)
    _pass()
    [ticket] = Ticket.objects.all()
    [reply] = _replies(ticket)
    assert reply.body.startswith("Dear Tang Xiaoyu, we see: - Delivery rate for NG / 62130 fell from 95%")
    assert f"(NG / 62130). Ticket {ticket.ref}." in reply.body


def test_a_broken_template_falls_back_to_the_built_in_notice(personas: Any) -> None:
    macro = Macro.objects.create(key="broken-notice", shared=True, created_at=NOW, updated_at=NOW)
    MacroText.objects.create(macro=macro, language="en", name="Broken", body="Dear {{ contact.name }, oops")
    _notice(personas.customer, language="en", macro=macro)
    _outage(personas.customer)
    _pass()
    [reply] = _replies(Ticket.objects.get())
    assert reply.body.startswith("Hello Tang Xiaoyu,") and "Our monitoring noticed a problem" in reply.body


def test_suspected_fraud_is_told_only_when_allowed(personas: Any) -> None:
    _notice(personas.customer, include_fraud=False)
    _pumping(personas.customer)
    _pass()
    [ticket] = Ticket.objects.all()
    assert ticket.category is not None and ticket.category.code == "fraud"
    assert _replies(ticket) == [] and ticket.contact is None


def test_a_contact_without_email_is_refused_on_the_page(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    silent = make_contact(personas.customer, "No Mail", email="")
    url = f"/monitoring/customers/{personas.customer.code}/notice/"
    page = client.get(url)
    assert page.status_code == 200 and "Our monitoring noticed a problem" in page.content.decode()

    refused = client.post(url, {"enabled": "on", "contact": silent.pk})
    assert refused.status_code == 400
    assert "pick a contact with an email address" in refused.content.decode()
    assert not AlertNotice.objects.filter(enabled=True).exists()

    mailed = make_contact(personas.customer, "Ops Desk", email="ops@starriver.example")
    saved = client.post(url, {"enabled": "on", "contact": mailed.pk, "include_fraud": "on"})
    assert saved.status_code == 302 and saved["Location"] == f"/monitoring/customers/{personas.customer.code}/"
    notice = AlertNotice.objects.get()
    assert notice.enabled and notice.contact == mailed and notice.macro is None
    assert AuditEntry.objects.filter(action="monitoring.notice.save").count() == 1


def test_a_reader_cannot_change_the_notice(client: Any, personas: Any) -> None:
    client.force_login(personas.viewer)
    mailed = make_contact(personas.customer, "Ops Desk", email="ops@starriver.example")
    url = f"/monitoring/customers/{personas.customer.code}/notice/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"enabled": "on", "contact": mailed.pk}).status_code in (403, 404)
    assert not AlertNotice.objects.exists()
