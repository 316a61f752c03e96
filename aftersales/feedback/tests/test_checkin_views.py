"""The check-in pages: the list, logging a check-in, a customer's plan, the customer panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from aftersales.audit.models import AuditEntry
from aftersales.feedback import checkins
from aftersales.feedback.models import Checkin, CheckinPlan
from aftersales.feedback.tests.html import Node, parse
from aftersales.testing.factories import make_customer

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)


def _soup(response: Any) -> Node:
    return parse(response.content)


def _rows(response: Any) -> list[tuple[str, str]]:
    return [
        (row["data-customer"], row.select_one("[data-testid=checkin-due]")["data-due"])
        for row in _soup(response).select("[data-testid=checkin-row]")
    ]


@pytest.fixture
def plans(personas: Any) -> dict[str, Any]:
    """Starriver overdue (last check-in 40 days ago, every 30), Bluewave due in 20 days."""
    with time_machine.travel(MONDAY - dt.timedelta(days=40), tick=False):
        checkins.save_plan(customer=personas.customer, actor=personas.lead, owner=personas.agent, cadence_days=30)
        checkins.log_checkin(customer=personas.customer, actor=personas.agent, kind="call", notes="Quarterly call")
    with time_machine.travel(MONDAY - dt.timedelta(days=10), tick=False):
        checkins.save_plan(
            customer=personas.other_customer, actor=personas.lead, owner=personas.agent2, cadence_days=30
        )
        checkins.log_checkin(customer=personas.other_customer, actor=personas.agent2, kind="email")
    return {}


def test_the_list_shows_overdue_first_with_how_late(client: Any, personas: Any, plans: Any) -> None:
    client.force_login(personas.viewer)
    with time_machine.travel(MONDAY, tick=False):
        response = client.get("/feedback/checkins/")
    assert response.status_code == 200
    assert _rows(response) == [("starriver", "overdue"), ("bluewave", "later")]
    soup = _soup(response)
    assert "Overdue by 10 days" in soup.select_one("[data-testid=checkin-due]").get_text()
    assert not soup.select("[data-testid=log-checkin-link]")  # a viewer reads only


def test_overdue_only_and_owner_filters(client: Any, personas: Any, plans: Any) -> None:
    client.force_login(personas.agent2)
    with time_machine.travel(MONDAY, tick=False):
        assert _rows(client.get("/feedback/checkins/?overdue=on")) == [("starriver", "overdue")]
        assert _rows(client.get("/feedback/checkins/?owner=me")) == [("bluewave", "later")]
        assert _rows(client.get(f"/feedback/checkins/?owner={personas.agent.pk}")) == [("starriver", "overdue")]
        empty = client.get("/feedback/checkins/?owner=me&overdue=on")
    assert "No check-in matches." in _soup(empty).select_one("[data-testid=empty-state]").get_text()


def test_the_empty_list_explains_how_to_start(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.get("/feedback/checkins/")
    soup = _soup(response)
    assert "No check-in plans yet." in soup.select_one("[data-testid=empty-state]").get_text()
    # Two active master accounts have no plan: the "no regular contact" is visible, and a lead can fix it.
    assert "2 active customers have no check-in plan" in soup.select_one("[data-testid=checkins-without-plan]").text
    response = client.post("/feedback/checkins/create-missing/", follow=True)
    assert _rows(response) == [("bluewave", "today"), ("starriver", "today")]


def test_the_list_pages_with_a_constant_number_of_queries(
    client: Any, personas: Any, django_assert_max_num_queries: Any
) -> None:
    for index in range(30):
        customer = make_customer(f"acme-{index:02d}", f"Acme {index:02d}")
        checkins.save_plan(customer=customer, actor=personas.lead, owner=personas.agent, cadence_days=30)
    client.force_login(personas.agent)
    with django_assert_max_num_queries(12):
        response = client.get("/feedback/checkins/")
    assert len(_rows(response)) == 25
    assert _soup(response).select_one("[data-testid=pager]").select_one("[rel=next]") is not None
    assert len(_rows(client.get("/feedback/checkins/?page=2"))) == 5


def test_logging_from_the_list_moves_the_customer_down(client: Any, personas: Any, plans: Any) -> None:
    client.force_login(personas.agent)
    with time_machine.travel(MONDAY, tick=False):
        form = client.get("/feedback/checkins/starriver/log/?next=/feedback/checkins/%3Foverdue%3Don")
        assert _soup(form).select_one("#id_occurred_at")["value"] == "2026-11-16T09:00"
        response = client.post(
            "/feedback/checkins/starriver/log/",
            {
                "kind": "meeting",
                "occurred_at": "2026-11-16T08:30",
                "notes": "Visited their Shenzhen office",
                "next": "/feedback/checkins/?overdue=on",
            },
        )
        assert response.status_code == 302 and response.url == "/feedback/checkins/?overdue=on"
        listing = client.get("/feedback/checkins/")
    checkin = Checkin.objects.get(notes="Visited their Shenzhen office")
    assert checkin.kind == "meeting" and checkin.occurred_at == dt.datetime(2026, 11, 16, 0, 30, tzinfo=dt.UTC)
    assert CheckinPlan.objects.get(customer=personas.customer).next_due_on == dt.date(2026, 12, 16)
    assert _rows(listing) == [("bluewave", "later"), ("starriver", "later")]


def test_a_bad_checkin_form_says_what_is_wrong(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    with time_machine.travel(MONDAY, tick=False):
        response = client.post("/feedback/checkins/starriver/log/", {"kind": "call", "occurred_at": "2027-01-01T10:00"})
    assert response.status_code == 400
    assert "A check-in cannot be in the future." in response.content.decode()
    assert not Checkin.objects.exists()


def test_an_offsite_next_is_ignored(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    response = client.post(
        "/feedback/checkins/starriver/log/",
        {
            "kind": "call",
            "occurred_at": "2026-01-05T10:00",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302 and response.url == "/customers/starriver/"


def test_readers_cannot_log_and_outsiders_see_nothing(client: Any, personas: Any) -> None:
    client.force_login(personas.viewer)
    assert client.post("/feedback/checkins/starriver/log/", {"kind": "call"}).status_code == 403
    client.force_login(personas.outsider)
    assert client.get("/feedback/checkins/starriver/log/").status_code == 404
    assert client.get("/feedback/checkins/").status_code == 403
    assert not Checkin.objects.exists()


def test_the_account_manager_and_leads_change_the_plan_other_agents_do_not(client: Any, personas: Any) -> None:
    personas.customer.account_manager = personas.agent2
    personas.customer.save()
    client.force_login(personas.agent)
    assert client.get("/feedback/checkins/starriver/plan/").status_code == 403
    client.force_login(personas.agent2)
    form = client.get("/feedback/checkins/starriver/plan/")
    assert _soup(form).select_one("#id_owner option[selected]")["value"] == str(personas.agent2.pk)
    response = client.post(
        "/feedback/checkins/starriver/plan/", {"owner": personas.agent2.pk, "cadence_days": "45", "active": "on"}
    )
    assert response.status_code == 302
    plan = CheckinPlan.objects.get(customer=personas.customer)
    assert (plan.owner, plan.cadence_days, plan.active) == (personas.agent2, 45, True)
    client.force_login(personas.lead)
    assert client.post("/feedback/checkins/starriver/plan/", {"owner": "", "cadence_days": "90"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.owner, plan.cadence_days, plan.active) == (None, 90, False)
    assert AuditEntry.objects.filter(action="feedback.checkin_plan.changed", actor=personas.lead).exists()


def test_a_bad_cadence_is_refused_next_to_the_field(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.post("/feedback/checkins/starriver/plan/", {"owner": "", "cadence_days": "0"})
    assert response.status_code == 400
    assert _soup(response).select_one(".field.has-error #id_cadence_days") is not None
    assert not CheckinPlan.objects.exists()


def test_the_customer_panel_shows_the_plan_last_checkins_and_a_log_button(
    client: Any, personas: Any, plans: Any
) -> None:
    client.force_login(personas.agent)
    with time_machine.travel(MONDAY, tick=False):
        response = client.get("/panels/customer/feedback-checkins/starriver/", headers={"HX-Request": "true"})
    soup = _soup(response)
    assert soup.select_one("[data-testid=checkin-plan] [data-testid=checkin-due]")["data-due"] == "overdue"
    assert "Quarterly call" in soup.select_one("[data-testid=checkin-recent]").get_text()
    assert soup.select_one("[data-testid=panel-log-checkin]")["href"] == "/feedback/checkins/starriver/log/"
    assert soup.select_one("[data-testid=panel-edit-plan]") is None  # not a lead, not the account manager
    assert soup.select_one("[data-testid=panel-no-nps]") is not None
    client.force_login(personas.viewer)
    viewer = _soup(client.get("/panels/customer/feedback-checkins/starriver/", headers={"HX-Request": "true"}))
    assert viewer.select_one("[data-testid=panel-log-checkin]") is None


def test_a_customer_without_plan_says_so_on_its_panel(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    soup = _soup(client.get("/panels/customer/feedback-checkins/bluewave/", headers={"HX-Request": "true"}))
    assert soup.select_one("[data-testid=checkin-no-plan]") is not None
    assert soup.select_one("[data-testid=panel-edit-plan]").get_text(strip=True) == "Set up check-ins"


def test_the_sidebar_links_to_the_checkins(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    soup = _soup(client.get("/feedback/checkins/"))
    assert soup.select_one("[data-testid=checkins-link]")["href"] == "/feedback/checkins/"
    assert soup.select_one("[data-testid=surveys-link]")["href"] == "/feedback/surveys/"
