"""Periodic pulls of the Vonage Reports API: one row per account, direction and 24-hour window.

The window is the Reports API's limit for a synchronous query (``date_start``/``date_end`` at most
24 h apart). Each page the vendor returns is stored as a ``RawEvent`` (source ``reports``) before it
is parsed, so a pull that fails half-way loses nothing and a re-run records nothing twice (the
ingestion path ignores duplicates).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PullState(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportPull(models.Model):
    account = models.ForeignKey(
        "sms.VendorAccount", on_delete=models.CASCADE, related_name="+", verbose_name=_("vendor account")
    )
    direction = models.CharField(_("direction"), max_length=10, default="outbound")
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    state = models.CharField(_("state"), max_length=10, choices=PullState.choices, default=PullState.RUNNING)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    records = models.PositiveIntegerField(_("records"), default=0)
    recorded = models.PositiveIntegerField(_("events recorded"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("Reports API pull")
        verbose_name_plural = _("Reports API pulls")
        ordering = ["-window_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "direction", "window_start"], name="mon_pull_one_per_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.direction} {self.window_start:%Y-%m-%d %H:%M}"
