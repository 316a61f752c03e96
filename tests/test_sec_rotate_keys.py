"""``aftersales rotate-keys`` with two keys: rotate, drop the old key, every secret still reads."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from aftersales.chat.models import ChatChannel
from aftersales.core import clock
from aftersales.mail.models import Mailbox
from aftersales.sms.models import VendorAccount
from aftersales.testing.factories import make_customer

pytestmark = pytest.mark.django_db


def _raw(model, pk, column):
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(model._meta.db_table)} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _run(*args):
    out = StringIO()
    call_command("rotate-keys", *args, stdout=out)
    return out.getvalue()


def test_rotate_then_drop_old_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    customer = make_customer()
    account = VendorAccount.objects.create(
        name="Harbour Lane SMS", api_key="hl-key", api_secret="hl-secret-1", signature_secret="sig-1", customer=customer
    )
    empty = VendorAccount.objects.create(name="Sub", api_key="hl-sub", customer=customer)
    channel = ChatChannel.objects.create(slug="wecom-a", name="A", secret="chat-secret", created_at=clock.now())
    box = Mailbox.objects.create(name="support", imap_host="imap.example.test", username="u", password="pw-7")
    before = _raw(VendorAccount, account.pk, "api_secret")

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    dry = _run("--dry-run")
    assert "total: 4 values, 4 would be re-encrypted" in dry
    assert _raw(VendorAccount, account.pk, "api_secret") == before  # dry run wrote nothing

    out = _run()
    assert "sms.VendorAccount: 2 values, 2 re-encrypted" in out
    assert "chat.ChatChannel: 1 values, 1 re-encrypted" in out
    assert "mail.Mailbox: 1 values, 1 re-encrypted" in out
    assert "total: 4 values, 4 re-encrypted" in out
    assert _raw(VendorAccount, account.pk, "api_secret") != before

    # Idempotent: everything is under the newest key already.
    assert "total: 4 values, 0 re-encrypted" in _run()

    settings.FIELD_ENCRYPTION_KEYS = [new]
    account.refresh_from_db()
    assert (account.api_secret, account.signature_secret) == ("hl-secret-1", "sig-1")
    assert VendorAccount.objects.get(pk=empty.pk).api_secret == ""
    assert ChatChannel.objects.get(pk=channel.pk).secret == "chat-secret"
    assert Mailbox.objects.get(pk=box.pk).password == "pw-7"


def test_unknown_key_stops_with_the_row_named_and_changes_nothing(settings):
    old, new, lost = (Fernet.generate_key().decode() for _ in range(3))
    settings.FIELD_ENCRYPTION_KEYS = [lost]
    customer = make_customer()
    lost_row = VendorAccount.objects.create(name="Lost", api_key="k1", api_secret="s1", customer=customer)
    settings.FIELD_ENCRYPTION_KEYS = [old]
    kept = VendorAccount.objects.create(name="Kept", api_key="k2", api_secret="s2", customer=customer)
    kept_before = _raw(VendorAccount, kept.pk, "api_secret")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    with pytest.raises(CommandError, match=rf"sms.VendorAccount #{lost_row.pk} api_secret: no key"):
        _run()
    assert _raw(VendorAccount, kept.pk, "api_secret") == kept_before


def test_new_key_prints_a_fernet_key():
    key = _run("--new-key").strip()
    Fernet(key.encode())
