"""Customers and contacts in search: found by what an agent knows about them, kept current by
``save_customer`` / ``save_contact``; email addresses and phone numbers are exact lookups."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.core.search import query
from aftersales.customers import search as customer_search
from aftersales.customers.actions import save_contact, save_customer

pytestmark = pytest.mark.django_db


def found(user: Any, q: str, kind: str, **filters: Any) -> list[str]:
    return [hit.title for hit in query.search(q, kinds=[kind], user=user, **filters).items]


@pytest.fixture
def kaito(personas: Any) -> Any:
    customer = save_customer(
        actor=personas.admin,
        code="kaito-pay",
        name="Kaito Pay 凯拓支付",
        mail_domains=["kaito.example"],
        notes="Key account since 2021; 主账号 with two sub-accounts.",
    )
    save_contact(
        actor=personas.admin,
        customer=customer,
        name="Wu Lei 吴磊",
        email="wu.lei@kaito.example",
        phone="+86 139 1234 5678",
    )
    return customer


def test_a_customer_is_found_by_name_code_mail_domain_and_notes(personas, kaito):
    for q in ("凯拓", "kaito pay", "kaito-pay", "kaito.example", "主账号"):
        assert found(personas.agent, q, "customer") == ["Kaito Pay 凯拓支付"], q
    hit = query.search("凯拓", kinds=["customer"], user=personas.agent).items[0]
    assert hit.ref == "kaito-pay" and hit.url == "/customers/kaito-pay/"


def test_the_customer_filter_and_status_apply_to_customers(personas, kaito):
    assert found(personas.agent, "kaito", "customer", status=["active"]) == ["Kaito Pay 凯拓支付"]
    save_customer(actor=personas.admin, customer=kaito, status="suspended")
    assert found(personas.agent, "kaito", "customer", status=["active"]) == []
    assert found(personas.agent, "kaito", "customer", status=["suspended"]) == ["Kaito Pay 凯拓支付"]


def test_a_contact_is_found_by_name_email_phone_and_customer(personas, kaito):
    for q in ("吴磊", "wu lei", "wu.lei@kaito.example", "139-1234-5678", "13912345678", "凯拓支付"):
        assert found(personas.agent, q, "contact") == ["Wu Lei 吴磊"], q
    hit = query.search("吴磊", kinds=["contact"], user=personas.agent).items[0]
    assert hit.url == "/customers/kaito-pay/#contacts-title"


def test_an_edited_contact_is_found_by_its_new_details_only(personas, kaito):
    contact = kaito.contacts.get()
    save_contact(actor=personas.admin, customer=kaito, contact=contact, name="Wu Lan", email="lan@kaito.example")
    assert found(personas.agent, "wu lan", "contact") == ["Wu Lan"]
    assert found(personas.agent, "吴磊", "contact") == []


def test_a_renamed_customer_renames_it_in_its_contacts_docs(personas, kaito):
    save_customer(actor=personas.admin, customer=kaito, name="Kaito Global")
    assert found(personas.agent, "global", "contact") == ["Wu Lei 吴磊"]
    assert found(personas.agent, "凯拓支付", "contact") == []


@pytest.mark.parametrize(
    "written",
    ["+86 139 1234 5678", "13912345678", "139-1234-5678", "139 1234 5678", "+8613912345678", "(139) 1234-5678"],
)
def test_a_phone_number_in_any_format_finds_the_contact_exactly(personas, kaito, written):
    exact = query.search(written, user=personas.agent).exact
    assert [(hit.kind, hit.title) for hit in exact] == [("contact", "Wu Lei 吴磊")]
    assert "<mark>+8613912345678</mark>" in str(exact[0].snippet)


def test_an_email_address_finds_the_contact_exactly(personas, kaito):
    exact = query.search("Wu.Lei@Kaito.example", user=personas.agent).exact
    assert [(hit.kind, hit.title, hit.ref) for hit in exact] == [("contact", "Wu Lei 吴磊", "kaito-pay")]
    assert query.search("nobody@kaito.example", user=personas.agent).exact == []


def test_lookups_find_nothing_for_people_without_a_desk_role(personas, kaito):
    assert customer_search.lookup_contacts("13912345678", personas.outsider) == []
    assert customer_search.lookup_contacts("wu.lei@kaito.example", None) == []


def test_phone_text_holds_every_common_written_form():
    text = customer_search.phone_text("+8613912345678")
    assert text.split(" ") == ["8613912345678", "13912345678", "+86", "139", "1234", "5678", "139", "1234", "5678"]
    assert customer_search.phone_text("") == ""


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+86 139 1234 5678", "+8613912345678"),
        ("139-1234-5678", "+8613912345678"),
        ("010 6552 9988", "+861065529988"),
        ("+44 20 7946 0958", "+442079460958"),
        ("123", ""),
        ("AS-000123", ""),
        ("not a phone", ""),
        ("12345678901234567890", ""),
    ],
)
def test_parse_phone(written, e164):
    assert customer_search.parse_phone(written) == e164


def test_the_search_pages_customer_filter_includes_sub_accounts(personas):
    ids = customer_search.customer_ids_for_code("starriver", personas.viewer)
    assert sorted(ids or []) == sorted([personas.customer.pk, personas.subaccount.pk])
    assert customer_search.customer_ids_for_code("nope", personas.viewer) == []


def test_reindex_yields_every_customer_and_contact(personas, kaito):
    customers = {doc["ref"]: doc for doc in customer_search._reindex_customers()}
    assert set(customers) == {"starriver", "starriver-sub2", "bluewave", "kaito-pay"}
    assert customers["kaito-pay"]["status"] == "active" and "kaito.example" in customers["kaito-pay"]["text"]
    contacts = {doc["title"]: doc for doc in customer_search._reindex_contacts()}
    assert set(contacts) == {"Zhou Min", "Wu Lei 吴磊"}
    assert contacts["Wu Lei 吴磊"]["customer_id"] == kaito.pk
