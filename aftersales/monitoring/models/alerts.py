"""Monitor settings, alerts and the incidents they group into.

An alert is identified by its fingerprint (monitor + account + country/network …): every
evaluation updates the same alert. Alerts of one customer and key (customer + country for traffic
monitors) group into one ``AlertIncident``, which owns the one proactive ticket.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertState(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class MonitorSetting(models.Model):
    """A monitor's parameters for one customer (absent: the defaults from sms-domain.md)."""

    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("customer"), help_text=_("Empty: the desk-wide default."),
    )
    monitor = models.CharField(_("monitor"), max_length=40)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("monitor setting")
        verbose_name_plural = _("monitor settings")
        constraints = [models.UniqueConstraint(fields=["customer", "monitor"], name="mon_setting_unique")]

    def __str__(self) -> str:
        return f"{self.monitor} ({self.customer or '*'})"


class AlertIncident(models.Model):
    """One customer's problem under one key (e.g. "starriver:NG"), with its one proactive ticket.

    No customer: a problem of the team's own services (a probe of our platform), whose ticket goes to
    the desk without a customer."""

    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("customer"),
    )
    key = models.CharField(_("key"), max_length=120)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket")
    )
    opened_at = models.DateTimeField(_("opened"))
    updated_at = models.DateTimeField(_("updated"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert incident")
        verbose_name_plural = _("alert incidents")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "key"], condition=models.Q(resolved_at__isnull=True), name="mon_one_open_incident"
            ),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(resolved_at__isnull=True, customer__isnull=True),
                name="mon_one_open_own_incident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.key}"


class Alert(models.Model):
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    monitor = models.CharField(_("monitor"), max_length=40)
    customer = models.ForeignKey(  # empty: about the team's own services (a probe of our platform)
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("customer"),
    )
    account = models.ForeignKey(
        "sms.VendorAccount", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("vendor account"),
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    network = models.CharField(_("network"), max_length=10, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    state = models.CharField(_("state"), max_length=10, choices=AlertState.choices, default=AlertState.FIRING)
    incident = models.ForeignKey(
        AlertIncident, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts",
        verbose_name=_("incident"),
    )
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Consecutive healthy evaluations while firing: it resolves once they reach the monitor's hold count.
    healthy_runs = models.PositiveSmallIntegerField(default=0)
    # The explanation (its message code and numbers) and the series behind its small chart.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"], condition=models.Q(state="firing"), name="mon_one_firing_alert"
            ),
        ]
        indexes = [models.Index(fields=["state", "-last_seen"], name="mon_alert_state_seen")]

    def __str__(self) -> str:
        return self.fingerprint
