"""Sequential number runs: ``PrefixRollup.sequential`` counted at ingestion, and the monitor reading it."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
import time_machine

from aftersales.monitoring.ingest import TrafficEvent, neighbours, record_events, seen_numbers
from aftersales.monitoring.messages import explain
from aftersales.monitoring.models import MonitorSetting, PrefixRollup
from aftersales.monitoring.monitors import MONITORS, Context
from aftersales.monitoring.monitors.base import where
from aftersales.monitoring.tests.alerts_helpers import NOW, TOP, account
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
BLOCK = "23480312"  # NG, Airtel: numbers are BLOCK + 4 digits


@pytest.fixture
def acc(personas: Any) -> VendorAccount:
    return VendorAccount.objects.create(customer=personas.customer, name="Starriver Vonage", api_key="a1b2c3d4")


def sent(message_id: str, msisdn: str, minutes: float = 1) -> TrafficEvent:
    return TrafficEvent(
        kind="submitted",
        at=T0 + dt.timedelta(minutes=minutes),
        message_id=message_id,
        api_key="a1b2c3d4",
        msisdn=msisdn,
    )


def row(prefix: str = BLOCK, hour: dt.datetime = T0) -> PrefixRollup:
    return PrefixRollup.objects.get(hour=hour, prefix=prefix)


# --- counting ---------------------------------------------------------------------------------------
def test_neighbours_stay_under_the_prefix() -> None:
    assert neighbours("2348031230417") == ("2348031230416", "2348031230418")
    assert neighbours("2348031230000") == ("2348031230001",)  # …9999 is another prefix's
    assert neighbours("2348031239999") == ("2348031239998",)
    assert neighbours("12345") == () and neighbours("23480312x0417") == ()


def test_a_run_sent_in_order_counts_every_number_but_the_first(acc: VendorAccount) -> None:
    record_events([sent(f"r{n}", f"{BLOCK}{417 + n:04d}", minutes=n) for n in range(12)])
    assert (row().numbers, row().sequential) == (12, 11)


def test_a_shuffled_run_still_counts_most_of_it(acc: VendorAccount) -> None:
    suffixes = list(range(3000, 3030))
    random.Random(4).shuffle(suffixes)  # noqa: S311 - test data
    record_events([sent(f"s{n}", f"{BLOCK}{suffix:04d}") for n, suffix in enumerate(suffixes)])
    assert row().numbers == 30
    assert 15 <= row().sequential <= 29


def test_random_numbers_under_one_prefix_do_not_count(acc: VendorAccount) -> None:
    suffixes = random.Random(9).sample(range(0, 10_000, 3), 40)  # noqa: S311 - never next to one another
    record_events([sent(f"x{n}", f"{BLOCK}{suffix:04d}") for n, suffix in enumerate(suffixes)])
    assert (row().numbers, row().sequential) == (40, 0)


def test_a_repeat_or_a_neighbour_in_another_hour_or_prefix_does_not_count(acc: VendorAccount) -> None:
    record_events(
        [
            sent("a1", f"{BLOCK}0500"),
            sent("a2", f"{BLOCK}0500", minutes=2),  # the same number again: not a new number
            sent("a3", f"{BLOCK}0501", minutes=61),  # its neighbour, but the next hour
            sent("a4", "234803130000", minutes=3),  # …29999 + 1: the next prefix
            sent("a5", "234803129999", minutes=4),
        ]
    )
    assert (row().numbers, row().sequential, row().messages) == (2, 0, 3)
    assert row(hour=T0 + dt.timedelta(hours=1)).sequential == 0
    assert row("23480313").sequential == 0


def test_neighbours_are_found_across_batches_and_calls(acc: VendorAccount) -> None:
    events = [sent(f"b{n}", f"{BLOCK}{7000 + n:04d}", minutes=n) for n in range(10)]
    record_events(events[:4], batch_size=2)  # two transactions
    record_events(events[4:], batch_size=3)  # a later call (another webhook, the next import batch)
    assert (row().numbers, row().sequential) == (10, 9)
    record_events(events)  # a replay adds nothing
    assert (row().numbers, row().sequential, row().messages) == (10, 9, 10)


def test_neighbours_in_other_accounts_do_not_count(acc: VendorAccount, personas: Any) -> None:
    VendorAccount.objects.create(customer=personas.customer, name="Other", api_key="e5f6a7b8")
    record_events(
        [
            sent("c1", f"{BLOCK}0100"),
            TrafficEvent(kind="submitted", at=T0, message_id="c2", api_key="e5f6a7b8", msisdn=f"{BLOCK}0101"),
        ]
    )
    assert sorted(PrefixRollup.objects.values_list("sequential", flat=True)) == [0, 0]


def test_the_count_is_added_to_an_existing_row(acc: VendorAccount) -> None:
    record_events([sent("d1", f"{BLOCK}0200"), sent("d2", f"{BLOCK}0201")])
    seen_numbers.clear()  # another process: it has not seen …0200/…0201, so it cannot count them
    record_events([sent("d3", f"{BLOCK}0202"), sent("d4", f"{BLOCK}0203")])
    assert (row().numbers, row().sequential) == (4, 2)  # 1 + 1: the rows are summed in SQL


# --- the monitor ------------------------------------------------------------------------------------
def prefix_row(
    acc: VendorAccount, country: str, prefix: str, *, numbers: int, sequential: int, hour: dt.datetime = TOP
) -> None:
    PrefixRollup.objects.create(
        account=acc, hour=hour, prefix=prefix, country=country, numbers=numbers, messages=numbers, sequential=sequential
    )


def run() -> list[Any]:
    with time_machine.travel(NOW, tick=False):
        return MONITORS["sequential_numbers"].evaluate(Context.load(NOW))


def test_the_monitor_fires_on_a_run_and_names_the_prefix(personas: Any) -> None:
    sim = account(personas.customer)
    prefix_row(sim, "UZ", "99890112", numbers=60, sequential=18)
    prefix_row(sim, "UZ", "99890247", numbers=30, sequential=9)
    prefix_row(sim, "UZ", "99890399", numbers=30, sequential=7)  # under the threshold
    [finding] = run()
    assert (finding.monitor, finding.country, finding.severity) == ("sequential_numbers", "UZ", "critical")
    assert finding.params["prefix"] == "99890112" and finding.params["prefixes"] == 2
    text = explain({"code": finding.code, "params": finding.params, "where": where(finding.country)})
    assert text.startswith("18 numbers in a row under the prefix +99890112… in one hour, out of 60 numbers")
    assert "alert at 8" in text and "2 prefixes in UZ" in text and "e.g. +99890112…, +99890247…" in text
    assert MONITORS["sequential_numbers"].is_fraud


def test_the_monitor_stays_quiet_under_the_threshold_and_on_busy_random_prefixes(personas: Any) -> None:
    sim = account(personas.customer)
    prefix_row(sim, "NG", "23480312", numbers=20, sequential=7)  # a short run
    prefix_row(sim, "GB", "44770090", numbers=400, sequential=16)  # 4 %: a big sender's random recipients
    prefix_row(sim, "NG", "23480399", numbers=30, sequential=12, hour=TOP - dt.timedelta(hours=3))  # hours ago
    assert run() == []


def test_per_customer_parameters_apply(personas: Any) -> None:
    sim = account(personas.customer)
    prefix_row(sim, "NG", "23480312", numbers=20, sequential=6)
    MonitorSetting.objects.create(
        monitor="sequential_numbers", customer=personas.customer, params={"min_sequential": 5}
    )
    [finding] = run()
    assert finding.params["min_sequential"] == 5
    MonitorSetting.objects.filter(customer=personas.customer).update(enabled=False)
    assert run() == []


def test_the_admin_settings_form_knows_the_new_monitor(personas: Any) -> None:
    from aftersales.monitoring.admin import MonitorSettingForm

    form = MonitorSettingForm(
        data={
            "customer": personas.customer.pk,
            "monitor": "sequential_numbers",
            "enabled": "on",
            "params": '{"min_sequential": 12, "min_share": 0.5}',
        }
    )
    assert form.is_valid(), form.errors
    wrong = MonitorSettingForm(
        data={
            "customer": personas.customer.pk,
            "monitor": "sequential_numbers",
            "enabled": "on",
            "params": '{"min_numbers": 12}',
        }
    )
    assert not wrong.is_valid()
    assert "This monitor takes: hold_runs, min_sequential, min_share" in str(wrong.errors)


def test_generated_pumping_traffic_is_counted_as_sequential(acc: VendorAccount) -> None:
    from aftersales.monitoring.traffic import Plan, generate

    plan = Plan(scenario="pumping", start=T0, hours=2, incident_hours=1, per_day=2400, seed=3, api_key="a1b2c3d4")
    record_events(generate(plan))
    pumped = PrefixRollup.objects.filter(country="UZ")
    assert pumped.count() == 3
    for rollup in pumped:
        assert rollup.numbers >= 40 and rollup.sequential >= rollup.numbers / 2
    assert not PrefixRollup.objects.exclude(country="UZ").filter(sequential__gte=2).exists()
