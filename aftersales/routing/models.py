"""Routing rules: which team and owner a new ticket goes to, and the state round-robin keeps.

Routing knows no tickets: a rule speaks of category *codes* and channel *values* (plain
strings), and ``engine.decide`` receives what it needs from the caller.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.core.stamps import bump
from aftersales.customers.models import Customer
from aftersales.people.models import Team

# Rules and settings are cached per process (``routing.engine``) against this stamp. Saves and
# deletes bump it through signals (``routing.apps``); these querysets bump it for bulk writes.
STAMP = "routing"


class StampedQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        with transaction.atomic():
            bump(STAMP)
            return super().update(**kwargs)

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic():
            bump(STAMP)
            return super().bulk_create(*args, **kwargs)


class Strategy(models.TextChoices):
    FIXED = "fixed", _("Fixed owner")
    ROUND_ROBIN = "round_robin", _("Round-robin in the team")
    LEAST_OPEN = "least_open", _("Fewest open tickets in the team")


class RoutingRule(models.Model):
    """Conditions (all must hold; an empty list means "any") → a team and/or an owner."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
        help_text=_("Matches this account and its sub-accounts."),
    )
    category_codes = models.JSONField(_("categories"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.FIXED)

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name

    def matches(
        self,
        *,
        customer_ids: set[int],
        category_code: str | None,
        channel: str,
        text: str,
        language: str,
    ) -> bool:
        """``text`` is the subject and description, already case-folded."""
        if self.customer_id is not None and self.customer_id not in customer_ids:
            return False
        if self.category_codes and category_code not in self.category_codes:
            return False
        if self.channels and channel not in self.channels:
            return False
        if self.languages and not any(language_matches(wanted, language) for wanted in self.languages):
            return False
        return not self.keywords or any(keyword.casefold() in text for keyword in self.keywords if keyword)


def language_matches(wanted: str, language: str) -> bool:
    """"zh" matches "zh-hans"; "zh-hans" matches "zh-hans" and "zh"; case does not matter."""
    wanted, language = wanted.lower(), (language or "").lower()
    if not language:
        return False
    return wanted == language or wanted.split("-")[0] == language.split("-")[0]


class RoutingState(models.Model):
    """Per team: who round-robin gave the last ticket to (locked while choosing the next)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="+")
    last_assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"routing state of team {self.team_id}"


class RoutingSettings(models.Model):
    """One row: where a ticket goes when no rule matches and no account manager is free."""

    triage_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("triage team"),
        help_text=_("Unmatched tickets go to this team, unassigned. Empty: the unassigned queue only."),
    )

    objects = StampedQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")

    def __str__(self) -> str:
        return "routing settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> RoutingSettings:
        found = cls.objects.select_related("triage_team").filter(pk=1).first()
        return found if found is not None else cls(pk=1)
