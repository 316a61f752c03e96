"""The simulated vendor: balances burn down with traffic, top-ups, shared balances, seeded errors."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from aftersales.sms.connectors.base import RetryPolicy, VendorAuthError, VendorError
from aftersales.sms.connectors.simulator import SimulatorConnector

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def forward(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def no_retries() -> RetryPolicy:
    return RetryPolicy(attempts=1, sleep=lambda s: None)


def simulator(clock: Clock, **options: Any) -> SimulatorConnector:
    options.setdefault("seed", 7)
    options.setdefault("api_key", "SIMMASTER")
    options.setdefault("retry_policy", no_retries())
    return SimulatorConnector(clock=clock, **options)


def test_the_balance_burns_down_with_traffic_over_time() -> None:
    clock = Clock()
    sim = simulator(clock, master_balance=100, burn_per_hour=2, subaccounts=[])
    readings = [sim.balance().value]
    for _ in range(48):
        clock.forward(hours=1)
        readings.append(sim.balance().value)
    assert readings[0] == Decimal("100.0000")
    assert all(later < earlier for earlier, later in itertools.pairwise(readings))
    spent = readings[0] - readings[-1]
    assert Decimal(40) < spent < Decimal(120)  # 2/h × 48 h × a day-shaped profile averaging ~0.8
    night = readings[4] - readings[5]  # 04:00-05:00
    office = readings[10] - readings[11]  # 10:00-11:00
    assert office > night * 3


def test_how_often_it_is_read_does_not_change_the_balance() -> None:
    often_clock, once_clock = Clock(), Clock()
    often = simulator(often_clock, master_balance=100, burn_per_hour=3, subaccounts=[])
    once = simulator(once_clock, master_balance=100, burn_per_hour=3, subaccounts=[])
    for _ in range(30):
        often_clock.forward(minutes=45)
        often.balance()
    once_clock.forward(minutes=45 * 30)
    assert once.balance() == often.balance()


def test_a_top_up_is_a_jump_not_negative_burn() -> None:
    clock = Clock()
    sim = simulator(clock, master_balance=10, burn_per_hour=1, subaccounts=[])
    clock.forward(hours=5)
    before = sim.balance().value
    assert sim.top_up(50) == before + 50
    assert sim.balance().value == before + 50  # no time passed, nothing burned
    with pytest.raises(ValueError, match="positive"):
        sim.top_up(0)


def test_an_empty_prepaid_balance_stops_at_zero_and_postpaid_at_its_credit_limit() -> None:
    clock = Clock()
    prepaid = simulator(clock, master_balance=1, burn_per_hour=5, subaccounts=[])
    postpaid = simulator(clock, master_balance=1, burn_per_hour=5, credit_limit=-20, subaccounts=[])
    clock.forward(days=3)
    assert prepaid.balance().value == Decimal("0.0000")
    assert postpaid.balance().value == Decimal("-20.0000")


def test_shared_subaccounts_draw_on_the_master_and_own_balances_burn_alone() -> None:
    clock = Clock()
    alone = simulator(clock, master_balance=500, burn_per_hour=1, subaccounts=[])
    with_shared = simulator(
        clock,
        master_balance=500,
        burn_per_hour=1,
        subaccounts=[{"name": "Marketing", "burn_per_hour": 2}],
    )
    with_own = simulator(
        clock,
        master_balance=500,
        burn_per_hour=1,
        subaccounts=[{"name": "OTP", "balance": 40, "burn_per_hour": 2}],
    )
    clock.forward(hours=24)
    shared_sub = with_shared.subaccounts()[0]
    own_sub = with_own.subaccounts()[0]
    assert shared_sub.balance is None and shared_sub.use_primary_account_balance
    assert shared_sub.credit_limit is None
    assert own_sub.balance is not None and own_sub.balance < Decimal(40)
    assert not own_sub.use_primary_account_balance
    assert with_shared.balance().value < alone.balance().value  # the shared sub's traffic came off the master
    assert with_own.balance().value == alone.balance().value  # the own-balance sub did not touch it
    assert own_sub.primary_account_api_key == "SIMMASTER"


def test_a_subaccount_with_its_own_balance_can_be_topped_up_but_a_shared_one_cannot() -> None:
    clock = Clock()
    sim = simulator(
        clock,
        subaccounts=[{"name": "OTP", "balance": 5, "api_key": "SUBOWN"}, {"name": "Mkt", "api_key": "SUBSHARED"}],
    )
    assert sim.top_up(20, api_key="SUBOWN") == Decimal("25.0000")
    with pytest.raises(ValueError, match="shares the master's balance"):
        sim.top_up(20, api_key="SUBSHARED")


def test_suspended_subaccounts_send_nothing() -> None:
    clock = Clock()
    sim = simulator(clock, subaccounts=[{"name": "Old", "balance": 30, "suspended": True}])
    clock.forward(days=2)
    sub = sim.subaccounts()[0]
    assert sub.suspended and sub.balance == Decimal("30.0000")


def test_the_same_seed_gives_the_same_vendor_and_another_seed_another() -> None:
    def run(seed: int) -> dict[str, Any]:
        clock = Clock()
        sim = SimulatorConnector(seed=seed, clock=clock, retry_policy=no_retries())
        for _ in range(10):
            clock.forward(hours=7)
            sim.balance()
            sim.subaccounts()
        return sim.to_dict()

    assert run(11) == run(11)
    assert run(11)["master"] != run(12)["master"]


def test_the_state_survives_a_round_trip_through_json() -> None:
    clock = Clock()
    original = simulator(clock, subaccounts=[{"name": "OTP", "balance": 40}, {"name": "Mkt"}], error_rate=0.2)
    clock.forward(hours=10)
    original.balance()
    restored = SimulatorConnector(state=json.loads(json.dumps(original.to_dict())), clock=clock)
    restored.retry_policy = no_retries()
    clock.forward(hours=10)
    outcomes: list[Callable[[SimulatorConnector], Any]] = [
        lambda s: s.balance(),
        lambda s: s.subaccounts(),
        lambda s: s.numbers(),
    ]
    for read in outcomes * 5:
        results = []
        for sim in (original, restored):
            try:
                results.append(read(sim))
            except VendorError as error:
                results.append(type(error))
        assert results[0] == results[1]


def test_errors_come_at_the_configured_rate_and_the_same_way_for_the_same_seed() -> None:
    def outcomes(seed: int) -> list[str]:
        sim = simulator(Clock(), seed=seed, error_rate=0.3)
        found: list[str] = []
        for _ in range(200):
            try:
                sim.balance()
                found.append("ok")
            except VendorError as error:
                assert error.retryable
                found.append(error.code)
        return found

    first = outcomes(5)
    assert first == outcomes(5)
    assert 35 <= 200 - first.count("ok") <= 85
    assert {"rate_limited", "unavailable"} <= set(first)


def test_retries_ride_over_occasional_errors() -> None:
    sim = simulator(Clock(), error_rate=0.3, retry_policy=RetryPolicy(attempts=6, sleep=lambda s: None))
    for _ in range(50):
        sim.balance()


def test_rejected_credentials_are_an_auth_error_not_retried() -> None:
    sim = simulator(Clock(), reject_credentials=True, retry_policy=RetryPolicy(attempts=5, sleep=lambda s: None))
    with pytest.raises(VendorAuthError):
        sim.balance()
    assert sim.to_dict()["calls"] == 1


def test_numbers_include_one_without_a_webhook_sometimes() -> None:
    found: list[str] = []
    for seed in range(20):
        numbers = SimulatorConnector(seed=seed, clock=Clock()).numbers()
        assert numbers and all(n.country == "GB" and n.kind == "long" for n in numbers)
        found.extend(n.inbound_webhook_url for n in numbers)
    assert "" in found and any(url.startswith("https://") for url in found)


def test_an_unknown_state_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        SimulatorConnector(state={"version": 99})
