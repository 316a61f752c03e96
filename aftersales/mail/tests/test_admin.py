"""Mailboxes in the Django admin: the password is stored encrypted and never shown back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from aftersales.mail.models import Mailbox

pytestmark = pytest.mark.django_db


def test_admin_adds_a_mailbox_with_an_encrypted_password_and_keeps_it_on_edit(personas: Any) -> None:
    personas.admin.is_staff = True
    personas.admin.is_superuser = True
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    data = {
        "name": "support", "address": "support@desk.example.test", "imap_host": "imap.example.test",
        "imap_port": "993", "imap_security": "ssl", "username": "support", "password": "s3cret-imap",
        "folder": "INBOX", "move_to_folder": "", "is_active": "on", "reopen_resolved": "on",
    }  # fmt: skip
    response = client.post("/admin/mail/mailbox/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    box = Mailbox.objects.get(name="support")
    assert box.password == "s3cret-imap"
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM mail_mailbox WHERE id = %s", [box.pk])
        stored = cursor.fetchone()[0]
    assert "s3cret-imap" not in stored
    page = client.get(f"/admin/mail/mailbox/{box.pk}/change/").content.decode()
    assert "s3cret-imap" not in page and stored not in page
    response = client.post(f"/admin/mail/mailbox/{box.pk}/change/", {**data, "password": "", "folder": "Support"})
    assert response.status_code == 302
    box.refresh_from_db()
    assert box.password == "s3cret-imap" and box.folder == "Support"
