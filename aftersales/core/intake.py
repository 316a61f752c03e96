"""Intake claimers: how an app takes an inbound message before a channel turns it into a ticket.

A channel (``mail``) asks the registered claimers about every message it is about to thread or
open a ticket for. The first claimer that answers with a description takes the message: the
channel records that description as the message's outcome and does nothing else with it.
Anything no claimer takes continues the channel's normal path.

Why a registry in ``core``: the apps that claim (``sms``, for mail from a vendor's support
address about a vendor case) may not import the channels, and the channels should not know
about them. Both import ``core``. Claimers are registered in ``AppConfig.ready()``.

A claimer runs inside the channel's processing transaction: if it raises, nothing it wrote is
kept and the channel stores the message as failed with the error (to be processed again later).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class InboundMail:
    """What a mail claimer is shown about one inbound message."""

    sender_email: str  # lower case
    subject: str
    text: str  # the body without quoted history or signature (the full text when that is empty)
    message_id: str  # the Message-ID header, with its angle brackets
    inbound_id: int | None  # the stored raw message (``mail.InboundEmail``)
    automatic: bool = False  # an auto-reply (out of office, "we received your request")


# Returns a short description of where the message went (stored, in English, as the message's
# outcome), or None / "" to leave the message alone.
MailClaimer = Callable[[InboundMail], str | None]

_mail_claimers: list[MailClaimer] = []


def register_mail_claimer(claimer: MailClaimer) -> None:
    """Ask ``claimer`` about every inbound mail before it is threaded. Call from ``AppConfig.ready()``."""
    if claimer not in _mail_claimers:
        _mail_claimers.append(claimer)


def unregister_mail_claimer(claimer: MailClaimer) -> None:
    if claimer in _mail_claimers:
        _mail_claimers.remove(claimer)


def claim_mail(mail: InboundMail) -> str:
    """The first claimer's description of where ``mail`` went; "" when nobody took it."""
    for claimer in list(_mail_claimers):
        outcome = claimer(mail)
        if outcome:
            return str(outcome)
    return ""
