"""/api/v1/search: the same search as the agents' page, as JSON."""

from __future__ import annotations

import pytest

from aftersales.customers.actions import save_contact, save_customer
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Status

pytestmark = pytest.mark.django_db


def test_the_answer_has_a_total_count_and_one_item_per_match(personas, api_as):
    ticket = make_ticket("验证码收不到", customer=personas.customer)
    actions.record_customer_message(ticket=ticket, body="我们怀疑账号被盗刷了", channel="email")
    make_ticket("余额不足", customer=personas.customer)
    response = api_as("viewer").get("/search", {"q": "盗刷", "kind": "ticket"})
    assert response.status_code == 200, response.json()
    page = response.json()
    assert page["count"] == 1 and page["limit"] == 20 and page["offset"] == 0
    (item,) = page["items"]
    assert set(item) == {"kind", "id", "ref", "title", "snippet", "url", "score"}
    assert page["count_capped"] is False
    assert item["kind"] == "ticket" and item["id"] == ticket.pk and item["ref"] == ticket.ref
    assert item["title"] == "验证码收不到"
    assert "<mark>盗刷</mark>" in item["snippet"]
    assert item["url"] == f"http://testserver/tickets/{ticket.ref}/"
    assert isinstance(item["score"], float)


def test_kind_filter_and_exact_lookups_first(personas, api_as):
    customer = save_customer(actor=personas.admin, code="kaito", name="Kaito Pay")
    save_contact(actor=personas.admin, customer=customer, name="Wu Lei", phone="+8613912345678")
    ticket = make_ticket("Kaito Pay OTP delay", customer=customer, contact=customer.contacts.get())
    api = api_as("agent")
    kinds = [item["kind"] for item in api.get("/search", {"q": "kaito"}).json()["items"]]
    assert sorted(kinds) == ["contact", "customer", "ticket"]
    only = api.get("/search", {"q": "kaito", "kind": ["customer", "contact"]}).json()
    assert sorted(item["kind"] for item in only["items"]) == ["contact", "customer"] and only["count"] == 2
    by_phone = api.get("/search", {"q": "139-1234-5678"}).json()
    assert by_phone["items"][0]["kind"] == "contact" and by_phone["items"][0]["title"] == "Wu Lei"
    assert ticket.ref in [item["ref"] for item in by_phone["items"]]
    by_ref = api.get("/search", {"q": ticket.ref.lower()}).json()
    assert by_ref["items"][0]["ref"] == ticket.ref and by_ref["count"] >= 1


def test_status_and_customer_filters(personas, api_as):
    closed = make_ticket("Sender ID rejected", customer=personas.subaccount)
    actions.change_status(ticket=closed, status=Status.CLOSED, actor=personas.agent)
    other = make_ticket("Sender ID for Malaysia", customer=personas.other_customer)
    api = api_as("agent")
    assert [item["ref"] for item in api.get("/search", {"q": "sender", "status": "closed"}).json()["items"]] == [
        closed.ref
    ]
    assert [item["ref"] for item in api.get("/search", {"q": "sender", "customer": "bluewave"}).json()["items"]] == [
        other.ref
    ]
    assert [item["ref"] for item in api.get("/search", {"q": "sender", "customer": "starriver"}).json()["items"]] == [
        closed.ref
    ]


def test_pages_by_offset_or_page(personas, api_as):
    tickets = {make_ticket(f"Zephyr template {n}", customer=personas.customer).ref for n in range(7)}
    api = api_as("agent")
    first = api.get("/search", {"q": "zephyr", "limit": 3}).json()
    second = api.get("/search", {"q": "zephyr", "limit": 3, "page": 2}).json()
    third = api.get("/search", {"q": "zephyr", "limit": 3, "offset": 6}).json()
    assert first["count"] == second["count"] == third["count"] == 7
    assert second["offset"] == 3
    seen = [item["ref"] for page in (first, second, third) for item in page["items"]]
    assert len(seen) == 7 and set(seen) == tickets
    odd = api.get("/search", {"q": "zephyr", "limit": 3, "offset": 2}).json()  # not on a page boundary
    assert [item["ref"] for item in odd["items"]] == seen[2:5]
    assert api.get("/search", {"q": "zephyr", "offset": 50}).json()["items"] == []


def test_a_missing_or_empty_query_is_422(personas, api_as):
    api = api_as("viewer")
    response = api.get("/search")
    assert response.status_code == 422 and "q" in response.json()["detail"]
    assert api.get("/search", {"q": "   "}).status_code == 422


def test_an_unknown_kind_or_customer_is_422(personas, api_as):
    api = api_as("viewer")
    response = api.get("/search", {"q": "otp", "kind": "spaceship"})
    assert response.status_code == 422 and "spaceship" in response.json()["detail"]
    response = api.get("/search", {"q": "otp", "customer": "nope"})
    assert response.status_code == 422 and "nope" in response.json()["detail"]


def test_staff_only(personas, api_as):
    assert api_as(None).get("/search", {"q": "otp"}).status_code == 401
    assert api_as("outsider").get("/search", {"q": "otp"}).status_code == 403


def test_the_schema_declares_the_endpoint_and_its_errors(personas, api_as):
    schema = api_as(None).get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/search"]["get"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    params = {param["name"]: param for param in operation["parameters"]}
    assert params["q"]["required"] is True and {"kind", "limit", "offset", "page"} <= set(params)


def test_a_capped_count_says_so(personas, api_as, monkeypatch):
    from aftersales.core.search import query

    monkeypatch.setattr(query, "COUNT_CAP", 3)
    for n in range(5):
        make_ticket(f"Wombat {n}", customer=personas.customer)
    page = api_as("viewer").get("/search", {"q": "wombat"}).json()
    assert (page["count"], page["count_capped"], len(page["items"])) == (3, True, 5)
    small = api_as("viewer").get("/search", {"q": "wombat 4"}).json()
    assert (small["count"], small["count_capped"]) == (1, False)
