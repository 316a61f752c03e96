"""Issue 7, "done when", in the demo, through the pages an agent uses (Django test client).

The demo's pumping attack has opened one proactive ticket with readable evidence; with the desk
running (the live demo traffic every minute, the monitors every five) a delivery outage opens a
second one, and nothing else does; an agent blocks the attacked prefix from the alert's page; the
late heartbeat of our own billing job has a ticket without a customer. (The scenarios one by one,
normal traffic and the near-misses: ``aftersales/monitoring/tests/test_simulate.py``; receipts from a
real HTTP client in the three Vonage formats, duplicates and the 503: ``test_hooks_live.py``.)
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from aftersales.core import clock
from aftersales.demo import live
from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.models import Alert, AlertIncident, AlertState, Probe
from aftersales.sms.connectors.simulator import SimulatorConnector
from aftersales.sms.models import VendorAccount
from aftersales.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

# The demo is loaded at a fixed moment, a Wednesday at 10:16 in Shanghai: how much traffic the live
# demo sends depends on the customers' hour of the day (an outage at night stays under the monitors'
# minimum volumes, by design), so the test must not depend on when it runs.
LOADED = dt.datetime(2026, 11, 25, 2, 16, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _weekday_morning():
    with time_machine.travel(LOADED, tick=False):
        yield


def test_issue7_done_when(client):
    call_command("demo", "--tickets", "40", stdout=io.StringIO(), stderr=io.StringIO())
    agent = User.objects.get(username="demo-agent")
    client.force_login(agent)
    loaded = live.loaded_at()
    assert loaded is not None

    # 1. The pumping attack: one proactive ticket, evidence an agent can read.
    [pumping] = AlertIncident.objects.filter(resolved_at__isnull=True, customer__isnull=False)
    ticket, attacked = pumping.ticket, pumping.customer
    assert ticket is not None and attacked is not None
    assert ticket.channel == Channel.MONITORING and pumping.key == "country:NG"
    page = client.get(f"/tickets/{ticket.ref}/").content.decode()
    assert "+23480312" in page  # the attacked prefix, in the evidence
    health = client.get(f"/monitoring/customers/{attacked.code}/").content.decode()
    assert health.count('data-testid="health-window"') == 3 and 'data-testid="health-alert"' in health

    # 2. The desk runs for twenty minutes: live traffic every minute, the monitors every five.
    before = set(AlertIncident.objects.values_list("pk", flat=True))
    for minute in range(1, 21):
        moment = loaded + dt.timedelta(minutes=minute)
        with clock.moving(moment):
            live.run(moment)
            if minute % 5 == 0:
                evaluate_all(moment)
    [outage] = AlertIncident.objects.exclude(pk__in=before)
    assert outage.key == "country:CN" and outage.ticket is not None and outage.customer is not None
    assert outage.ticket.channel == Channel.MONITORING and outage.customer.code == "bluewave"
    listed = client.get("/monitoring/alerts/?state=firing").content.decode()
    assert outage.customer.name in listed
    pumping.refresh_from_db()
    assert pumping.resolved_at is None  # the attack goes on

    # 3. From the pumping alert's page an agent blocks the prefix at the (simulated) vendor.
    alert = Alert.objects.filter(incident=pumping, state=AlertState.FIRING, monitor="prefix_concentration").first()
    assert alert is not None and alert.account is not None
    detail = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="perform-block_prefix"' in detail
    done = client.post(f"/monitoring/alerts/{alert.pk}/actions/block_prefix/", follow=True).content.decode()
    assert "屏蔽号段 +23480312" in done  # the demo agent reads Chinese
    vendor_side = VendorAccount.objects.get(pk=alert.account.parent_id or alert.account.pk)
    rules = SimulatorConnector(state=vendor_side.options["state"]).traffic_rules()
    assert [(r.kind, r.value) for r in rules] == [("prefix", "23480312")]

    # 4. Probes: our own billing job's heartbeat is late; its ticket has no customer.
    billing = Probe.objects.get(name="Platform nightly billing job")
    probes_page = client.get("/monitoring/probes/").content.decode()
    assert billing.name in probes_page
    [own] = Ticket.objects.filter(customer__isnull=True, channel=Channel.MONITORING)
    assert billing.name in own.subject
