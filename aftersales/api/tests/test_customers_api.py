"""/api/v1/customers and their contacts."""

from __future__ import annotations

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.customers.models import Customer
from aftersales.testing.factories import make_contact, make_customer

pytestmark = pytest.mark.django_db


def test_list_customers_shows_hierarchy_and_pages(personas, api_as):
    response = api_as("viewer").get("/customers", {"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [item["code"] for item in page["items"]] == ["bluewave", "starriver-sub2"]
    sub = page["items"][1]
    assert sub["parent"] == "starriver" and sub["is_subaccount"] is True
    assert sub["created_at"].endswith("Z")
    rest = api_as("viewer").get("/customers", {"limit": 2, "offset": 2}).json()
    assert [item["code"] for item in rest["items"]] == ["starriver"]


def test_list_customers_filters(personas, api_as):
    make_customer("sunpeak", "Sunpeak Mobile", status="suspended")
    api = api_as("agent")
    assert [c["code"] for c in api.get("/customers", {"q": "STARRIVER"}).json()["items"]] == [
        "starriver-sub2", "starriver"]
    assert [c["code"] for c in api.get("/customers", {"status": "suspended"}).json()["items"]] == ["sunpeak"]
    assert [c["code"] for c in api.get("/customers", {"parent": "starriver"}).json()["items"]] == ["starriver-sub2"]
    bad = api.get("/customers", {"status": "gone"})
    assert bad.status_code == 422 and "status" in bad.json()["detail"]


def test_list_customers_uses_a_constant_number_of_queries(personas, api_as, django_assert_max_num_queries):
    api = api_as("agent")
    for index in range(15):
        make_customer(f"reseller-{index}", f"Reseller {index}", parent=personas.customer if index % 2 else None)
    with django_assert_max_num_queries(7):
        response = api.get("/customers", {"limit": 100})
    assert response.json()["count"] == 18


def test_get_customer_and_404(personas, api_as):
    api = api_as("viewer")
    body = api.get("/customers/starriver").json()
    assert body["name"] == "Starriver Tech 星河科技" and body["tier"] == "key" and body["parent"] is None
    missing = api.get("/customers/nope")
    assert missing.status_code == 404 and missing.json() == {"detail": "No such customer"}


def test_create_customer_as_sub_account(personas, api_as):
    response = api_as("agent").post("/customers", {
        "code": "starriver-sub3", "name": "Starriver Sub-account 3", "parent": "starriver",
        "account_manager": "li.heping", "products": ["sms"], "tier": "trial",
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["parent"] == "starriver" and body["account_manager"] == "li.heping"
    assert body["products"] == ["sms"] and body["tier"] == "trial" and body["status"] == "active"
    created = Customer.objects.get(code="starriver-sub3")
    assert created.parent == personas.customer
    assert AuditEntry.objects.filter(action="customer.create", object_id=str(created.pk)).exists()


@pytest.mark.parametrize(("body", "words"), [
    ({"code": "x1", "name": "X", "parent": "starriver-sub2"}, "A sub-account cannot be a master account."),
    ({"code": "x1", "name": "X", "parent": "nope"}, "No customer with code “nope”."),
    ({"code": "starriver", "name": "Again"}, "code: Customer with this Short code already exists."),
    ({"code": "x1", "name": "X", "timezone": "Mars/Base"}, "Mars/Base is not a known timezone."),
    ({"code": "x1", "name": "X", "account_manager": "outsider"}, "“outsider” is not an agent."),
    ({"code": "x1", "name": "X", "products": ["fax"]}, "Unknown products: fax."),
    ({"code": "has space", "name": "X"}, "code"),
    ({"name": "No code"}, "code: Field required"),
])
def test_create_customer_rejects_bad_input_with_a_message(personas, api_as, body, words):
    response = api_as("agent").post("/customers", body)
    assert response.status_code == 422
    assert words in response.json()["detail"]
    assert not Customer.objects.filter(code="x1").exists()


def test_patch_changes_only_given_fields(personas, api_as):
    api = api_as("lead")
    response = api.patch("/customers/bluewave", {"status": "suspended", "parent": "starriver"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "suspended" and body["parent"] == "starriver" and body["name"] == "Bluewave Games"
    cleared = api.patch("/customers/bluewave", {"parent": None}).json()
    assert cleared["parent"] is None and cleared["status"] == "suspended"


def test_patch_refuses_cycles_and_nulls(personas, api_as):
    api = api_as("agent")
    cycle = api.patch("/customers/starriver", {"parent": "bluewave"})
    assert cycle.status_code == 422
    assert "This account has sub-accounts, so it cannot become one." in cycle.json()["detail"]
    assert api.patch("/customers/starriver", {"name": None}).status_code == 422
    assert api.patch("/customers/nope", {"name": "X"}).status_code == 404


def test_contacts_list_and_create_normalises_phone(personas, api_as):
    api = api_as("agent")
    listed = api.get("/customers/starriver/contacts").json()
    assert [(c["name"], c["phone"], c["is_primary"]) for c in listed] == [("Zhou Min", "+8613800138000", True)]
    response = api.post("/customers/starriver/contacts", {
        "name": "Wu Lei", "email": "wu.lei@starriver.example", "phone": "+86 139 1234 5678",
        "im_handles": {"wecom": "wu.lei"}, "is_primary": True,
    })
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+8613912345678"
    listed = api.get("/customers/starriver/contacts").json()
    assert [(c["name"], c["is_primary"]) for c in listed] == [("Wu Lei", True), ("Zhou Min", False)]


@pytest.mark.parametrize(("body", "words"), [
    ({"name": "Wu Lei", "phone": "+86 1234"}, "“+86 1234” is not a valid phone number."),
    ({"name": "Wu Lei", "phone": "call me"}, "is not a phone number; use the international form"),
    ({"name": "Wu Lei", "email": "not-an-email"}, "email: Enter a valid email address."),
    ({"name": ""}, "name"),
])
def test_create_contact_rejects_bad_input(personas, api_as, body, words):
    response = api_as("agent").post("/customers/starriver/contacts", body)
    assert response.status_code == 422
    assert words in response.json()["detail"]
    assert personas.customer.contacts.count() == 1


def test_contacts_of_unknown_customer_is_404(personas, api_as):
    assert api_as("agent").get("/customers/nope/contacts").status_code == 404
    assert api_as("agent").post("/customers/nope/contacts", {"name": "X"}).status_code == 404


def test_malformed_json_is_a_clear_4xx(personas, api_as):
    response = api_as("agent").post("/customers/starriver/contacts", raw="{not json")
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


def test_make_contact_factory_is_usable_for_other_customers(personas, api_as):
    make_contact(personas.other_customer, "Ma Jun")
    names = [c["name"] for c in api_as("viewer").get("/customers/bluewave/contacts").json()]
    assert names == ["Ma Jun"]
