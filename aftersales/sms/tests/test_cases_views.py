"""Vendor-case pages: the list, a new case (also from a ticket), a case with its forms, the ticket
page's panel, the figures page, and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from aftersales.sms import cases
from aftersales.sms.models import VendorCase
from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import MessageKind, Status

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _case(personas, number: str = "01234567", **kwargs) -> VendorCase:
    kwargs.setdefault("subject", "Vietnam route drops OTPs")
    return cases.open_case(vendor="vonage", case_number=number, actor=personas.agent, owner=personas.agent, **kwargs)


def test_the_list_shows_open_cases_first_with_counts(personas):
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        done = _case(personas, "00000001", subject="Old UK problem")
        cases.change_case_status(case=done, status="resolved", actor=personas.agent)
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        _case(personas, "00000002", subject="Indonesia DLR delays")
    with time_machine.travel(NOW, tick=False):
        _case(personas, "00000003", subject="Vietnam route drops OTPs", tickets=[make_ticket()])
        response = _client(personas.viewer).get("/sms/cases/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'data-testid="case-row" data-status="(\w+)"', html)
    assert rows == ["waiting_vendor", "waiting_vendor", "resolved"]
    text = _text(response)
    assert text.index("Vietnam route drops OTPs") < text.index("Indonesia DLR delays") < text.index("Old UK problem")
    assert re.search(r'data-testid="count-open">2<', html)
    assert re.search(r'data-testid="count-resolved">1<', html)
    assert re.search(r'data-testid="case-linked-count">1<', html)
    assert 'data-testid="case-new"' not in html  # a viewer reads only
    assert 'data-testid="vendor-cases-link"' in html  # the sidebar


def test_the_list_filters_by_status_vendor_and_owner(personas):
    _case(personas, "00000001", subject="Route to Kenya")
    cases.open_case(
        vendor="simulator", case_number="9", subject="Simulated outage", actor=personas.agent, owner=personas.lead
    )
    client = _client(personas.agent)
    by_vendor = _text(client.get("/sms/cases/?vendor=vonage"))
    assert "Route to Kenya" in by_vendor and "Simulated outage" not in by_vendor
    by_owner = _text(client.get(f"/sms/cases/?owner={personas.lead.pk}"))
    assert "Simulated outage" in by_owner and "Route to Kenya" not in by_owner
    assert "No vendor case matches" in _text(client.get("/sms/cases/?status=closed"))


def test_the_list_explains_itself_when_empty(personas):
    text = _text(_client(personas.agent).get("/sms/cases/"))
    assert "No vendor cases yet." in text


def test_the_list_costs_the_same_with_more_cases(personas, django_assert_max_num_queries):
    for n in range(12):
        _case(personas, f"1000{n}", tickets=[make_ticket(f"Ticket {n}")])
    client = _client(personas.agent)
    client.get("/sms/cases/")  # warm the session and caches
    with django_assert_max_num_queries(14):
        assert client.get("/sms/cases/").status_code == 200


def test_new_case_from_a_ticket_links_it_and_pauses_it(personas):
    ticket = make_ticket("Vietnam OTP not delivered", customer=personas.customer)
    client = _client(personas.agent)
    page = client.get(f"/sms/cases/new/?ticket={ticket.ref.lower()}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="case-for-ticket"' in html
    assert f'value="{ticket.ref}"' in html and 'value="Vietnam OTP not delivered"' in html
    response = client.post(
        f"/sms/cases/new/?ticket={ticket.ref}",
        {
            "vendor": "vonage",
            "case_number": "01234567",
            "subject": "Vietnam route",
            "tickets": ticket.ref,
            "owner": personas.agent.pk,
        },
    )
    case = VendorCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sms/cases/{case.pk}/"
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_VENDOR


def test_new_case_errors_are_shown_by_their_fields(personas):
    _case(personas, "01234567")
    response = _client(personas.agent).post(
        "/sms/cases/new/", {"vendor": "vonage", "case_number": "01234567", "subject": "Again", "tickets": "AS-999999"}
    )
    assert response.status_code == 400
    text = _text(response)
    assert "No ticket AS-999999." in text
    response = _client(personas.agent).post(
        "/sms/cases/new/", {"vendor": "vonage", "case_number": "01234567", "subject": "Again"}
    )
    assert response.status_code == 400
    assert "A Vonage case #01234567 is already recorded." in _text(response)
    assert VendorCase.objects.count() == 1


def test_a_viewer_cannot_open_a_case(personas):
    assert _client(personas.viewer).get("/sms/cases/new/").status_code == 403
    response = _client(personas.viewer).post("/sms/cases/new/", {"case_number": "1", "subject": "x"})
    assert response.status_code == 403


def test_the_case_page_shows_the_timeline_and_linked_tickets_with_their_status(personas):
    ticket = make_ticket("Vietnam OTP", customer=personas.customer)
    with time_machine.travel(NOW - timedelta(hours=10), tick=False):
        case = _case(personas, tickets=[ticket])
    with time_machine.travel(NOW, tick=False):
        cases.record_vendor_response(case=case, body="Escalated to the carrier.", actor=None, message_id="<a@b>")
        response = _client(personas.viewer).get(f"/sms/cases/{case.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(response)
    assert "Vonage #01234567" in text and "Vietnam route drops OTPs" in text
    assert "Escalated to the carrier." in text and "(by mail)" in text
    assert "after 10.0 h" in text
    assert re.search(rf'data-ref="{ticket.ref}".*?data-testid="case-ticket-status">Waiting on vendor<', html, re.S)
    assert 'data-testid="update-form"' not in html  # a viewer gets no forms


def test_linking_by_reference_from_the_case_page(personas):
    case = _case(personas)
    ticket = make_ticket("Another Vietnam ticket")
    client = _client(personas.agent)
    response = client.post(f"/sms/cases/{case.pk}/link/", {"ref": ticket.ref.lower()}, follow=True)
    assert "waiting on the vendor" in _text(response)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_VENDOR
    bad = client.post(f"/sms/cases/{case.pk}/link/", {"ref": "AS-999999"})
    assert bad.status_code == 400 and "No ticket AS-999999." in _text(bad)


def test_unlinking_from_the_case_page(personas):
    ticket = make_ticket("Vietnam")
    case = _case(personas, tickets=[ticket])
    response = _client(personas.agent).post(f"/sms/cases/{case.pk}/unlink/", {"ref": ticket.ref}, follow=True)
    assert f"{ticket.ref} unlinked." in _text(response)
    assert not case.tickets.exists()


def test_posting_an_update_to_the_customers_from_the_case_page(personas):
    tickets = [make_ticket(f"Vietnam {n}", customer=personas.customer, contact=personas.contact) for n in range(3)]
    case = _case(personas, tickets=tickets)
    response = _client(personas.agent).post(
        f"/sms/cases/{case.pk}/updates/", {"body": "Fixed by the carrier.", "to_customers": "on"}, follow=True
    )
    assert "Update sent to the customers of 3 tickets." in _text(response)
    for ticket in tickets:
        assert ticket.messages.filter(kind=MessageKind.OUTBOUND, body="Fixed by the carrier.").exists()
    assert "sent to the customers" in _text(response)


def test_an_update_without_linked_tickets_is_refused_by_the_form(personas):
    case = _case(personas)
    response = _client(personas.agent).post(f"/sms/cases/{case.pk}/updates/", {"body": "News"})
    assert response.status_code == 400
    assert "No ticket is linked to this case yet" in _text(response)


def test_recording_a_response_and_resolving_from_the_case_page(personas):
    ticket = make_ticket("Vietnam")
    case = _case(personas, tickets=[ticket])
    client = _client(personas.agent)
    client.post(f"/sms/cases/{case.pk}/responses/", {"body": "Route fixed."})
    response = client.post(f"/sms/cases/{case.pk}/status/", {"status": "resolved", "reopen_tickets": "on"}, follow=True)
    assert "Status: Resolved." in _text(response)
    case.refresh_from_db()
    ticket.refresh_from_db()
    assert case.first_vendor_response_at is not None and case.resolved_at is not None
    assert ticket.status == Status.OPEN


def test_adding_a_note(personas):
    case = _case(personas)
    response = _client(personas.agent).post(
        f"/sms/cases/{case.pk}/notes/", {"kind": "to_vendor", "body": "Sent sample IDs."}, follow=True
    )
    assert "Sent sample IDs." in _text(response)
    assert _client(personas.agent).post(f"/sms/cases/{case.pk}/notes/", {"kind": "note", "body": ""}).status_code == 400


def test_outsiders_and_viewers(personas):
    case = _case(personas)
    assert _client(personas.outsider).get(f"/sms/cases/{case.pk}/").status_code == 404
    assert _client(personas.outsider).get("/sms/cases/").status_code == 403
    assert _client(personas.viewer).post(f"/sms/cases/{case.pk}/notes/", {"body": "x"}).status_code == 403
    assert Client().get("/sms/cases/").status_code == 302
    assert _client(personas.agent).get("/sms/cases/999999/").status_code == 404


def test_the_ticket_panel_lists_its_vendor_cases_and_offers_a_new_one(personas):
    ticket = make_ticket("Vietnam")
    _case(personas, tickets=[ticket])
    client = _client(personas.agent)
    html = client.get(f"/panels/ticket/sms-vendor-cases/{ticket.ref}/", headers={"HX-Request": "true"}).content
    page = html.decode()
    assert "Vonage #01234567" in page and "Waiting on vendor" in page
    assert f'href="/sms/cases/new/?ticket={ticket.ref}"' in page
    other = make_ticket("Unrelated")
    page = client.get(f"/panels/ticket/sms-vendor-cases/{other.ref}/", headers={"HX-Request": "true"}).content.decode()
    assert "This ticket does not wait on any vendor case." in page
    viewer = _client(personas.viewer).get(
        f"/panels/ticket/sms-vendor-cases/{other.ref}/", headers={"HX-Request": "true"}
    )
    assert "open-vendor-case" not in viewer.content.decode()
    # The ticket page asks for the panel.
    assert "/panels/ticket/sms-vendor-cases/" in client.get(f"/tickets/{ticket.ref}/").content.decode()


def test_the_figures_page(personas):
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        case = _case(personas)
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        cases.record_vendor_response(case=case, body="ok", actor=None)
    with time_machine.travel(NOW, tick=False):
        cases.change_case_status(case=case, status="resolved", actor=personas.agent)
        response = _client(personas.viewer).get("/sms/cases/figures/?months=6")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="figures-month"') == 6
    assert re.search(r'data-month="2026-11">.*?median-first-response">24\.0<.*?median-resolution">72\.0<', html, re.S)
    empty = _client(personas.viewer).get("/sms/cases/figures/")
    assert empty.status_code == 200


def test_admin_reads_cases_and_keeps_support_addresses(personas):
    from django.contrib.auth.models import User

    superuser = User.objects.create_superuser("root.case", "root@desk.example", "pw-not-used-1")
    case = _case(personas, tickets=[make_ticket("Vietnam")])
    cases.record_vendor_response(case=case, body="Escalated.", actor=None)
    client = _client(superuser)
    assert "01234567" in client.get("/admin/sms/vendorcase/").content.decode()
    page = client.get(f"/admin/sms/vendorcase/{case.pk}/change/")
    assert page.status_code == 200 and "Escalated." in page.content.decode()
    assert client.get("/admin/sms/vendorcase/add/").status_code == 403
    response = client.post("/admin/sms/vendorsupportaddress/add/", {"vendor": "vonage", "email": "help@vonage.example"})
    assert response.status_code == 302
