"""Vendor cases: every write (open, link and unlink tickets, vendor responses, updates posted to the
linked tickets, status changes, notes). Views, the API, the mail claimer and the demo call these.

Each action takes keyword-only arguments, runs in one transaction and writes an audit entry.
Linked tickets change only through ``tickets.actions``: linking sets a ticket to "waiting on
vendor" (which pauses its resolution clock when its SLA policy pauses on that status, the
default; see ``tickets.deadlines.status_changed``) and notes the case on its timeline. Bad input
raises ``CaseActionError`` with a message meant for the person who asked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.audit.log import build as audit_build
from aftersales.audit.log import record as audit
from aftersales.core import bulk, clock
from aftersales.core.access import can_write
from aftersales.core.intake import InboundMail
from aftersales.notify.api import notify
from aftersales.sms.models import VendorAccount, VendorCase, VendorCaseNote, VendorSupportAddress
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import Status, Ticket

OPEN_CASE_STATUSES = (VendorCase.Status.OPEN, VendorCase.Status.WAITING_VENDOR, VendorCase.Status.WAITING_US)
DONE_CASE_STATUSES = (VendorCase.Status.RESOLVED, VendorCase.Status.CLOSED)
NOTE_KINDS = (VendorCaseNote.Kind.NOTE, VendorCaseNote.Kind.TO_VENDOR)

# Reasons on the tickets' status events: stored in English, shown in the reader's language.
REASON_LINKED = gettext_noop("linked to a vendor case")
REASON_UNLINKED = gettext_noop("unlinked from its vendor case")
REASON_RESOLVED = gettext_noop("the vendor case was resolved")


class CaseActionError(ValidationError):
    """A vendor-case action was refused; the message says why."""


# --- Helpers ---------------------------------------------------------------------------------
def _require_writer(actor: Any) -> None:
    """``actor`` None is the system (the mail claimer, the demo); a person needs a write role."""
    if actor is not None and not can_write(actor):
        raise CaseActionError(_("%(name)s has a read-only role and cannot change vendor cases.") % {"name": actor})


def _lock(case: VendorCase) -> VendorCase:
    return VendorCase.objects.select_for_update().get(pk=case.pk)


def _touch(case: VendorCase, *fields: str) -> None:
    case.updated_at = clock.now()
    case.save(update_fields=[*fields, "updated_at"])


def normalise_case_number(value: str) -> str:
    """The vendor's case number as stored: trimmed, without a leading "#"."""
    return (value or "").strip().lstrip("#").strip()


def case_url(case: VendorCase, *, absolute: bool = False) -> str:
    """The case page's path, or its full address (``SITE_URL``) for text that leaves the page."""
    path = reverse("sms:case_detail", args=[case.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}" if absolute else path


def case_label(case: VendorCase) -> str:
    """The case as people name it, e.g. "Vonage case #01234567", in the active language."""
    return _("%(vendor)s case #%(number)s") % {"vendor": case.get_vendor_display(), "number": case.case_number}


def _author(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _note(case: VendorCase, *, kind: str, body: str, actor: Any, at: dt.datetime | None = None,
          **extra: Any) -> VendorCaseNote:  # fmt: skip
    return VendorCaseNote.objects.create(
        case=case, kind=kind, body=body, author=_author(actor), at=at or clock.now(), **extra
    )


# --- Opening ---------------------------------------------------------------------------------
def open_case(
    *,
    vendor: str,
    case_number: str,
    subject: str,
    actor: Any,
    owner: Any = None,
    vendor_account: VendorAccount | None = None,
    opened_at: dt.datetime | None = None,
    tickets: Iterable[Ticket] = (),
) -> VendorCase:
    """Record a case raised with ``vendor`` and link ``tickets`` to it (each set waiting on vendor).

    ``opened_at`` is when the case was opened with the vendor (default now; not in the future).
    The case number is unique per vendor.
    """
    _require_writer(actor)
    number = normalise_case_number(case_number)
    subject = (subject or "").strip()
    errors: dict[str, str] = {}
    if vendor not in VendorAccount.Kind.values:
        errors["vendor"] = _("Unknown vendor “%(vendor)s”.") % {"vendor": vendor}
    if not number:
        errors["case_number"] = _("Give the vendor's case number.")
    elif len(number) > VendorCase._meta.get_field("case_number").max_length:  # type: ignore[operator]
        errors["case_number"] = _("The case number is too long.")
    if not subject:
        errors["subject"] = _("Say what the case is about.")
    now = clock.now()
    if opened_at is not None and opened_at > now + dt.timedelta(minutes=5):
        errors["opened_at"] = _("The case cannot have been opened in the future.")
    if vendor_account is not None and vendor_account.kind != vendor:
        errors["vendor_account"] = _("%(account)s is not a %(vendor)s account.") % {
            "account": vendor_account.name,
            "vendor": vendor,
        }
    if errors:
        raise CaseActionError(errors)
    if VendorCase.objects.filter(vendor=vendor, case_number__iexact=number).exists():
        label = VendorAccount.Kind(vendor).label
        message = _("A %(vendor)s case #%(number)s is already recorded.") % {"vendor": label, "number": number}
        raise CaseActionError({"case_number": message})
    try:
        with transaction.atomic():
            case = VendorCase.objects.create(
                vendor=vendor,
                case_number=number,
                subject=subject[:255],
                owner=owner,
                vendor_account=vendor_account,
                opened_at=opened_at or now,
                status=VendorCase.Status.WAITING_VENDOR,
                created_at=now,
                updated_at=now,
            )
            audit(actor=actor, action="sms.case.open", obj=case,
                  after={"vendor": vendor, "case_number": number, "subject": case.subject})  # fmt: skip
            for ticket in tickets:
                link_ticket(case=case, ticket=ticket, actor=actor)
    except IntegrityError as exc:  # the same case recorded at the same moment by someone else
        raise CaseActionError({"case_number": _("This case number is already recorded.")}) from exc
    return case


# --- Linked tickets --------------------------------------------------------------------------
def link_ticket(*, case: VendorCase, ticket: Ticket, actor: Any) -> bool:
    """Link ``ticket`` to the case; while the case is open the ticket waits on the vendor (its
    clock pauses) and its timeline notes the case. False when it was linked already."""
    _require_writer(actor)
    if ticket.merged_into_id is not None:
        raise CaseActionError(_("%(ref)s was merged into another ticket; link that one.") % {"ref": ticket.ref})
    if ticket.status == Status.CLOSED:
        raise CaseActionError(_("%(ref)s is closed; open a new ticket for the customer instead.") % {"ref": ticket.ref})
    with transaction.atomic():
        case = _lock(case)
        if case.tickets.filter(pk=ticket.pk).exists():
            return False
        case.tickets.add(ticket)
        _touch(case)
        if case.is_open and ticket.status != Status.WAITING_VENDOR:
            ticket_actions.change_status(ticket=ticket, status=Status.WAITING_VENDOR, actor=actor, reason=REASON_LINKED)
        ticket_actions.add_note(ticket=ticket, actor=actor, body=link_note(case))
        audit(actor=actor, action="sms.case.link", obj=case, after={"ticket": ticket.ref})
    return True


def link_note(case: VendorCase, *, url: str | None = None) -> str:
    """The note a linked ticket's timeline gets (``url``: the case's address, if known already)."""
    return _("Linked to vendor case %(case)s: %(subject)s\n%(url)s") % {
        "case": case_label(case), "subject": case.subject, "url": url or case_url(case, absolute=True)
    }


def link_notes(cases: Iterable[VendorCase]) -> dict[int, str]:
    """``link_note`` of many saved cases (by pk), resolving the case page's address once."""
    marker = 987654321
    pattern = case_url(VendorCase(pk=marker), absolute=True)
    return {case.pk: link_note(case, url=pattern.replace(str(marker), str(case.pk))) for case in cases}


def status_note(old: str, new: str) -> str:
    """The body of a case's status note ("Waiting on vendor → Resolved")."""
    return f"{VendorCase.Status(old).label} → {VendorCase.Status(new).label}"


# --- Importing old logs in batches -----------------------------------------------------------
@dataclass
class ImportedCase:
    """A vendor case as a batch of imported rows leaves it, for :func:`import_cases` and
    :func:`import_links`: ``case`` is new (unsaved, in its final state) or one the desk has;
    ``opened`` and ``resolved`` say what ``open_case`` and ``change_case_status`` did to it (with
    the times), ``links`` which new tickets ``link_ticket`` linked and when."""

    case: VendorCase
    new: bool = False
    resolved: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (old status, at)
    links: list[tuple[Any, dt.datetime]] = field(default_factory=list)  # (ticket or its index, at)
    touched: bool = False


def import_cases(cases: list[ImportedCase], *, actor: Any) -> None:
    """Save the batch's new cases (one INSERT), before their tickets' notes name them: the rows
    ``open_case`` and, for those the row says are done, ``change_case_status`` write."""
    _require_writer(actor)
    new = [item for item in cases if item.new]
    VendorCase.objects.bulk_create([item.case for item in new])
    entries = []
    notes = []
    for item in new:
        case = item.case
        entries.append(audit_build(actor=actor, action="sms.case.open", obj=case, at=case.created_at,
                                   after={"vendor": case.vendor, "case_number": case.case_number,
                                          "subject": case.subject}))  # fmt: skip
        for old, at in item.resolved:  # the row that opened it says it is done
            status = VendorCase.Status.RESOLVED
            notes.append(VendorCaseNote(case=case, kind=VendorCaseNote.Kind.STATUS, body=status_note(old, status),
                                        author=_author(actor), at=at))  # fmt: skip
            entries.append(audit_build(actor=actor, action="sms.case.status", obj=case, before={"status": old},
                                       after={"status": status, "reopened_tickets": []}, at=at))  # fmt: skip
    bulk.insert(notes)
    bulk.insert(entries)


def import_links(cases: list[ImportedCase], tickets: list[Ticket], *, actor: Any) -> None:
    """Link the batch's new tickets (``links`` hold their index in ``tickets``) as ``link_ticket``
    does, whose status change and note ``tickets.actions.import_tickets`` wrote: the links (one
    INSERT), the cases' ``updated_at``, the audit entries."""
    _require_writer(actor)
    through = VendorCase.tickets.through
    rows = []
    entries = []
    for item in cases:
        for index, at in item.links:
            ticket = tickets[index]
            rows.append(bulk.new(through, vendorcase_id=item.case.pk, ticket_id=ticket.pk))
            entries.append(audit_build(actor=actor, action="sms.case.link", obj=item.case, at=at,
                                       after={"ticket": ticket.ref}))  # fmt: skip
    bulk.insert(rows)
    bulk.set_column([item.case for item in cases if item.touched and not item.new], "updated_at")
    bulk.insert(entries)


def _other_open_cases(ticket: Ticket, case: VendorCase) -> bool:
    return VendorCase.objects.filter(tickets=ticket, status__in=OPEN_CASE_STATUSES).exclude(pk=case.pk).exists()


def unlink_ticket(*, case: VendorCase, ticket: Ticket, actor: Any) -> bool:
    """Remove the link. A ticket waiting on the vendor for no other open case goes back to open
    (its clock resumes). False when it was not linked."""
    _require_writer(actor)
    with transaction.atomic():
        case = _lock(case)
        if not case.tickets.filter(pk=ticket.pk).exists():
            return False
        case.tickets.remove(ticket)
        _touch(case)
        ticket.refresh_from_db(fields=["status", "merged_into"])
        if ticket.merged_into_id is None:
            if ticket.status == Status.WAITING_VENDOR and not _other_open_cases(ticket, case):
                ticket_actions.change_status(ticket=ticket, status=Status.OPEN, actor=actor, reason=REASON_UNLINKED)
            ticket_actions.add_note(
                ticket=ticket, actor=actor, body=_("Unlinked from vendor case %(case)s.") % {"case": case_label(case)}
            )
        audit(actor=actor, action="sms.case.unlink", obj=case, after={"ticket": ticket.ref})
    return True


# --- Vendor responses, notes, updates --------------------------------------------------------
def record_vendor_response(
    *,
    case: VendorCase,
    body: str,
    actor: Any = None,
    at: dt.datetime | None = None,
    inbound_id: int | None = None,
    message_id: str = "",
    automatic: bool = False,
) -> VendorCaseNote:
    """The vendor answered (by mail, ``actor`` None, or typed in by an agent). The first answer
    stamps ``first_vendor_response_at``; ``automatic`` (an auto-reply) is kept but stamps nothing.
    The same Message-ID twice is recorded once. The case owner is told."""
    _require_writer(actor)
    body = (body or "").strip()
    if not body:
        raise CaseActionError({"body": _("Write what the vendor said.")})
    now = clock.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise CaseActionError({"at": _("A response cannot come from the future.")})
    with transaction.atomic():
        case = _lock(case)
        message_id = (message_id or "")[:255]
        if message_id:
            seen = case.notes.filter(message_id=message_id).first()
            if seen is not None:
                return seen
        if automatic:
            body = _("[Automatic reply] %(body)s") % {"body": body}
        note = _note(case, kind=VendorCaseNote.Kind.FROM_VENDOR, body=body, actor=actor, at=at,
                     inbound_id=inbound_id, message_id=message_id)  # fmt: skip
        fields: list[str] = []
        if (
            not automatic
            and at >= case.opened_at
            and (case.first_vendor_response_at is None or at < case.first_vendor_response_at)
        ):
            first = case.first_vendor_response_at is None
            case.first_vendor_response_at = at
            fields.append("first_vendor_response_at")
        else:
            first = False
        _touch(case, *fields)
        audit(actor=actor, action="sms.case.vendor_response", obj=case,
              after={"note": note.pk, "first": first, "message_id": message_id})  # fmt: skip
        if case.owner is not None and case.owner != actor:
            answered = case
            notify([case.owner], kind="vendor_case", key=f"vendor-case-note:{note.pk}", url=case_url(case),
                   title=lambda: _("%(case)s: the vendor answered") % {"case": case_label(answered)},
                   body=case.subject)  # fmt: skip
    return note


def add_note(*, case: VendorCase, body: str, actor: Any, kind: str = VendorCaseNote.Kind.NOTE) -> VendorCaseNote:
    """An internal note on the case, or (``kind`` "to_vendor") a record of what we told the vendor."""
    _require_writer(actor)
    body = (body or "").strip()
    if not body:
        raise CaseActionError({"body": _("Write something.")})
    if kind not in NOTE_KINDS:
        raise CaseActionError({"kind": _("Unknown kind of note.")})
    with transaction.atomic():
        case = _lock(case)
        note = _note(case, kind=kind, body=body, actor=actor)
        _touch(case)
        audit(actor=actor, action=f"sms.case.note.{kind}", obj=case, after={"note": note.pk})
    return note


def post_update(*, case: VendorCase, body: str, actor: Any, to_customers: bool = False) -> VendorCaseNote:
    """Write an update on the case and post it to every linked ticket's timeline, in one
    transaction: an internal note naming the case, or (``to_customers``) a public reply that the
    channels send to each customer. Merged tickets are skipped (their target is posted to if linked)."""
    if actor is None or not can_write(actor):
        raise CaseActionError(_("Only agents can post updates to the linked tickets."))
    body = (body or "").strip()
    if not body:
        raise CaseActionError({"body": _("Write the update.")})
    with transaction.atomic():
        case = _lock(case)
        linked = list(case.tickets.filter(merged_into__isnull=True).order_by("pk"))
        if not linked:
            raise CaseActionError(_("No ticket is linked to this case yet: link the customers' tickets first."))
        note = _note(case, kind=VendorCaseNote.Kind.NOTE, body=body, actor=actor, posted_to_tickets=True,
                     sent_to_customers=to_customers)  # fmt: skip
        for ticket in linked:
            if to_customers:
                ticket_actions.record_reply(ticket=ticket, body=body, actor=actor)
            else:
                ticket_actions.add_note(
                    ticket=ticket,
                    actor=actor,
                    body=_("Update on vendor case %(case)s:\n\n%(body)s") % {"case": case_label(case), "body": body},
                )
        _touch(case)
        audit(actor=actor, action="sms.case.update", obj=case,
              after={"note": note.pk, "tickets": [t.ref for t in linked], "to_customers": to_customers})  # fmt: skip
    return note


# --- Status ----------------------------------------------------------------------------------
def change_case_status(*, case: VendorCase, status: str, actor: Any, reopen_tickets: bool = False) -> VendorCase:
    """Set the status. Resolving (or closing) stamps ``resolved_at``; reopening clears it.
    ``reopen_tickets`` with resolving: linked tickets waiting on the vendor (for no other open
    case) go back to open, so their clocks run again and their owners pick them up."""
    _require_writer(actor)
    if status not in VendorCase.Status.values:
        raise CaseActionError({"status": _("Unknown status “%(status)s”.") % {"status": status}})
    with transaction.atomic():
        case = _lock(case)
        old = case.status
        if old == status:
            return case
        now = clock.now()
        case.status = status
        fields = ["status"]
        if status in DONE_CASE_STATUSES and case.resolved_at is None:
            case.resolved_at = now
            fields.append("resolved_at")
        elif status not in DONE_CASE_STATUSES and case.resolved_at is not None:
            case.resolved_at = None
            fields.append("resolved_at")
        _touch(case, *fields)
        _note(case, kind=VendorCaseNote.Kind.STATUS, actor=actor, body=status_note(old, status))
        moved: list[str] = []
        if reopen_tickets and status in DONE_CASE_STATUSES:
            for ticket in case.tickets.filter(status=Status.WAITING_VENDOR, merged_into__isnull=True).order_by("pk"):
                if not _other_open_cases(ticket, case):
                    ticket_actions.change_status(ticket=ticket, status=Status.OPEN, actor=actor, reason=REASON_RESOLVED)
                    moved.append(ticket.ref)
        audit(actor=actor, action="sms.case.status", obj=case, before={"status": old},
              after={"status": status, "reopened_tickets": moved})  # fmt: skip
    return case


# --- Mail: vendor answers thread into their case -----------------------------------------------
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _subject_tokens(subject: str) -> set[str]:
    """Every word of the subject that could be a case number ("[Case 01234567]", "Case #01234567",
    "CS-2026-001"), with its dash-separated parts, as written and in upper case."""
    tokens: set[str] = set()
    for word in _TOKEN.findall(subject or ""):
        for token in {word, *word.split("-")}:
            if token:
                tokens.update((token, token.upper()))
    return tokens


def find_case_for_mail(sender_email: str, subject: str) -> VendorCase | None:
    """The case a mail from ``sender_email`` is about: the sender is a vendor's support address
    and a case number of that vendor appears as a word in the subject (the longest one wins)."""
    vendor = (
        VendorSupportAddress.objects.filter(email__iexact=(sender_email or "").strip())
        .values_list("vendor", flat=True)
        .first()
    )
    if vendor is None:
        return None
    tokens = _subject_tokens(subject)
    if not tokens:
        return None
    found = list(VendorCase.objects.filter(vendor=vendor, case_number__in=tokens))
    if not found:
        return None
    return max(found, key=lambda case: (len(case.case_number), case.opened_at, case.pk))


def claim_vendor_mail(mail: InboundMail) -> str | None:
    """``core.intake`` mail claimer: a vendor's answer lands on its case as a vendor response
    instead of opening a customer ticket. Returns the outcome stored on the inbound mail."""
    case = find_case_for_mail(mail.sender_email, mail.subject)
    if case is None:
        return None
    record_vendor_response(
        case=case,
        body=mail.text.strip() or mail.subject,
        actor=None,
        inbound_id=mail.inbound_id,
        message_id=mail.message_id,
        automatic=mail.automatic,
    )
    return f"vendor response on {case.vendor} case #{case.case_number}"
