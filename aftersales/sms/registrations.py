"""Sender-ID registrations: every write (create, move through the workflow, assign, the vendor's
reference, documents, the lead-time table, overdue reminders) and the reads pages and the API share.

Rules (sms-domain.md §3):

- A registration is per customer × country × sender ID × type. Its sender ID is checked for its
  type: alphanumeric 3-11 Latin letters and digits with at least one letter (refused in countries
  that do not accept alphanumeric senders, such as US and CA: ``templatecheck.check_sender``); a
  long number at most 15 digits; a short code 3-8 digits; a template (India DLT header / template,
  China signature) free text, a China signature 2-12 Chinese characters, letters or digits.
- Moves (:data:`TRANSITIONS`): draft → submitted → vendor review → carrier review → needs info →
  approved | rejected | cancelled; needs info goes back to vendor or carrier review; any non-final
  registration can be cancelled; a final one never moves. Asking for information and rejecting
  need a note (what is needed, why). Each move writes a ``RegistrationEvent`` (when, who) and an
  audit entry.
- Submitting stamps ``submitted_at`` and ``due_at`` = submitted + the ``LeadTime`` in force for its
  country and type, or ``settings.SMS_REGISTRATION_DEFAULT_DAYS`` (30) when the table has none.
  The clock keeps running while the vendor waits for information: the lead time is the customer's
  expectation from submission, not the vendor's working time.
- Approving or rejecting stamps ``decided_at``. An approval feeds the table back: the observed
  median (``decided_at - submitted_at`` in days over every approved registration of that country
  and type) and how many were measured.
- Overdue: not final and ``due_at`` passed. :func:`remind_overdue_registrations` (scheduled hourly
  in ``sms.tasks``) notifies the owner (or, with no owner, the customer's account manager) at most
  once a day per registration.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import can_write, is_lead, is_staff_member, require_write
from aftersales.customers.models import Customer
from aftersales.knowledge.actions import DOCUMENT_TYPES
from aftersales.notify.api import notify
from aftersales.sms.checking import finding_message
from aftersales.sms.models import (
    LeadTime,
    RegistrationDocument,
    RegistrationEvent,
    RegistrationStatus,
    RegistrationType,
    SenderIdRegistration,
    VendorAccount,
)
from aftersales.sms.models.registrations import FINAL_STATUSES
from aftersales.sms.templatecheck import NO_ALPHA_SENDER, check_sender

S = RegistrationStatus
T = RegistrationType

DEFAULT_LEAD_DAYS = 30
REMIND_EVERY = dt.timedelta(days=1)
NOTIFY_KIND = "sms_registration_overdue"

# Where each status may go next. Final statuses go nowhere.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.SUBMITTED, S.CANCELLED),
    S.SUBMITTED: (S.VENDOR_REVIEW, S.CARRIER_REVIEW, S.NEEDS_INFO, S.APPROVED, S.REJECTED, S.CANCELLED),
    S.VENDOR_REVIEW: (S.CARRIER_REVIEW, S.NEEDS_INFO, S.APPROVED, S.REJECTED, S.CANCELLED),
    S.CARRIER_REVIEW: (S.NEEDS_INFO, S.APPROVED, S.REJECTED, S.CANCELLED),
    S.NEEDS_INFO: (S.VENDOR_REVIEW, S.CARRIER_REVIEW, S.REJECTED, S.CANCELLED),
    S.APPROVED: (),
    S.REJECTED: (),
    S.CANCELLED: (),
}
NOTE_REQUIRED: frozenset[str] = frozenset({S.NEEDS_INFO, S.REJECTED})

# The button a move is shown as on the registration page (the status names read as states).
ACTION_LABELS: dict[str, Any] = {
    S.SUBMITTED: gettext_lazy("Submit to vendor"),
    S.VENDOR_REVIEW: gettext_lazy("Vendor reviewing"),
    S.CARRIER_REVIEW: gettext_lazy("Carrier reviewing"),
    S.NEEDS_INFO: gettext_lazy("Needs information"),
    S.APPROVED: gettext_lazy("Approve"),
    S.REJECTED: gettext_lazy("Reject"),
    S.CANCELLED: gettext_lazy("Cancel registration"),
}

_LETTER_OR_DIGIT = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CN_SIGNATURE_MIN, _CN_SIGNATURE_MAX = 2, 12
MAX_SENDER_LENGTH = 40  # SenderIdRegistration.sender_id


class RegistrationError(ValidationError):
    """A registration change was refused; the message says why, for the person who asked."""


# --- Reads -----------------------------------------------------------------------------------
def registrations_visible_to(user: Any) -> QuerySet[SenderIdRegistration]:
    """Every staff member sees every registration; nobody else sees any."""
    if is_staff_member(user):
        return SenderIdRegistration.objects.all()
    return SenderIdRegistration.objects.none()


def get_registration_for_user(user: Any, pk: Any, *, write: bool = False) -> SenderIdRegistration:
    """The registration ``pk`` if ``user`` may see it (404 otherwise); 403 on a write by a reader."""
    try:
        registration = (
            registrations_visible_to(user)
            .select_related("customer__parent", "owner__agent_profile", "vendor_account")
            .get(pk=int(pk))
        )
    except (SenderIdRegistration.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such registration") from exc
    if write:
        require_write(user)
    return registration


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Not final and past its expected date."""
    return Q(due_at__lt=now or clock.now()) & ~Q(status__in=FINAL_STATUSES)


def is_overdue(registration: SenderIdRegistration, now: dt.datetime | None = None) -> bool:
    return not registration.is_final and registration.due_at is not None and registration.due_at < (now or clock.now())


def default_lead_days() -> int:
    return int(getattr(settings, "SMS_REGISTRATION_DEFAULT_DAYS", DEFAULT_LEAD_DAYS))


def lead_time_for(country: str, kind: str) -> LeadTime | None:
    return LeadTime.objects.filter(country=country.upper(), type=kind).first()


@dataclass(frozen=True)
class DueBasis:
    """Why a registration is expected by its ``due_at``: ``days`` after submission, from the
    lead-time table (``from_table``) or the default."""

    days: int
    from_table: bool

    def __str__(self) -> str:
        if self.from_table:
            return _("%(days)d days after submission: the expected lead time for this country and type") % {
                "days": self.days
            }
        return _("%(days)d days after submission: the default, as no lead time is set for this country and type") % {
            "days": self.days
        }


def due_basis(registration: SenderIdRegistration) -> DueBasis | None:
    """The basis of ``due_at`` (None before submission). The days are what was used when it was
    submitted; ``from_table`` says whether the table has a lead time for its country and type."""
    if registration.submitted_at is None or registration.due_at is None:
        return None
    days = round((registration.due_at - registration.submitted_at) / dt.timedelta(days=1))
    from_table = LeadTime.objects.filter(country=registration.country, type=registration.type).exists()
    return DueBasis(days=days, from_table=from_table)


def allowed_moves(registration: SenderIdRegistration) -> tuple[str, ...]:
    return TRANSITIONS.get(registration.status, ())


# --- Checks ----------------------------------------------------------------------------------
def _normalise_country(country: str) -> str:
    code = (country or "").strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise RegistrationError({"country": _("Enter a two-letter ISO country code, such as AE or GB.")})
    return code


def check_sender_id(sender_id: str, *, country: str, kind: str) -> str:
    """The sender ID, trimmed, if it suits its type and country; RegistrationError (on ``sender_id``)
    otherwise. Alphanumeric and number rules come from ``templatecheck.check_sender``."""
    sender = (sender_id or "").strip()
    if not sender:
        raise RegistrationError({"sender_id": _("Enter the sender ID to register.")})
    if len(sender) > MAX_SENDER_LENGTH:
        raise RegistrationError({"sender_id": _("At most %(limit)d characters.") % {"limit": MAX_SENDER_LENGTH}})
    digits = sender.removeprefix("+")
    if kind == T.ALPHANUMERIC:
        if digits.isdigit() and digits.isascii():
            raise RegistrationError(
                {
                    "sender_id": _(
                        "An alphanumeric sender ID needs at least one letter; register a number as a long number."
                    )
                }
            )
        errors = [f for f in check_sender(sender, country) if f.severity == "error"]
        if errors:
            raise RegistrationError({"sender_id": [finding_message(f) for f in errors]})
    elif kind == T.LONG_NUMBER:
        if not (digits.isdigit() and digits.isascii()):
            raise RegistrationError(
                {"sender_id": _("A long number has digits only, optionally after a +, for example +447700900123.")}
            )
        errors = [f for f in check_sender(sender, country) if f.severity == "error"]
        if errors:
            raise RegistrationError({"sender_id": [finding_message(f) for f in errors]})
    elif kind == T.SHORT_CODE:
        if not (sender.isdigit() and sender.isascii() and 3 <= len(sender) <= 8):
            raise RegistrationError({"sender_id": _("A short code has 3 to 8 digits.")})
    elif kind == T.TEMPLATE:
        if country == "CN":
            if not _CN_SIGNATURE_MIN <= len(sender) <= _CN_SIGNATURE_MAX:
                raise RegistrationError(
                    {
                        "sender_id": _(
                            "A China signature has 2 to 12 characters (without 【】); “%(sender)s” has %(length)d."
                        )
                        % {"sender": sender, "length": len(sender)}
                    }
                )
            if not all(
                ch in _LETTER_OR_DIGIT or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in sender
            ):
                raise RegistrationError(
                    {
                        "sender_id": _(
                            "A China signature may contain only Chinese characters, letters and digits, "
                            "no symbols or 【】."
                        )
                    }
                )
    else:
        raise RegistrationError({"type": _("Choose the kind of registration.")})
    return sender


def _check_owner(owner: Any) -> None:
    if owner is not None and (not getattr(owner, "is_active", False) or not can_write(owner)):
        raise RegistrationError({"owner": _("The owner must be an active agent, lead or admin.")})


def _check_vendor_account(vendor_account: VendorAccount | None, customer: Customer) -> None:
    if vendor_account is None:
        return
    allowed = {customer.pk, customer.parent_id}
    if vendor_account.customer_id not in allowed:
        raise RegistrationError({"vendor_account": _("That vendor account belongs to another customer.")})


def _event(
    registration: SenderIdRegistration, *, actor: Any, at: dt.datetime, from_status: str, to_status: str, note: str
) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        registration=registration,
        at=at,
        actor=_user(actor),
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_writer(actor: Any) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False) and not can_write(actor):
        raise RegistrationError(_("Your role is read-only; ask a lead for write access."))


# --- Writes ----------------------------------------------------------------------------------
def create_registration(
    *,
    customer: Customer,
    country: str,
    sender_id: str,
    type: str,  # the model's field name
    actor: Any,
    owner: Any = None,
    vendor_account: VendorAccount | None = None,
    notes: str = "",
) -> SenderIdRegistration:
    """Start a registration as a draft. Refuses a sender ID that does not suit its type and
    country, and a second open registration of the same sender ID, country and type for the customer."""
    _require_writer(actor)
    if type not in RegistrationType.values:
        raise RegistrationError({"type": _("Choose the kind of registration.")})
    code = _normalise_country(country)
    if type == T.ALPHANUMERIC and code in NO_ALPHA_SENDER:
        raise RegistrationError(
            {
                "country": _(
                    "%(country)s does not accept alphanumeric sender IDs: register a 10DLC or toll-free "
                    "number or a short code instead."
                )
                % {"country": code}
            }
        )
    sender = check_sender_id(sender_id, country=code, kind=type)
    _check_owner(owner)
    _check_vendor_account(vendor_account, customer)
    now = clock.now()
    with transaction.atomic():
        duplicate = (
            SenderIdRegistration.objects.filter(customer=customer, country=code, type=type, sender_id__iexact=sender)
            .exclude(status__in=FINAL_STATUSES)
            .first()
        )
        if duplicate is not None:
            raise RegistrationError(
                {
                    "sender_id": _(
                        "%(customer)s already has an open registration of “%(sender)s” in %(country)s (#%(pk)d)."
                    )
                    % {"customer": customer.name, "sender": duplicate.sender_id, "country": code, "pk": duplicate.pk}
                }
            )
        registration = SenderIdRegistration.objects.create(
            customer=customer,
            country=code,
            sender_id=sender,
            type=type,
            owner=owner,
            vendor_account=vendor_account,
            notes=(notes or "").strip(),
            created_at=now,
            updated_at=now,
        )
        _event(registration, actor=actor, at=now, from_status="", to_status=S.DRAFT, note="")
        audit(
            actor=actor,
            action="sms.registration.create",
            obj=registration,
            after={
                "customer": customer.code,
                "country": code,
                "sender_id": sender,
                "type": type,
                "owner": owner.get_username() if owner is not None else None,
            },
        )
    return registration


def transition_registration(
    *, registration: SenderIdRegistration, to_status: str, actor: Any, note: str = ""
) -> RegistrationEvent:
    """Move ``registration`` to ``to_status`` if the workflow allows it (see :data:`TRANSITIONS`)."""
    _require_writer(actor)
    note = (note or "").strip()
    if to_status not in RegistrationStatus.values:
        raise RegistrationError({"to_status": _("Unknown status “%(status)s”.") % {"status": to_status}})
    if to_status in NOTE_REQUIRED and not note:
        message = (
            _("Say what information the vendor or carrier needs.")
            if to_status == S.NEEDS_INFO
            else _("Say why the registration was rejected.")
        )
        raise RegistrationError({"note": message})
    now = clock.now()
    with transaction.atomic():
        current = SenderIdRegistration.objects.select_for_update().get(pk=registration.pk)
        before = current.status
        if to_status not in TRANSITIONS.get(before, ()):
            if before in FINAL_STATUSES:
                raise RegistrationError(
                    _("This registration is %(status)s; it cannot change any more. Start a new one instead.")
                    % {"status": S(before).label.lower()}
                )
            raise RegistrationError(
                _("A registration that is “%(current)s” cannot become “%(target)s”.")
                % {"current": S(before).label, "target": S(to_status).label}
            )
        fields = ["status", "updated_at"]
        current.status, current.updated_at = to_status, now
        after: dict[str, Any] = {"status": to_status}
        if to_status == S.SUBMITTED:
            lead = lead_time_for(current.country, current.type)
            days = lead.expected_days if lead is not None else default_lead_days()
            current.submitted_at = now
            current.due_at = now + dt.timedelta(days=days)
            current.overdue_reminded_at = None
            fields += ["submitted_at", "due_at", "overdue_reminded_at"]
            after.update(
                due_at=current.due_at.isoformat(),
                lead_days=days,
                basis="lead_time" if lead is not None else "default",
            )
        if to_status in (S.APPROVED, S.REJECTED):
            current.decided_at = now
            fields.append("decided_at")
        current.save(update_fields=fields)
        event = _event(current, actor=actor, at=now, from_status=before, to_status=to_status, note=note)
        if to_status == S.APPROVED:
            lead_time = record_observed_lead_time(country=current.country, kind=current.type)
            if lead_time is not None:
                after["observed_median_days"] = lead_time.observed_median_days
        audit(
            actor=actor,
            action="sms.registration.transition",
            obj=current,
            before={"status": before},
            after={**after, "note": note} if note else after,
        )
    # The caller's object follows the change.
    for name in [*fields, "decided_at"]:
        setattr(registration, name, getattr(current, name))
    return event


def record_observed_lead_time(*, country: str, kind: str) -> LeadTime | None:
    """Recompute the observed median lead time (days, one decimal) for ``country`` and ``kind``
    from every approved registration with both dates, and store it on the table's row (added with
    the default expected days when the table has none, so the measurement is not lost)."""
    durations = [
        (decided - submitted) / dt.timedelta(days=1)
        for submitted, decided in SenderIdRegistration.objects.filter(
            country=country, type=kind, status=S.APPROVED, submitted_at__isnull=False, decided_at__isnull=False
        ).values_list("submitted_at", "decided_at")
        if submitted is not None and decided is not None
    ]
    if not durations:
        return None
    median = round(statistics.median(durations), 1)
    lead_time, _created = LeadTime.objects.get_or_create(
        country=country,
        type=kind,
        defaults={
            "expected_days": default_lead_days(),
            "note": "Added by the first approved registration; set the expected days.",
        },
    )
    lead_time.observed_median_days = median
    lead_time.observed_count = len(durations)
    lead_time.save(update_fields=["observed_median_days", "observed_count"])
    return lead_time


def assign_registration(*, registration: SenderIdRegistration, owner: Any, actor: Any) -> SenderIdRegistration:
    """Give the registration an owner (None: nobody); the owner gets the overdue reminders."""
    _require_writer(actor)
    _check_owner(owner)
    before = registration.owner.get_username() if registration.owner is not None else None
    with transaction.atomic():
        registration.owner = owner
        registration.updated_at = clock.now()
        registration.save(update_fields=["owner", "updated_at"])
        audit(
            actor=actor,
            action="sms.registration.assign",
            obj=registration,
            before={"owner": before},
            after={"owner": owner.get_username() if owner is not None else None},
        )
    return registration


def set_vendor_reference(*, registration: SenderIdRegistration, reference: str, actor: Any) -> SenderIdRegistration:
    """Record the vendor's reference for the request (their ticket or request number)."""
    _require_writer(actor)
    reference = (reference or "").strip()
    if len(reference) > 100:
        raise RegistrationError({"vendor_reference": _("At most %(limit)d characters.") % {"limit": 100}})
    before = registration.vendor_reference
    with transaction.atomic():
        registration.vendor_reference = reference
        registration.updated_at = clock.now()
        registration.save(update_fields=["vendor_reference", "updated_at"])
        audit(
            actor=actor,
            action="sms.registration.vendor_reference",
            obj=registration,
            before={"vendor_reference": before},
            after={"vendor_reference": reference},
        )
    return registration


def _check_upload(upload: Any) -> tuple[str, str]:
    """(file name, content type) of an acceptable document, judged by its first bytes as well as
    its name (the knowledge base's table); RegistrationError otherwise."""
    name = PurePath(getattr(upload, "name", "") or "").name[:200]
    suffix = PurePath(name.lower()).suffix
    allowed = DOCUMENT_TYPES.get(suffix)
    if not name or allowed is None:
        raise RegistrationError(
            {
                "file": _(
                    "“%(name)s” cannot be attached: documents may be PDF, DOCX, XLSX or images (PNG, JPEG, GIF, WebP)."
                )
                % {"name": name or "?"}
            }
        )
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise RegistrationError(
            {
                "file": _("“%(name)s” is %(size)d MB; documents may be at most %(limit)d MB.")
                % {"name": name, "size": upload.size // 1_048_576, "limit": limit // 1_048_576}
            }
        )
    if upload.size == 0:
        raise RegistrationError({"file": _("“%(name)s” is empty.") % {"name": name}})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in allowed[1]):
        raise RegistrationError(
            {
                "file": _("“%(name)s” is not really a %(kind)s file; it was refused.")
                % {"name": name, "kind": suffix[1:].upper()}
            }
        )
    return name, allowed[0]


def attach_document(*, registration: SenderIdRegistration, upload: Any, actor: Any) -> RegistrationDocument:
    """Keep a document with the registration (business licence, letter of authorisation, the
    vendor's approval …). The content type stored (and served) comes from the checked type."""
    _require_writer(actor)
    name, content_type = _check_upload(upload)
    now = clock.now()
    with transaction.atomic():
        document = RegistrationDocument(
            registration=registration,
            name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=_user(actor),
            uploaded_at=now,
        )
        document.file.save(name, File(upload), save=False)
        document.save()
        SenderIdRegistration.objects.filter(pk=registration.pk).update(updated_at=now)
        audit(
            actor=actor,
            action="sms.registration.document",
            obj=registration,
            after={"document": document.pk, "file": name, "size": upload.size},
        )
    return document


def save_lead_time(*, country: str, kind: str, expected_days: int, actor: Any, note: str | None = None) -> LeadTime:
    """Set the expected lead time of ``country`` and ``kind`` (leads and admins). Applies to
    registrations submitted from now on; submitted ones keep the date they were given."""
    if actor is not None and getattr(actor, "is_authenticated", False) and not is_lead(actor):
        raise RegistrationError(_("Only leads and admins change the expected lead times."))
    code = _normalise_country(country)
    if kind not in RegistrationType.values:
        raise RegistrationError({"type": _("Choose the kind of registration.")})
    if not isinstance(expected_days, int) or not 1 <= expected_days <= 730:
        raise RegistrationError({"expected_days": _("Enter a number of days from 1 to 730.")})
    with transaction.atomic():
        lead_time = LeadTime.objects.select_for_update().filter(country=code, type=kind).first()
        before = {"expected_days": lead_time.expected_days, "note": lead_time.note} if lead_time else {}
        if lead_time is None:
            lead_time = LeadTime(country=code, type=kind)
        lead_time.expected_days = expected_days
        if note is not None:
            lead_time.note = note.strip()[:300]
        lead_time.save()
        audit(
            actor=actor,
            action="sms.lead_time.save",
            obj=lead_time,
            before=before,
            after={"expected_days": expected_days, "note": lead_time.note},
        )
    return lead_time


# --- Overdue reminders -----------------------------------------------------------------------
def remind_overdue_registrations(*, now: dt.datetime | None = None) -> int:
    """Notify the owner of each overdue registration not reminded in the last day (the
    customer's account manager when it has no owner); returns how many were reminded.

    Each registration is claimed with a conditional UPDATE in its own transaction, so two
    workers never remind twice, and the notification key (registration + day) makes a rerun
    of the same day a no-op even so.
    """
    now = now or clock.now()
    cutoff = now - REMIND_EVERY
    due = (
        SenderIdRegistration.objects.filter(overdue_q(now))
        .filter(Q(overdue_reminded_at__isnull=True) | Q(overdue_reminded_at__lte=cutoff))
        .select_related("owner__agent_profile", "customer__account_manager__agent_profile")
        .order_by("due_at", "pk")
    )
    reminded = 0
    for registration in due:
        recipient = registration.owner or registration.customer.account_manager
        with transaction.atomic():
            claimed = (
                SenderIdRegistration.objects.filter(pk=registration.pk)
                .filter(Q(overdue_reminded_at__isnull=True) | Q(overdue_reminded_at__lte=cutoff))
                .update(overdue_reminded_at=now)
            )
            if not claimed:
                continue
            if recipient is not None:
                _notify_overdue(registration, recipient, now)
        reminded += 1 if recipient is not None else 0
    return reminded


def _notify_overdue(registration: SenderIdRegistration, recipient: Any, now: dt.datetime) -> None:
    assert registration.due_at is not None  # overdue_q
    days_late = max(1, (now - registration.due_at).days)
    sender, country, customer = registration.sender_id, registration.country, registration.customer.name
    due = registration.due_at.date().isoformat()

    def title() -> str:
        return _("Sender ID %(sender)s (%(country)s) for %(customer)s is overdue") % {
            "sender": sender,
            "country": country,
            "customer": customer,
        }

    def body() -> str:
        return ngettext(
            "It was expected by %(due)s and is %(days)d day late; it is still “%(status)s”. "
            "Ask the vendor for news and record it on the registration.",
            "It was expected by %(due)s and is %(days)d days late; it is still “%(status)s”. "
            "Ask the vendor for news and record it on the registration.",
            days_late,
        ) % {"due": due, "days": days_late, "status": S(registration.status).label}

    notify(
        [recipient],
        kind=NOTIFY_KIND,
        title=title,
        body=body,
        url=reverse("sms:registration_detail", args=[registration.pk]),
        key=f"sms-registration-overdue:{registration.pk}:{now.date().isoformat()}",
    )
