"""Numbers through the connectors: Vonage's ``GET /account/numbers`` through the real SDK against
the fake Vonage HTTPS server (paging, shapes, errors), and the simulator's deterministic numbers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from aftersales.sms.connectors.base import (
    OwnedNumber,
    RetryPolicy,
    VendorAuthError,
    VendorRateLimited,
    VendorUnavailable,
)
from aftersales.sms.connectors.simulator import SimulatorConnector
from aftersales.sms.connectors.vonage import VonageConnector
from aftersales.sms.tests.fakevonage import FakeVonage, numbers_of_every_type, uk_numbers

KEY = "c0ffee42"
SECRET = "Hb7mQ2xR9tLw4Zp1"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVonage]:
    with FakeVonage() as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        fake.add_account(KEY, SECRET, name="Moonrise Media", numbers=numbers_of_every_type())
        yield fake


def connect(server: FakeVonage, *, api_host: str | None = None, attempts: int = 3) -> VonageConnector:
    return VonageConnector(
        api_key=KEY,
        api_secret=SECRET,
        api_host=api_host or server.host,
        rest_host=server.host,
        timeout=5,
        retry_policy=RetryPolicy(attempts=attempts, backoff=0.01, sleep=lambda _s: None),
    )


def test_every_documented_field_of_an_owned_number_is_read(server: FakeVonage) -> None:
    mobile, toll_free, landline = connect(server).numbers()
    assert isinstance(mobile, OwnedNumber)
    assert (mobile.country, mobile.msisdn, mobile.type, mobile.kind) == ("GB", "447700900555", "mobile-lvn", "long")
    assert mobile.inbound_webhook_url == "" and mobile.receives_sms
    assert toll_free.kind == "toll_free" and toll_free.features == ("SMS", "VOICE", "MMS")
    assert toll_free.inbound_webhook_url == "https://hooks.example.test/us-inbound"
    assert (toll_free.voice_callback_type, toll_free.voice_callback_value) == ("tel", "12025550199")
    assert landline.features == ("VOICE",) and not landline.receives_sms
    # The owned-numbers list carries no rent.
    assert mobile.monthly_cost is None


def test_numbers_come_from_the_rest_host(server: FakeVonage) -> None:
    # The api host points at a closed port: the numbers call must not need it.
    numbers = connect(server, api_host="127.0.0.1:9").numbers()
    assert len(numbers) == 3
    assert [r.path for r in server.requests] == ["/account/numbers"]


def test_250_numbers_take_three_pages_of_100(server: FakeVonage) -> None:
    server.accounts[KEY].numbers = uk_numbers(250)
    numbers = connect(server).numbers()
    assert [n.msisdn for n in numbers] == [f"447700900{n:03d}" for n in range(250)]
    pages = server.requests_to("/account/numbers")
    assert [r.query for r in pages] == ["size=100&index=1", "size=100&index=2", "size=100&index=3"]
    assert {r.api_key for r in pages} == {KEY}


def test_exactly_one_full_page_needs_one_request(server: FakeVonage) -> None:
    server.accounts[KEY].numbers = uk_numbers(100)
    assert len(connect(server).numbers()) == 100
    assert len(server.requests_to("/account/numbers")) == 1


def test_a_failing_second_page_fails_the_whole_read(server: FakeVonage) -> None:
    # A partial list would make a sync release numbers the account still holds.
    server.accounts[KEY].numbers = uk_numbers(150)
    server.fail(503, times=1, path="/account/numbers", every=2)
    with pytest.raises(VendorUnavailable):
        connect(server, attempts=1).numbers()


def test_a_5xx_page_is_retried(server: FakeVonage) -> None:
    server.accounts[KEY].numbers = uk_numbers(150)
    server.fail(500, times=1, path="/account/numbers", every=2)
    assert len(connect(server, attempts=2).numbers()) == 150
    assert len(server.requests_to("/account/numbers")) == 3


def test_wrong_credentials_are_an_auth_error_without_retry(server: FakeVonage) -> None:
    server.fail(401, path="/account/numbers")
    with pytest.raises(VendorAuthError) as caught:
        connect(server).numbers()
    assert caught.value.status == 401
    assert len(server.requests_to("/account/numbers")) == 1


def test_rate_limited_numbers_read_gives_up_after_its_attempts(server: FakeVonage) -> None:
    server.fail(429, times=5, retry_after=0, path="/account/numbers")
    with pytest.raises(VendorRateLimited):
        connect(server, attempts=2).numbers()
    assert len(server.requests_to("/account/numbers")) == 2


# --- simulator ------------------------------------------------------------------------------


def test_the_simulator_lists_the_numbers_it_was_given_with_their_rent() -> None:
    connector = SimulatorConnector(
        api_key="SIMNUM01",
        numbers=[
            {"country": "US", "msisdn": "18335550101", "type": "landline-toll-free", "features": ["SMS"]},
            {
                "country": "GB",
                "msisdn": "447700900101",
                "type": "mobile-lvn",
                "features": ["SMS"],
                "inbound_webhook_url": "https://hooks.example.test/a",
                "monthly_cost": "1.25",
            },
        ],
    )
    toll_free, mobile = connector.numbers()
    assert (toll_free.kind, toll_free.monthly_cost, toll_free.currency) == ("toll_free", Decimal("9.00"), "EUR")
    assert (mobile.monthly_cost, mobile.inbound_webhook_url) == (Decimal("1.25"), "https://hooks.example.test/a")


def test_the_simulator_numbers_are_the_same_for_the_same_seed_and_survive_its_state() -> None:
    first = SimulatorConnector(seed=7).numbers()
    again = SimulatorConnector(seed=7).numbers()
    assert first == again and first
    assert SimulatorConnector(state=SimulatorConnector(seed=7).to_dict()).numbers() == first
    assert all(n.monthly_cost == Decimal("0.90") for n in first)
