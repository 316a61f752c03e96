"""The demo's numbers: every webhook state, and no HTTP request."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from aftersales.core import clock
from aftersales.demo import sms_numbers
from aftersales.sms.models import PhoneNumber
from aftersales.testing.factories import make_customer

pytestmark = pytest.mark.django_db


def test_the_demo_numbers_show_every_webhook_state_without_network(personas, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the demo must not make HTTP requests")

    monkeypatch.setattr(requests.Session, "request", no_network)
    customers = {
        "moonlight": make_customer("moonlight", "MoonLight Studio"),
        "bluewave": personas.other_customer,
        "starriver": personas.customer,
    }
    made = sms_numbers.load(now=clock.now(), users={"demo-agent": personas.agent}, customers=customers)
    assert len(made) == 5
    states = {n.msisdn: (n.customer.code, n.type, n.webhook_state) for n in PhoneNumber.objects.all()}
    assert states == {
        "447700900301": ("moonlight", "mobile", "ok"),
        "447700900302": ("moonlight", "mobile", "missing"),
        "18335550142": ("bluewave", "toll_free", "failing"),
        "55501": ("bluewave", "short_code", "ok"),
        "442079460958": ("starriver", "landline", ""),
    }
    assert PhoneNumber.objects.get(msisdn="18335550142").bought_at == (clock.now() - dt.timedelta(days=140)).date()
