"""Each monitor fires on a crafted rollup history and stays quiet on the near-misses."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from aftersales.monitoring.messages import explain
from aftersales.monitoring.models import MonitorSetting
from aftersales.monitoring.monitors import MONITORS, Context
from aftersales.monitoring.monitors.base import where
from aftersales.monitoring.tests.alerts_helpers import (
    NOW,
    account,
    healthy_history,
    hours_back,
    prefix,
    recent,
    rollups,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def run(key: str) -> list[Any]:
    return MONITORS[key].evaluate(Context.load(NOW))


def sentence(finding: Any) -> str:
    return explain({"code": finding.code, "params": finding.params, "where": where(finding.country, finding.network)})


# --- delivery ---------------------------------------------------------------------------------------
def test_delivery_drop_fires_against_the_accounts_own_baseline(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=60, failed=140)
    [finding] = run("delivery_drop")
    assert (finding.country, finding.network, finding.severity) == ("NG", "62130", "critical")
    assert sentence(finding) == (
        "Delivery rate for NG / 62130 fell from 95% (30-day baseline) to 30% over the last hour, 200 receipts")


def test_an_outage_below_the_minimum_volume_stays_quiet(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=50, delivered=5, failed=45)
    assert run("delivery_drop") == []


# --- conversion -------------------------------------------------------------------------------------
def test_conversion_at_or_under_35_percent_fires(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=412, delivered=400, failed=12, requested=412, verified=74)
    [finding] = run("conversion")
    assert finding.code == "conversion_low" and finding.severity == "critical"
    assert sentence(finding).startswith("Conversion for NG / 62130 is 18% over the last hour")
    assert "412 requests" in sentence(finding) and "baseline 71%" in sentence(finding)


def test_conversion_drop_over_40_percent_of_baseline_fires_above_35(personas: Any) -> None:
    acc = account(personas.customer)
    rollups(acc, "NG", hours_back(240, 2), network="62130", submitted=100, requested=100, verified=90)
    recent(acc, "NG", network="62130", submitted=100, requested=100, verified=50)
    [finding] = run("conversion")
    assert finding.code == "conversion_drop"
    assert "fell from 90% (30-day baseline) to 50%" in sentence(finding)


def test_conversion_under_30_requests_stays_quiet(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=25, requested=25, verified=2)
    assert run("conversion") == []


def test_a_legitimate_launch_in_a_new_country_stays_quiet(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc, "GB", network="23410")
    recent(acc, "KE", network="63902", submitted=120, delivered=115, failed=5, requested=120, verified=86)
    assert run("conversion") == []
    assert run("new_destination") == []
    assert run("ait_conversion") == []


def test_a_customer_setting_changes_the_threshold_and_can_turn_a_monitor_off(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=25, requested=25, verified=2)
    MonitorSetting.objects.create(customer=personas.customer, monitor="conversion", params={"min_requests": 20})
    assert len(run("conversion")) == 1
    MonitorSetting.objects.create(customer=None, monitor="conversion", enabled=False)
    assert run("conversion") == []


# --- volume -----------------------------------------------------------------------------------------
def _volume_history(acc: Any) -> None:
    # 20 days before the last 12 hours, alternating 80 and 120 an hour (1,200 per 12 hours).
    hours = hours_back(12 + 480, 13)
    rollups(acc, "ID", hours[0::2], submitted=80)
    rollups(acc, "ID", hours[1::2], submitted=120)


def test_volume_spike_fires_on_a_jump_against_the_90_day_pattern(personas: Any) -> None:
    acc = account(personas.customer)
    _volume_history(acc)
    rollups(acc, "ID", hours_back(12, 0), submitted=400)  # 4,800+ in the last 12 hours
    [finding] = run("volume_spike")
    assert finding.country == "ID" and finding.params["ratio"] >= 3
    assert "in the last 12 hours" in sentence(finding) and "90-day average of 1,200" in sentence(finding)


def test_a_two_fold_seasonal_peak_stays_quiet(personas: Any) -> None:
    acc = account(personas.customer)
    _volume_history(acc)
    rollups(acc, "ID", hours_back(12, 0), submitted=200)
    assert run("volume_spike") == []


def test_volume_spike_needs_48_hours_of_history(personas: Any) -> None:
    acc = account(personas.customer)
    rollups(acc, "ID", hours_back(40, 13), submitted=10)
    rollups(acc, "ID", hours_back(12, 0), submitted=400)
    assert run("volume_spike") == []


# --- pumping patterns -------------------------------------------------------------------------------
def test_first_traffic_to_a_new_country_with_unused_codes_fires(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc, "GB", network="23410")
    recent(acc, "NG", network="62130", submitted=300, delivered=290, requested=300, verified=9)
    [finding] = run("new_destination")
    assert finding.code == "new_destination_low_conversion" and finding.severity == "critical"
    assert sentence(finding).startswith("First traffic to NG: 300 messages in the last 12 hours")


def test_a_new_account_does_not_flag_every_country_as_new(personas: Any) -> None:
    acc = account(personas.customer)
    recent(acc, "NG", submitted=300, requested=300, verified=9)
    assert run("new_destination") == []


def test_high_cost_destination_fires_far_above_the_accounts_norm(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc, "GB", network="23410")  # 0.03 EUR a message
    recent(acc, "GB", network="23410", submitted=100, cost="3.00")
    recent(acc, "LV", submitted=100, cost="30.00")  # 0.30 EUR a message
    [finding] = run("high_cost")
    assert finding.country == "LV" and finding.params["ratio"] == 10.0


def test_prefix_concentration_fires_at_ten_numbers_under_one_prefix(personas: Any) -> None:
    acc = account(personas.customer)
    prefix(acc, "NG", "23480312", numbers=14)
    prefix(acc, "NG", "23480399", numbers=9)
    prefix(acc, "GB", "44770090", numbers=9)
    [finding] = run("prefix_concentration")
    assert finding.country == "NG" and finding.params["prefix"] == "23480312"
    assert "14 distinct numbers under the prefix +23480312" in sentence(finding)


def test_low_conversion_with_normal_delivery_fires_but_not_during_an_outage(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=190, failed=10, requested=200, verified=20)
    [finding] = run("ait_conversion")
    assert finding.severity == "critical"


def test_low_conversion_during_a_delivery_outage_is_not_pumping(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=40, failed=160, requested=200, verified=20)
    assert run("ait_conversion") == []


# --- error mix and DLR return -----------------------------------------------------------------------
def test_err_6_share_rising_points_at_content(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=140, failed=60, errors={"6": 56, "1": 4})
    [finding] = run("error_mix")
    assert finding.code == "error_content" and finding.detail == "content"
    assert "error 6 (anti-spam) is 28%" in sentence(finding).lower()


def test_err_11_and_99_point_at_the_route(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=150, failed=50, errors={"11": 30, "99": 20})
    [finding] = run("error_mix")
    assert finding.code == "error_route"


def test_err_6_as_usual_stays_quiet(personas: Any) -> None:
    acc = account(personas.customer)
    rollups(acc, "NG", hours_back(240, 2), network="62130", submitted=200, delivered=140, failed=60,
            errors={"6": 60})
    recent(acc, "NG", network="62130", submitted=200, delivered=140, failed=60, errors={"6": 60})
    assert run("error_mix") == []


def test_dlr_return_collapse_fires_when_receipts_stop(personas: Any) -> None:
    acc = account(personas.customer)
    rollups(acc, "NG", hours_back(240, 5), network="62130", submitted=100, delivered=95, failed=5)
    rollups(acc, "NG", hours_back(4, 2), network="62130", submitted=300, delivered=20)
    [finding] = run("dlr_return")
    assert finding.params["submitted"] == 900 and finding.params["rate"] < 0.1
    assert "got a delivery receipt" in sentence(finding)


def test_dlr_return_below_the_minimum_volume_stays_quiet(personas: Any) -> None:
    acc = account(personas.customer)
    rollups(acc, "NG", hours_back(240, 5), submitted=20, delivered=20)
    rollups(acc, "NG", hours_back(4, 2), submitted=50)
    assert run("dlr_return") == []
