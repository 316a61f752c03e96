"""The demo's sender-ID registrations: the UAE one is overdue and reminds its owner."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.demo import sms_registrations
from aftersales.notify.models import Notification
from aftersales.sms.models import LeadTime, SenderIdRegistration
from aftersales.sms.registrations import is_overdue, remind_overdue_registrations
from aftersales.testing.factories import make_customer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_the_demo_registrations_tell_their_stories(personas):
    customers = {
        "bluewave": personas.other_customer,
        "moonlight": make_customer("moonlight", "MoonLight Studio"),
        "kaito-pay": make_customer("kaito-pay", "Kaito Pay"),
        "starriver": personas.customer,
    }
    users = {"demo-agent": personas.agent, "demo-assistant": personas.agent2, "demo-lead": personas.lead}
    made = sms_registrations.load(now=NOW, users=users, customers=customers)
    assert len(made) == 4  # bluewave-mena and pebblestone are not in this desk
    found = {r.country: r for r in SenderIdRegistration.objects.all()}
    uae = found["AE"]
    assert (uae.sender_id, uae.status, uae.owner, uae.vendor_reference) == (
        "BLUEWAVE", "vendor_review", personas.agent, "GSID-AE-20931",
    )
    assert uae.submitted_at is not None and NOW - uae.submitted_at > dt.timedelta(days=26)
    assert is_overdue(uae, NOW) and uae.documents.count() == 1
    assert found["GB"].status == "approved"
    assert LeadTime.objects.get(country="GB", type="alphanumeric").observed_median_days == 4.0
    assert found["IN"].status == "needs_info" and not is_overdue(found["IN"], NOW)
    assert found["CN"].status == "carrier_review" and found["CN"].sender_id == "星河科技"
    with time_machine.travel(NOW, tick=False):
        assert remind_overdue_registrations() == 1
    assert Notification.objects.get(kind="sms_registration_overdue").recipient == personas.agent
