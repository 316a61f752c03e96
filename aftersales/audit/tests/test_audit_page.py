"""/audit/: leads search the audit log by who, object type, action and dates."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from aftersales.audit.log import record
from aftersales.audit.views import PAGE_SIZE

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def entries(personas):
    with time_machine.travel(T0, tick=False):
        record(actor=personas.lead, action="customer.update", obj=personas.customer,
               before={"tier": "standard"}, after={"tier": "key"}, ip="203.0.113.7")
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        record(actor=personas.admin, action="people.role_change", obj=personas.agent,
               before={"roles": []}, after={"roles": ["agent"]}, ip="198.51.100.2")
        record(actor=None, action="privacy.retention", after={"message_bodies": 3})


def _actions(response):
    assert response.status_code == 200
    cells = response.content.decode().split('data-testid="audit-action"')[1:]
    return [cell.split("<code>")[1].split("</code>")[0] for cell in cells]


def test_leads_see_the_log_newest_first_with_who_ip_and_values(personas, entries):
    response = _client(personas.lead).get("/audit/")
    assert _actions(response) == ["privacy.retention", "people.role_change", "customer.update"]
    html = response.content.decode()
    assert "203.0.113.7" in html and "han.pengshuai" in html and "&#x27;tier&#x27;: &#x27;key&#x27;" in html


@pytest.mark.parametrize(("query", "expected"), [
    ({"actor": "admin.qian"}, ["people.role_change"]),
    ({"actor": "system"}, ["privacy.retention"]),
    ({"object_type": "customers.customer"}, ["customer.update"]),
    ({"action": "people."}, ["people.role_change"]),
    ({"date_from": "2026-03-03"}, ["privacy.retention", "people.role_change"]),
    ({"date_to": "2026-03-02"}, ["customer.update"]),
])
def test_filters(personas, entries, query, expected):
    assert _actions(_client(personas.lead).get("/audit/", query)) == expected


def test_bad_dates_are_explained_not_crashed(personas, entries):
    response = _client(personas.lead).get("/audit/", {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "The end is before the start." in response.content.decode()
    response = _client(personas.lead).get("/audit/", {"date_from": "yesterday", "page": "x"})
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()


def test_paginated(personas):
    for n in range(PAGE_SIZE + 3):
        record(actor=personas.lead, action=f"test.{n:03d}")
    client = _client(personas.lead)
    first = _actions(client.get("/audit/"))
    second = _actions(client.get("/audit/", {"page": 2}))
    assert len(first) == PAGE_SIZE and len(second) == 3
    assert "1–50 of 53" in client.get("/audit/").content.decode()


def test_agents_and_viewers_are_refused_and_leads_get_the_link(personas):
    assert _client(personas.agent).get("/audit/").status_code == 403
    assert _client(personas.viewer).get("/audit/").status_code == 403
    assert 'data-testid="audit-link"' in _client(personas.lead).get("/tickets/").content.decode()
    assert 'data-testid="audit-link"' not in _client(personas.agent).get("/tickets/").content.decode()


def test_the_date_filters_are_dates_in_chinese(personas, entries):
    personas.lead.agent_profile.language = "zh-hans"
    personas.lead.agent_profile.save()
    html = _client(personas.lead).get("/audit/").content.decode()
    assert "开始日期" in html and "结束日期" in html
    assert "发件人" not in html  # (“From” as in an email's sender, which it used to say)
