"""The traffic generator: plausible normal traffic, and each scenario changes what it says it does."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from aftersales.monitoring.traffic import SCENARIOS, Plan, generate

START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def events(scenario: str, **extra):
    return list(generate(Plan(scenario=scenario, start=START, hours=48, per_day=2400, seed=5, **extra)))


def rates(batch, *, country: str, since: dt.datetime):
    dlrs = [e for e in batch if e.kind == "dlr" and e.country == country and e.at >= since]
    delivered = sum(1 for e in dlrs if e.status == "delivered")
    requested = sum(1 for e in batch if e.kind == "conversion_requested" and e.country == country and e.at >= since)
    verified = sum(1 for e in batch if e.kind == "verified" and e.country == country and e.at >= since)
    return delivered / len(dlrs), verified / requested, len(dlrs)


def test_normal_traffic_looks_like_an_otp_business():
    batch = events("normal")
    submitted = [e for e in batch if e.kind == "submitted"]
    assert 4000 < len(submitted) < 5600  # two days of ~2,400 a day
    assert {e.country for e in submitted} == {"CN", "IN", "ID", "VN", "NG", "GB"}
    delivery, conversion, _n = rates(batch, country="CN", since=START)
    assert 0.93 < delivery < 0.99 and 0.6 < conversion < 0.8
    assert all(e.message_id and e.network and e.msisdn.isdigit() for e in batch)
    assert batch == events("normal")  # deterministic for a seed


def test_a_delivery_outage_breaks_one_network_with_route_errors():
    batch = events("delivery-outage")
    since = START + dt.timedelta(hours=42)
    delivery, _conversion, count = rates(batch, country="CN", since=since)
    assert delivery < 0.3 and count > 30
    errors = Counter(e.err_code for e in batch if e.kind == "dlr" and e.country == "CN" and e.at >= since)
    assert errors.most_common(1)[0][0] == 11
    assert rates(batch, country="IN", since=since)[0] > 0.8  # the rest is untouched


def test_pumping_sends_unconverted_otps_to_sequential_numbers_in_a_new_expensive_country():
    batch = events("pumping")
    pumped = [e for e in batch if e.kind == "submitted" and e.country == "UZ"]
    assert len(pumped) > 500 and all(e.at >= START + dt.timedelta(hours=42) for e in pumped)
    assert len({e.msisdn[:-4] for e in pumped}) < 300  # crowded under few prefixes
    assert not [e for e in batch if e.kind == "verified" and e.country == "UZ"]
    assert min(e.price for e in pumped if e.price is not None) > 5 * max(
        e.price for e in batch if e.kind == "submitted" and e.country == "CN" and e.price is not None
    )


def test_a_conversion_collapse_keeps_delivery_normal():
    batch = events("conversion-collapse")
    since = START + dt.timedelta(hours=42)
    delivery, conversion, _n = rates(batch, country="CN", since=since)
    assert delivery > 0.8 and conversion < 0.3


def test_a_balance_rundown_doubles_the_spend():
    normal = [e for e in events("normal") if e.kind == "submitted" and e.at >= START + dt.timedelta(hours=42)]
    rundown = [e for e in events("balance-rundown") if e.kind == "submitted" and e.at >= START + dt.timedelta(hours=42)]
    assert 1.6 * len(normal) < len(rundown) < 2.5 * len(normal)


def test_an_unknown_scenario_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="choose one of normal, delivery-outage"):
        list(generate(Plan(scenario="meteor-strike")))
    assert len(SCENARIOS) == 5
