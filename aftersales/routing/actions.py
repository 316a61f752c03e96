"""Writes to routing configuration: validated, audited, one transaction each."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core.access import can_write
from aftersales.routing.access import require_configurer
from aftersales.routing.models import RoutingRule, RoutingSettings, Strategy

_RULE_FIELDS = (
    "name", "is_active", "customer", "category_codes", "channels", "keywords", "languages", "team", "owner", "strategy",
)


def _snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {
        "name": rule.name, "order": rule.order, "is_active": rule.is_active, "customer": rule.customer_id,
        "category_codes": rule.category_codes, "channels": rule.channels, "keywords": rule.keywords,
        "languages": rule.languages, "team": rule.team_id, "owner": rule.owner_id, "strategy": rule.strategy,
    }


def _clean_list(values: Any, *, lower: bool) -> list[str]:
    seen: list[str] = []
    for value in values or []:
        text = str(value).strip()
        if lower:
            text = text.lower()
        if text and text not in seen:
            seen.append(text[:100])
    return seen


def _validate(rule: RoutingRule) -> None:
    if rule.strategy == Strategy.FIXED and rule.owner is None and rule.team is None:
        raise ValidationError({"team": _("Choose a team, an owner, or both.")})
    if rule.strategy != Strategy.FIXED and rule.team is None:
        raise ValidationError({"team": _("Round-robin and fewest-open pick an agent inside a team: choose the team.")})
    if rule.owner is not None and not (rule.owner.is_active and can_write(rule.owner)):
        raise ValidationError({"owner": _("%(name)s is not an agent and cannot own tickets.") % {"name": rule.owner}})


def save_rule(*, actor: Any, rule: RoutingRule | None = None, **values: Any) -> RoutingRule:
    """Create (``rule`` None, placed last) or update a routing rule."""
    if actor is not None:
        require_configurer(actor)
    with transaction.atomic():
        is_new = rule is None
        if rule is None:
            last = RoutingRule.objects.aggregate(last=Max("order"))["last"]
            rule = RoutingRule(order=(last or 0) + 1)
            before: dict[str, Any] = {}
        else:
            before = _snapshot(rule)
        for key, value in values.items():
            if key not in _RULE_FIELDS:
                raise TypeError(f"unknown routing rule field {key}")
            if key in ("category_codes", "channels", "languages"):
                value = _clean_list(value, lower=True)
            elif key == "keywords":
                value = _clean_list(value, lower=False)
            setattr(rule, key, value)
        if rule.strategy != Strategy.FIXED:
            rule.owner = None  # the strategy picks the owner
        rule.full_clean()
        _validate(rule)
        rule.save()
        audit(
            actor=actor,
            action="routing.rule.create" if is_new else "routing.rule.update",
            obj=rule,
            before=before,
            after=_snapshot(rule),
        )
    return rule


def delete_rule(*, actor: Any, rule: RoutingRule) -> None:
    if actor is not None:
        require_configurer(actor)
    with transaction.atomic():
        before = _snapshot(rule)
        audit(actor=actor, action="routing.rule.delete", obj=rule, before=before)
        rule.delete()


def move_rule(*, actor: Any, rule: RoutingRule, direction: str) -> None:
    """Swap the rule with its neighbour ("up" = earlier, checked first). Renumbers 1..n."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a rule up or down."))
    if actor is not None:
        require_configurer(actor)
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update().order_by("order", "pk"))
        index = next((i for i, other in enumerate(rules) if other.pk == rule.pk), None)
        if index is None:
            return
        target = index - 1 if direction == "up" else index + 1
        if 0 <= target < len(rules):
            rules[index], rules[target] = rules[target], rules[index]
        before = {"order": rule.order}
        for position, other in enumerate(rules, start=1):
            if other.order != position:
                other.order = position
                other.save(update_fields=["order"])
        moved = next(other for other in rules if other.pk == rule.pk)
        audit(actor=actor, action="routing.rule.move", obj=moved, before=before, after={"order": moved.order})


def save_settings(*, actor: Any, triage_team: Any) -> RoutingSettings:
    if actor is not None:
        require_configurer(actor)
    with transaction.atomic():
        current = RoutingSettings.load()
        before = {"triage_team": current.triage_team_id}
        current.triage_team = triage_team
        current.save()
        audit(actor=actor, action="routing.settings", obj=current, before=before,
              after={"triage_team": current.triage_team_id})
    return current
