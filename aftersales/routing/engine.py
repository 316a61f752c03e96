"""Decide where a new ticket goes: the first matching rule, else the account manager, else triage.

Routing knows no tickets. The caller passes the ticket's facts as plain values and a function
``open_counts(user_ids) -> {user_id: open tickets}`` for the "fewest open tickets" strategy.
``decide`` must run inside the caller's transaction: round-robin (and fewest-open) lock the
team's ``RoutingState`` row until that transaction commits, so two tickets routed at the
same moment never both go to "the next" agent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from aftersales.core.access import WRITE_ROLES, can_write
from aftersales.core.stamps import StampedCache
from aftersales.customers.models import Customer
from aftersales.people.models import Team
from aftersales.routing.models import STAMP, RoutingRule, RoutingSettings, RoutingState, Strategy

# System reasons are stored in the source language and shown in the reader's.
REASON_ACCOUNT_MANAGER = gettext_noop("account manager")
REASON_DEFAULT_TRIAGE = gettext_noop("default triage")

OpenCounts = Callable[[list[int]], dict[int, int]]


@dataclass(frozen=True)
class Decision:
    team: Team | None
    owner: Any
    reason: str
    rule: RoutingRule | None = None


def detect_language(text: str) -> str:
    """"zh-hans" when the text has Chinese characters, "en" when it has Latin letters, else ""."""
    if any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text):
        return "zh-hans"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return ""


def is_available(user: Any) -> bool:
    """May be given a ticket now: active, with a write role, not marked away."""
    if user is None or not user.is_active or not can_write(user):
        return False
    profile = getattr(user, "agent_profile", None)
    return not (profile is not None and profile.is_away)


def available_members(team: Team) -> list[Any]:
    """The team's members who may be given tickets, in a stable order (by id)."""
    return list(
        get_user_model()
        .objects.filter(teams=team, is_active=True)
        .filter(Q(groups__name__in=WRITE_ROLES) | Q(is_superuser=True))
        .exclude(agent_profile__is_away=True)
        .distinct()
        .order_by("pk")
    )


def _locked_state(team: Team) -> RoutingState:
    state, _created = RoutingState.objects.select_for_update().get_or_create(team=team)
    return state


def _rotation(members: Sequence[Any], last_id: int | None) -> list[Any]:
    """Members in round-robin order, starting after ``last_id``."""
    if last_id is None:
        return list(members)
    after = [member for member in members if member.pk > last_id]
    return after + [member for member in members if member.pk <= last_id]


def _pick_in_team(team: Team, strategy: str, open_counts: OpenCounts) -> Any:
    members = available_members(team)
    if not members:
        return None
    with transaction.atomic():
        state = _locked_state(team)
        candidates = _rotation(members, state.last_assigned_user_id)
        if strategy == Strategy.LEAST_OPEN:
            counts = open_counts([member.pk for member in candidates])
            # Fewest open tickets; ties go round the team like round-robin does.
            chosen = min(candidates, key=lambda member: counts.get(member.pk, 0))
        else:
            chosen = candidates[0]
        state.last_assigned_user = chosen
        state.save(update_fields=["last_assigned_user"])
    return chosen


def _apply(rule: RoutingRule, open_counts: OpenCounts) -> Decision | None:
    owner = None
    if rule.strategy != Strategy.FIXED and rule.team is not None:
        owner = _pick_in_team(rule.team, rule.strategy, open_counts)
    elif is_available(rule.owner):
        owner = rule.owner
    if owner is None and rule.team is None:
        return None  # nowhere to put it (its only owner is away): try the next rule
    return Decision(team=rule.team, owner=owner, reason=rule.name, rule=rule)


@dataclass(frozen=True)
class _Config:
    """The active rules (their own fields only, in order) and the triage team's id."""

    rules: tuple[RoutingRule, ...]
    triage_team_id: int | None


def _load_config() -> _Config:
    rules = tuple(RoutingRule.objects.filter(is_active=True).order_by("order", "pk"))
    triage_team_id = RoutingSettings.objects.filter(pk=1).values_list("triage_team_id", flat=True).first()
    return _Config(rules, triage_team_id)


# Reloaded when the "routing" stamp changes (any write to a rule or the settings), so an edit
# applies to the next ticket in every process. Teams, owners and their away flags are not
# cached: they are read fresh for the rule that matches.
_config: StampedCache[_Config] = StampedCache(STAMP, _load_config)


def _fresh(rule: RoutingRule) -> RoutingRule | None:
    return RoutingRule.objects.select_related("team", "owner__agent_profile").filter(pk=rule.pk).first()


def _account_manager(customer: Customer | None) -> Any:
    while customer is not None:
        if is_available(customer.account_manager):
            return customer.account_manager
        customer = customer.parent
    return None


def decide(
    *,
    customer: Customer | None,
    category_code: str | None,
    channel: str,
    subject: str,
    description: str,
    language: str,
    open_counts: OpenCounts,
) -> Decision:
    """Where a new ticket goes. ``language`` is the caller's guess (e.g. the contact's); the
    language the text is written in wins when it can be told."""
    text = f"{subject}\n{description}".casefold()
    language = detect_language(f"{subject}\n{description}") or language or ""
    customer_ids = {pk for pk in (getattr(customer, "pk", None), getattr(customer, "parent_id", None)) if pk}
    config = _config.get()
    for cached in config.rules:
        if cached.matches(
            customer_ids=customer_ids, category_code=category_code, channel=channel, text=text, language=language
        ):
            rule = _fresh(cached)
            decision = _apply(rule, open_counts) if rule is not None else None
            if decision is not None:
                return decision
    manager = _account_manager(customer)
    if manager is not None:
        return Decision(team=None, owner=manager, reason=REASON_ACCOUNT_MANAGER)
    triage = Team.objects.filter(pk=config.triage_team_id).first() if config.triage_team_id is not None else None
    return Decision(team=triage, owner=None, reason=REASON_DEFAULT_TRIAGE)
