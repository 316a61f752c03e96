"""A customer's data on request: the export zip and the erasure, both audited."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from aftersales.audit.models import AuditEntry
from aftersales.core import clock
from aftersales.core.search import query as search_query
from aftersales.customers.models import Contact, Customer
from aftersales.feedback.checkins import log_checkin
from aftersales.feedback.models import Checkin, CsatRequest
from aftersales.privacy.erasing import ERASED
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(personas):
    """Starriver (master) and its sub-account: contacts, tickets with a reply, a note and a file,
    a check-in and a rating; Bluewave, another customer, must stay untouched."""
    sub_contact = make_contact(personas.subaccount, "Sun Li", phone="+8613900139000")
    ticket = make_ticket("Sender ID refused for 星河", customer=personas.customer, contact=personas.contact,
                         description="Zhou Min says the launch is on Friday")
    actions.record_reply(ticket=ticket, body="We are on it, Zhou Min.", actor=personas.agent,
                         attachments=[SimpleUploadedFile("report.txt", b"delivery report", content_type="text/plain")])
    actions.add_note(ticket=ticket, body="Called +8613800138000", actor=personas.agent)
    sub_ticket = make_ticket("Sub-account OTP delay", customer=personas.subaccount, contact=sub_contact,
                             description="OTP to Vietnam slow")
    log_checkin(customer=personas.customer, actor=personas.agent, kind="call", notes="Zhou Min happy overall")
    now = clock.now()
    CsatRequest.objects.create(ticket=ticket, customer=personas.customer, contact=personas.contact, language="en",
                               resolved_at=now, sent_at=now, expires_at=now + dt.timedelta(days=14), rating=4,
                               comment="Zhou Min: fast answer", answered_at=now, created_at=now)
    other = make_ticket("Bluewave invoice", customer=personas.other_customer, description="Bluewave keeps this")
    return {"ticket": ticket, "sub_ticket": sub_ticket, "sub_contact": sub_contact, "other": other}


def test_export_writes_the_whole_family_and_is_audited(personas, history, tmp_path):
    target = tmp_path / "starriver.zip"
    call_command("customer-export", "starriver", "--output", str(target))
    with zipfile.ZipFile(target) as archive:
        data = json.loads(archive.read("customer.json"))
        names = archive.namelist()
        ticket = data["tickets"][0]
        assert archive.read(ticket["messages"][0]["attachments"][0]["path"]) == b"delivery report"
    assert [c["code"] for c in data["customers"]] == ["starriver", "starriver-sub2"]
    assert data["customers"][0]["contacts"][0]["phone"] == "+8613800138000"
    assert data["customers"][1]["contacts"][0]["name"] == "Sun Li"
    assert [t["ref"] for t in data["tickets"]] == [history["ticket"].ref, history["sub_ticket"].ref]
    assert ticket["description"] == "Zhou Min says the launch is on Friday"
    assert [m["body"] for m in ticket["messages"]] == ["We are on it, Zhou Min.", "Called +8613800138000"]
    assert data["checkins"][0]["notes"] == "Zhou Min happy overall"
    assert data["ratings"][0] == {**data["ratings"][0], "rating": 4, "comment": "Zhou Min: fast answer"}
    assert "Bluewave" not in json.dumps(data, ensure_ascii=False)
    assert len(names) == 2
    entry = AuditEntry.objects.get(action="privacy.customer_export")
    assert entry.object_label.startswith("Starriver") and entry.after["tickets"] == 2
    assert entry.after["messages"] == 2 and entry.after["attachments"] == 1


def test_export_refuses_an_existing_file_and_an_unknown_code(personas, tmp_path):
    target = tmp_path / "exists.zip"
    target.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("customer-export", "starriver", "--output", str(target))
    assert target.read_bytes() == b"keep me"
    with pytest.raises(CommandError, match="No customer with code 'nobody'"):
        call_command("customer-export", "nobody", "--output", str(tmp_path / "x.zip"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.zip"]  # no temporary file left
    assert not AuditEntry.objects.filter(action="privacy.customer_export").exists()


def test_erase_refuses_without_yes_and_changes_nothing(personas, history, capsys):
    with pytest.raises(CommandError, match="--yes"):
        call_command("customer-erase", "starriver")
    assert "Would erase the personal data of starriver" in capsys.readouterr().out
    assert Contact.objects.get(pk=personas.contact.pk).phone == "+8613800138000"
    assert not AuditEntry.objects.filter(action="privacy.customer_erase").exists()


def test_erase_anonymises_the_family_keeps_the_tickets_and_the_audit(personas, history, capsys,
                                                                   django_capture_on_commit_callbacks):
    attachment = Attachment.objects.get()
    path = attachment.file.name
    assert default_storage.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("customer-erase", "starriver", "--yes")
    out = capsys.readouterr().out
    assert "Erased the personal data of starriver" in out and "2 tickets" in out and "2 contacts" in out
    contact = Contact.objects.get(pk=personas.contact.pk)
    assert (contact.name, contact.email, contact.phone) == (f"Erased contact {contact.pk}", "", "")
    assert Contact.objects.get(pk=history["sub_contact"].pk).phone == ""
    ticket = Ticket.objects.get(pk=history["ticket"].pk)
    assert ticket.ref == history["ticket"].ref and ticket.status and ticket.description == ERASED
    assert set(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == {ERASED}
    assert not Attachment.objects.exists() and not default_storage.exists(path)
    assert Checkin.objects.get().notes == "" and CsatRequest.objects.get().comment == ""
    assert CsatRequest.objects.get().rating == 4  # the score stays for the reports
    customer = Customer.objects.get(pk=personas.customer.pk)
    assert customer.code == "starriver" and customer.name == "Erased customer"
    # Other customers are untouched; search forgets the words.
    assert Ticket.objects.get(pk=history["other"].pk).description == "Bluewave keeps this"
    assert search_query.search("launch Friday", user=personas.lead).count == 0
    assert search_query.search("Zhou", user=personas.lead, kinds=["contact"]).count == 0
    entry = AuditEntry.objects.get(action="privacy.customer_erase")
    assert entry.after["code"] == "starriver" and entry.after["messages"] == 2
    assert "Zhou" not in json.dumps(entry.after)


def test_erase_is_all_or_nothing(personas, history, monkeypatch):
    from aftersales.privacy import erasing

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(erasing.ticket_search, "rewrite", broken)
    with pytest.raises(RuntimeError):
        erasing.erase("starriver")
    assert Contact.objects.get(pk=personas.contact.pk).name == "Zhou Min"
    assert Ticket.objects.get(pk=history["ticket"].pk).description == "Zhou Min says the launch is on Friday"
    assert Attachment.objects.count() == 1
    assert not AuditEntry.objects.filter(action="privacy.customer_erase").exists()
