"""Email to a customer contact that is not a ticket reply (a survey invitation, …).

feedback may not import ``mail`` (the channel apps sit above it), so it cannot use the reply outbox
(``mail.outbound``, one row per ticket message). The pattern is the same, shared through
``core.outbox``: the feedback record that asks for the email *is* its outbox row (it has the fields
``state``, ``attempts``, ``next_attempt_at``, ``claimed_at``, ``claimed_by``, ``last_error``,
``sent_at``), written in the transaction of the change; an ``Outbox`` built with :func:`send_contact_email` and
:func:`is_permanent` sends it and retries with backoff; a periodic job sends whatever is due.

This module holds the pieces such an outbox needs: the From address (the desk's, as for replies
on tickets that did not come through a mailbox), absolute links, a stable Message-ID (a resend
carries the same id), rendering text + HTML in the contact's language, and the 5xx rule.
"""

from __future__ import annotations

import hashlib
import smtplib
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def from_address() -> str:
    return str(getattr(settings, "DESK_EMAIL", "") or settings.DEFAULT_FROM_EMAIL)


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return str(getattr(settings, "SITE_URL", "")).rstrip("/") + path


def message_id(key: str) -> str:
    """A stable Message-ID for the email identified by ``key`` (e.g. ``survey-invitation:42``)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = (
        str(getattr(settings, "MAIL_DOMAIN", "") or "")
        or urlparse(str(getattr(settings, "SITE_URL", ""))).hostname
        or "aftersales.invalid"
    )
    return f"<feedback.{digest}@{domain}>"


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """(text, HTML) of ``template``.txt / .html rendered in ``language`` (HTML optional: "" if missing)."""
    from django.template import TemplateDoesNotExist

    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"{template}.txt", context).strip() + "\n"
        html: str
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return text, html


def send_contact_email(*, to: str, subject: str, text: str, html: str = "", key: str, kind: str) -> None:
    """Send one email now through Django's mail backend, or raise (the outbox retries)."""
    if not parseaddr(to)[1] or "@" not in to:
        raise ValueError("no email address to send to")
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_address(),
        to=[to],
        headers={"Message-ID": message_id(key), "X-Aftersales-Kind": kind},
    )
    if html:
        email.attach_alternative(html, "text/html")
    email.send(fail_silently=False)


def is_permanent(exc: Exception) -> bool:
    """A 5xx refusal (or no address at all) will not get better by retrying."""
    if isinstance(exc, ValueError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
