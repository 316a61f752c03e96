"""Traffic feeds in admin: the token is shown once, on creation and on "Issue a new token"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from aftersales.monitoring.feeds import authenticate_feed
from aftersales.monitoring.models import TrafficFeed

pytestmark = pytest.mark.django_db


def test_adding_a_feed_shows_its_token_once(client: Any) -> None:
    client.force_login(User.objects.create_superuser("root.admin", "root@desk.example", "x-pass-123456"))

    response = client.post("/admin/monitoring/trafficfeed/add/", {"name": "JMC platform", "active": "on"},
                           follow=True)

    token = re.search(r"Token for JMC platform: (asf_[\w-]+)", response.content.decode())
    assert token is not None
    feed = TrafficFeed.objects.get()
    assert authenticate_feed(f"Bearer {token.group(1)}") == feed
    assert token.group(1) not in client.get(f"/admin/monitoring/trafficfeed/{feed.pk}/change/").content.decode()

    rotated = client.post("/admin/monitoring/trafficfeed/",
                          {"action": "issue_new_token", "_selected_action": [feed.pk]}, follow=True)
    new = re.search(r"Token for JMC platform: (asf_[\w-]+)", rotated.content.decode())
    assert new is not None and new.group(1) != token.group(1)
    assert authenticate_feed(f"Bearer {token.group(1)}") is None
