"""Issue 6, "done when", in the demo, through the pages an agent uses (Django test client).

In the demo the simulator's balances burn down and the customer whose runway drops below 3 days
has one proactive ticket with the forecast; an agent registers a UAE sender ID, submits it, and
when its lead time has passed it is overdue (the owner is reminded, the dashboard says so); the
template checker explains why a Chinese OTP with a bit.ly link costs 2 parts and is
non-compliant; a vendor case linked to three tickets pauses them, and one update reaches all three
timelines. (The Vonage connector's tests through the real SDK are in
``aftersales/sms/tests/test_connectors_vonage.py`` and ``test_numbers_connector.py``.)
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from aftersales.core import clock
from aftersales.notify.models import Notification
from aftersales.sms import balances, incidents
from aftersales.sms.models import BalanceIncident, BalanceReading, SenderIdRegistration, VendorAccount, VendorCase
from aftersales.sms.tests.test_templatecheck import CHINESE_OTP
from aftersales.tickets.models import MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _weekday_morning():
    """The demo loaded at a fixed moment (a Wednesday, 10:16 in Shanghai): which demo tickets are still
    open depends on the hour it is loaded at, and the test must not depend on when it runs."""
    with time_machine.travel(dt.datetime(2026, 11, 25, 2, 16, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def demo_agent(client):
    call_command("demo", "--tickets", "40", stdout=io.StringIO(), stderr=io.StringIO())
    agent = User.objects.get(username="demo-agent")
    client.force_login(agent)
    return agent


def test_issue6_done_when(client, demo_agent):
    # 1. Balances burn down; Suda's runway is under 3 days: one proactive ticket with the forecast.
    suda = VendorAccount.objects.get(api_key="SIMSUDA")
    values = list(BalanceReading.objects.filter(account=suda).order_by("at").values_list("value", flat=True))
    assert values[-1] < values[0] and len(values) > 100
    [incident] = BalanceIncident.objects.filter(recovered_at__isnull=True)
    assert incident.account == suda and incident.last_runway_hours is not None and incident.last_runway_hours < 72
    ticket = Ticket.objects.get(pk=incident.ticket_id)
    assert ticket.channel == "monitoring" and ticket.owner == suda.customer.account_manager
    page = client.get(f"/tickets/{ticket.ref}/").content.decode()
    assert "runs out in about" in page or "用完" in page  # the forecast, in the reader's language
    panel = client.get("/panels/customer/sms-balance/suda/").content.decode()
    assert ticket.ref in panel
    # The next checks update the same ticket; none opens a second one.
    with time_machine.travel(clock.now() + dt.timedelta(minutes=16), tick=False):
        balances.check_due(after_store=incidents.evaluate_accounts)
    assert Ticket.objects.filter(source_kind=incidents.SOURCE_KIND, customer=suda.customer).count() == 1

    # 2. An agent registers a UAE sender ID, submits it; past the 25-day lead time it is overdue.
    bluewave = suda.customer.__class__.objects.get(code="bluewave-mena")
    answer = client.post("/sms/registrations/new/", {
        "customer": bluewave.pk, "country": "AE", "type": "alphanumeric", "sender_id": "BWMENA",
        "owner": demo_agent.pk,
    })
    assert answer.status_code == 302, answer.content.decode()[:2000]
    registration = SenderIdRegistration.objects.get(sender_id="BWMENA")
    assert client.post(f"/sms/registrations/{registration.pk}/move/", {"to_status": "submitted"}).status_code == 302
    registration.refresh_from_db()
    assert registration.due_at is not None and registration.submitted_at is not None
    assert (registration.due_at - registration.submitted_at).days == 25  # the seeded UAE lead time
    with time_machine.travel(registration.due_at + dt.timedelta(hours=2), tick=False):
        from aftersales.sms.tasks import remind_overdue_registrations

        assert remind_overdue_registrations.call() >= 1
        assert Notification.objects.filter(recipient=demo_agent, url__contains=f"/sms/registrations/{registration.pk}/")
        client.force_login(demo_agent)  # a month later: the agent signs in again (sessions expire)
        dashboard = client.get("/sms/registrations/?overdue=1").content.decode()
        assert "BWMENA" in dashboard and 'data-testid="overdue-marker"' in dashboard
        detail = client.get(f"/sms/registrations/{registration.pk}/").content.decode()
        assert 'data-testid="overdue-notice"' in detail

    # 3. The template checker: a Chinese OTP with a bit.ly link is UCS-2, 2 parts, non-compliant.
    checked = client.post("/sms/template-check/", {"text": CHINESE_OTP, "country": "CN", "purpose": "otp"})
    body = checked.content.decode()
    assert checked.status_code == 200 and "UCS-2" in body
    assert re.search(r"bit\.ly", body) and ("shortener" in body.lower() or "短链" in body)
    api = client.post("/api/v1/sms/template-check", {"text": CHINESE_OTP, "country": "CN", "purpose": "otp"},
                      content_type="application/json")
    result = api.json()
    assert (result["encoding"], result["segments"]) == ("UCS-2", 2)
    assert {"otp_multipart", "shortener"} <= {finding["code"] for finding in result["findings"]}

    # 4. A vendor case linked to three tickets: all three wait on the vendor with their clocks paused,
    #    and the update posted once is on all three timelines.
    case = VendorCase.objects.get(case_number="04812345")
    linked = list(case.tickets.all())
    assert len(linked) == 3
    assert all(t.status == Status.WAITING_VENDOR and t.paused_since is not None for t in linked)
    update = case.notes.filter(posted_to_tickets=True).latest("at")
    for linked_ticket in linked:
        assert linked_ticket.messages.filter(kind=MessageKind.NOTE, body__contains=update.body[:60]).exists()
        assert update.body[:40] in client.get(f"/tickets/{linked_ticket.ref}/").content.decode()
    case_page = client.get(f"/sms/cases/{case.pk}/").content.decode()
    assert all(t.ref in case_page for t in linked)

    # …and a new update from the case page reaches all three again.
    answer = client.post(f"/sms/cases/{case.pk}/updates/", {"body": "Viettel route restored at 14:00; resending."})
    assert answer.status_code == 302
    for linked_ticket in linked:
        assert linked_ticket.messages.filter(body__contains="Viettel route restored").count() == 1
