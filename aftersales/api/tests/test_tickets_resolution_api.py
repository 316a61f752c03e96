"""Resolving through the API (issue 8): a summary and a root cause code are required (422 otherwise)."""

from __future__ import annotations

import pytest

from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas):
    return make_ticket("Sender ID rejected", customer=personas.customer, owner=personas.agent)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "resolution_summary: Write a short resolution summary to resolve the ticket."),
        ({"resolution_summary": "Re-submitted"}, "root_cause: Choose the root cause to resolve the ticket."),
        ({"resolution_summary": "Re-submitted", "root_cause": "weather"}, "root_cause: No root cause “weather”."),
    ],
)
def test_resolving_without_notes_is_422_and_changes_nothing(personas, api_as, ticket, body, words):
    response = api_as("agent").post(f"/tickets/{ticket.ref}/status", {"status": "resolved", **body})
    assert response.status_code == 422 and words in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_resolving_with_notes_stores_and_returns_them(personas, api_as, ticket):
    response = api_as("agent").post(
        f"/tickets/{ticket.ref}/status",
        {
            "status": "resolved",
            "resolution_summary": "Added the missing trade licence.",
            "root_cause": "customer-config",
            "underlying_need": "A per-country document checklist.",
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["resolution_summary"] == "Added the missing trade licence."
    assert body["root_cause"] == {
        "code": "customer-config",
        "name_en": "Customer configuration",
        "name_zh": "客户配置问题",
    }
    assert body["underlying_need"] == "A per-country document checklist."
    ticket.refresh_from_db()
    assert ticket.root_cause is not None and ticket.root_cause.code == "customer-config"


def test_other_statuses_need_no_notes(api_as, ticket):
    response = api_as("agent").post(f"/tickets/{ticket.ref}/status", {"status": "waiting_vendor"})
    assert response.status_code == 200 and response.json()["root_cause"] is None


def test_a_reply_that_resolves_needs_the_notes(api_as, ticket):
    api = api_as("agent")
    response = api.post(f"/tickets/{ticket.ref}/replies", {"body": "Done.", "status": "resolved"})
    assert response.status_code == 422 and "resolution_summary" in response.json()["detail"]
    assert not ticket.messages.exists()
    response = api.post(
        f"/tickets/{ticket.ref}/replies",
        {"body": "Done.", "status": "resolved", "resolution_summary": "Fixed the template.", "root_cause": "other"},
    )
    assert response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolution_summary == "Fixed the template."
