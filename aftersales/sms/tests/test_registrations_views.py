"""Sender-ID registration pages: what agents, leads and viewers see and can do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aftersales.sms import registrations as actions
from aftersales.sms.models import LeadTime, SenderIdRegistration

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def registration(personas, *, sender="ACMEPAY", country="AE", kind="alphanumeric", days_ago=None, customer=None):
    at = NOW - timedelta(days=days_ago or 0)
    with time_machine.travel(at, tick=False):
        made = actions.create_registration(
            customer=customer or personas.customer,
            country=country,
            sender_id=sender,
            type=kind,
            owner=personas.agent,
            actor=personas.agent,
        )
        if days_ago is not None:
            actions.transition_registration(registration=made, to_status="submitted", actor=personas.agent)
    return made


# --- Dashboard -------------------------------------------------------------------------------
def test_the_dashboard_counts_and_marks_overdue_registrations_first(personas, django_assert_max_num_queries):
    late = registration(personas, sender="LATEONE", days_ago=27)
    registration(personas, sender="LATETWO", country="EG", days_ago=22)  # EG: 21 days
    registration(personas, sender="FRESH", days_ago=3)
    registration(personas, sender="DRAFTY")
    client = _client(personas.viewer)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(12):
        response = client.get("/sms/registrations/")
    assert response.status_code == 200
    html, text = response.content.decode(), _text(response)
    assert "2 overdue" in text
    rows = re.findall(r'<tr data-row-link data-testid="registration-row"( class="reg-row-overdue" data-overdue="1")?>'
                      r'\s*<td><a href="/sms/registrations/(\d+)/">', html)
    assert [bool(marked) for marked, _pk in rows] == [True, True, False, False]
    assert rows[0][1] == str(late.pk)  # the longest overdue first
    assert html.count('data-testid="overdue-marker"') == 2
    # lead times: expected and (not yet) observed
    assert "United Arab Emirates" not in text  # codes, as stored
    assert re.search(r"AE Alphanumeric sender ID 25 days", text)
    assert 'href="/sms/registrations/new/"' not in html  # viewers do not start registrations


def test_the_dashboard_filters_by_overdue_status_country_and_owner(personas):
    registration(personas, sender="LATEONE", days_ago=27)
    registration(personas, sender="FRESH", days_ago=3)
    registration(personas, sender="GBSENDER", country="GB", days_ago=1)
    client = _client(personas.agent)
    with time_machine.travel(NOW, tick=False):
        overdue = _text(client.get("/sms/registrations/?overdue=1"))
        by_country = _text(client.get("/sms/registrations/?country=gb"))
        by_owner = _text(client.get(f"/sms/registrations/?owner={personas.agent2.pk}"))
        by_status = _text(client.get("/sms/registrations/?status=draft"))
    assert "LATEONE" in overdue and "FRESH" not in overdue
    assert "GBSENDER" in by_country and "LATEONE" not in by_country
    assert "No registrations match." in by_owner
    assert "No registrations match." in by_status


def test_the_empty_dashboard_says_what_to_do(personas):
    response = _client(personas.agent).get("/sms/registrations/")
    text = _text(response)
    assert "No sender-ID registrations yet." in text and "Nothing is overdue." in text
    assert 'data-testid="registrations-link"' in response.content.decode()  # the sidebar link


# --- Create ----------------------------------------------------------------------------------
def test_the_create_form_puts_errors_next_to_the_fields(personas):
    client = _client(personas.agent)
    response = client.post(
        "/sms/registrations/new/",
        {"customer": personas.customer.pk, "country": "US", "type": "alphanumeric", "sender_id": "ACME"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    country_field = re.search(r'<div class="field has-error">\s*<label for="id_country">.*?</div>', html, re.S)
    assert country_field and "does not accept alphanumeric sender IDs" in country_field.group(0)
    response = client.post(
        "/sms/registrations/new/",
        {"customer": personas.customer.pk, "country": "AE", "type": "alphanumeric", "sender_id": "AB"},
    )
    sender_field = re.search(r'<div class="field has-error">\s*<label for="id_sender_id">.*?</div>',
                             response.content.decode(), re.S)
    assert sender_field and "has 2 characters; an alphanumeric sender ID has 3 to 11" in sender_field.group(0)
    assert not SenderIdRegistration.objects.exists()


def test_creating_a_registration_opens_its_page(personas):
    client = _client(personas.agent)
    page = client.get(f"/sms/registrations/new/?customer={personas.customer.code}").content.decode()
    assert re.search(rf'<option value="{personas.customer.pk}" selected>', page)
    response = client.post(
        "/sms/registrations/new/",
        {"customer": personas.customer.pk, "country": "ae", "type": "alphanumeric", "sender_id": "ACMEPAY",
         "owner": personas.agent2.pk, "notes": "For the OTP traffic"},
        follow=True,
    )
    made = SenderIdRegistration.objects.get()
    assert response.redirect_chain[-1][0] == f"/sms/registrations/{made.pk}/"
    text = _text(response)
    assert "Registration of “ACMEPAY” in AE created as a draft." in text
    assert made.owner == personas.agent2 and made.country == "AE" and made.notes == "For the OTP traffic"


def test_viewers_and_outsiders_cannot_create(personas):
    assert _client(personas.viewer).get("/sms/registrations/new/").status_code == 403
    assert _client(personas.outsider).get("/sms/registrations/").status_code == 403
    assert _client(None).get("/sms/registrations/").status_code == 302


# --- Detail ----------------------------------------------------------------------------------
def test_the_detail_page_shows_the_timeline_due_date_basis_and_next_steps(personas):
    made = registration(personas, days_ago=27)
    client = _client(personas.agent)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/sms/registrations/{made.pk}/")
    html, text = response.content.decode(), _text(response)
    assert 'data-testid="overdue-notice"' in html
    assert "Li Heping started the registration as a draft" in text
    assert "moved it from “Draft” to “Submitted to vendor”" in text
    assert "25 days after submission: the expected lead time for this country and type" in text
    assert (NOW - timedelta(days=2)).strftime("%Y-%m-%d") in text  # expected by: 27 - 25 days ago
    buttons = re.findall(r'data-testid="move-(\w+)"', html)
    assert buttons == ["vendor_review", "carrier_review", "needs_info", "approved", "rejected", "cancelled"]


def test_moving_a_registration_from_its_page(personas):
    made = registration(personas, days_ago=5)
    client = _client(personas.agent)
    response = client.post(f"/sms/registrations/{made.pk}/move/", {"to_status": "needs_info", "note": ""})
    assert response.status_code == 400
    note_field = re.search(r'<div class="field has-error">\s*<label for="id_note">.*?</div>',
                           response.content.decode(), re.S)
    assert note_field and "Say what information the vendor or carrier needs." in note_field.group(0)
    response = client.post(
        f"/sms/registrations/{made.pk}/move/", {"to_status": "needs_info", "note": "Trade licence"}, follow=True
    )
    assert "The registration is now “Needs information”." in _text(response)
    assert "Trade licence" in _text(response)
    response = client.post(f"/sms/registrations/{made.pk}/move/", {"to_status": "approved"})
    assert response.status_code == 400
    assert "cannot become “Approved”" in _text(response)


def test_owner_and_vendor_reference_are_edited_on_the_page(personas):
    made = registration(personas)
    client = _client(personas.agent)
    client.post(f"/sms/registrations/{made.pk}/owner/", {"owner": personas.agent2.pk})
    client.post(f"/sms/registrations/{made.pk}/vendor-reference/", {"vendor_reference": "GSID-77"})
    page = client.get(f"/sms/registrations/{made.pk}/")
    text = _text(page)
    assert "Owner: Yang Meng" in text and "Vendor's reference: GSID-77" in text
    assert f'<option value="{personas.agent2.pk}" selected>' in page.content.decode()


def test_documents_are_uploaded_and_downloaded_as_attachments(personas):
    made = registration(personas)
    client = _client(personas.agent)
    response = client.post(
        f"/sms/registrations/{made.pk}/documents/",
        {"file": SimpleUploadedFile("loa.pdf", b"%PDF-1.7\nletter\n%%EOF\n", content_type="text/html")},
        follow=True,
    )
    assert "“loa.pdf” attached." in _text(response)
    document = made.documents.get()
    download = client.get(f"/sms/registrations/{made.pk}/documents/{document.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"  # from the checked type, not the uploader
    assert download["Content-Disposition"].startswith("attachment;") and "loa.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert body == b"%PDF-1.7\nletter\n%%EOF\n"
    refused = client.post(
        f"/sms/registrations/{made.pk}/documents/", {"file": SimpleUploadedFile("page.pdf", b"<html>hi</html>")}
    )
    assert refused.status_code == 400
    file_field = re.search(r'<div class="field has-error">\s*<label for="id_file">.*?</div>',
                           refused.content.decode(), re.S)
    assert file_field and "is not really a PDF file" in file_field.group(0)


def test_a_viewer_reads_the_page_without_write_controls_and_cannot_post(personas):
    made = registration(personas, days_ago=1)
    client = _client(personas.viewer)
    html = client.get(f"/sms/registrations/{made.pk}/").content.decode()
    assert 'data-testid="transition-form"' not in html and 'data-testid="document-form"' not in html
    assert client.post(f"/sms/registrations/{made.pk}/move/", {"to_status": "cancelled"}).status_code == 403
    assert _client(personas.outsider).get(f"/sms/registrations/{made.pk}/").status_code == 404
    assert _client(personas.agent).get("/sms/registrations/999999/").status_code == 404


# --- Lead times ------------------------------------------------------------------------------
def test_everyone_sees_lead_times_and_leads_set_them(personas):
    lead_time = LeadTime.objects.get(country="AE", type="alphanumeric")
    lead_time.observed_median_days, lead_time.observed_count = 27.5, 4
    lead_time.save()
    viewer_page = _client(personas.viewer).get("/sms/lead-times/")
    assert "27.5 days" in _text(viewer_page)
    assert 'data-testid="lead-time-form"' not in viewer_page.content.decode()
    assert _client(personas.agent).post("/sms/lead-times/", {"country": "AE"}).status_code == 403
    lead = _client(personas.lead)
    bad = lead.post("/sms/lead-times/", {"country": "AE", "type": "alphanumeric", "expected_days": "0"})
    assert bad.status_code == 400 and "greater than or equal to 1" in _text(bad)
    response = lead.post(
        "/sms/lead-times/", {"country": "sa", "type": "alphanumeric", "expected_days": "30", "note": "Vendor says"},
        follow=True,
    )
    assert "Lead time for SA · Alphanumeric sender ID set to 30 days." in _text(response)
    assert LeadTime.objects.get(country="SA", type="alphanumeric").expected_days == 30


# --- Customer panel --------------------------------------------------------------------------
def test_the_customer_page_panel_lists_its_registrations(personas):
    made = registration(personas, days_ago=27)
    registration(personas, sender="SUBSENDER", customer=personas.subaccount)
    registration(personas, sender="OTHERS", customer=personas.other_customer)
    client = _client(personas.agent)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/panels/customer/sms-registrations/{personas.customer.code}/",
                              headers={"HX-Request": "true"})
    html, text = response.content.decode(), _text(response)
    assert response.status_code == 200
    assert f'href="/sms/registrations/{made.pk}/"' in html and "SUBSENDER" in text and "OTHERS" not in text
    assert 'data-testid="overdue-marker"' in html
    assert f'/sms/registrations/new/?customer={personas.customer.code}' in html
    empty = client.get(f"/panels/customer/sms-registrations/{personas.other_customer.code}/",
                       headers={"HX-Request": "true"})
    assert "OTHERS" in _text(empty)
    customer_page = client.get(f"/customers/{personas.customer.code}/").content.decode()
    assert 'data-testid="panel-sms-registrations"' in customer_page
