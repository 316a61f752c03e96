"""The numbers customers hold: synced from the vendor, or entered by hand (issue 6, "Numbers").

Actions (keyword-only, one transaction each, an audit entry per changed number):

- :func:`sync_numbers` reads a vendor account's numbers through its connector and upserts them for
  the account's customer (``source=vendor``); a number the vendor no longer lists is marked
  released (``released_at`` today). Numbers entered by hand are never touched by a sync. A vendor
  error is returned as the result's ``error_code``/``message``; nothing is changed then (a partial
  list must not release numbers).
- :func:`add_number`, :func:`update_number`, :func:`release_number` for numbers entered by hand.
  A synced number belongs to the vendor: only its monthly cost can be changed here (Vonage's list of
  owned numbers does not carry the rent), and it is released at the vendor, then by the next sync.

Validation (:func:`clean_number`): the number is digits only; a long number must be a valid
E.164 number (``phonenumbers``) and its country is derived from it (a country given must match);
a short code is 3-8 digits with a country given; the inbound webhook URL is http or https.

The webhook check itself (probing URLs) lives in ``sms.webhookcheck``; this module sets the state
a change implies at once: an SMS number without a URL is "missing", a new URL is "not checked".
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import is_staff_member, require_write
from aftersales.sms.balances import connector_options
from aftersales.sms.connectors.base import Number, RetryPolicy, VendorError, mask_key
from aftersales.sms.connectors.registry import get_connector
from aftersales.sms.models import PhoneNumber, VendorAccount

logger = logging.getLogger(__name__)

# Vendor number types (Vonage's "type") → the desk's.
VENDOR_TYPES: dict[str, str] = {
    "mobile-lvn": PhoneNumber.Type.MOBILE,
    "landline": PhoneNumber.Type.LANDLINE,
    "landline-toll-free": PhoneNumber.Type.TOLL_FREE,
    "mobile-shortcode": PhoneNumber.Type.SHORT_CODE,
    "short-code": PhoneNumber.Type.SHORT_CODE,
}
FEATURES = ("SMS", "VOICE", "MMS")
HELD = ~Q(status=PhoneNumber.Status.RELEASED)
PROBLEM_STATES = (PhoneNumber.Webhook.MISSING, PhoneNumber.Webhook.FAILING)
SEPARATORS = re.compile(r"[\s\-().]")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")

# What an agent may give for a number entered by hand.
EDITABLE = (
    "customer",
    "msisdn",
    "country",
    "type",
    "features",
    "monthly_cost",
    "currency",
    "inbound_webhook_url",
    "status",
    "bought_at",
)
# What an agent may change on a number synced from the vendor.
VENDOR_EDITABLE = ("monthly_cost", "currency")
AUDITED = (*EDITABLE[1:], "customer_id", "account_id", "source", "released_at", "webhook_state")


# --- Reading ---------------------------------------------------------------------------------


def numbers_visible_to(user: Any) -> QuerySet[PhoneNumber]:
    """Numbers are desk records: every staff member reads them, nobody else."""
    if is_staff_member(user):
        return PhoneNumber.objects.all()
    return PhoneNumber.objects.none()


def get_number_for_user(user: Any, number_id: Any, *, write: bool = False) -> PhoneNumber:
    """The number ``number_id`` if ``user`` may see it (404 otherwise); 403 on a write by a reader."""
    try:
        number = numbers_visible_to(user).select_related("customer", "account").get(pk=int(number_id))
    except (PhoneNumber.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such number") from exc
    if write:
        require_write(user)
    return number


def with_problems(queryset: QuerySet[PhoneNumber]) -> QuerySet[PhoneNumber]:
    """Held numbers whose inbound webhook is missing or does not answer."""
    return queryset.filter(HELD, webhook_state__in=PROBLEM_STATES)


# --- Validation ------------------------------------------------------------------------------


def _digits(raw: str) -> str:
    text = SEPARATORS.sub("", str(raw or "").strip())
    if text.startswith("+"):
        text = text[1:]
    elif text.startswith("00"):
        text = text[2:]
    return text


def clean_number(*, msisdn: str, country: str, type: str) -> tuple[str, str]:
    """``(msisdn, country)`` as stored: digits only (E.164 without the plus for long numbers) and the
    ISO country. Raises ValidationError with a message per field."""
    country = (country or "").strip().upper()
    if country and not COUNTRY.match(country):
        raise ValidationError({"country": _("Use the two-letter ISO code of the country, e.g. GB.")})
    digits = _digits(msisdn)
    if not digits:
        raise ValidationError({"msisdn": _("Enter the number.")})
    if not digits.isdigit():
        raise ValidationError(
            {"msisdn": _("A number has digits only (spaces, dashes and a leading + are fine), e.g. +44 20 7946 0123.")}
        )
    if type == PhoneNumber.Type.SHORT_CODE:
        if not 3 <= len(digits) <= 8:
            raise ValidationError({"msisdn": _("A short code has 3 to 8 digits.")})
        if not country:
            raise ValidationError({"country": _("Give the country a short code works in.")})
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError({"country": _("“%(country)s” is not a country code we know.") % {"country": country}})
        return digits, country
    try:
        parsed = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            {
                "msisdn": _(
                    "“%(value)s” is not a valid phone number: give it in international form with the country "
                    "code, e.g. +44 20 7946 0123 (a short code: choose the type “Short code”)."
                )
                % {"value": msisdn}
            }
        )
    derived = phonenumbers.region_code_for_number(parsed) or ""
    if country and derived and country != derived:
        raise ValidationError(
            {
                "country": _("+%(number)s is a number in %(derived)s, not %(country)s.")
                % {"number": digits, "derived": derived, "country": country}
            }
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:], country or derived


def clean_url(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            {"inbound_webhook_url": _("Enter a full http:// or https:// address, e.g. https://hooks.example.com/sms.")}
        ) from None
    if len(value) > 500:
        raise ValidationError({"inbound_webhook_url": _("The address is too long (at most 500 characters).")})
    return value


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check the simple fields of ``values`` in place; msisdn/country are checked together elsewhere."""
    if "type" in values and values["type"] not in PhoneNumber.Type.values:
        raise ValidationError({"type": _("Choose a type.")})
    if "status" in values and values["status"] not in (PhoneNumber.Status.ACTIVE, PhoneNumber.Status.PENDING):
        raise ValidationError({"status": _("A number is active or pending; release it with “Release”.")})
    if "features" in values:
        features = [str(f).strip().upper() for f in (values["features"] or []) if str(f).strip()]
        unknown = sorted(set(features) - set(FEATURES))
        if unknown:
            raise ValidationError({"features": _("Unknown features: %(names)s.") % {"names": ", ".join(unknown)}})
        values["features"] = [f for f in FEATURES if f in features]
    if values.get("monthly_cost") not in (None, ""):
        try:
            cost = Decimal(str(values["monthly_cost"]))
        except InvalidOperation:
            raise ValidationError({"monthly_cost": _("Enter an amount, e.g. 0.90.")}) from None
        if cost < 0 or not cost.is_finite() or cost >= Decimal("1e8"):
            raise ValidationError({"monthly_cost": _("Enter an amount of 0 or more.")})
        values["monthly_cost"] = cost
    elif "monthly_cost" in values:
        values["monthly_cost"] = None
    if "currency" in values:
        currency = str(values["currency"] or "EUR").strip().upper()
        if not CURRENCY.match(currency):
            raise ValidationError({"currency": _("Use a three-letter currency code, e.g. EUR.")})
        values["currency"] = currency
    if "inbound_webhook_url" in values:
        values["inbound_webhook_url"] = clean_url(values["inbound_webhook_url"])
    return values


def _check_not_held(msisdn: str, *, exclude: int | None = None) -> None:
    held = PhoneNumber.objects.filter(HELD, msisdn=msisdn).select_related("customer")
    if exclude is not None:
        held = held.exclude(pk=exclude)
    other = held.first()
    if other is not None:
        raise ValidationError(
            {
                "msisdn": _("%(number)s is already held by %(customer)s.")
                % {"number": str(other), "customer": other.customer.name}
            }
        )


# --- Writing ---------------------------------------------------------------------------------


def _snapshot(number: PhoneNumber) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in AUDITED:
        value = getattr(number, name)
        if isinstance(value, Decimal):
            value = str(value.quantize(Decimal("0.0001")))  # as stored, so a re-read compares equal
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _settle_webhook_state(number: PhoneNumber, *, url_before: str | None) -> None:
    """The webhook state a change implies without probing: missing when an SMS number has no URL;
    not checked when the URL changed (the next check probes it)."""
    if number.status == PhoneNumber.Status.RELEASED or not number.receives_sms:
        if number.webhook_state == PhoneNumber.Webhook.MISSING:
            number.webhook_state, number.webhook_message, number.webhook_checked_at = "", "", None
        return
    if not number.inbound_webhook_url:
        if number.webhook_state != PhoneNumber.Webhook.MISSING:
            number.webhook_state = PhoneNumber.Webhook.MISSING
            number.webhook_message = ""
            number.webhook_checked_at = clock.now()
        return
    if url_before != number.inbound_webhook_url or number.webhook_state == PhoneNumber.Webhook.MISSING:
        number.webhook_state, number.webhook_message, number.webhook_checked_at = "", "", None


def add_number(
    *,
    actor: Any,
    customer: Any,
    msisdn: str,
    country: str = "",
    type: str = PhoneNumber.Type.LONG,
    features: list[str] | tuple[str, ...] = ("SMS",),
    monthly_cost: Decimal | str | None = None,
    currency: str = "EUR",
    inbound_webhook_url: str = "",
    status: str = PhoneNumber.Status.ACTIVE,
    bought_at: dt.date | None = None,
) -> PhoneNumber:
    """Record a number entered by hand for ``customer``."""
    if actor is not None:
        require_write(actor)
    values = _clean_values(
        {
            "type": type,
            "features": list(features),
            "monthly_cost": monthly_cost,
            "currency": currency,
            "inbound_webhook_url": inbound_webhook_url,
            "status": status,
        }
    )
    values["msisdn"], values["country"] = clean_number(msisdn=msisdn, country=country, type=values["type"])
    now = clock.now()
    with transaction.atomic():
        _check_not_held(values["msisdn"])
        number = PhoneNumber(
            customer=customer,
            source=PhoneNumber.Source.MANUAL,
            bought_at=bought_at or now.date(),
            created_at=now,
            updated_at=now,
            **values,
        )
        _settle_webhook_state(number, url_before=None)
        number.save()
        audit(actor=actor, action="sms.number.create", obj=number, after=_snapshot(number))
    return number


def update_number(*, actor: Any, number: PhoneNumber, **values: Any) -> PhoneNumber:
    """Change a number entered by hand (any of ``EDITABLE``); of a synced number only the monthly
    cost and its currency."""
    if actor is not None:
        require_write(actor)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown phone number fields: {sorted(unknown)}")
    if number.status == PhoneNumber.Status.RELEASED:
        raise ValidationError(_("This number was released; add it again to hold it anew."))
    if number.source == PhoneNumber.Source.VENDOR:
        vendor_owned = sorted(
            name for name in set(values) - set(VENDOR_EDITABLE) if values[name] != getattr(number, name)
        )
        if vendor_owned:
            raise ValidationError(
                _(
                    "This number is synced from the vendor: change it in the vendor's dashboard and the next sync "
                    "brings the change here. Only the monthly cost can be changed here."
                )
            )
        values = {name: values[name] for name in VENDOR_EDITABLE if name in values}
    if "bought_at" in values and values["bought_at"] is None:
        del values["bought_at"]  # an empty date keeps the one recorded
    values = _clean_values(values)
    msisdn = values.pop("msisdn", number.msisdn)
    country = values.pop("country", number.country)
    kind = values.get("type", number.type)
    if number.source == PhoneNumber.Source.MANUAL:
        msisdn, country = clean_number(msisdn=msisdn, country=country, type=kind)
    with transaction.atomic():
        number = PhoneNumber.objects.select_for_update().get(pk=number.pk)
        before = _snapshot(number)
        url_before = number.inbound_webhook_url
        if msisdn != number.msisdn:
            _check_not_held(msisdn, exclude=number.pk)
        number.msisdn, number.country = msisdn, country
        for name, value in values.items():
            setattr(number, name, value)
        _settle_webhook_state(number, url_before=url_before)
        after = _snapshot(number)
        if after != before:
            number.updated_at = clock.now()
            number.save()
            audit(actor=actor, action="sms.number.update", obj=number, before=before, after=after)
    return number


def release_number(*, actor: Any, number: PhoneNumber, on: dt.date | None = None) -> PhoneNumber:
    """Mark a number entered by hand as released (``released_at`` ``on``, default today)."""
    if actor is not None:
        require_write(actor)
    if number.source == PhoneNumber.Source.VENDOR:
        raise ValidationError(
            _("This number is synced from the vendor: release it at the vendor; the next sync marks it released here.")
        )
    with transaction.atomic():
        number = PhoneNumber.objects.select_for_update().get(pk=number.pk)
        if number.status == PhoneNumber.Status.RELEASED:
            return number
        before = _snapshot(number)
        _release(number, on or clock.now().date())
        audit(actor=actor, action="sms.number.release", obj=number, before=before, after=_snapshot(number))
    return number


def _release(number: PhoneNumber, on: dt.date) -> None:
    number.status = PhoneNumber.Status.RELEASED
    number.released_at = on
    number.updated_at = clock.now()
    _settle_webhook_state(number, url_before=number.inbound_webhook_url)
    number.save()


# --- Sync from the vendor --------------------------------------------------------------------


@dataclass
class SyncResult:
    """What a sync did; ``ok`` False with ``error_code``/``message`` when the vendor failed."""

    account: VendorAccount
    ok: bool = True
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    unchanged: int = 0
    # Listed by the vendor but held as a number entered by hand: left alone (msisdn → customer name).
    skipped: dict[str, str] = field(default_factory=dict)
    error_code: str = ""
    message: str = ""

    @property
    def listed(self) -> int:
        return len(self.created) + len(self.updated) + self.unchanged + len(self.skipped)


def sync_numbers(*, account: VendorAccount, actor: Any = None, retry_policy: RetryPolicy | None = None) -> SyncResult:
    """Read ``account``'s numbers at the vendor and bring its customer's synced numbers in line."""
    result = SyncResult(account=account)
    try:
        with get_connector(account.kind, **connector_options(account, retry_policy)) as connector:
            listed = connector.numbers()
    except VendorError as error:
        logger.info("number sync of %s failed: %s %s", mask_key(account.api_key), error.code, error.detail)
        with translation.override(settings.LANGUAGE_CODE):
            message = str(error.message)
        result.ok, result.error_code, result.message = False, error.code, message
        return result
    now = clock.now()
    by_msisdn: dict[str, Number] = {}
    for item in listed:
        digits = _digits(item.msisdn)
        if digits.isdigit():
            by_msisdn[digits] = item
    with transaction.atomic():
        held = {
            n.msisdn: n
            for n in PhoneNumber.objects.select_for_update()
            .filter(HELD, msisdn__in=list(by_msisdn))
            .select_related("customer")
        }
        for msisdn, item in sorted(by_msisdn.items()):
            number = held.get(msisdn)
            if number is not None and number.source == PhoneNumber.Source.MANUAL:
                result.skipped[msisdn] = number.customer.name
                continue
            if number is None:
                number = (
                    PhoneNumber.objects.filter(
                        account=account,
                        msisdn=msisdn,
                        source=PhoneNumber.Source.VENDOR,
                        status=PhoneNumber.Status.RELEASED,
                    )
                    .order_by("-released_at", "-pk")
                    .first()
                )
            is_new = number is None or number.status == PhoneNumber.Status.RELEASED
            if number is None:
                number = PhoneNumber(msisdn=msisdn, source=PhoneNumber.Source.VENDOR, created_at=now)
            before = {} if number.pk is None else _snapshot(number)
            url_before = number.inbound_webhook_url if number.pk is not None else None
            if is_new:
                number.status, number.bought_at, number.released_at = PhoneNumber.Status.ACTIVE, now.date(), None
            number.customer_id = account.customer_id
            number.account = account
            number.country = (item.country or number.country or "").upper()[:2]
            number.type = VENDOR_TYPES.get(item.type, PhoneNumber.Type.LONG)
            number.features = [f for f in FEATURES if f in item.features] + sorted(set(item.features) - set(FEATURES))
            number.inbound_webhook_url = (item.inbound_webhook_url or "")[:500]
            if item.monthly_cost is not None:  # else keep what an agent typed in
                number.monthly_cost = item.monthly_cost
            if item.currency:
                number.currency = item.currency[:3].upper()
            _settle_webhook_state(number, url_before=url_before)
            after = _snapshot(number)
            number.synced_at = now
            if after == before:
                number.save(update_fields=["synced_at"])
                result.unchanged += 1
                continue
            number.updated_at = now
            number.save()
            if before and not is_new:
                result.updated.append(msisdn)
            else:
                result.created.append(msisdn)
            audit(
                actor=actor,
                action="sms.number.create" if is_new else "sms.number.sync",
                obj=number,
                before=before,
                after=after,
            )
        gone = (
            PhoneNumber.objects.select_for_update()
            .filter(HELD, account=account, source=PhoneNumber.Source.VENDOR)
            .exclude(msisdn__in=list(by_msisdn))
        )
        for number in gone:
            before = _snapshot(number)
            _release(number, now.date())
            number.synced_at = now
            number.save(update_fields=["synced_at"])
            result.released.append(number.msisdn)
            audit(actor=actor, action="sms.number.release", obj=number, before=before, after=_snapshot(number))
    return result


def syncable_accounts() -> list[VendorAccount]:
    """Active accounts a sync can read: masters, and sub-accounts that hold their own secret."""
    accounts = VendorAccount.objects.filter(active=True).order_by("pk")
    return [a for a in accounts if a.parent_id is None or (a.kind == VendorAccount.Kind.VONAGE and a.api_secret)]


def sync_all(*, retry_policy: RetryPolicy | None = None) -> list[SyncResult]:
    """Sync every syncable account (the daily job); one account's failure never stops the others."""
    return [sync_numbers(account=account, retry_policy=retry_policy) for account in syncable_accounts()]
