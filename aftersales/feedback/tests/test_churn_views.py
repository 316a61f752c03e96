"""The "Customers at risk" page (/feedback/churn/) and the customer page's "Churn risk" panel."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from aftersales.customers.models import Customer
from aftersales.feedback import checkins
from aftersales.feedback.tests.html import Node, parse
from aftersales.feedback.tests.test_churn import DAY, NOW, breached_ticket, plan, rating, traffic
from aftersales.testing.factories import make_customer, make_user

pytestmark = pytest.mark.django_db

PANEL = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _soup(response: Any) -> Node:
    return parse(response.content)


def _rows(response: Any) -> list[tuple[str, str, str]]:
    return [
        (row["data-customer"], row["data-score"], row.select_one("[data-testid=churn-level]")["data-level"])
        for row in _soup(response).select("[data-testid=churn-row]")
    ]


@pytest.fixture
def at_risk(personas: Any) -> dict[str, Customer]:
    """Starriver high (traffic down, low CSAT, no check-in for 40 days on a 14-day plan; its account manager
    Li Heping), Bluewave low (two SLA breaches), Moonlight without any signal."""
    Customer.objects.filter(pk=personas.customer.pk).update(account_manager=personas.agent)
    traffic(personas.customer, recent_per_day=470, baseline_per_day=1240)
    for days in (3, 20, 50):
        rating(personas.customer, 2, days_ago=days)
    plan(personas.customer, personas.lead, cadence_days=14)
    with time_machine.travel(NOW - 40 * DAY, tick=False):
        checkins.log_checkin(customer=personas.customer, actor=personas.lead, kind="call")
    breached_ticket(personas.other_customer, days_ago=3)
    breached_ticket(personas.other_customer, days_ago=5)
    moonlight = make_customer("moonlight", "MoonLight Studio")
    return {"moonlight": moonlight}


def test_the_list_shows_customers_at_risk_highest_first_with_reasons(client: Any, personas: Any, at_risk: Any) -> None:
    client.force_login(personas.viewer)  # viewers read
    response = client.get("/feedback/churn/")
    assert response.status_code == 200
    assert _rows(response) == [("starriver", "60", "high"), ("bluewave", "15", "low")]
    soup = _soup(response)
    first = soup.select_one("[data-testid=churn-row]")
    assert [r.get_text(strip=True).rsplit(" +", 1)[0] for r in first.select("[data-testid=churn-reason]")] == [
        "Traffic down 62 % vs the 8-week baseline (1,240 → 470 messages a day)",
        "Low satisfaction: CSAT averages 2.0 / 5 over 3 ratings in the last 90 days",
        "No check-in for 40 days (plan: every 14 days)",
    ]
    assert "High" in first.select_one("[data-testid=churn-level]").get_text()
    assert "Li Heping" in first.get_text()  # the account manager
    assert first.select_one("time").get_text() == (NOW - 40 * DAY).strftime("%Y-%m-%d")
    assert first.select_one("a")["href"] == "/customers/starriver/"
    without = soup.select_one("[data-testid=churn-without-signal]").get_text()
    assert "1 active customer shows no churn signal." in without
    assert "MoonLight Studio" not in response.content.decode()
    assert soup.select_one("[data-testid=churn-filter-high]").get_text(strip=True) == "High (1)"


def test_the_level_filter(client: Any, personas: Any, at_risk: Any) -> None:
    client.force_login(personas.agent)
    assert _rows(client.get("/feedback/churn/?level=low")) == [("bluewave", "15", "low")]
    empty = client.get("/feedback/churn/?level=medium")
    assert _rows(empty) == []
    assert "No customer at this risk level." in _soup(empty).select_one("[data-testid=churn-empty]").get_text()


def test_an_unknown_level_is_a_clear_400(client: Any, personas: Any, at_risk: Any) -> None:
    client.force_login(personas.agent)
    response = client.get("/feedback/churn/?level=critical")
    assert response.status_code == 400
    assert "Unknown risk level “critical”: choose high, medium or low." in response.content.decode()


def test_the_empty_state(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.get("/feedback/churn/")
    assert response.status_code == 200
    assert "No customer shows a churn signal." in _soup(response).select_one("[data-testid=churn-empty]").get_text()


def test_the_list_is_paged(client: Any, personas: Any, settings: Any) -> None:
    settings.QUEUE_PAGE_SIZE = 2
    for n in range(3):
        customer = make_customer(f"fading-{n}", f"Fading {n}")
        traffic(customer, recent_per_day=n * 10, baseline_per_day=1000)
    client.force_login(personas.lead)
    first = client.get("/feedback/churn/")
    assert [row[0] for row in _rows(first)] == ["fading-0", "fading-1"]
    assert "1–2 of 3" in _soup(first).select_one("[data-testid=pager]").get_text()
    assert [row[0] for row in _rows(client.get("/feedback/churn/?page=2"))] == ["fading-2"]


def test_the_page_cost_does_not_grow_with_customers(
    client: Any, personas: Any, at_risk: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(personas.lead)
    client.get("/feedback/churn/")  # warm the session and the user's roles
    with django_assert_max_num_queries(20) as few:
        client.get("/feedback/churn/")
    for n in range(15):
        customer = make_customer(f"fading-{n}", f"Fading {n}", account_manager=personas.agent2)
        traffic(customer, recent_per_day=0, baseline_per_day=1000)
        plan(customer, personas.lead, cadence_days=7)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/feedback/churn/")
    assert len(_rows(response)) == 17


def test_the_sidebar_links_to_the_page(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    soup = _soup(client.get("/feedback/churn/"))
    link = soup.select_one("[data-testid=churn-link]")
    assert link["href"] == "/feedback/churn/" and "is-active" in link["class"]


@pytest.mark.parametrize(("who", "status"), [("outsider", 403), ("contact", 403), ("anonymous", 302)])
def test_no_access_outside_the_desk(client: Any, personas: Any, who: str, status: int) -> None:
    if who == "contact":
        contact_user = make_user("zhou.min.portal", role=None)
        personas.contact.portal_user = contact_user
        personas.contact.save(update_fields=["portal_user"])
        client.force_login(contact_user)
    elif who == "outsider":
        client.force_login(personas.outsider)
    assert client.get("/feedback/churn/").status_code == status
    assert client.get("/panels/customer/feedback-churn/starriver/", headers=PANEL).status_code == status


# --- The customer panel -------------------------------------------------------------------------
def test_the_panel_shows_the_customers_score_and_reasons(client: Any, personas: Any, at_risk: Any) -> None:
    client.force_login(personas.viewer)
    response = client.get("/panels/customer/feedback-churn/starriver/", headers=PANEL)
    assert response.status_code == 200
    soup = _soup(response)
    assert soup.select_one("[data-testid=churn-level]")["data-level"] == "high"
    assert "60" in soup.select_one("[data-testid=churn-panel-score]").get_text()
    assert "1 sub-account included" in soup.select_one("[data-testid=churn-panel-score]").get_text()
    assert len(soup.select("[data-testid=churn-reason]")) == 3
    assert soup.select_one("[data-testid=churn-panel-list]")["href"] == "/feedback/churn/"


def test_the_panel_of_a_customer_without_signal_says_so(client: Any, personas: Any, at_risk: Any) -> None:
    client.force_login(personas.agent)
    soup = _soup(client.get("/panels/customer/feedback-churn/moonlight/", headers=PANEL))
    assert soup.select_one("[data-testid=churn-panel-none]") is not None
    assert not soup.select("[data-testid=churn-reason]")


def test_the_panel_is_on_the_customer_page_and_404_for_an_unknown_customer(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    page = client.get("/customers/starriver/").content.decode()
    assert "/panels/customer/feedback-churn/starriver/" in page
    assert client.get("/panels/customer/feedback-churn/nobody/", headers=PANEL).status_code == 404


def test_the_page_in_chinese(client: Any, personas: Any, at_risk: Any) -> None:
    zh = make_user("zhang.wei", role="agent", language="zh-hans")
    client.force_login(zh)
    response = client.get("/feedback/churn/")
    text = response.content.decode()
    assert "流失风险客户" in text
    assert "流量较 8 周基线下降 62%（每天 1240 → 470 条）" in text  # Chinese groups digits by four (万)
    assert "40 天没有回访（计划：每 14 天）" in text
