"""What the importer remembers: runs, every source row it saw, saved mappings and name aliases.

``ImportedRow.fingerprint`` is unique: the same row (file name + row content) is written once,
so a re-import, or a run resumed after a crash, adds nothing twice. A quarantined row is kept with
its reason and retried by the next run (its row is then updated, not duplicated).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.imports import details


class MappingProfile(models.Model):
    """A confirmed column mapping (header → ``records.Field`` value), reused by name."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, not imported yet")
        QUEUED = "queued", _("Waiting for a task worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # [{"name": "ops-log-2025.csv", "path": "<stored path or the path given>", "size": 1234}]
    files = models.JSONField(_("files"), default=list)
    options = models.JSONField(_("options"), default=dict)  # create_customers, source ("web"/"command") …
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)  # the mapping used (header → field)
    dry_run = models.BooleanField(_("dry run"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.UPLOADED)
    # {"rows", "imported", "duplicates", "quarantined", "reasons": {...}, "outcomes": {...},
    #  "provisional_customers": [...]}
    counts = models.JSONField(_("counts"), default=dict)
    timezone = models.CharField(_("timezone"), max_length=64, default="Asia/Shanghai")
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    profile = models.ForeignKey(
        MappingProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs",
        verbose_name=_("mapping profile"),
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"#{self.pk} {', '.join(self.file_names)}"

    @property
    def file_names(self) -> list[str]:
        return [str(entry.get("name", "")) for entry in self.files]

    def count(self, key: str) -> Any:
        return self.counts.get(key, 0)


class ImportedRow(models.Model):
    """One source row and what became of it (exactly one outcome)."""

    run = models.ForeignKey(  # (indexed by imports_row_run_outcome)
        ImportRun, on_delete=models.PROTECT, related_name="rows", verbose_name=_("run"), db_index=False
    )
    # Unique by a constraint, not ``unique=True``: on PostgreSQL that would add a second index for
    # LIKE queries, which nobody makes on a hash; an import writes one row here per source row.
    fingerprint = models.CharField(max_length=40)
    file = models.CharField(_("file"), max_length=255)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    line = models.PositiveIntegerField(_("line"))
    raw = models.TextField(_("original text"))
    outcome = models.CharField(_("outcome"), max_length=20)  # records.Outcome (never "duplicate")
    reason = models.CharField(_("reason"), max_length=30, blank=True)  # records.Reason or load.REJECTED
    detail = models.TextField(_("detail"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket")
    )
    message = models.ForeignKey(  # the timeline entry (internal note) holding the row's text
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checkin = models.ForeignKey(
        "feedback.Checkin", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["file", "sheet", "line", "pk"]
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        indexes = [
            models.Index(fields=["outcome", "reason"], name="imports_row_outcome_reason"),
            models.Index(fields=["run", "outcome"], name="imports_row_run_outcome"),
        ]
        constraints = [models.UniqueConstraint(fields=["fingerprint"], name="imports_row_fingerprint_unique")]

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.outcome}"

    @property
    def detail_text(self) -> str:
        """The detail in the reader's language (``imports.details``)."""
        return details.show(self.detail)


class AgentAlias(models.Model):
    """A name the old logs use for an agent (小李, 老韩, 杨) → that agent."""

    alias = models.CharField(_("alias"), max_length=100)
    key = models.CharField(max_length=100, unique=True, editable=False)  # matching.normalise(alias)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_aliases", verbose_name=_("agent")
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["alias"]
        verbose_name = _("agent alias")
        verbose_name_plural = _("agent aliases")

    def __str__(self) -> str:
        return self.alias


class CustomerAlias(models.Model):
    """A name the old logs use for a customer → that customer (also written when a provisional
    customer is merged, so the next import matches the old name directly)."""

    alias = models.CharField(_("alias"), max_length=200)
    key = models.CharField(max_length=200, unique=True, editable=False)  # matching.normalise(alias)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="import_aliases", verbose_name=_("customer")
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["alias"]
        verbose_name = _("customer alias")
        verbose_name_plural = _("customer aliases")

    def __str__(self) -> str:
        return self.alias
