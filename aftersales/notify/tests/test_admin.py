"""The deliveries' list in the Django admin shows who holds each lease."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from aftersales.notify import delivery
from aftersales.notify.api import notify
from aftersales.notify.models import Delivery

pytestmark = pytest.mark.django_db


def test_the_deliveries_list_shows_the_holder_of_a_claimed_row(client, personas):
    notify([personas.agent], kind="test", title="Route to Vietnam restored")
    row = Delivery.objects.get(transport="email")
    assert delivery.claim(row.pk, now=dt.datetime(2036, 1, 1, tzinfo=dt.UTC))
    row.refresh_from_db()
    client.force_login(User.objects.create_superuser("root.wu", "root.wu@desk.example", "correct-horse-battery"))
    page = client.get("/admin/notify/delivery/").content.decode()
    assert "Claimed by" in page
    assert f'<td class="field-claimed_by">{row.claimed_by}</td>' in page
