"""Audit completeness: every create, update and delete of configuration through the UI, the
desk's pages and Django's admin alike, writes an audit entry with the actor, the client's IP and
the values before and after; secret values never appear in it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from aftersales.audit.models import AuditEntry
from aftersales.chat.models import ImTarget
from aftersales.core import clock
from aftersales.customers.models import Contact
from aftersales.mail.models import Mailbox
from aftersales.people.models import Team
from aftersales.routing.models import RoutingRule
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db
IP = "198.51.100.23"


def _client(user: Any) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return client


def _entry(action: str, user: Any) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, [e.action for e in AuditEntry.objects.all()]
    entry = entries[0]
    assert entry.actor == user and entry.actor_label == user.get_username()
    assert entry.ip == IP
    return entry


def test_customer_and_contact_pages(personas):
    client = _client(personas.agent)
    form = {"code": "kaito", "name": "Kaito Pay", "tier": "standard", "status": "active",
            "timezone": "Asia/Shanghai", "language": "en"}
    assert client.post("/customers/new/", form).status_code == 302
    created = _entry("customer.create", personas.agent)
    assert created.after["name"] == "Kaito Pay" and created.before == {}
    assert client.post("/customers/kaito/edit/", {**form, "name": "Kaito Payments"}).status_code == 302
    updated = _entry("customer.update", personas.agent)
    assert updated.before["name"] == "Kaito Pay" and updated.after["name"] == "Kaito Payments"
    contact = {"name": "Wu Lei", "phone": "+8613700137000", "language": "zh-hans"}
    assert client.post("/customers/kaito/contacts/new/", contact).status_code == 302
    assert _entry("contact.create", personas.agent).after["name"] == "Wu Lei"
    pk = Contact.objects.get(name="Wu Lei").pk
    assert client.post(f"/customers/kaito/contacts/{pk}/edit/", {**contact, "name": "Wu Lei (ops)"}).status_code == 302
    changed = _entry("contact.update", personas.agent)
    assert changed.before["name"] == "Wu Lei" and changed.after["name"] == "Wu Lei (ops)"


def test_lead_configuration_pages(personas):
    client = _client(personas.lead)
    rule = RoutingRule.objects.create(name="Vietnam OTP", order=1, strategy="fixed")
    assert client.post(f"/routing/rules/{rule.pk}/delete/").status_code == 302
    assert _entry("routing.rule.delete", personas.lead).before
    target = ImTarget.objects.create(name="Ops Slack", kind="slack", created_at=clock.now())
    assert client.post(f"/chat/targets/{target.pk}/delete/").status_code == 302
    assert _entry("chat.target.delete", personas.lead).before


@pytest.fixture
def admin_client(personas: Any) -> Client:
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    return _client(personas.admin)


def test_django_admin_create_update_delete_is_audited(personas, admin_client):
    response = admin_client.post("/admin/people/team/add/", {"name": "Night shift", "members": [personas.agent.pk]})
    assert response.status_code == 302
    created = _entry("admin.people.team.create", personas.admin)
    assert created.after["name"] == "Night shift" and created.after["members"] == [personas.agent.pk]
    team = Team.objects.get(name="Night shift")
    response = admin_client.post(f"/admin/people/team/{team.pk}/change/",
                                 {"name": "Night shift", "members": [personas.agent.pk, personas.agent2.pk]})
    assert response.status_code == 302
    updated = _entry("admin.people.team.update", personas.admin)
    assert updated.before == {"members": [personas.agent.pk]}
    assert updated.after == {"members": sorted([personas.agent.pk, personas.agent2.pk])}
    assert admin_client.post(f"/admin/people/team/{team.pk}/delete/", {"post": "yes"}).status_code == 302
    deleted = _entry("admin.people.team.delete", personas.admin)
    assert deleted.object_id == str(team.pk) and deleted.before["name"] == "Night shift"


def test_admin_deletes_of_mailboxes_and_vendor_accounts_hide_secrets(personas, admin_client):
    box = Mailbox.objects.create(name="desk", imap_host="imap.desk.example", username="desk",
                                 password="hunter2-imap-secret", customer=personas.customer)
    account = VendorAccount.objects.create(customer=personas.customer, name="Starriver (simulated)", kind="simulator",
                                           api_key="SIMSTAR", api_secret="vendor-secret-value")
    assert admin_client.post(f"/admin/mail/mailbox/{box.pk}/delete/", {"post": "yes"}).status_code == 302
    assert admin_client.post(f"/admin/sms/vendoraccount/{account.pk}/delete/", {"post": "yes"}).status_code == 302
    mailbox_entry = _entry("admin.mail.mailbox.delete", personas.admin)
    account_entry = _entry("admin.sms.vendoraccount.delete", personas.admin)
    assert mailbox_entry.before["password"] == "[hidden]" and mailbox_entry.before["imap_host"] == "imap.desk.example"
    assert account_entry.before["api_secret"] == "[hidden]"
    text = json.dumps([mailbox_entry.before, account_entry.before])
    assert "hunter2-imap-secret" not in text and "vendor-secret-value" not in text


def test_admin_role_change_of_a_user_is_audited(personas, admin_client):
    from django.contrib.auth.models import Group

    user = personas.agent2
    data = {"username": user.username, "email": user.email, "is_active": "on", "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00", "groups": [Group.objects.get(name="lead").pk]}
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _entry("admin.auth.user.update", personas.admin)
    assert entry.after["groups"] == [Group.objects.get(name="lead").pk]
    assert "password" not in entry.after  # unchanged; and were it changed, only "[hidden]"
