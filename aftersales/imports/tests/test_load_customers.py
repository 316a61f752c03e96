"""Customers in old logs: matched by name, code, alias, case/width, sub-account and fuzzily; else provisional."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.core import clock
from aftersales.customers.models import Customer
from aftersales.feedback.models import Checkin
from aftersales.imports import actions
from aftersales.imports.matching import CustomerMatcher, halves, normalise
from aftersales.imports.models import CustomerAlias, ImportedRow
from aftersales.imports.tests.conftest import item, run_load
from aftersales.testing.factories import make_customer
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def xinghe(db: Any) -> dict[str, Customer]:
    master = make_customer("xinghe", "星河科技")
    return {
        "master": master,
        "sub1": make_customer("xinghe-1", "星河科技 子账号1", parent=master),
        "sub2": make_customer("xinghe-sub2", "Xinghe second account", parent=master),
        "bluewave": make_customer("bluewave", "Bluewave Games"),
        "kaito": make_customer("kaito", "Kaito Pay"),
    }


def test_normalise_folds_case_width_spaces_and_punctuation() -> None:
    assert normalise(" ＢＬＵＥＷＡＶＥ　Games! ") == normalise("bluewave games") == "bluewavegames"
    assert normalise("星河科技（主账号）") == "星河科技主账号"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("星河科技", "master"),  # exact name
        ("kaito", "kaito"),  # short code
        ("bluewave games", "bluewave"),  # case
        ("ＢＬＵＥＷＡＶＥ　ＧＡＭＥＳ", "bluewave"),  # width
        ("Bluewave-Games.", "bluewave"),  # punctuation
        ("星河科技-子账号2", "sub2"),  # a sub-account by the number its code ends with
        ("星河科技 sub-account 2", "sub2"),
        ("星河科技子账号1", "sub1"),
        ("Bluewave Gamess", "bluewave"),  # fuzzy
        ("Kaito Payy", "kaito"),
    ],
)
def test_names_match_existing_customers(xinghe: dict[str, Customer], written: str, expected: str) -> None:
    assert CustomerMatcher().match(written) == xinghe[expected].pk


def test_an_alias_and_nothing_fuzzy_beyond_the_cutoff(xinghe: dict[str, Customer]) -> None:
    CustomerAlias.objects.create(alias="星河", key=normalise("星河"), customer=xinghe["master"], created_at=clock.now())
    matcher = CustomerMatcher()
    assert matcher.match("星河") == xinghe["master"].pk
    assert matcher.match("Bluewav") is None  # too far from "Bluewave Games" (and not its code)
    assert matcher.match("星河科技-子账号3") is None  # never fuzzily a sibling sub-account


def test_either_half_of_a_name_in_two_scripts_matches_unless_two_customers_share_it(db: Any) -> None:
    starriver = make_customer("starriver", "星河科技 Starriver Tech")
    suda = make_customer("suda", "速达物流 Suda Logistics")
    whale_games = make_customer("whale-games", "蓝鲸 Bluewhale Games")
    make_customer("whale-pay", "蓝鲸 Bluewhale Pay")
    matcher = CustomerMatcher()
    assert matcher.match("星河科技") == starriver.pk
    assert matcher.match("starriver tech") == starriver.pk
    assert matcher.match("速达物流") == suda.pk
    assert matcher.match("SUDA LOGISTICS") == suda.pk
    assert matcher.match("Bluewhale Games") == whale_games.pk
    assert matcher.match("蓝鲸") is None  # the Chinese half of two customers' names: neither
    assert halves("星河科技 子账号1") is None and halves("Kaito Pay") is None  # one script
    assert halves("星 Starriver") is None  # a half too short to name a company


def test_the_chinese_half_of_a_desk_customer_imports_to_it_not_to_a_new_one(db: Any) -> None:
    starriver = make_customer("starriver", "星河科技 Starriver Tech")
    summary = run_load([item(2, "a", customer_name="星河科技"), item(3, "b", customer_name="Starriver Tech")])
    assert summary.provisional_customers == []
    assert list(Ticket.objects.order_by("pk").values_list("customer", flat=True)) == [starriver.pk] * 2


def test_unmatched_names_become_provisional_customers_listed_in_the_summary(xinghe: dict[str, Customer]) -> None:
    summary = run_load([item(2, "a", customer_name="MoonLight Studio"), item(3, "b", customer_name="moonlight studio"),
                        item(4, "c", customer_name="星河科技-子账号3")])  # fmt: skip
    assert summary.provisional_customers == ["MoonLight Studio", "星河科技-子账号3"]
    moon = Customer.objects.get(name="MoonLight Studio")
    assert moon.provisional and moon.tickets.count() == 2
    sub3 = Customer.objects.get(name="星河科技-子账号3")
    assert sub3.provisional and sub3.parent == xinghe["master"]


def test_no_create_customers_quarantines_unknown_names_and_keeps_empty_ones(xinghe: dict[str, Customer]) -> None:
    summary = run_load([item(2, "a", customer_name="MoonLight Studio"), item(3, "b", customer_name=""),
                        item(4, "c", customer_name="Kaito Pay")], create_customers=False)  # fmt: skip
    assert summary.reasons == {"no_customer": 1} and summary.imported == 2
    assert ImportedRow.objects.get(reason="no_customer").detail_text == "No customer matches “MoonLight Studio”."
    assert not Customer.objects.filter(provisional=True).exists()
    assert Ticket.objects.get(subject="b").customer is None


def test_merging_a_provisional_customer_moves_its_tickets_and_checkins(personas: Any) -> None:
    run_load([item(2, "a", customer_name="Bluewave Gmes Ltd"),
              item(3, "b", customer_name="Bluewave Gmes Ltd", is_checkin=True, subject="月度回访")])  # fmt: skip
    provisional = Customer.objects.get(provisional=True)
    bluewave = personas.other_customer
    moved = actions.merge_customer(source=provisional, target=bluewave, actor=personas.lead)
    assert moved == 1
    assert not Customer.objects.filter(pk=provisional.pk).exists()
    ticket = Ticket.objects.get()
    assert ticket.customer == bluewave
    assert ticket.events.filter(kind="customer").exists()
    assert Checkin.objects.get().customer == bluewave
    assert AuditEntry.objects.filter(action="imports.customer.merge", actor=personas.lead).exists()
    # the old name now finds the target directly
    assert CustomerMatcher().match("Bluewave Gmes Ltd") == bluewave.pk


def test_confirming_makes_a_normal_customer_and_refuses_the_rest(personas: Any) -> None:
    run_load([item(2, "a", customer_name="Pebble Health")])
    provisional = Customer.objects.get(provisional=True)
    actions.confirm_customer(customer=provisional, actor=personas.lead)
    provisional.refresh_from_db()
    assert not provisional.provisional
    with pytest.raises(actions.ImportActionError):
        actions.confirm_customer(customer=provisional, actor=personas.lead)
    with pytest.raises(actions.ImportActionError):
        actions.merge_customer(source=provisional, target=personas.other_customer, actor=personas.lead)
