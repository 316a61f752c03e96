"""sms.numbers: syncing numbers from the vendor, and numbers entered by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.audit.models import AuditEntry
from aftersales.sms import numbers as actions
from aftersales.sms.models import PhoneNumber, VendorAccount
from aftersales.sms.tests.fakevonage import FakeVonage, numbers_of_every_type

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=3)


def _number(msisdn: str, *, webhook: str = "https://hooks.example.test/in", **extra: Any) -> dict[str, Any]:
    return {
        "country": "GB",
        "msisdn": msisdn,
        "type": "mobile-lvn",
        "features": ["SMS", "VOICE"],
        "inbound_webhook_url": webhook,
        **extra,
    }


def simulator(customer: Any, numbers: list[dict[str, Any]], *, key: str = "SIMNUM01") -> VendorAccount:
    return VendorAccount.objects.create(
        customer=customer,
        name="Starriver simulator",
        kind="simulator",
        api_key=key,
        options={"numbers": numbers, "subaccounts": []},
    )


def set_numbers(account: VendorAccount, numbers: list[dict[str, Any]]) -> None:
    account.options = {**account.options, "numbers": numbers}
    account.save()


def held(customer: Any) -> dict[str, PhoneNumber]:
    return {n.msisdn: n for n in PhoneNumber.objects.filter(customer=customer).exclude(status="released")}


# --- sync --------------------------------------------------------------------------------------


def test_a_first_sync_adds_the_accounts_numbers_for_its_customer(personas):
    account = simulator(personas.customer, [_number("447700900101"), _number("447700900102", webhook="")])
    with time_machine.travel(NOW, tick=False):
        result = actions.sync_numbers(account=account)
    assert result.ok and sorted(result.created) == ["447700900101", "447700900102"] and not result.released
    numbers = held(personas.customer)
    first, second = numbers["447700900101"], numbers["447700900102"]
    assert (first.source, first.account, first.type, first.country) == ("vendor", account, "mobile", "GB")
    assert first.features == ["SMS", "VOICE"] and first.monthly_cost == Decimal("0.90")
    assert first.bought_at == NOW.date() and first.synced_at == NOW and first.status == "active"
    assert first.webhook_state == ""  # has a URL: the hourly check probes it
    # Without a URL an SMS number is flagged at once, before any probe.
    assert second.webhook_state == PhoneNumber.Webhook.MISSING
    assert AuditEntry.objects.filter(action="sms.number.create", actor_label="system").count() == 2


def test_a_later_sync_updates_changed_numbers_and_releases_unlisted_ones(personas):
    account = simulator(personas.customer, [_number("447700900101"), _number("447700900102")])
    with time_machine.travel(NOW, tick=False):
        actions.sync_numbers(account=account)
    stays = PhoneNumber.objects.get(msisdn="447700900101")
    stays.webhook_state = "ok"
    stays.save()
    set_numbers(
        account,
        [
            _number("447700900101", webhook="https://hooks.example.test/new"),
            _number("447700900103", country="GB", type="landline-toll-free"),
        ],
    )
    with time_machine.travel(LATER, tick=False):
        result = actions.sync_numbers(account=account)
    assert (result.created, result.updated, result.released) == (["447700900103"], ["447700900101"], ["447700900102"])
    stays.refresh_from_db()
    assert stays.inbound_webhook_url == "https://hooks.example.test/new"
    assert stays.webhook_state == ""  # a new URL is probed again
    assert stays.bought_at == NOW.date()  # still the first sighting
    gone = PhoneNumber.objects.get(msisdn="447700900102")
    assert (gone.status, gone.released_at) == ("released", LATER.date())
    assert PhoneNumber.objects.get(msisdn="447700900103").type == "toll_free"
    assert AuditEntry.objects.filter(action="sms.number.release", object_id=str(gone.pk)).exists()
    update = AuditEntry.objects.get(action="sms.number.sync", object_id=str(stays.pk))
    assert update.before["inbound_webhook_url"] == "https://hooks.example.test/in"


def test_an_unchanged_sync_changes_nothing_but_the_sync_time(personas):
    account = simulator(personas.customer, [_number("447700900101")])
    with time_machine.travel(NOW, tick=False):
        actions.sync_numbers(account=account)
    entries = AuditEntry.objects.count()
    with time_machine.travel(LATER, tick=False):
        result = actions.sync_numbers(account=account)
    assert (result.unchanged, result.created, result.updated) == (1, [], [])
    assert AuditEntry.objects.count() == entries
    assert PhoneNumber.objects.get().synced_at == LATER


def test_a_number_listed_again_after_its_release_is_held_again(personas):
    account = simulator(personas.customer, [_number("447700900101")])
    with time_machine.travel(NOW, tick=False):
        actions.sync_numbers(account=account)
    set_numbers(account, [])
    actions.sync_numbers(account=account)
    set_numbers(account, [_number("447700900101")])
    with time_machine.travel(LATER, tick=False):
        result = actions.sync_numbers(account=account)
    assert result.created == ["447700900101"]
    number = PhoneNumber.objects.get()
    assert (number.status, number.released_at, number.bought_at) == ("active", None, LATER.date())


def test_a_sync_never_touches_numbers_entered_by_hand(personas):
    manual = actions.add_number(
        actor=personas.agent, customer=personas.other_customer, msisdn="+44 20 7946 0101", type="landline"
    )
    mine = actions.add_number(
        actor=personas.agent,
        customer=personas.customer,
        msisdn="+1 833 555 0101",
        type="toll_free",
        inbound_webhook_url="https://hooks.example.test/us",
    )
    account = simulator(personas.customer, [_number("442079460101")])
    result = actions.sync_numbers(account=account)
    assert result.skipped == {"442079460101": "Bluewave Games"} and not result.created
    assert not result.released  # the customer's own hand-entered number is not the account's to release
    for number in (manual, mine):
        before = number.updated_at
        number.refresh_from_db()
        assert (number.source, number.status, number.updated_at) == ("manual", "active", before)
    assert number.customer == personas.customer


def test_a_vendor_error_is_a_clear_result_and_changes_nothing(personas, monkeypatch):
    with FakeVonage() as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        server.add_account("c0ffee42", "Hb7mQ2xR9tLw4Zp1", numbers=numbers_of_every_type())
        account = VendorAccount.objects.create(
            customer=personas.customer,
            name="Starriver Vonage",
            kind="vonage",
            api_key="c0ffee42",
            api_secret="Hb7mQ2xR9tLw4Zp1",
            options={"api_host": server.host, "rest_host": server.host, "timeout": 2},
        )
        first = actions.sync_numbers(account=account)
        assert first.ok and len(first.created) == 3
        server.fail(401, path="/account/numbers")
        result = actions.sync_numbers(account=account)
    assert not result.ok and result.error_code == "auth"
    assert "rejected the API key or secret" in result.message
    assert "Hb7mQ2xR9tLw4Zp1" not in result.message
    assert PhoneNumber.objects.filter(status="active").count() == 3  # nothing released on a failed read
    voice_only = PhoneNumber.objects.get(msisdn="442079460555")
    assert voice_only.webhook_state == "" and voice_only.type == "landline"


def test_sync_all_reads_every_master_account_and_survives_one_failing(personas):
    good = simulator(personas.customer, [_number("447700900101")])
    bad = VendorAccount.objects.create(
        customer=personas.other_customer, name="Broken", kind="vonage", api_key="nosecret"
    )  # no secret: an auth error, not a crash
    results = {r.account: r for r in actions.sync_all()}
    assert results[good].ok and results[good].created == ["447700900101"]
    assert not results[bad].ok and results[bad].error_code == "auth"


# --- numbers entered by hand ---------------------------------------------------------------------


def test_adding_a_long_number_normalises_it_and_derives_the_country(personas):
    number = actions.add_number(
        actor=personas.agent,
        customer=personas.customer,
        msisdn="+44 (20) 7946-0123",
        features=["sms", "voice"],
        monthly_cost="1.5",
        currency="gbp",
    )
    assert (number.msisdn, number.country, number.source) == ("442079460123", "GB", "manual")
    assert number.features == ["SMS", "VOICE"] and number.monthly_cost == Decimal("1.5") and number.currency == "GBP"
    assert number.webhook_state == PhoneNumber.Webhook.MISSING  # SMS and no URL
    entry = AuditEntry.objects.get(action="sms.number.create")
    assert entry.actor == personas.agent and entry.after["msisdn"] == "442079460123"


def test_a_short_code_keeps_its_digits_and_needs_a_country(personas):
    code = actions.add_number(
        actor=personas.agent,
        customer=personas.customer,
        msisdn="55501",
        type="short_code",
        country="us",
        inbound_webhook_url="https://hooks.example.test/sc",
    )
    assert (code.msisdn, code.country, str(code)) == ("55501", "US", "55501")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"msisdn": "+44 20 7946 01ab"}, "msisdn", "digits only"),
        ({"msisdn": ""}, "msisdn", "Enter the number"),
        ({"msisdn": "+44 123"}, "msisdn", "not a valid phone number"),
        ({"msisdn": "+44 20 7946 0123", "country": "US"}, "country", "is a number in GB, not US"),
        ({"msisdn": "+44 20 7946 0123", "country": "GBR"}, "country", "two-letter ISO code"),
        ({"msisdn": "12", "type": "short_code", "country": "US"}, "msisdn", "3 to 8 digits"),
        ({"msisdn": "123456789", "type": "short_code", "country": "US"}, "msisdn", "3 to 8 digits"),
        ({"msisdn": "55501", "type": "short_code"}, "country", "Give the country"),
        (
            {"msisdn": "+44 20 7946 0123", "inbound_webhook_url": "ftp://hooks.example.test/x"},
            "inbound_webhook_url",
            "http:// or https://",
        ),
        (
            {"msisdn": "+44 20 7946 0123", "inbound_webhook_url": "hooks.example.test/x"},
            "inbound_webhook_url",
            "http:// or https://",
        ),
        ({"msisdn": "+44 20 7946 0123", "features": ["FAX"]}, "features", "Unknown features: FAX"),
        ({"msisdn": "+44 20 7946 0123", "monthly_cost": "-1"}, "monthly_cost", "0 or more"),
        ({"msisdn": "+44 20 7946 0123", "currency": "euro"}, "currency", "three-letter"),
        ({"msisdn": "+44 20 7946 0123", "status": "released"}, "status", "release it"),
    ],
)
def test_a_number_entered_by_hand_is_refused_with_a_reason_per_field(personas, values, field, message):
    with pytest.raises(ValidationError) as caught:
        actions.add_number(actor=personas.agent, customer=personas.customer, **values)
    assert message in " ".join(caught.value.message_dict[field])
    assert not PhoneNumber.objects.exists()


def test_a_number_held_already_cannot_be_added_twice(personas):
    actions.add_number(actor=personas.agent, customer=personas.other_customer, msisdn="+442079460123")
    with pytest.raises(ValidationError) as caught:
        actions.add_number(actor=personas.agent, customer=personas.customer, msisdn="+44 20 7946 0123")
    assert "already held by Bluewave Games" in caught.value.message_dict["msisdn"][0]


def test_a_viewer_cannot_add_a_number(personas):
    with pytest.raises(PermissionDenied):
        actions.add_number(actor=personas.viewer, customer=personas.customer, msisdn="+442079460123")


def test_updating_a_hand_entered_number_is_audited_and_a_new_url_is_checked_again(personas):
    number = actions.add_number(
        actor=personas.agent,
        customer=personas.customer,
        msisdn="+442079460123",
        inbound_webhook_url="https://hooks.example.test/a",
    )
    PhoneNumber.objects.filter(pk=number.pk).update(webhook_state="failing", webhook_message="HTTP 500")
    number.refresh_from_db()
    number = actions.update_number(
        actor=personas.agent,
        number=number,
        customer=personas.subaccount,
        inbound_webhook_url="https://hooks.example.test/b",
        monthly_cost=Decimal("2"),
    )
    assert number.customer == personas.subaccount and number.webhook_state == "" and number.webhook_message == ""
    entry = AuditEntry.objects.get(action="sms.number.update")
    assert entry.before["inbound_webhook_url"] == "https://hooks.example.test/a"
    assert entry.after["customer_id"] == personas.subaccount.pk and entry.after["monthly_cost"] == "2.0000"
    number = actions.update_number(actor=personas.agent, number=number, inbound_webhook_url="")
    assert number.webhook_state == "missing"


def test_a_synced_number_only_takes_a_monthly_cost_by_hand(personas):
    account = simulator(personas.customer, [_number("447700900101")])
    actions.sync_numbers(account=account)
    number = PhoneNumber.objects.get()
    with pytest.raises(ValidationError, match="synced from the vendor"):
        actions.update_number(actor=personas.agent, number=number, inbound_webhook_url="https://elsewhere.example/")
    with pytest.raises(ValidationError, match="release it at the vendor"):
        actions.release_number(actor=personas.agent, number=number)
    number = actions.update_number(
        actor=personas.agent,
        number=number,
        monthly_cost=Decimal("3.10"),
        currency="usd",
        inbound_webhook_url=number.inbound_webhook_url,
    )
    assert (number.monthly_cost, number.currency) == (Decimal("3.10"), "USD")


def test_releasing_a_hand_entered_number_stamps_the_day_and_frees_the_number(personas):
    number = actions.add_number(actor=personas.agent, customer=personas.customer, msisdn="+442079460123")
    with time_machine.travel(LATER, tick=False):
        number = actions.release_number(actor=personas.lead, number=number)
    assert (number.status, number.released_at, number.webhook_state) == ("released", LATER.date(), "")
    assert AuditEntry.objects.get(action="sms.number.release").actor == personas.lead
    with pytest.raises(ValidationError, match="was released"):
        actions.update_number(actor=personas.agent, number=number, monthly_cost=Decimal(1))
    again = actions.add_number(actor=personas.agent, customer=personas.other_customer, msisdn="+442079460123")
    assert again.pk != number.pk


def test_only_staff_see_numbers(personas):
    number = actions.add_number(actor=personas.agent, customer=personas.customer, msisdn="+442079460123")
    assert actions.get_number_for_user(personas.viewer, number.pk) == number
    from django.http import Http404

    with pytest.raises(Http404):
        actions.get_number_for_user(personas.outsider, number.pk)
    with pytest.raises(PermissionDenied):
        actions.get_number_for_user(personas.viewer, number.pk, write=True)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield
