"""The optional customer notice: when a monitor opens a proactive ticket, tell the customer.

Per customer (``AlertNotice``, off by default): the contact to write to, a shared reply template in
the contact's language (``knowledge.Macro``; the built-in text below when none is chosen or it has no
text in that language) and whether suspected fraud is told too. The notice is a public reply on the
proactive ticket, so it goes out through the mail outbox and stands on the timeline like any reply.

Templates use the reply-template variables (``{{ contact.name }}``, ``{{ customer.name }}``,
``{{ ticket.ref }}`` …) plus ``{{ alert.summary }}`` (one line per alert, in the contact's language)
and ``{{ alert.where }}`` (e.g. "NG / 62130").
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.knowledge import macros
from aftersales.knowledge.models import MacroText
from aftersales.monitoring.messages import explain
from aftersales.monitoring.models import Alert, AlertNotice
from aftersales.monitoring.monitors import MONITORS
from aftersales.monitoring.monitors.base import where
from aftersales.tickets import actions as tickets
from aftersales.tickets.models import Channel

logger = logging.getLogger(__name__)

VARIABLES = (*macros.VARIABLES, "alert.summary", "alert.where")


def default_text() -> str:
    """The built-in notice, in the active language."""
    return _(
        "Hello {{ contact.name }},\n\n"
        "Our monitoring noticed a problem with your SMS traffic:\n\n"
        "{{ alert.summary }}\n\n"
        "We are already looking into it under ticket {{ ticket.ref }} and will write again as soon as we "
        "know more or it is resolved. You can reply to this email with any question.\n"
    )


def applicable(customer: Any, alerts: list[Alert]) -> AlertNotice | None:
    """The customer's notice settings when this incident should be told, else None."""
    if customer is None:
        return None
    notice = AlertNotice.objects.filter(customer=customer, enabled=True).select_related("contact", "macro").first()
    if notice is None or notice.contact is None or not notice.contact.email:
        return None
    if notice.contact.customer_id != customer.pk:
        return None
    fraud = any(MONITORS[a.monitor].is_fraud for a in alerts if a.monitor in MONITORS)
    if fraud and not notice.include_fraud:
        return None
    return notice


def _template_body(notice: AlertNotice, language: str) -> str:
    if notice.macro_id is not None:
        text = MacroText.objects.filter(macro_id=notice.macro_id, language=language).first()
        if text is None:
            text = MacroText.objects.filter(macro_id=notice.macro_id).order_by("language").first()
        if text is not None:
            return text.body
    return default_text()


def render(notice: AlertNotice, *, ticket: Any, alerts: list[Alert]) -> str:
    """The notice's text in the contact's language. A template that cannot be rendered falls back to
    the built-in text (logged), so a customer never gets a broken email."""
    contact = notice.contact
    language = (contact.language if contact is not None else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        values: dict[str, Any] = macros.context_for(ticket=ticket)
        if "contact" not in values:
            values["contact"] = {"name": ticket.customer.name if ticket.customer_id else ""}
        values["alert"] = {
            "summary": "\n".join(f"- {explain({**a.evidence})}" for a in alerts),
            "where": ", ".join(sorted({where(a.country, a.network) for a in alerts})),
        }
        rendered = macros.render(_template_body(notice, language), values)
        if rendered.error:
            logger.warning("monitoring notice for %s: template %s failed (%s); built-in text used",
                           notice.customer_id, notice.macro_id, rendered.error)
            rendered = macros.render(default_text(), values)
    return rendered.text


def send(*, notice: AlertNotice, ticket: Any, alerts: list[Alert]) -> None:
    """Reply publicly on ``ticket`` (by email to the notice's contact)."""
    body = render(notice, ticket=ticket, alerts=alerts)
    tickets.record_reply(ticket=ticket, body=body, actor=None, channel=Channel.EMAIL)
    audit(actor=None, action="monitoring.notice.sent", obj=ticket,
          after={"contact": notice.contact_id, "macro": notice.macro_id, "alerts": [a.fingerprint for a in alerts]})


def save(*, customer: Any, actor: Any, enabled: bool, contact: Any, macro: Any, include_fraud: bool) -> AlertNotice:
    """Set the customer's notice settings (audited). The contact must be the customer's own, with an
    email address when the notice is on; the template must be a shared one."""
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": _("Pick a contact of %(customer)s.") % {"customer": customer}})
    if enabled and (contact is None or not contact.email):
        raise ValidationError({"contact": _("To tell the customer, pick a contact with an email address.")})
    if macro is not None and not macro.shared:
        raise ValidationError({"macro": _("Pick a template shared with the team.")})
    with transaction.atomic():
        notice, _created = AlertNotice.objects.select_for_update().get_or_create(customer=customer)
        before = {"enabled": notice.enabled, "contact": notice.contact_id, "macro": notice.macro_id,
                  "include_fraud": notice.include_fraud}
        notice.enabled, notice.contact, notice.macro, notice.include_fraud = enabled, contact, macro, include_fraud
        notice.save()
        audit(actor=actor, action="monitoring.notice.save", obj=customer, before=before, after={
            "enabled": enabled, "contact": getattr(contact, "pk", None), "macro": getattr(macro, "pk", None),
            "include_fraud": include_fraud,
        })
    return notice
