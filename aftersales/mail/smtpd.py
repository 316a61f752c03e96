"""The desk's own SMTP listener (``aftersales smtpd``): mail routed straight to the desk.

Each message is handed, as the exact bytes received, to ``mail.inbound.receive(raw,
source="smtp")``; the recipient picks the mailbox (a ``Mailbox`` whose address matches), so
its customer or team applies. It only accepts mail for the desk, it never relays. When the
message cannot be stored the client gets a temporary failure (451) and tries again later;
once stored it is accepted (250) even if processing then fails (that is kept and shown to
admins, see ``mail.inbound``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connection

from aftersales.mail.models import InboundEmail, InboundSource, Mailbox

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def mailbox_for(recipients: list[str]) -> Mailbox | None:
    addresses = {address.strip().lower() for address in recipients if address}
    if not addresses:
        return None
    for mailbox in Mailbox.objects.filter(is_active=True).exclude(address=""):
        if mailbox.address.lower() in addresses:
            return mailbox
    return None


def store(raw: bytes, recipients: list[str]) -> InboundEmail:
    """Runs in a worker thread (the ORM is synchronous); closes its connection when done."""
    from aftersales.mail.inbound import receive

    try:
        return receive(raw, source=InboundSource.SMTP, mailbox=mailbox_for(recipients))
    finally:
        connection.close()


class DeskHandler:
    """aiosmtpd handler: accept any recipient, store each message through ``receive``."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only with decode_data=True, which we never set
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            inbound = await asyncio.to_thread(store, bytes(raw), list(envelope.rcpt_tos))
        except Exception:
            logger.exception("smtpd: could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message; try again later"
        logger.info("smtpd: stored message %s (%s)", inbound.pk, inbound.state)
        return f"250 2.0.0 Stored as {inbound.pk}"


def controller(host: str, port: int, *, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs: Any) -> Controller:
    """An aiosmtpd controller (not started) serving ``DeskHandler`` on host:port."""
    return Controller(
        DeskHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        enable_SMTPUTF8=True,
        ident="aftersales smtpd",
        **kwargs,
    )
