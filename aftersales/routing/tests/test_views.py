"""The routing rules pages: leads and admins configure, agents and viewers read, outsiders never."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from aftersales.audit.models import AuditEntry
from aftersales.people.models import Team
from aftersales.routing.models import RoutingRule, RoutingSettings, Strategy

pytestmark = pytest.mark.django_db
RULES = reverse("routing:rules")
NEW = reverse("routing:rule_new")


def names_in_order() -> list[str]:
    return list(RoutingRule.objects.order_by("order", "pk").values_list("name", flat=True))


def test_agents_and_viewers_read_the_rules_without_edit_buttons(client: Any, personas: Any) -> None:
    RoutingRule.objects.create(name="Key accounts", customer=personas.subaccount, owner=personas.agent2,
                               keywords=["盗刷", "fraud"])
    for user in (personas.agent, personas.viewer):
        client.force_login(user)
        html = client.get(RULES).content.decode()
        assert "Key accounts" in html and "Starriver Tech 星河科技 › Starriver Sub-account 2" in html
        assert "盗刷, fraud" in html and "Yang Meng" in html
        assert 'data-testid="new-rule"' not in html and "Edit</a>" not in html
        assert "None: the unassigned queue" in html
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"name": "x", "strategy": "fixed", "owner": personas.agent.pk}).status_code == 403
    assert RoutingRule.objects.count() == 1


def test_outsider_and_anonymous_are_kept_out(client: Any, personas: Any) -> None:
    assert client.get(RULES)["Location"].startswith(reverse("core:login"))
    client.force_login(personas.outsider)
    assert client.get(RULES).status_code == 403


def test_lead_creates_a_rule_with_chinese_and_english_keywords(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.post(NEW, {
        "name": "Fraud", "is_active": "on", "customer": personas.customer.pk, "category_codes": "Billing, fraud",
        "channels": "email，phone", "keywords": "盗刷、Fraud, chargeback", "languages": ["zh-hans", "en"],
        "strategy": "fixed", "owner": personas.agent2.pk,
    })
    assert response.status_code == 302 and response["Location"] == RULES
    rule = RoutingRule.objects.get()
    assert rule.keywords == ["盗刷", "Fraud", "chargeback"]
    assert rule.category_codes == ["billing", "fraud"] and rule.channels == ["email", "phone"]
    assert rule.languages == ["zh-hans", "en"] and rule.customer == personas.customer and rule.order == 1
    entry = AuditEntry.objects.get(action="routing.rule.create")
    assert entry.actor == personas.lead and entry.after["keywords"] == ["盗刷", "Fraud", "chargeback"]
    html = client.get(RULES).content.decode()
    assert "Saved routing rule “Fraud”." in html


def test_a_rule_needs_somewhere_to_send_tickets(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.post(NEW, {"name": "Nowhere", "strategy": "fixed"})
    assert response.status_code == 400 and "Choose a team, an owner, or both." in response.content.decode()
    response = client.post(NEW, {"name": "RR", "strategy": "round_robin"})
    assert response.status_code == 400
    assert "Round-robin and fewest-open pick an agent inside a team: choose the team." in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_round_robin_rule_drops_a_fixed_owner(client: Any, personas: Any) -> None:
    team = Team.objects.create(name="Delivery")
    client.force_login(personas.admin)
    client.post(NEW, {"name": "RR", "strategy": "round_robin", "team": team.pk, "owner": personas.agent.pk})
    rule = RoutingRule.objects.get()
    assert (rule.strategy, rule.team, rule.owner) == (Strategy.ROUND_ROBIN, team, None)


def test_lead_edits_a_rule(client: Any, personas: Any) -> None:
    rule = RoutingRule.objects.create(name="Old", owner=personas.agent, keywords=["退款"])
    client.force_login(personas.lead)
    edit = reverse("routing:rule_edit", args=[rule.pk])
    html = client.get(edit).content.decode()
    assert 'value="Old"' in html and 'value="退款"' in html
    response = client.post(edit, {"name": "New name", "keywords": "退款, refund", "strategy": "fixed",
                                  "owner": personas.agent2.pk})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.keywords, rule.owner, rule.is_active) == (
        "New name", ["退款", "refund"], personas.agent2, False
    )
    assert AuditEntry.objects.get(action="routing.rule.update").before["name"] == "Old"


def test_move_up_and_down_reorders_the_rules(client: Any, personas: Any) -> None:
    a = RoutingRule.objects.create(name="A", order=1, owner=personas.agent)
    RoutingRule.objects.create(name="B", order=2, owner=personas.agent)
    c = RoutingRule.objects.create(name="C", order=5, owner=personas.agent)
    client.force_login(personas.lead)
    client.post(reverse("routing:rule_move", args=[c.pk]), {"direction": "up"})
    assert names_in_order() == ["A", "C", "B"]
    client.post(reverse("routing:rule_move", args=[a.pk]), {"direction": "down"})
    assert names_in_order() == ["C", "A", "B"]
    client.post(reverse("routing:rule_move", args=[c.pk]), {"direction": "up"})  # already first
    assert names_in_order() == ["C", "A", "B"]
    assert list(RoutingRule.objects.order_by("order").values_list("order", flat=True)) == [1, 2, 3]
    assert client.post(reverse("routing:rule_move", args=[c.pk]), {"direction": "sideways"}).status_code == 400
    html = client.get(RULES).content.decode()
    assert html.index(">C<") < html.index(">A<") < html.index(">B<")


def test_lead_deletes_a_rule(client: Any, personas: Any) -> None:
    rule = RoutingRule.objects.create(name="Gone", owner=personas.agent)
    client.force_login(personas.lead)
    assert client.get(reverse("routing:rule_delete", args=[rule.pk])).status_code == 405
    response = client.post(reverse("routing:rule_delete", args=[rule.pk]), follow=True)
    assert "Deleted routing rule “Gone”." in response.content.decode()
    assert not RoutingRule.objects.exists()
    assert AuditEntry.objects.get(action="routing.rule.delete").before["name"] == "Gone"


def test_lead_sets_the_default_triage_team(client: Any, personas: Any) -> None:
    triage = Team.objects.create(name="Triage 分诊")
    client.force_login(personas.lead)
    response = client.post(reverse("routing:settings"), {"triage_team": triage.pk}, follow=True)
    assert "Saved the default triage." in response.content.decode()
    assert RoutingSettings.load().triage_team == triage
    client.force_login(personas.agent)
    assert "Triage 分诊" in client.get(RULES).content.decode()
    client.force_login(personas.lead)
    client.post(reverse("routing:settings"), {"triage_team": ""})
    assert RoutingSettings.load().triage_team is None
    assert AuditEntry.objects.filter(action="routing.settings").count() == 2


def test_sidebar_links(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    html = client.get(RULES).content.decode()
    assert 'data-testid="routing-link"' in html and 'data-testid="workload-link"' not in html
    for user in (personas.lead, personas.viewer, personas.admin):
        client.force_login(user)
        assert 'data-testid="workload-link"' in client.get(RULES).content.decode()
