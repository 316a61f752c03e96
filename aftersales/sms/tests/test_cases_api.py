"""/api/v1/sms/cases: list, read, create, link a ticket, post an update."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from aftersales.people.tokens import issue_token
from aftersales.sms import cases
from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import MessageKind, Status

pytestmark = pytest.mark.django_db
URL = "/api/v1/sms/cases"


def _call(user: Any, method: str, path: str, body: Any = None) -> Any:
    _token, token = issue_token(user=user, name="tests", actor=None)
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, json.dumps(body or {}), content_type="application/json", headers=headers)


def test_create_a_case_with_tickets_and_read_it_back(personas):
    ticket = make_ticket("Vietnam OTP failing", customer=personas.customer)
    response = _call(
        personas.agent,
        "POST",
        URL,
        {
            "vendor": "vonage",
            "case_number": "01234567",
            "subject": "Vietnam route",
            "owner": "li.heping",
            "opened_at": "2026-11-20T08:00:00Z",
            "tickets": [ticket.ref],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["case_number"] == "01234567" and data["status"] == "waiting_vendor"
    assert data["opened_at"] == "2026-11-20T08:00:00Z"
    assert data["owner"] == {"username": "li.heping", "name": "Li Heping"}
    assert data["tickets"] == [ticket.ref]
    assert data["linked_tickets"][0] == {
        "ref": ticket.ref,
        "subject": "Vietnam OTP failing",
        "status": "waiting_vendor",
        "customer": "starriver",
    }
    read = _call(personas.viewer, "GET", f"{URL}/{data['id']}")
    assert read.status_code == 200
    assert [note["kind"] for note in read.json()["notes"]] == []


def test_a_duplicate_case_number_is_a_422(personas):
    cases.open_case(vendor="vonage", case_number="01234567", subject="x", actor=personas.agent)
    response = _call(personas.agent, "POST", URL, {"case_number": "01234567", "subject": "Again"})
    assert response.status_code == 422
    assert "already recorded" in response.json()["detail"]


def test_list_filters_and_pages(personas):
    for n in range(3):
        cases.open_case(vendor="vonage", case_number=f"100{n}", subject=f"Case {n}", actor=personas.agent)
    done = cases.open_case(vendor="simulator", case_number="7", subject="Done", actor=personas.agent)
    cases.change_case_status(case=done, status="resolved", actor=personas.agent)
    response = _call(personas.viewer, "GET", f"{URL}?status=open&limit=2")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3 and len(data["items"]) == 2
    assert _call(personas.viewer, "GET", f"{URL}?vendor=simulator").json()["count"] == 1
    assert _call(personas.viewer, "GET", f"{URL}?status=done").json()["items"][0]["subject"] == "Done"
    assert _call(personas.viewer, "GET", f"{URL}?status=bogus").status_code == 422


def test_link_a_ticket_and_post_an_update_to_all(personas):
    case = cases.open_case(vendor="vonage", case_number="01234567", subject="Vietnam", actor=personas.agent)
    tickets = [make_ticket(f"Vietnam {n}", customer=personas.customer) for n in range(3)]
    for ticket in tickets:
        response = _call(personas.agent, "POST", f"{URL}/{case.pk}/tickets", {"ref": ticket.ref})
        assert response.status_code == 200
        ticket.refresh_from_db()
        assert ticket.status == Status.WAITING_VENDOR
    assert len(response.json()["tickets"]) == 3
    response = _call(personas.agent, "POST", f"{URL}/{case.pk}/updates", {"body": "Carrier fixed it."})
    assert response.status_code == 201
    assert response.json()["posted_to_tickets"] is True and response.json()["sent_to_customers"] is False
    for ticket in tickets:
        assert "Carrier fixed it." in ticket.messages.filter(kind=MessageKind.NOTE).latest("pk").body


def test_refusals_and_unknown_objects(personas):
    case = cases.open_case(vendor="vonage", case_number="01234567", subject="Vietnam", actor=personas.agent)
    no_tickets = _call(personas.agent, "POST", f"{URL}/{case.pk}/updates", {"body": "News"})
    assert no_tickets.status_code == 400 and "No ticket is linked" in no_tickets.json()["detail"]
    assert _call(personas.agent, "POST", f"{URL}/{case.pk}/tickets", {"ref": "AS-999999"}).status_code == 404
    assert _call(personas.agent, "GET", f"{URL}/999999").status_code == 404
    assert _call(personas.viewer, "POST", f"{URL}/{case.pk}/updates", {"body": "x"}).status_code == 403
