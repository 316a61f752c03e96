"""Agents: Django users with a profile, roles as groups, teams, and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.core.fields import EncryptedTextField


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


# --- Second factor (issue 10) --------------------------------------------------------------------


class SecurityPolicy(models.Model):
    """The desk's sign-in policy: one row (pk 1), edited by admins in the admin site."""

    require_two_factor = models.BooleanField(
        _("require a second factor for all staff"),
        default=False,
        help_text=_("Staff without an authenticator app are sent to set one up before they can work."),
    )
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")

    def __str__(self) -> str:
        return str(_("Security policy"))

    @classmethod
    def current(cls) -> SecurityPolicy:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class TotpDevice(models.Model):
    """A staff member's authenticator app (RFC 6238 TOTP, 30 s, 6 digits, SHA-1). The shared secret is
    encrypted at rest; ``last_step`` is the last accepted time step, so a code works once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField(_("secret"))
    created_at = models.DateTimeField(_("created"))
    last_step = models.BigIntegerField(default=0)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        indexes = [models.Index(fields=["user", "code_hash"], name="people_recovery_lookup")]

    def __str__(self) -> str:
        return f"{self.user} ({'used' if self.used_at else 'unused'})"
