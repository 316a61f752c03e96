"""/api/v1/sms/registrations: list, one, create, transition."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from aftersales.people.tokens import issue_token
from aftersales.sms import registrations as actions
from aftersales.sms.models import SenderIdRegistration

pytestmark = pytest.mark.django_db
URL = "/api/v1/sms/registrations"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _headers(user) -> dict[str, str]:
    _token, raw = issue_token(user=user, name="tests", actor=None)
    return {"Authorization": f"Bearer {raw}"}


def _get(user, path: str = ""):
    return Client().get(URL + path, headers=_headers(user))


def _post(user, path: str, body):
    return Client().post(URL + path, json.dumps(body), content_type="application/json", headers=_headers(user))


def registration(personas, sender="ACMEPAY", *, country="AE", days_ago=None, customer=None):
    with time_machine.travel(NOW - timedelta(days=days_ago or 0), tick=False):
        made = actions.create_registration(
            customer=customer or personas.customer, country=country, sender_id=sender, type="alphanumeric",
            owner=personas.agent, actor=personas.agent,
        )
        if days_ago is not None:
            actions.transition_registration(registration=made, to_status="submitted", actor=personas.agent)
    return made


def test_the_list_is_paginated_and_filtered(personas):
    late = registration(personas, "LATEONE", days_ago=27)
    registration(personas, "FRESH", days_ago=2)
    registration(personas, "SUBSENDER", customer=personas.subaccount)
    registration(personas, "GBSENDER", country="GB")
    registration(personas, "OTHERS", customer=personas.other_customer)
    with time_machine.travel(NOW, tick=False):
        everything = _get(personas.viewer, "?limit=2").json()
        overdue = _get(personas.viewer, "?overdue=true").json()
    assert (everything["count"], everything["limit"], everything["offset"], len(everything["items"])) == (5, 2, 0, 2)
    assert [item["sender_id"] for item in overdue["items"]] == ["LATEONE"]
    item = overdue["items"][0]
    assert item["id"] == late.pk and item["overdue"] is True and item["status"] == "submitted"
    assert item["customer"] == "starriver" and item["owner"] == "li.heping"
    assert item["due_at"] == "2026-11-18T08:00:00Z"
    by_customer = {i["sender_id"] for i in _get(personas.agent, "?customer=starriver").json()["items"]}
    assert by_customer == {"LATEONE", "FRESH", "SUBSENDER", "GBSENDER"}  # master includes its sub-accounts
    assert [i["sender_id"] for i in _get(personas.agent, "?country=gb").json()["items"]] == ["GBSENDER"]
    assert _get(personas.agent, "?status=draft&status=submitted&open=true").json()["count"] == 5
    assert _get(personas.agent, "?country=GBR").status_code == 422


def test_one_registration_with_its_events(personas):
    made = registration(personas, days_ago=3)
    data = _get(personas.viewer, f"/{made.pk}").json()
    assert data["sender_id"] == "ACMEPAY" and data["documents"] == []
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in data["events"]] == [
        (None, "draft", "li.heping"),
        ("draft", "submitted", "li.heping"),
    ]
    assert _get(personas.viewer, "/999999").status_code == 404


def test_create_checks_the_sender_id(personas):
    response = _post(
        personas.agent, "", {"customer": "starriver", "country": "US", "sender_id": "ACME", "type": "alphanumeric"}
    )
    assert response.status_code == 422
    assert "does not accept alphanumeric sender IDs" in response.json()["detail"]
    response = _post(
        personas.agent, "", {"customer": "nobody", "country": "AE", "sender_id": "ACME", "type": "alphanumeric"}
    )
    assert response.status_code == 422 and "No customer with code “nobody”" in response.json()["detail"]
    response = _post(
        personas.agent,
        "",
        {"customer": "starriver", "country": "ae", "sender_id": "ACMEPAY", "type": "alphanumeric",
         "owner": "yang.meng"},
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["country"], data["owner"]) == ("draft", "AE", "yang.meng")
    assert SenderIdRegistration.objects.get(pk=data["id"]).owner == personas.agent2


def test_transition_moves_or_explains_why_not(personas):
    made = registration(personas)
    with time_machine.travel(NOW, tick=False):
        response = _post(personas.agent, f"/{made.pk}/transition", {"to_status": "submitted"})
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "submitted" and data["submitted_at"] == "2026-11-20T08:00:00Z"
    assert data["due_at"] == "2026-12-15T08:00:00Z"  # AE alphanumeric: 25 days
    refused = _post(personas.agent, f"/{made.pk}/transition", {"to_status": "draft"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "A registration that is “Submitted to vendor” cannot become “Draft”."
    no_note = _post(personas.agent, f"/{made.pk}/transition", {"to_status": "rejected"})
    assert no_note.status_code == 422 and "why the registration was rejected" in no_note.json()["detail"]
    assert _post(personas.viewer, f"/{made.pk}/transition", {"to_status": "cancelled"}).status_code == 403
