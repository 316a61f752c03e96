"""The per-process cache of routing rules and settings (``routing.engine``): never stale.

Rules and the triage team are cached against the "routing" stamp; any write to a rule or the
settings changes it in the same transaction. Owners, teams and away flags are read fresh.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.people.models import AgentProfile, Team
from aftersales.routing import actions
from aftersales.routing.engine import REASON_DEFAULT_TRIAGE, decide
from aftersales.routing.models import RoutingRule, RoutingSettings

pytestmark = pytest.mark.django_db


def route(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "customer": None, "category_code": None, "channel": "phone", "subject": "Delivery failing",
        "description": "", "language": "", "open_counts": lambda ids: {},
    }  # fmt: skip
    values.update(overrides)
    with transaction.atomic():
        return decide(**values)


def test_a_warm_cache_reads_no_rules_when_none_match(personas: Any) -> None:
    RoutingRule.objects.create(name="Chat", channels=["chat"], owner=personas.agent2)
    route()
    with CaptureQueriesContext(connection) as ctx:
        assert route().reason == REASON_DEFAULT_TRIAGE
    assert [q["sql"] for q in ctx.captured_queries if "routing_" in q["sql"]] == []


def test_a_new_rule_an_edit_and_a_deletion_apply_to_the_next_ticket(personas: Any) -> None:
    assert route().reason == REASON_DEFAULT_TRIAGE
    rule = actions.save_rule(actor=personas.lead, name="Phones", channels=["phone"], owner=personas.agent2)
    assert (route().reason, route().owner) == ("Phones", personas.agent2)
    actions.save_rule(actor=personas.lead, rule=rule, channels=["chat"])
    assert route().reason == REASON_DEFAULT_TRIAGE
    RoutingRule.objects.filter(pk=rule.pk).update(channels=["phone"])
    assert route().reason == "Phones"
    actions.delete_rule(actor=personas.lead, rule=rule)
    assert route().reason == REASON_DEFAULT_TRIAGE


def test_deactivating_and_reordering_are_seen(personas: Any) -> None:
    first = RoutingRule.objects.create(name="First", order=1, owner=personas.agent)
    RoutingRule.objects.create(name="Second", order=2, owner=personas.agent2)
    assert route().reason == "First"
    actions.move_rule(actor=personas.lead, rule=first, direction="down")
    assert route().reason == "Second"
    RoutingRule.objects.filter(name="Second").update(is_active=False)
    assert route().reason == "First"


def test_the_owners_away_flag_is_read_fresh(personas: Any) -> None:
    RoutingRule.objects.create(name="Fixed", order=1, owner=personas.agent2)
    assert route().owner == personas.agent2
    AgentProfile.objects.update_or_create(user=personas.agent2, defaults={"is_away": True})
    assert route().reason == REASON_DEFAULT_TRIAGE


def test_the_triage_team_follows_the_settings(personas: Any) -> None:
    assert route().team is None
    team = Team.objects.create(name="Triage")
    actions.save_settings(actor=personas.lead, triage_team=team)
    assert route().team == team
    Team.objects.filter(pk=team.pk).update(name="Front desk")  # teams are not cached
    assert route().team.name == "Front desk"
    RoutingSettings.objects.filter(pk=1).update(triage_team=None)
    assert route().team is None


def test_a_rule_rolled_back_is_not_kept(personas: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        RoutingRule.objects.create(name="Ghost", owner=personas.agent2)
        assert route().reason == "Ghost"
        raise RuntimeError
    assert route().reason == REASON_DEFAULT_TRIAGE
