"""/api/v1/tickets: list and filter, open, read with timeline, reply, note, assign, status."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit.models import AuditEntry
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Category, Channel, MessageKind, Priority, Status, Ticket

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def refs(response):
    assert response.status_code == 200, response.json()
    return [item["ref"] for item in response.json()["items"]]


# --- List -------------------------------------------------------------------------------------
def test_list_is_newest_first_with_a_total_count(personas, api_as):
    with time_machine.travel(T0, tick=False):
        older = make_ticket("OTP delay to Vietnam", customer=personas.customer)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        newer = make_ticket("Sender ID for Indonesia", customer=personas.other_customer)
    response = api_as("viewer").get("/tickets", {"limit": 1})
    page = response.json()
    assert page["count"] == 2 and [item["ref"] for item in page["items"]] == [newer.ref]
    item = page["items"][0]
    assert item["created_at"] == "2026-03-02T02:00:00Z"
    assert item["customer"] == {"code": "bluewave", "name": "Bluewave Games"}
    assert item["status"] == "new" and item["priority"] == 3 and item["channel"] == "email"
    assert refs(api_as("viewer").get("/tickets", {"limit": 1, "offset": 1})) == [older.ref]


def test_customer_filter_includes_sub_accounts(personas, api_as):
    master = make_ticket("Master account balance", customer=personas.customer)
    sub = make_ticket("Sub-account delivery", customer=personas.subaccount)
    make_ticket("Other company", customer=personas.other_customer)
    make_ticket("Unknown caller")
    api = api_as("agent")
    assert sorted(refs(api.get("/tickets", {"customer": "starriver"}))) == sorted([master.ref, sub.ref])
    assert refs(api.get("/tickets", {"customer": "starriver-sub2"})) == [sub.ref]
    assert refs(api.get("/tickets", {"customer": "nope"})) == []


def test_list_filters(personas, api_as):
    delivery = Category.objects.get(code="delivery-conversion")
    with time_machine.travel(T0, tick=False):
        first = make_ticket("OTP delay to Vietnam", customer=personas.customer, owner=personas.agent,
                            priority=Priority.P1, category=delivery, channel=Channel.PHONE)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        second = make_ticket("Invoice question", customer=personas.other_customer)
        third = make_ticket("Sender ID refused", customer=personas.other_customer, owner=personas.agent2)
    actions.change_status(ticket=third, status=Status.RESOLVED, actor=personas.agent2)
    api = api_as("agent")
    assert refs(api.get("/tickets", {"status": ["new"]})) == [second.ref]
    assert sorted(refs(api.get("/tickets", {"status": ["open", "resolved"]}))) == sorted([first.ref, third.ref])
    assert refs(api.get("/tickets", {"owner": "li.heping"})) == [first.ref]
    assert refs(api.get("/tickets", {"priority": 1})) == [first.ref]
    assert refs(api.get("/tickets", {"channel": "phone"})) == [first.ref]
    assert refs(api.get("/tickets", {"category": "delivery-conversion"})) == [first.ref]
    assert refs(api.get("/tickets", {"category": "customer"})) == [first.ref]  # the group includes its categories
    assert refs(api.get("/tickets", {"created_before": "2026-03-02T12:00:00Z"})) == [first.ref]
    later = refs(api.get("/tickets", {"created_after": "2026-03-02T12:00:00"}))  # no offset: UTC
    assert sorted(later) == sorted([second.ref, third.ref])
    assert refs(api.get("/tickets", {"q": "invoice"})) == [second.ref]
    assert refs(api.get("/tickets", {"q": first.ref.lower()})) == [first.ref]


@pytest.mark.parametrize("params", [{"status": "bogus"}, {"priority": 9}, {"created_after": "yesterday"},
                                    {"created_before": "0.5"},
                                    {"limit": 500}, {"channel": "fax"}])
def test_list_rejects_bad_filters(personas, api_as, params):
    response = api_as("agent").get("/tickets", params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The request is invalid:")


def test_list_uses_a_constant_number_of_queries(personas, api_as, django_assert_max_num_queries):
    api = api_as("agent")
    make_ticket("One", customer=personas.customer, tags=["otp"])
    with CaptureQueriesContext(connection) as few:
        api.get("/tickets")
    assert len(few.captured_queries) <= 6  # token, last-used stamp, roles, count, page, tags
    for index in range(25):
        make_ticket(f"Ticket {index}", customer=personas.subaccount if index % 2 else personas.other_customer,
                    owner=personas.agent if index % 3 else None, tags=["otp", f"t{index}"],
                    category=Category.objects.get(code="fraud"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get("/tickets", {"limit": 100})
    assert response.json()["count"] == 26
    with django_assert_max_num_queries(6):  # the same with a filter, and nothing per row
        api.get("/tickets", {"limit": 100, "customer": "starriver"})


# --- Create -----------------------------------------------------------------------------------
def test_create_ticket_defaults_to_the_api_channel(personas, api_as):
    response = api_as("agent").post("/tickets", {
        "subject": "Delivery to Vietnam failing", "description": "DLRs show 'expired' since 09:00.",
        "customer": "starriver-sub2", "category": "delivery-conversion", "priority": 2, "tags": ["VN", "otp"],
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"].startswith("AS-") and body["channel"] == "api" and body["status"] == "new"
    assert body["customer"]["code"] == "starriver-sub2" and body["priority"] == 2
    assert body["category"]["code"] == "delivery-conversion" and body["tags"] == ["otp", "vn"]
    assert [event["kind"] for event in body["events"]] == ["created"]
    assert body["events"][0]["actor"] == {"username": "li.heping", "name": "Li Heping"}
    ticket = Ticket.objects.get(ref=body["ref"])
    assert AuditEntry.objects.filter(action="ticket.open", object_id=str(ticket.pk), actor=personas.agent).exists()


def test_create_ticket_with_owner_and_contact(personas, api_as):
    response = api_as("lead").post("/tickets", {
        "subject": "Call back about balance", "customer": "starriver", "contact": personas.contact.pk,
        "owner": "yang.meng", "channel": "phone",
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == {"username": "yang.meng", "name": "Yang Meng"} and body["status"] == "open"
    assert body["contact"] == {"id": personas.contact.pk, "name": "Zhou Min"} and body["channel"] == "phone"


def test_create_ticket_without_customer_waits_for_one(personas, api_as):
    body = api_as("agent").post("/tickets", {"subject": "Unknown sender asks about rates"}).json()
    assert body["customer"] is None
    assert Ticket.objects.get(ref=body["ref"]).needs_customer()


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"subject": ""}, 422, "subject"),
    ({"description": "no subject"}, 422, "subject: Field required"),
    ({"subject": "X", "customer": "nope"}, 422, "No customer with code “nope”."),
    ({"subject": "X", "category": "nope"}, 422, "No category “nope”."),
    ({"subject": "X", "owner": "nobody"}, 422, "No user “nobody”."),
    ({"subject": "X", "priority": 7}, 422, "priority"),
    ({"subject": "X", "channel": "fax"}, 422, "channel"),
    ({"subject": "X", "owner": "outsider"}, 400, "outsider is not an agent and cannot own tickets."),
    ({"subject": "X", "customer": "bluewave", "contact": -1}, 422, "No contact with id -1."),
])
def test_create_ticket_rejects_bad_input(personas, api_as, body, status, words):
    response = api_as("agent").post("/tickets", body)
    assert response.status_code == status
    assert words in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_create_ticket_refuses_a_contact_of_another_customer(personas, api_as):
    body = {"subject": "X", "customer": "bluewave", "contact": personas.contact.pk}
    response = api_as("agent").post("/tickets", body)
    assert response.status_code == 400
    assert response.json() == {"detail": "Zhou Min is not a contact of this customer."}


# --- Read ---------------------------------------------------------------------------------------
def test_get_ticket_shows_messages_and_events(personas, api_as):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(customer=personas.customer, contact=personas.contact)
        actions.record_customer_message(ticket=ticket, body="Still failing.", channel="email",
                                        contact=personas.contact)
        actions.add_note(ticket=ticket, body="Vendor route 3 is down.", actor=personas.agent)
        actions.record_reply(ticket=ticket, body="We are on it.", actor=personas.agent)
        actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.lead)
    response = api_as("viewer").get(f"/tickets/{ticket.ref.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["ref"] == ticket.ref and body["first_response_at"] == "2026-03-02T01:00:00Z"
    assert [(m["kind"], m["author"], m["body"]) for m in body["messages"]] == [
        ("in", "Zhou Min", "Still failing."),
        ("note", "Li Heping", "Vendor route 3 is down."),
        ("out", "Li Heping", "We are on it."),
    ]
    assert [e["kind"] for e in body["events"]] == ["created", "status", "owner"]
    owner_event = body["events"][2]
    assert owner_event["actor"]["username"] == "han.pengshuai"
    assert owner_event["after"]["owner"]["name"] == "Li Heping" and owner_event["at"] == "2026-03-02T01:00:00Z"


def test_unknown_ticket_is_404(personas, api_as):
    response = api_as("agent").get("/tickets/AS-999999")
    assert response.status_code == 404 and response.json() == {"detail": "No such ticket"}
    for path in ("replies", "notes", "assign", "status"):
        assert api_as("agent").post(f"/tickets/AS-999999/{path}", {"body": "x", "owner": None,
                                                                     "status": "open"}).status_code == 404


# --- Write --------------------------------------------------------------------------------------
def test_reply_stamps_first_response_and_can_set_status(personas, api_as):
    ticket = make_ticket(customer=personas.customer)
    api = api_as("agent")
    response = api.post(f"/tickets/{ticket.ref}/replies", {"body": "Please resend the MSISDN list.",
                                                          "status": "waiting_customer"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "out" and body["author_username"] == "li.heping" and body["channel"] == "email"
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER and ticket.first_response_at is not None
    assert ticket.messages.get().kind == MessageKind.OUTBOUND


def test_note_is_internal(personas, api_as):
    ticket = make_ticket(customer=personas.customer)
    response = api_as("agent").post(f"/tickets/{ticket.ref}/notes", {"body": "Escalated to the vendor."})
    assert response.status_code == 201 and response.json()["kind"] == "note"
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == Status.NEW


@pytest.mark.parametrize("path", ["replies", "notes"])
def test_empty_message_is_422(personas, api_as, path):
    ticket = make_ticket(customer=personas.customer)
    response = api_as("agent").post(f"/tickets/{ticket.ref}/{path}", {"body": ""})
    assert response.status_code == 422 and "body" in response.json()["detail"]
    assert not ticket.messages.exists()


def test_reply_to_merged_ticket_is_refused_with_400(personas, api_as):
    source = make_ticket("Duplicate", customer=personas.customer)
    target = make_ticket("Original", customer=personas.customer)
    actions.merge_tickets(source=source, target=target, actor=personas.lead)
    response = api_as("agent").post(f"/tickets/{source.ref}/replies", {"body": "Hello"})
    assert response.status_code == 400
    assert response.json() == {"detail": f"This ticket was merged into {target.ref}; write there."}


def test_assign_and_unassign(personas, api_as):
    ticket = make_ticket(customer=personas.customer)
    api = api_as("lead")
    response = api.post(f"/tickets/{ticket.ref}/assign", {"owner": "yang.meng"})
    assert response.status_code == 200, response.json()
    assert response.json()["owner"]["username"] == "yang.meng" and response.json()["status"] == "open"
    response = api.post(f"/tickets/{ticket.ref}/assign", {"owner": None})
    assert response.json()["owner"] is None
    ticket.refresh_from_db()
    assert ticket.owner is None
    assert list(ticket.events.filter(kind="owner").values_list("actor__username", flat=True)) == [
        "han.pengshuai", "han.pengshuai"]


@pytest.mark.parametrize(("owner", "status", "words"), [
    ("viewer.zhao", 400, "viewer.zhao is not an agent and cannot own tickets."),
    ("nobody", 422, "owner: No user “nobody”."),
])
def test_assign_to_non_agent_is_refused(personas, api_as, owner, status, words):
    ticket = make_ticket(customer=personas.customer)
    response = api_as("agent").post(f"/tickets/{ticket.ref}/assign", {"owner": owner})
    assert response.status_code == status and response.json()["detail"] == words


def test_assign_needs_the_owner_field(personas, api_as):
    ticket = make_ticket(customer=personas.customer)
    assert api_as("agent").post(f"/tickets/{ticket.ref}/assign", {}).status_code == 422


def test_change_status_with_reason(personas, api_as):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(customer=personas.customer)
    api = api_as("agent")
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        response = api.post(f"/tickets/{ticket.ref}/status", {"status": "resolved", "reason": "Route fixed",
                                                              "resolution_summary": "Switched the route.",
                                                              "root_cause": "vendor-carrier"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "resolved" and response.json()["resolved_at"] == "2026-03-02T03:00:00Z"
    event = ticket.events.get(kind="status")
    assert event.reason == "Route fixed" and event.actor == personas.agent


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"status": "new"}, 400, "A ticket cannot go back to New."),
    ({"status": "gone"}, 422, "status"),
    ({}, 422, "status: Field required"),
])
def test_change_status_rejects_bad_moves(personas, api_as, body, status, words):
    ticket = make_ticket(customer=personas.customer, owner=personas.agent)
    response = api_as("agent").post(f"/tickets/{ticket.ref}/status", body)
    assert response.status_code == status and words in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
