"""The customer page's "Personal data" panel: admins export (a zip download) and erase (typing the code)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aftersales.audit.models import AuditEntry
from aftersales.customers.models import Contact, Customer
from aftersales.privacy.erasing import ERASED
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(personas):
    """Starriver's ticket with a reply and a file, a sub-account's ticket; Bluewave's stays untouched."""
    ticket = make_ticket("Sender ID refused for 星河", customer=personas.customer, contact=personas.contact,
                         description="Zhou Min says the launch is on Friday")
    actions.record_reply(ticket=ticket, body="We are on it, Zhou Min.", actor=personas.agent,
                         attachments=[SimpleUploadedFile("report.txt", b"delivery report", content_type="text/plain")])
    sub_ticket = make_ticket("Sub-account OTP delay", customer=personas.subaccount,
                             contact=make_contact(personas.subaccount, "Sun Li"), description="OTP to Vietnam slow")
    other = make_ticket("Bluewave invoice", customer=personas.other_customer, description="Bluewave keeps this")
    return {"ticket": ticket, "sub_ticket": sub_ticket, "other": other}


def _as(client, user):
    client.force_login(user)
    return client


def _unchanged(personas, history):
    contact = Contact.objects.get(pk=personas.contact.pk)
    assert contact.name == "Zhou Min" and contact.phone == "+8613800138000"
    assert Customer.objects.get(pk=personas.customer.pk).name == "Starriver Tech 星河科技"
    assert Ticket.objects.get(pk=history["ticket"].pk).description == "Zhou Min says the launch is on Friday"
    assert not AuditEntry.objects.filter(action="privacy.customer_erase").exists()


@pytest.mark.parametrize("role", ["viewer", "agent", "lead"])
def test_only_admins_export_or_erase(client, personas, history, role):
    _as(client, getattr(personas, role))
    assert client.get("/privacy/customers/starriver/export/").status_code == 403
    assert client.get("/privacy/customers/starriver/erase/").status_code == 403
    assert client.post("/privacy/customers/starriver/erase/", {"code": "starriver"}).status_code == 403
    assert client.get("/panels/customer/privacy/starriver/").status_code == 403
    _unchanged(personas, history)
    assert not AuditEntry.objects.filter(action="privacy.customer_export").exists()


def test_the_customer_page_offers_the_panel_to_admins_only(client, personas):
    page = _as(client, personas.admin).get("/customers/starriver/").content.decode()
    assert "/panels/customer/privacy/starriver/" in page
    panel = client.get("/panels/customer/privacy/starriver/", headers={"HX-Request": "true"}).content.decode()
    assert 'href="/privacy/customers/starriver/export/"' in panel
    assert 'href="/privacy/customers/starriver/erase/"' in panel
    assert "its sub-account" in panel
    page = _as(client, personas.lead).get("/customers/starriver/").content.decode()
    assert "/panels/customer/privacy/" not in page


def test_admin_downloads_the_zip_with_the_customers_tickets_and_it_is_audited(client, personas, history, tmp_path,
                                                                             monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the zip is written before it is sent
    response = _as(client, personas.admin).get("/privacy/customers/starriver/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="starriver-data-')
    assert response["Cache-Control"] == "no-store"
    assert list(scratch.iterdir()) == []  # nothing of the export is left on disk
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        data = json.loads(archive.read("customer.json"))
        attachment = data["tickets"][0]["messages"][0]["attachments"][0]
        assert archive.read(attachment["path"]) == b"delivery report"
    assert [t["ref"] for t in data["tickets"]] == [history["ticket"].ref, history["sub_ticket"].ref]
    assert data["tickets"][0]["description"] == "Zhou Min says the launch is on Friday"
    assert "Bluewave" not in json.dumps(data, ensure_ascii=False)
    entry = AuditEntry.objects.get(action="privacy.customer_export")
    assert entry.actor == personas.admin and entry.ip == "127.0.0.1"
    assert entry.after["tickets"] == 2 and entry.after["attachments"] == 1
    assert entry.after["file"].startswith("starriver-data-")


def test_unknown_customer_is_a_404_for_admins(client, personas):
    _as(client, personas.admin)
    assert client.get("/privacy/customers/nobody/export/").status_code == 404
    assert client.get("/privacy/customers/nobody/erase/").status_code == 404


def test_confirmation_page_counts_what_will_be_erased(client, personas, history):
    page = _as(client, personas.admin).get("/privacy/customers/starriver/erase/").content.decode()
    assert "Erase the data of Starriver Tech 星河科技" in page
    assert "Starriver Sub-account 2 (starriver-sub2)" in page  # the sub-account goes too
    for name, count in {"customers": 2, "contacts": 2, "tickets": 2, "messages": 1, "attachments": 1}.items():
        assert f'data-testid="erase-count-{name}"' in page
        row = page.split(f'data-testid="erase-count-{name}"', 1)[1].split("</tr>", 1)[0]
        assert f'<td class="num">{count}</td>' in row
    _unchanged(personas, history)


@pytest.mark.parametrize("typed", ["", "bluewave", "Starriver", "starriver-sub2"])
def test_a_wrong_code_refuses_and_erases_nothing(client, personas, history, typed):
    response = _as(client, personas.admin).post("/privacy/customers/starriver/erase/", {"code": typed})
    assert response.status_code == 400
    page = response.content.decode()
    if typed:
        assert "That is not this customer&#x27;s code: type starriver exactly. Nothing was erased." in page
    else:
        assert "This field is required." in page
    _unchanged(personas, history)


def test_erase_is_post_only_and_needs_the_csrf_token(client, personas, history):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.admin)
    assert browser.post("/privacy/customers/starriver/erase/", {"code": "starriver"}).status_code == 403
    _unchanged(personas, history)
    _as(client, personas.admin)
    assert client.put("/privacy/customers/starriver/erase/").status_code == 405
    assert client.post("/privacy/customers/starriver/export/").status_code == 405
    _unchanged(personas, history)
    page = browser.get("/privacy/customers/starriver/erase/")  # the form carries the token
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = browser.post("/privacy/customers/starriver/erase/", {"code": "starriver", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="privacy.customer_erase").count() == 1


def test_the_right_code_erases_audits_and_says_so(client, personas, history):
    response = _as(client, personas.admin).post("/privacy/customers/starriver/erase/", {"code": " starriver "},
                                                 follow=True)
    assert response.redirect_chain == [("/customers/starriver/", 302)]
    page = response.content.decode()
    assert "The personal data of starriver was erased (contacts: 2, tickets: 2, messages: 1)." in page
    assert "Erased customer" in page
    contact = Contact.objects.get(pk=personas.contact.pk)
    assert contact.phone == "" and contact.name == f"Erased contact {contact.pk}"
    assert Ticket.objects.get(pk=history["sub_ticket"].pk).description == ERASED
    assert set(Message.objects.filter(ticket=history["ticket"]).values_list("body", flat=True)) == {ERASED}
    assert Ticket.objects.get(pk=history["other"].pk).description == "Bluewave keeps this"
    entry = AuditEntry.objects.get(action="privacy.customer_erase")
    assert entry.actor == personas.admin and entry.object_id == str(personas.customer.pk)
    assert entry.after == {**entry.after, "code": "starriver", "contacts": 2, "tickets": 2, "attachments": 1}
