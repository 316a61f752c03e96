"""``aftersales simulate``: every scenario goes through ingestion and the monitors and opens exactly
one proactive ticket, for the right reason; normal traffic opens none.

The seeds are arbitrary and differ between scenarios (``aftersales simulate`` draws a fresh one each
run and prints it). A run is four days of a mid-sized OTP customer's traffic (~95,000 events) and
~130 monitor passes, so each scenario runs once per database.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from aftersales.monitoring import simulate
from aftersales.monitoring.models import TrafficRollup
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db

END = dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)  # a Friday, 14:00 in Shanghai
DAYS = 4
PER_DAY = 8000  # a mid-sized OTP customer: its busiest network has the monitors' minimum volume by day
PUMPING_MONITORS = {"new_destination", "high_cost", "prefix_concentration", "sequential_numbers", "ait_conversion"}


def run(personas, scenario: str, seed: int, per_day: int = PER_DAY, **extra) -> simulate.SimulationResult:
    return simulate.run(scenario, customer=personas.customer, days=DAYS, seed=seed, end=END, per_day=per_day,
                        **extra)


def monitors_firing(result: simulate.SimulationResult) -> set[str]:
    return {alert["monitor"] for alert in simulate.firing(result)}


@pytest.mark.parametrize(("seed", "per_day"), [(7, PER_DAY), (2026, 2400)])
def test_normal_traffic_fires_nothing(personas, seed, per_day):
    result = run(personas, "normal", seed, per_day)
    assert result.events > 20_000 and result.evaluations > 100
    assert result.alerts == [] and result.tickets == []
    assert TrafficRollup.objects.filter(country="CN").exists()


@pytest.mark.parametrize("seed", [11])
def test_a_delivery_outage_on_one_network_opens_one_ticket(personas, seed):
    result = run(personas, "delivery-outage", seed)
    firing = simulate.firing(result)
    assert "delivery_drop" in monitors_firing(result)
    assert {(a["country"]) for a in firing} == {"CN"}
    assert not monitors_firing(result) & PUMPING_MONITORS
    [ticket] = result.tickets
    assert "CN" in Ticket.objects.get(ref=ticket["ref"]).description


@pytest.mark.parametrize(("scenario", "seed", "per_day"),
                         [("launch", 31, PER_DAY), ("seasonal-peak", 8, PER_DAY), ("small-outage", 12, 2400)])
def test_near_misses_stay_quiet(personas, scenario, seed, per_day):
    """A legitimate launch in a new country with healthy conversion, a 2× seasonal peak, an outage below
    the minimum volume (the smallest network of a smaller customer: under the delivery monitor's 100
    receipts and the conversion monitor's 30 requests an hour): nothing fires, no ticket."""
    result = run(personas, scenario, seed, per_day)
    assert result.events > 6_000
    assert result.alerts == [] and result.tickets == []
    if scenario == "launch":
        assert TrafficRollup.objects.filter(country="TH").exists()  # the launch traffic was there


@pytest.mark.parametrize("seed", [19])
def test_recovery_resolves_the_alert_and_its_ticket(personas, seed):
    result = run(personas, "delivery-outage", seed, recovered_hours=3)
    assert "delivery_drop" in {a["monitor"] for a in result.alerts}
    assert simulate.firing(result) == []  # every alert resolved (after the damping runs)
    [ticket] = result.tickets
    assert ticket["status"] == "resolved"
    notes = Ticket.objects.get(ref=ticket["ref"]).messages.filter(kind="note")
    assert notes.exists()


@pytest.mark.parametrize("seed", [2026])
def test_pumping_opens_one_ticket_with_the_fraud_evidence(personas, seed):
    result = run(personas, "pumping", seed)
    assert monitors_firing(result) & PUMPING_MONITORS
    assert {a["country"] for a in simulate.firing(result)} <= {"UZ", ""}
    assert len(result.tickets) == 1


@pytest.mark.parametrize("seed", [5])
def test_a_conversion_collapse_opens_one_ticket(personas, seed):
    result = run(personas, "conversion-collapse", seed)
    assert "conversion" in monitors_firing(result)
    assert "delivery_drop" not in monitors_firing(result)
    assert {a["country"] for a in simulate.firing(result)} == {"CN"}
    assert len(result.tickets) == 1


@pytest.mark.parametrize("seed", [3])
def test_a_balance_rundown_opens_the_balance_ticket_only(personas, seed):
    result = run(personas, "balance-rundown", seed)
    assert simulate.firing(result) == []  # twice the volume is a seasonal peak, not an alarm
    [ticket] = result.tickets
    assert Ticket.objects.get(ref=ticket["ref"]).source_kind == "sms.balance"


def test_the_command_prints_json_and_refuses_bad_input(personas):
    out = io.StringIO()
    call_command("simulate", "normal", "--customer", "starriver", "--days", "3", "--seed", "4", "--per-day", "600",
                 "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["scenario"] == "normal" and result["seed"] == 4 and result["tickets"] == []
    with pytest.raises(CommandError, match="No customer with the short code"):
        call_command("simulate", "normal", "--customer", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--days must be between 3 and 120"):
        call_command("simulate", "normal", "--days", "1", stdout=io.StringIO())
