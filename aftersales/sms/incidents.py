"""Balance incidents: a vendor account whose balance or runway crosses its customer's threshold
gets one proactive ticket, before the customer notices that their messages stopped.

After each balance reading, ``evaluate_account`` compares the account's balance and runway with
the customer's :class:`BalanceAlertSettings` (absent: ``SMS_RUNWAY_ALERT_HOURS``, default 72 h):

- low, and no open incident → open a ticket (channel "monitoring", category billing & balance,
  owner = the customer's account manager, who is notified) with the forecast and its basis, and
  record a :class:`BalanceIncident`; if the customer opted in, the billing contact gets a short
  email in their language (a public reply on the same ticket, so it is on the timeline);
- low, incident open → update its figures; a note on the ticket when the balance runs out, or at
  most once per ``SMS_BALANCE_NOTE_HOURS`` (default 24) while it stays low;
- recovered (above the threshold again, e.g. after a top-up), incident open → a note on the ticket,
  the incident closed and, unless the customer turned it off, the ticket resolved.

A partial unique constraint keeps one open incident per account, so every alert about the account
(the early-warning monitors use ``raise_incident`` too) lands on the same ticket. A sub-account that
shares its master's balance is not evaluated: the master's incident covers it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.sms import runway
from aftersales.sms.models import BalanceAlertSettings, BalanceIncident, BalanceReading, VendorAccount
from aftersales.tickets import actions as tickets
from aftersales.tickets.models import Category, Channel, Priority, Status, Ticket

logger = logging.getLogger(__name__)

BALANCE_CATEGORY = "billing-balance"
SOURCE_KIND = "sms.balance"
RECOVERY_MARGIN = Decimal("1.25")


def default_runway_hours() -> int:
    return int(getattr(settings, "SMS_RUNWAY_ALERT_HOURS", 72))


def note_every() -> timedelta:
    return timedelta(hours=int(getattr(settings, "SMS_BALANCE_NOTE_HOURS", 24)))


@dataclass(frozen=True)
class Thresholds:
    below_amount: Decimal | None
    runway_hours: int

    @classmethod
    def for_customer(cls, alert_settings: BalanceAlertSettings | None) -> Thresholds:
        if alert_settings is None:
            return cls(None, default_runway_hours())
        hours = alert_settings.runway_hours
        return cls(alert_settings.below_amount, default_runway_hours() if hours is None else hours)


@dataclass(frozen=True)
class Assessment:
    """Where an account stands against its thresholds, from its latest readings."""

    balance: Decimal
    currency: str
    forecast: runway.Runway
    thresholds: Thresholds
    reason: str | None  # a BalanceIncident.Reason when low, None when fine

    @property
    def runway_hours(self) -> float | None:
        return None if self.forecast.runway is None else self.forecast.runway.total_seconds() / 3600

    @property
    def clear_of_margin(self) -> bool:
        """Recovered with room to spare (``RECOVERY_MARGIN`` above each threshold), so an account
        hovering at its threshold does not open and resolve a ticket every quarter of an hour."""
        limits = self.thresholds
        if limits.below_amount is not None and self.balance <= limits.below_amount * RECOVERY_MARGIN:
            return False
        hours = self.runway_hours
        return hours is None or hours > limits.runway_hours * float(RECOVERY_MARGIN)

    @property
    def run_out(self) -> bool:
        hours = self.runway_hours
        return self.balance <= 0 or (hours is not None and hours <= 0)


def assess(account: VendorAccount, *, thresholds: Thresholds, now: datetime) -> Assessment | None:
    """The account's standing from the readings of the runway window; None without readings."""
    rows = list(
        BalanceReading.objects.filter(account=account, at__gte=now - runway.DEFAULT_WINDOW, at__lte=now).order_by("at")
    )
    return assess_readings(rows, thresholds=thresholds, now=now)


def assess_readings(rows: list[BalanceReading], *, thresholds: Thresholds, now: datetime) -> Assessment | None:
    """``assess`` on readings already read (oldest first, inside the runway window)."""
    if not rows:
        return None
    latest = rows[-1]
    floor = -abs(latest.credit_limit) if latest.credit_limit else Decimal(0)
    forecast = runway.compute([(r.at, r.value) for r in rows], now=now, floor=floor)
    reason = None
    if thresholds.below_amount is not None and latest.value <= thresholds.below_amount:
        reason = BalanceIncident.Reason.BELOW_AMOUNT
    elif forecast.runway is not None and forecast.runway <= timedelta(hours=thresholds.runway_hours):
        reason = BalanceIncident.Reason.RUNWAY
    elif latest.value <= floor:
        reason = BalanceIncident.Reason.BELOW_AMOUNT
    return Assessment(latest.value, latest.currency, forecast, thresholds, reason)


# --- Texts (rendered in the reader's language) ----------------------------------------------
def desk_language(customer: Any) -> str:
    """The ticket and its notes are written in the customer's language, like the tickets the
    customer writes themselves (the agents who look after a customer read its language)."""
    return getattr(customer, "language", "") or settings.LANGUAGE_CODE


def _money(value: Decimal, currency: str) -> str:
    return f"{number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}"


def _forecast_line(assessment: Assessment) -> str:
    if assessment.run_out:
        return _("The balance has run out: messages are no longer sent.")
    return _("At the current rate it %(runs_out)s (%(basis)s).") % {
        "runs_out": runway.runs_out_text(assessment.forecast),
        "basis": assessment.forecast.basis,
    }


def _threshold_line(assessment: Assessment) -> str:
    limits = assessment.thresholds
    if limits.below_amount is not None:
        return _("Alert threshold: a balance under %(amount)s or a runway under %(hours)d hours.") % {
            "amount": _money(limits.below_amount, assessment.currency), "hours": limits.runway_hours,
        }
    return _("Alert threshold: a runway under %(hours)d hours.") % {"hours": limits.runway_hours}


def ticket_subject(account: VendorAccount, assessment: Assessment) -> str:
    if assessment.run_out:
        return _("Balance run out: %(account)s") % {"account": account.name}
    return _("Balance low: %(account)s %(runs_out)s") % {
        "account": account.name, "runs_out": runway.runs_out_text(assessment.forecast),
    }


def ticket_description(account: VendorAccount, assessment: Assessment) -> str:
    lines = [
        _("Vendor account %(account)s (%(vendor)s) has %(balance)s left.") % {
            "account": account.name, "vendor": account.get_kind_display(),
            "balance": _money(assessment.balance, assessment.currency),
        },
        _forecast_line(assessment),
        _threshold_line(assessment),
        _("Ask the customer to top up, or raise their credit limit; this ticket resolves itself when the "
          "balance recovers."),
    ]
    return "\n".join(lines)


def customer_message(account: VendorAccount, assessment: Assessment) -> str:
    lines = [
        _("Hello,"),
        _("the SMS balance of your account %(account)s is low: %(balance)s left.") % {
            "account": account.name, "balance": _money(assessment.balance, assessment.currency),
        },
        _forecast_line(assessment),
        _("Please top up in time so your messages keep flowing. Reply to this email if you have any questions."),
    ]
    return "\n\n".join(lines)


def _update_note(account: VendorAccount, assessment: Assessment) -> str:
    return "\n".join([
        _("Balance update for %(account)s: %(balance)s left.") % {
            "account": account.name, "balance": _money(assessment.balance, assessment.currency),
        },
        _forecast_line(assessment),
    ])


def _recovery_note(account: VendorAccount, assessment: Assessment) -> str:
    hours = assessment.runway_hours
    runs_out = runway.runs_out_text(assessment.forecast) if hours is not None else _("no spending measured")
    return _("Balance recovered for %(account)s: %(balance)s (%(runs_out)s).") % {
        "account": account.name, "balance": _money(assessment.balance, assessment.currency), "runs_out": runs_out,
    }


# --- Actions ---------------------------------------------------------------------------------
def _open_ticket(
    *, account: VendorAccount, subject: str, description: str, priority: int, contact: Any = None, actor: Any = None
) -> Ticket:
    """The account's balance ticket: Monitoring channel, billing & balance, owned by the account manager."""
    customer = account.customer
    return tickets.open_ticket(
        subject=subject,
        description=description,
        channel=Channel.MONITORING,
        customer=customer,
        contact=contact,
        category=Category.objects.filter(code=BALANCE_CATEGORY).first(),
        priority=priority,
        owner=customer.account_manager,
        from_customer=False,
        source_kind=SOURCE_KIND,
        source_ref=f"account:{account.pk}",
        tags=["balance"],
        actor=actor,
    )


def _open_incident(
    *, account: VendorAccount, assessment: Assessment, alert_settings: BalanceAlertSettings | None, now: datetime
) -> BalanceIncident:
    customer = account.customer
    contact = None
    if alert_settings is not None and alert_settings.notify_customer and alert_settings.billing_contact:
        contact = alert_settings.billing_contact
    with translation.override(desk_language(customer)):
        subject, description = ticket_subject(account, assessment), ticket_description(account, assessment)
    ticket = _open_ticket(
        account=account,
        subject=subject,
        description=description,
        priority=Priority.P1 if assessment.run_out else Priority.P2,
        contact=contact if contact is not None and contact.customer_id == customer.pk else None,
    )
    incident = BalanceIncident.objects.create(
        account=account,
        ticket=ticket,
        reason=assessment.reason or BalanceIncident.Reason.RUNWAY,
        opened_at=now,
        updated_at=now,
        last_value=assessment.balance,
        last_runway_hours=assessment.runway_hours,
    )
    if ticket.contact is not None and ticket.contact.email:
        with translation.override(ticket.contact.language or settings.LANGUAGE_CODE):
            body = customer_message(account, assessment)
        tickets.record_reply(
            ticket=ticket, body=body, actor=None, channel=Channel.EMAIL, status=Status.WAITING_CUSTOMER
        )
        incident.customer_notified_at = now
        incident.save(update_fields=["customer_notified_at"])
    audit(actor=None, action="sms.balance_incident.open", obj=incident,
          after={"account": account.pk, "ticket": ticket.ref, "reason": incident.reason})
    return incident


def _update_incident(*, incident: BalanceIncident, assessment: Assessment, now: datetime) -> None:
    ran_out_now = assessment.run_out and incident.last_value is not None and incident.last_value > 0
    fields = ["last_value", "last_runway_hours"]
    if ran_out_now or now - incident.updated_at >= note_every():
        with translation.override(desk_language(incident.account.customer)):
            note = _update_note(incident.account, assessment)
        tickets.add_note(ticket=incident.ticket, body=note, actor=None)
        incident.updated_at = now
        fields.append("updated_at")
        if ran_out_now and incident.ticket.priority != Priority.P1:
            tickets.update_ticket(ticket=incident.ticket, actor=None, priority=Priority.P1,
                                  reason=gettext_noop("the balance ran out"))
    incident.last_value = assessment.balance
    incident.last_runway_hours = assessment.runway_hours
    incident.save(update_fields=fields)


def _recover(
    *, incident: BalanceIncident, assessment: Assessment, alert_settings: BalanceAlertSettings | None, now: datetime
) -> None:
    with translation.override(desk_language(incident.account.customer)):
        note = _recovery_note(incident.account, assessment)
    tickets.add_note(ticket=incident.ticket, body=note, actor=None)
    incident.recovered_at = now
    incident.updated_at = now
    incident.last_value = assessment.balance
    incident.last_runway_hours = assessment.runway_hours
    incident.save(update_fields=["recovered_at", "updated_at", "last_value", "last_runway_hours"])
    ticket = Ticket.objects.get(pk=incident.ticket_id)
    auto_resolve = alert_settings.auto_resolve if alert_settings is not None else True
    if auto_resolve and ticket.is_open() and ticket.merged_into_id is None:
        tickets.change_status(ticket=ticket, status=Status.RESOLVED, actor=None,
                              reason=gettext_noop("balance recovered"),
                              resolution=tickets.Resolution.of(root_cause="billing"))
    audit(actor=None, action="sms.balance_incident.recover", obj=incident,
          after={"account": incident.account_id, "ticket": ticket.ref})


def evaluate_account(account: VendorAccount, *, now: datetime | None = None) -> str:
    """Compare ``account``'s latest readings with its thresholds and open, update or close its
    incident. Returns what happened: "opened", "updated", "recovered", "ok" or "skipped"."""
    now = now or clock.now()
    latest = BalanceReading.objects.filter(account=account).order_by("-at").only("shared").first()
    if latest is None or latest.shared:
        return "skipped"
    alert_settings = BalanceAlertSettings.objects.filter(customer_id=account.customer_id).first()
    assessment = assess(account, thresholds=Thresholds.for_customer(alert_settings), now=now)
    if assessment is None:
        return "skipped"
    try:
        with transaction.atomic():
            incident = (
                BalanceIncident.objects.select_for_update()
                .select_related("ticket", "account")
                .filter(account=account, recovered_at__isnull=True)
                .first()
            )
            if assessment.reason is not None:
                if incident is None:
                    _open_incident(account=account, assessment=assessment, alert_settings=alert_settings, now=now)
                    return "opened"
                _update_incident(incident=incident, assessment=assessment, now=now)
                return "updated"
            if incident is not None and not assessment.clear_of_margin:
                # Back above the threshold, but only just: stay open rather than flap open/closed.
                _update_incident(incident=incident, assessment=assessment, now=now)
                return "updated"
            if incident is not None:
                _recover(incident=incident, assessment=assessment, alert_settings=alert_settings, now=now)
                return "recovered"
            return "ok"
    except IntegrityError:
        # Another worker opened the account's incident at the same moment: it stands, ours rolled back.
        logger.info("balance incident for account %s opened concurrently", account.pk)
        return "updated"


def evaluate_accounts(accounts: list[VendorAccount]) -> None:
    """``balances.check_due``'s ``after_store`` hook, for a batch of freshly read accounts.

    Three queries for the whole batch (the window's readings, the customers' settings, the open
    incidents) find the accounts with something to do: low, or with an open incident. Only those go
    through ``evaluate_account`` (which locks and writes); one account's failure never stops the others.
    """
    if not accounts:
        return
    now = clock.now()
    ids = [account.pk for account in accounts]
    readings: dict[int, list[BalanceReading]] = {pk: [] for pk in ids}
    for reading in BalanceReading.objects.filter(
        account_id__in=ids, at__gte=now - runway.DEFAULT_WINDOW, at__lte=now
    ).order_by("account_id", "at"):
        readings[reading.account_id].append(reading)
    alert_settings = {
        row.customer_id: row
        for row in BalanceAlertSettings.objects.filter(customer_id__in={a.customer_id for a in accounts})
    }
    open_incidents = set(
        BalanceIncident.objects.filter(account_id__in=ids, recovered_at__isnull=True)
        .values_list("account_id", flat=True)
    )
    for account in accounts:
        rows = readings[account.pk]
        if not rows or rows[-1].shared:
            continue
        thresholds = Thresholds.for_customer(alert_settings.get(account.customer_id))
        assessment = assess_readings(rows, thresholds=thresholds, now=now)
        if assessment is None or (assessment.reason is None and account.pk not in open_incidents):
            continue
        try:
            evaluate_account(account, now=now)
        except Exception:
            logger.exception("balance alert for account %s failed", account.pk)


def raise_incident(*, account: VendorAccount, summary: str, actor: Any = None) -> BalanceIncident:
    """For other alerts about an account's money (the early-warning monitors): note ``summary`` on the
    account's open balance incident, opening one (reason "alert") when there is none."""
    now = clock.now()
    with transaction.atomic():
        incident = (
            BalanceIncident.objects.select_for_update().select_related("ticket")
            .filter(account=account, recovered_at__isnull=True).first()
        )
        if incident is None:
            ticket = _open_ticket(
                account=account, subject=summary[:200], description=summary, priority=Priority.P2, actor=actor
            )
            incident = BalanceIncident.objects.create(
                account=account, ticket=ticket, reason=BalanceIncident.Reason.ALERT, opened_at=now, updated_at=now,
            )
        else:
            tickets.add_note(ticket=incident.ticket, body=summary, actor=actor)
            incident.updated_at = now
            incident.save(update_fields=["updated_at"])
    return incident


def save_alert_settings(
    *,
    customer: Any,
    actor: Any,
    below_amount: Decimal | None,
    runway_hours: int | None,
    notify_customer: bool,
    billing_contact: Any,
    auto_resolve: bool,
) -> BalanceAlertSettings:
    """Set ``customer``'s balance thresholds (audited). A billing contact must be the customer's own,
    and emailing the customer needs one with an address."""
    if billing_contact is not None and billing_contact.customer_id != customer.pk:
        raise ValidationError({"billing_contact": _("Pick a contact of %(customer)s.") % {"customer": customer}})
    if notify_customer and (billing_contact is None or not billing_contact.email):
        raise ValidationError(
            {"billing_contact": _("To email the customer, pick a billing contact with an email address.")}
        )
    with transaction.atomic():
        current, _created = BalanceAlertSettings.objects.select_for_update().get_or_create(customer=customer)
        before = {
            "below_amount": str(current.below_amount) if current.below_amount is not None else None,
            "runway_hours": current.runway_hours, "notify_customer": current.notify_customer,
            "billing_contact": current.billing_contact_id, "auto_resolve": current.auto_resolve,
        }
        current.below_amount = below_amount
        current.runway_hours = runway_hours
        current.notify_customer = notify_customer
        current.billing_contact = billing_contact
        current.auto_resolve = auto_resolve
        current.save()
        audit(actor=actor, action="sms.balance_alerts.save", obj=customer, before=before, after={
            "below_amount": str(below_amount) if below_amount is not None else None, "runway_hours": runway_hours,
            "notify_customer": notify_customer, "billing_contact": getattr(billing_contact, "pk", None),
            "auto_resolve": auto_resolve,
        })
    return current
