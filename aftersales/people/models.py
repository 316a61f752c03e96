"""Agents: Django users with a profile, roles as groups, teams, and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock


class Role(models.TextChoices):
    """Roles are Django groups with these names (created by a data migration)."""

    ADMIN = "admin", _("Admin")
    LEAD = "lead", _("Lead")
    AGENT = "agent", _("Agent")
    VIEWER = "viewer", _("Viewer")


class AgentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    display_name = models.CharField(_("display name"), max_length=100)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    timezone = models.CharField(_("timezone"), max_length=64, default="Asia/Shanghai")
    is_away = models.BooleanField(_("away"), default=False)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return self.display_name


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
        verbose_name=_("lead"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


TOKEN_PREFIX = "as_"  # noqa: S105 (a public prefix, not a secret)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --- API token scopes (issue 10) ----------------------------------------------------------------
# A scope is ``read`` or ``write`` (every area) or ``<area>:read`` / ``<area>:write``; write includes read.
API_AREAS = ("customers", "tickets", "sla", "search", "sms")
API_SCOPES = ("read", "write", *(f"{area}:{level}" for area in API_AREAS for level in ("read", "write")))


def default_scopes() -> list[str]:
    return ["read", "write"]



class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = clock.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    scopes = models.JSONField(_("scopes"), default=default_scopes)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

