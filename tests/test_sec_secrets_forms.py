"""Every form that holds a secret: after saving, the page shows "set" / "not set", never the value."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.chat.models import ChatChannel, ImTarget
from aftersales.core import clock
from aftersales.mail.models import Mailbox
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

SECRETS = ("vendor-api-secret-7Qx", "dlr-signing-secret-P3z", "mailbox-pass-K8m", "chat-hmac-secret-R2w",
           "robot-hmac-secret-T5v", "robotkey-9c1e7aa0")


def _superuser(personas):
    admin = personas.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return admin


def _assert_no_secret(html: str) -> None:
    for secret in SECRETS:
        assert secret not in html


def test_vendor_account_admin_shows_state_not_secret(client, personas):
    client.force_login(_superuser(personas))
    account = VendorAccount.objects.create(name="Harbour Lane SMS", api_key="hl-key-1", api_secret=SECRETS[0],
                                           signature_secret=SECRETS[1], customer=personas.customer)
    html = client.get(reverse("admin:sms_vendoraccount_change", args=[account.pk])).content.decode()
    _assert_no_secret(html)
    assert html.count('data-secret-state="set"') == 2
    # Saving with the secret fields left empty keeps both secrets.
    response = client.post(reverse("admin:sms_vendoraccount_change", args=[account.pk]), {
        "name": "Harbour Lane SMS 2", "kind": "vonage", "api_key": "hl-key-1", "api_secret": "", "signature_secret": "",
        "signature_method": "md5hash", "customer": personas.customer.pk, "parent": "", "options": "{}",
        "active": "on", "next_check_at_0": "", "next_check_at_1": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.name == "Harbour Lane SMS 2"
    assert (account.api_secret, account.signature_secret) == (SECRETS[0], SECRETS[1])
    new = VendorAccount.objects.create(name="Bare", api_key="bare-1", customer=personas.customer)
    html = client.get(reverse("admin:sms_vendoraccount_change", args=[new.pk])).content.decode()
    assert html.count('data-secret-state="unset"') == 2


def test_mailbox_admin_shows_state_not_password(client, personas):
    client.force_login(_superuser(personas))
    box = Mailbox.objects.create(name="support", imap_host="imap.example.test", username="desk", password=SECRETS[2])
    html = client.get(reverse("admin:mail_mailbox_change", args=[box.pk])).content.decode()
    _assert_no_secret(html)
    assert 'data-secret-state="set"' in html


def test_chat_channel_form_shows_state_not_secret(client, personas):
    client.force_login(personas.admin)
    channel = ChatChannel.objects.create(slug="wecom-hl", name="Harbour Lane", secret=SECRETS[3],
                                         created_at=clock.now())
    html = client.get(reverse("chat:channel_edit", args=[channel.pk])).content.decode()
    assert html.count("Harbour Lane") >= 1
    _assert_no_secret(html)
    assert 'data-secret-state="set"' in html
    assert 'data-secret-state="unset"' in client.get(reverse("chat:channel_new")).content.decode()


def test_im_target_form_hides_address_and_secret_and_keeps_them(client, personas):
    client.force_login(personas.admin)
    target = ImTarget.objects.create(kind="webhook", name="Ops room", url=f"https://im.example.test/hook?key={SECRETS[5]}",
                                     secret=SECRETS[4], created_at=clock.now())
    url = reverse("chat:target_edit", args=[target.pk])
    html = client.get(url).content.decode()
    _assert_no_secret(html)
    assert html.count('data-secret-state="set"') == 2
    response = client.post(url, {"name": "Ops room 2", "kind": "webhook", "url": "", "secret": "",
                                 "language": "en", "is_active": "on"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.name, target.secret) == ("Ops room 2", SECRETS[4])
    assert target.url.endswith(SECRETS[5])
