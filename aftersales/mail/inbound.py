"""One way in for every email (IMAP poller, smtpd, import-mail): store the raw bytes, then process.

``receive`` commits the bytes as received in their own transaction before anything can go
wrong, then processes them in a second one: parse, drop noise (recorded, never answered),
let another app claim it (``core.intake``: e.g. a vendor's answer on a vendor case), thread onto a
ticket (In-Reply-To, References, then a ``[AS-000123]`` subject token from a sender who belongs on
that ticket), find the contact and customer, and write the message
through ``tickets.actions``. A message that cannot be processed is kept as ``failed`` with the
reason and listed for leads on the mail problems page; nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from aftersales.core import clock, intake, stamps
from aftersales.core.stamps import StampedCache
from aftersales.customers.actions import save_contact
from aftersales.customers.models import Contact, Customer
from aftersales.mail.models import STAMP, InboundEmail, InboundSource, InboundState, Mailbox
from aftersales.mail.parsing import ParsedEmail, UnparseableEmail, parse
from aftersales.tickets import actions
from aftersales.tickets.models import Channel, Message, Status, Ticket

logger = logging.getLogger(__name__)

# Public mail providers: never a customer's own domain, so never matched by domain.
FREE_MAIL_DOMAINS = frozenset(
    {
        "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com",
        "aliyun.com", "139.com", "189.cn", "wo.cn", "tom.com", "gmail.com", "googlemail.com", "outlook.com",
        "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com", "proton.me", "protonmail.com",
    }
)  # fmt: skip

# Stored in English; the problems page translates these fixed reasons when it shows them.
NOISE_REASONS = {
    "auto-reply": gettext_noop("auto-reply"),
    "bounce": gettext_noop("bounce"),
    "list": gettext_noop("mailing list or bulk mail"),
}


def _rate_limit() -> int:
    return int(settings.MAIL_RATE_LIMIT_PER_HOUR)


# --- Entry points ------------------------------------------------------------------------------
def receive(raw: bytes, *, source: str, mailbox: Mailbox | None = None) -> InboundEmail:
    """Store ``raw`` (committed on its own), then process it. Never raises for bad mail."""
    if source not in InboundSource.values:
        raise ValueError(f"unknown mail source {source!r}")
    raw = bytes(raw)
    # One statement, committed on its own (autocommit; inside a caller's transaction, with it).
    inbound = InboundEmail.objects.create(
        received_at=clock.now(),
        source=source,
        mailbox=mailbox,
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    return process(inbound)


def process(inbound: InboundEmail) -> InboundEmail:
    """Process a stored message (again, for a retry); the outcome is saved on ``inbound``."""
    try:
        parsed = parse(bytes(inbound.raw))
    except UnparseableEmail as exc:
        return _finish(inbound, InboundState.FAILED, reason=f"cannot parse: {exc}")
    except Exception as exc:  # a parser bug must not lose the message
        logger.exception("mail: parsing inbound %s failed", inbound.pk)
        return _finish(inbound, InboundState.FAILED, reason=f"parser error: {type(exc).__name__}: {exc}")
    inbound.message_id = parsed.message_id[:998]
    inbound.subject = parsed.subject[:998]
    inbound.sender = parsed.sender[:320]
    try:
        # One transaction (the outcome is saved with the ticket); cached settings checked once.
        with stamps.pinned(), transaction.atomic():
            outcome = _process(inbound, parsed)
            return _finish(inbound, outcome.state, reason=outcome.reason, ticket=outcome.ticket,
                           message=outcome.message, threaded=outcome.threaded)  # fmt: skip
    except (actions.TicketActionError, ValidationError) as exc:
        return _finish(inbound, InboundState.FAILED, reason="; ".join(getattr(exc, "messages", [str(exc)])))
    except Exception as exc:  # kept with its error for the problems page
        logger.exception("mail: processing inbound %s failed", inbound.pk)
        return _finish(inbound, InboundState.FAILED, reason=f"{type(exc).__name__}: {exc}")


def _duplicate(inbound: InboundEmail, message_id: str) -> tuple[int, int | None] | None:
    """(pk, ticket id) of the latest processed message with the same bytes, else with the same
    Message-ID; one query for both (only the few columns needed: not the raw bytes)."""
    same = Q(sha256=inbound.sha256) | Q(message_id=message_id) if message_id else Q(sha256=inbound.sha256)
    rows = list(
        InboundEmail.objects.filter(same, state=InboundState.PROCESSED)
        .exclude(pk=inbound.pk)
        .order_by("-received_at", "-pk")
        .values_list("pk", "sha256", "ticket_id")
    )
    for pk, sha256, ticket_id in rows:
        if sha256 == inbound.sha256:
            return pk, ticket_id
    return (rows[0][0], rows[0][2]) if rows else None


@dataclass
class _Outcome:
    state: str
    reason: str = ""
    ticket: Ticket | None = None
    message: Message | None = None
    threaded: bool = False


def _finish(
    inbound: InboundEmail,
    state: str,
    *,
    reason: str = "",
    ticket: Ticket | None = None,
    message: Message | None = None,
    threaded: bool = False,
) -> InboundEmail:
    inbound.state = state
    inbound.reason = reason[:2000]
    inbound.ticket = ticket
    inbound.ticket_message = message
    inbound.threaded = threaded
    inbound.processed_at = clock.now()
    fields = ["state", "reason", "ticket", "ticket_message", "threaded", "processed_at", "message_id", "subject"]
    inbound.save(update_fields=[*fields, "sender"])
    return inbound


# --- Processing ----------------------------------------------------------------------------------
def _process(inbound: InboundEmail, parsed: ParsedEmail) -> _Outcome:
    mailbox = inbound.mailbox
    sender = parsed.sender
    if not sender:
        return _Outcome(InboundState.FAILED, gettext_noop("no sender address could be read"))
    if _is_own_address(sender):
        return _Outcome(InboundState.IGNORED, gettext_noop("sent by the desk itself (mail loop)"))
    duplicate = _duplicate(inbound, parsed.message_id)
    if duplicate is not None:
        pk, ticket_id = duplicate
        ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id is not None else None
        return _Outcome(InboundState.IGNORED, f"duplicate of inbound email #{pk}", ticket=ticket)
    ours = parsed.message_id and _ours(parsed.message_id)
    if ours and Message.objects.filter(external_id__in=_id_forms([parsed.message_id])).exists():
        return _Outcome(InboundState.IGNORED, gettext_noop("already on a ticket (our own message)"))
    # Another app may take the message (e.g. sms: a vendor's answer on a vendor case), before the
    # noise check: vendors' case systems send their updates as automatic mail.
    claimed = intake.claim_mail(
        intake.InboundMail(
            sender_email=sender,
            subject=parsed.subject,
            text=parsed.body or parsed.text,
            message_id=parsed.message_id,
            inbound_id=inbound.pk,
            automatic=parsed.noise == "auto-reply",
        )
    )
    if claimed:
        return _Outcome(InboundState.PROCESSED, claimed)
    customer, contact = _match_sender(parsed, mailbox)
    ticket, how = _find_thread(parsed, sender, customer)
    if parsed.noise:
        return _Outcome(InboundState.IGNORED, NOISE_REASONS[parsed.noise], ticket=ticket)
    window_start = clock.now() - dt.timedelta(hours=1)
    recent = InboundEmail.objects.filter(sender=sender, received_at__gte=window_start).exclude(pk=inbound.pk).count()
    if recent >= _rate_limit():
        return _Outcome(InboundState.IGNORED, f"rate limit: {recent} messages from this sender in the last hour")
    if contact is None and customer is not None:
        contact = _create_contact(customer, parsed)
    body, attachments = _body_and_files(parsed)
    reason = ""
    if ticket is not None:
        reopen = mailbox.reopen_resolved if mailbox is not None else True
        if ticket.status == Status.CLOSED or (ticket.status == Status.RESOLVED and not reopen):
            earlier_ticket = ticket
            ticket = _open(parsed, body, customer or earlier_ticket.customer, contact, mailbox)
            actions.link_tickets(ticket=ticket, other=earlier_ticket, actor=None)
            reason = f"reply to {earlier_ticket.ref} ({earlier_ticket.get_status_display()}): opened a new ticket"
            how = ""
    else:
        ticket = _open(parsed, body, customer, contact, mailbox)
    message = actions.record_customer_message(
        ticket=ticket,
        body=body,
        channel=Channel.EMAIL,
        contact=contact,
        attachments=attachments,
        external_id=parsed.message_id,
        body_html=parsed.html,
    )
    return _Outcome(InboundState.PROCESSED, reason or how, ticket=ticket, message=message, threaded=bool(how))


def _open(
    parsed: ParsedEmail, body: str, customer: Customer | None, contact: Contact | None, mailbox: Mailbox | None
) -> Ticket:
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        customer = contact.customer
    with override(customer.language if customer is not None else settings.LANGUAGE_CODE):
        subject = parsed.subject.strip() or _("(no subject)")
    return actions.open_ticket(
        subject=subject,
        channel=Channel.EMAIL,
        actor=None,
        description=body,
        customer=customer,
        contact=contact,
        team=mailbox.team if mailbox is not None else None,
        source_kind="email",
        source_ref=parsed.message_id[:255],
    )


def _body_and_files(parsed: ParsedEmail) -> tuple[str, list[Any]]:
    body = parsed.body.strip()
    notes = []
    for refused in parsed.refused:
        if refused.reason == "dangerous":
            notes.append(
                _("[Attachment “%(name)s” was not accepted: program files are refused.]") % {"name": refused.filename}
            )
        elif refused.reason == "type":
            notes.append(
                _("[Attachment “%(name)s” was not accepted: its content does not match its name.]")
                % {"name": refused.filename}
            )
        else:
            notes.append(_("[Attachment “%(name)s” was not accepted: it is too large.]") % {"name": refused.filename})
    if notes:
        body = "\n\n".join([body, *notes]) if body else "\n".join(notes)
    files = [SimpleUploadedFile(a.filename, a.data, content_type=a.content_type) for a in parsed.attachments]
    if not body and not files:
        body = parsed.subject.strip() or _("(empty message)")
    return body, files


# --- Threading ---------------------------------------------------------------------------------
def _ref_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.TICKET_REF_PREFIX)
    return re.compile(rf"\[({prefix}-\d{{3,12}})\]", re.IGNORECASE)


def _id_forms(ids: list[str]) -> list[str]:
    forms: list[str] = []
    for mid in ids:
        bare = mid.strip().strip("<>")
        forms += [f"<{bare}>", bare]
    return forms


def _ours(message_id: str) -> bool:
    """A Message-ID the desk made (``<AS-000123.pk.random@…>``)."""
    prefix = settings.TICKET_REF_PREFIX.lower() + "-"
    return message_id.strip("<").lower().startswith(prefix)


def _follow_merges(ticket: Ticket) -> Ticket:
    for _hop in range(10):
        if ticket.merged_into_id is None:
            break
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _find_thread(parsed: ParsedEmail, sender: str, customer: Customer | None) -> tuple[Ticket | None, str]:
    """The ticket this message answers, and how it was found ("" when new)."""
    ids = parsed.thread_ids
    if ids:
        forms = _id_forms(ids)
        # Our own replies (Message-ID <AS-000123.pk.random@…>) and any message stored on a ticket.
        found = (
            Message.objects.filter(external_id__in=forms).order_by("-created_at").values_list("ticket_id", flat=True)
        )
        ticket_id = found.first()
        if ticket_id is None:
            ticket_id = (
                InboundEmail.objects.filter(message_id__in=forms, ticket__isnull=False)
                .order_by("-received_at")
                .values_list("ticket_id", flat=True)
                .first()
            )
        if ticket_id is not None:
            return _follow_merges(Ticket.objects.get(pk=ticket_id)), "threaded by In-Reply-To/References"
        # Our Message-ID format without a stored message (e.g. sent before a restore): the ref in
        # it is as guessable as a subject token, so the same sender check applies.
        prefix = re.escape(settings.TICKET_REF_PREFIX)
        for mid in ids:
            match = re.match(rf"<?({prefix}-\d+)\.\d+\.", mid, re.IGNORECASE)
            ticket = Ticket.objects.filter(ref=match.group(1).upper()).first() if match else None
            if ticket is not None:
                ticket = _follow_merges(ticket)
                if _sender_belongs(ticket, sender, customer):
                    return ticket, "threaded by the ticket reference in In-Reply-To/References"
    match = _ref_pattern().search(parsed.subject)
    if match:
        ticket = Ticket.objects.filter(ref=match.group(1).upper()).select_related("contact").first()
        if ticket is not None:
            ticket = _follow_merges(ticket)
            if _sender_belongs(ticket, sender, customer):
                return ticket, "threaded by the subject reference"
    return None, ""


def _sender_belongs(ticket: Ticket, sender: str, customer: Customer | None) -> bool:
    """A subject token is guessable: only its own people may write onto a ticket with it."""
    if ticket.contact is not None and ticket.contact.email.lower() == sender:
        return True
    if (
        customer is not None
        and ticket.customer_id is not None
        and ticket.customer_id in (customer.pk, customer.parent_id)
    ):
        return True
    return InboundEmail.objects.filter(ticket=ticket, sender=sender).exists()


# --- Senders ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Addresses:
    own: frozenset[str]  # the mailboxes' addresses, lower case
    domains: tuple[tuple[int, str], ...]  # (customer pk, mail domain), lower case, in customer order


def _load_addresses() -> _Addresses:
    own = frozenset(a.lower() for a in Mailbox.objects.exclude(address="").values_list("address", flat=True))
    domains = []
    for pk, entries in Customer.objects.exclude(mail_domains=[]).values_list("pk", "mail_domains"):
        for entry in entries or []:
            cleaned = str(entry).strip().lower().lstrip("@")
            if cleaned:
                domains.append((pk, cleaned))
    return _Addresses(own, tuple(domains))


# Reloaded whenever the "mail" stamp changes: a mailbox's address or a customer's mail domains
# edited (or either deleted) applies to the next message in every process.
_addresses: StampedCache[_Addresses] = StampedCache(STAMP, _load_addresses)


def _is_own_address(sender: str) -> bool:
    return sender in _addresses.get().own or sender == str(getattr(settings, "DEFAULT_FROM_EMAIL", "")).lower()


def _domain_customer(domain: str) -> Customer | None:
    if not domain or domain in FREE_MAIL_DOMAINS:
        return None
    best: tuple[int, int] | None = None
    for pk, entry in _addresses.get().domains:
        matches = domain == entry or domain.endswith("." + entry)
        if matches and (best is None or len(entry) > best[0]):
            best = (len(entry), pk)
    return Customer.objects.filter(pk=best[1]).first() if best is not None else None


def _match_sender(parsed: ParsedEmail, mailbox: Mailbox | None) -> tuple[Customer | None, Contact | None]:
    """Sender → contact (by address) → customer; else the customer of the domain or the mailbox."""
    sender = parsed.sender
    found = Contact.objects.select_related("customer").order_by("pk")
    # Exact first (the indexed column; addresses are usually stored in lower case), then any case.
    contacts = list(found.filter(email=sender))
    if not contacts:  # usually nobody: ask with a light query (no join) before loading anything
        other_case = list(Contact.objects.filter(email__iexact=sender).order_by().values_list("pk", flat=True))
        contacts = list(found.filter(pk__in=other_case)) if other_case else []
    if contacts:
        preferred = mailbox.customer_id if mailbox is not None else None
        chosen = next(
            (c for c in contacts if preferred and preferred in (c.customer_id, c.customer.parent_id)), contacts[0]
        )
        return chosen.customer, chosen
    customer = _domain_customer(sender.rpartition("@")[2])
    if customer is None and mailbox is not None and mailbox.customer_id is not None:
        customer = mailbox.customer
    return customer, None


def _language(parsed: ParsedEmail) -> str:
    """The language a new contact wrote in (replies to them follow it): Chinese or English."""
    codes = {code for code, _name in settings.LANGUAGES}
    chinese = re.search(r"[\u4e00-\u9fff]", f"{parsed.subject}\n{parsed.body}") is not None
    wanted = "zh-hans" if chinese else "en"
    return wanted if wanted in codes else settings.LANGUAGE_CODE


def _create_contact(customer: Customer, parsed: ParsedEmail) -> Contact | None:
    name = (parsed.sender_name or parsed.sender.partition("@")[0]).strip()[:150] or parsed.sender
    try:
        return save_contact(actor=None, customer=customer, name=name, email=parsed.sender, language=_language(parsed))
    except ValidationError:
        logger.info("mail: could not create a contact for %s", parsed.sender)
        return None


def retry(*, inbound: InboundEmail, actor: Any) -> InboundEmail:
    """A lead processes a failed or ignored message again (after fixing the cause)."""
    from aftersales.audit.log import record as audit
    from aftersales.core.access import is_lead

    if not is_lead(actor):
        raise actions.TicketActionError(_("Only leads and admins can process mail again."))
    if inbound.state == InboundState.PROCESSED:
        raise actions.TicketActionError(_("This message is already on a ticket."))
    before = {"state": inbound.state, "reason": inbound.reason}
    process(inbound)
    audit(actor=actor, action="mail.inbound.retry", obj=inbound, before=before,
          after={"state": inbound.state, "reason": inbound.reason})  # fmt: skip
    return inbound
