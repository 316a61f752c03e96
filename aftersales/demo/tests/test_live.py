"""The live demo (``demo.live_traffic``): after the load, each run records the traffic of the minutes since
the last one through the ingestion path; the pumping attack goes on, a delivery outage opens a new
proactive ticket, and nothing happens on a desk the demo did not load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db.models import Sum
from django.test import override_settings

from aftersales.core import clock, scheduler
from aftersales.demo import live, monitoring_monitors
from aftersales.demo.tasks import live_traffic
from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.ingest import seen_numbers
from aftersales.monitoring.models import Alert, AlertIncident, AlertState, MessageRecord, TrafficRollup
from aftersales.sms.models import VendorAccount
from aftersales.testing.factories import make_customer
from aftersales.tickets.models import Channel, Status

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 25, 2, 16, tzinfo=dt.UTC)  # a Wednesday, 10:16 in Shanghai
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _fresh_seen_numbers() -> Iterator[None]:
    seen_numbers.clear()
    yield
    seen_numbers.clear()


@pytest.fixture
def demo_accounts() -> dict[str, VendorAccount]:
    """The demo's simulator accounts, as ``sms_balances.load`` makes them (customers trimmed)."""
    starriver = make_customer("starriver", "Starriver Tech 星河科技")
    owners = {
        "SIMSTARSUB2": make_customer("starriver-sub2", "Starriver OTP", parent=starriver, language="en"),
        "SIMBLUEWAVE": make_customer("bluewave", "Bluewave Games", language="en"),
        "SIMSUDA": make_customer("suda", "Suda Logistics", language="en"),
        "SIMKAITO": make_customer("kaito-pay", "Kaito Pay", language="en"),
    }
    return {
        key: VendorAccount.objects.create(customer=customer, name=customer.name, kind="simulator", api_key=key)
        for key, customer in owners.items()
    }


def run_at(moment: dt.datetime) -> live.LiveRun:
    with clock.moving(moment):
        return live.run()


def submitted_total() -> int:
    return TrafficRollup.objects.aggregate(total=Sum("submitted"))["total"] or 0


def sent_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    found = MessageRecord.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    return [moment for moment in found.values_list("submitted_at", flat=True) if moment is not None]


def minutes(moments: list[dt.datetime]) -> set[dt.datetime]:
    return {moment.replace(second=0, microsecond=0) for moment in moments}


def test_each_run_records_the_minutes_since_the_last_one(demo_accounts):
    live.mark_loaded(T0 - dt.timedelta(hours=1))
    first = run_at(T0)
    # Nothing recorded yet: the first run goes back the catch-up bound, ten minutes, and no further.
    assert first.state == "ran" and first.since == T0 - live.MAX_CATCH_UP
    assert MessageRecord.objects.count() == len(sent_between(T0 - live.MAX_CATCH_UP, T0)) > 0
    assert len(minutes(sent_between(T0 - live.MAX_CATCH_UP, T0))) == 10  # every minute has traffic
    assert submitted_total() == MessageRecord.objects.count()  # the rollups the charts read

    before = submitted_total()
    second = run_at(T0 + 3 * MINUTE)
    new = sent_between(T0, T0 + 3 * MINUTE)
    assert second.recorded > 0 and len(minutes(new)) == 3
    assert MessageRecord.objects.count() == before + len(new)  # nothing outside the three new minutes
    assert submitted_total() == before + len(new)
    # Every account's traffic arrives; the attack (loaded an hour ago) too.
    assert set(MessageRecord.objects.values_list("account__api_key", flat=True)) == set(demo_accounts)
    assert MessageRecord.objects.filter(country="NG", msisdn__startswith="23480312").exists()

    # The same minute again adds nothing: the generator repeats itself and ingestion counts once.
    again = run_at(T0 + 3 * MINUTE)
    assert again.recorded == 0 and submitted_total() == before + len(new)


def test_a_desk_started_after_days_catches_up_ten_minutes_only(demo_accounts):
    live.mark_loaded(T0)
    run_at(T0)
    later = T0 + dt.timedelta(days=2)
    count = MessageRecord.objects.count()
    done = run_at(later)
    assert done.since == later - live.MAX_CATCH_UP
    new = sent_between(later - live.MAX_CATCH_UP, later)
    assert new and MessageRecord.objects.count() == count + len(new)
    assert not sent_between(T0, later - live.MAX_CATCH_UP)


def test_no_live_traffic_on_a_desk_the_demo_did_not_load(demo_accounts):
    assert run_at(T0).state == "not-demo"
    assert not MessageRecord.objects.exists() and not TrafficRollup.objects.exists()


@override_settings(DEMO_LIVE_TRAFFIC=False)
def test_no_live_traffic_when_switched_off(demo_accounts):
    live.mark_loaded(T0)
    assert run_at(T0).state == "off"
    assert not MessageRecord.objects.exists()


def test_no_live_traffic_without_the_demo_accounts(db):
    live.mark_loaded(T0)  # a marked desk whose simulator accounts were removed
    assert run_at(T0).state == "not-demo"


def test_the_job_runs_every_minute_under_the_scheduler(demo_accounts):
    [job] = [job for job in scheduler.discover_jobs() if job.name == "demo.live_traffic"]
    assert job.every == MINUTE and job.task == live_traffic
    live.mark_loaded(T0)
    with clock.moving(T0):
        done = live_traffic.call()
    assert done["state"] == "ran" and done["recorded"] > 0


def test_the_attack_goes_on_an_outage_opens_a_new_ticket_and_both_recover(demo_accounts):
    bluewave = demo_accounts["SIMBLUEWAVE"].customer
    with clock.moving(T0):
        monitoring_monitors.load(now=T0)
    [pumping] = AlertIncident.objects.filter(resolved_at__isnull=True)
    assert pumping.customer == demo_accounts["SIMSTARSUB2"].customer and pumping.key == "country:NG"
    assert pumping.ticket is not None and pumping.ticket.status != Status.RESOLVED

    # The person watches: traffic every minute, the monitors every five.
    for minute in range(1, 26):
        moment = T0 + minute * MINUTE
        assert run_at(moment).state == "ran"
        if minute % 5 == 0:
            evaluate_all(moment)
    opened = AlertIncident.objects.exclude(pk=pumping.pk)
    [outage] = opened
    assert outage.customer == bluewave and outage.key == "country:CN"
    assert outage.ticket is not None and outage.ticket.channel == Channel.MONITORING
    pumping.refresh_from_db()
    assert pumping.resolved_at is None

    # Nearly two hours on, the attack still goes: its ticket stays open.
    almost = T0 + dt.timedelta(minutes=115)
    run_at(almost)
    evaluate_all(almost)
    pumping.refresh_from_db()
    assert pumping.resolved_at is None and pumping.ticket.status != Status.RESOLVED

    # Hours later the attack and the outage are over. The outage's ticket resolves; the attack's alerts
    # resolve as it leaves their windows: the hourly ones first, "new destination" (12 hours) last.
    after = T0 + dt.timedelta(hours=5)
    watch(after)
    outage.refresh_from_db()
    assert outage.resolved_at is not None and outage.ticket.status == Status.RESOLVED
    assert set(Alert.objects.filter(state=AlertState.FIRING).values_list("monitor", flat=True)) == {"new_destination"}
    watch(T0 + dt.timedelta(hours=15))
    pumping.refresh_from_db()
    assert pumping.resolved_at is not None and pumping.ticket.status == Status.RESOLVED
    assert AlertIncident.objects.count() == 2


def watch(start: dt.datetime) -> None:
    """A quarter of an hour of the desk running: live traffic, and the monitors every five minutes."""
    for minute in (0, 5, 10, 15):
        run_at(start + minute * MINUTE)
        evaluate_all(start + minute * MINUTE)
