"""Staff second factor, browser-free: the codes are computed here from RFC 6238, not with the app's library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from aftersales.audit.models import AuditEntry
from aftersales.people import twofactor
from aftersales.people.models import RecoveryCode, TotpDevice
from aftersales.people.tokens import issue_token

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp(secret_b32: str, at: float | None = None, offset: int = 0) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return hotp(key, int((time.time() if at is None else at) // 30) + offset)


def test_own_totp_matches_rfc6238_vector() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits).
    assert hotp(b"12345678901234567890", 59 // 30, digits=8) == "94287082"


def _enrol(client: Any, user: Any) -> tuple[str, list[str]]:
    client.force_login(user)
    page = client.get(reverse("people:two_factor")).content.decode()
    found = re.search(r'data-testid="two-factor-secret">([A-Z2-7]+)<', page)
    assert found is not None
    secret = found.group(1)
    response = client.post(reverse("people:two_factor"), {"action": "enrol", "code": totp(secret)})
    assert response.status_code == 200
    codes = re.findall(r'data-testid="recovery-code">([a-z0-9-]+)<', response.content.decode())
    return secret, codes


def test_enrol_page_shows_qr_and_uri_then_ten_hashed_codes(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    page = client.get(reverse("people:two_factor")).content.decode()
    assert "<svg" in page and 'class="segno"' in page
    found = re.search(r'data-testid="two-factor-uri">([^<]+)<', page)
    assert found is not None
    uri = found.group(1).replace("&amp;", "&")
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    secret = parse_qs(parsed.query)["secret"][0]
    assert parse_qs(parsed.query)["issuer"] == ["aftersales"]
    wrong = client.post(reverse("people:two_factor"), {"action": "enrol", "code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert not TotpDevice.objects.filter(user=personas.agent).exists()
    done = client.post(reverse("people:two_factor"), {"action": "enrol", "code": totp(secret)})
    codes = re.findall(r'data-testid="recovery-code">([a-z0-9-]+)<', done.content.decode())
    assert len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=personas.agent).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert AuditEntry.objects.filter(action="two_factor.enrol").count() == 1
    # The secret is encrypted at rest.
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM people_totpdevice")
        assert cursor.fetchone()[0] != secret
    # The session that enrolled carries on.
    assert client.get("/tickets/").status_code == 200
    manage = client.get(reverse("people:two_factor")).content.decode()
    assert "10 unused recovery codes left." in manage


def test_sign_in_asks_for_the_code_and_a_code_works_once(client: Any, personas: Any) -> None:
    secret, _codes = _enrol(client, personas.agent)
    client.logout()
    assert client.post("/login/", {"username": "li.heping", "password": PASSWORD}).status_code == 302
    held = client.get("/tickets/")
    assert held.status_code == 302 and held["Location"] == "/me/two-factor/verify/?next=%2Ftickets%2F"
    assert client.get("/api/v1/tickets").status_code == 403
    assert client.post(held["Location"], {"code": "123456", "next": "/tickets/"}).status_code == 400
    # The code used at enrolment is spent; the next step's code is fresh.
    code = totp(secret, offset=1)
    passed = client.post("/me/two-factor/verify/", {"code": code, "next": "/tickets/"})
    assert passed.status_code == 302 and passed["Location"] == "/tickets/"
    assert client.get("/tickets/").status_code == 200
    # The same code again, in another sign-in: refused (replay).
    client.logout()
    client.post("/login/", {"username": "li.heping", "password": PASSWORD})
    assert client.post("/me/two-factor/verify/", {"code": code}).status_code == 400


def test_admin_sign_in_is_held_too(client: Any, personas: Any) -> None:
    admin = personas.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    _enrol(client, admin)
    client.logout()
    client.post("/admin/login/", {"username": "admin.qian", "password": PASSWORD, "next": "/admin/"})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/me/two-factor/verify/")


def test_recovery_code_signs_in_once_and_is_audited(client: Any, personas: Any) -> None:
    _secret, codes = _enrol(client, personas.agent)
    client.logout()
    client.post("/login/", {"username": "li.heping", "password": PASSWORD})
    assert client.post("/me/two-factor/verify/", {"code": codes[3].upper()}).status_code == 302
    assert AuditEntry.objects.filter(action="two_factor.recovery_code.use").count() == 1
    client.logout()
    client.post("/login/", {"username": "li.heping", "password": PASSWORD})
    assert client.post("/me/two-factor/verify/", {"code": codes[3]}).status_code == 400
    assert "9 unused" in "".join(
        [f"{twofactor.unused_codes(personas.agent)} unused"])


def test_too_many_wrong_codes_sign_out(client: Any, personas: Any) -> None:
    _enrol(client, personas.agent)
    client.logout()
    client.post("/login/", {"username": "li.heping", "password": PASSWORD})
    for _ in range(4):
        assert client.post("/me/two-factor/verify/", {"code": "000000"}).status_code == 400
    last = client.post("/me/two-factor/verify/", {"code": "000000"})
    assert last.status_code == 302 and last["Location"] == "/login/"
    assert client.get("/tickets/")["Location"].startswith("/login/")


def test_policy_sends_staff_without_an_app_to_set_up(client: Any, personas: Any) -> None:
    twofactor.set_policy(require=True, actor=personas.admin)
    assert AuditEntry.objects.filter(action="security_policy.save").count() == 1
    client.force_login(personas.viewer)
    response = client.get("/tickets/")
    assert response.status_code == 302 and response["Location"] == "/me/two-factor/?next=%2Ftickets%2F"
    assert "requires a second factor" in client.get(response["Location"]).content.decode()
    # An API token is not held by the session's policy.
    _token, raw = issue_token(user=personas.viewer, name="ci", actor=None)
    client.logout()
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_portal_contacts_are_not_held(client: Any, personas: Any) -> None:
    from aftersales.testing.factories import make_user

    twofactor.set_policy(require=True, actor=personas.admin)
    login = make_user("zhou.min.portal", role=None)
    personas.contact.portal_user = login
    personas.contact.save(update_fields=["portal_user"])
    client.force_login(login)
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"] == "/portal/tickets/"
    assert client.get("/portal/tickets/").status_code == 200
    assert twofactor.compute_state(login)["required"] is False


def test_turn_off_needs_a_code_is_audited_and_refused_when_required(client: Any, personas: Any) -> None:
    secret, _codes = _enrol(client, personas.agent)
    twofactor.set_policy(require=True, actor=personas.admin)
    client.force_login(personas.agent)
    client.session  # noqa: B018
    state = client.session[twofactor.SESSION_KEY]
    assert state["enrolled"] and not state["verified"]
    client.post("/me/two-factor/verify/", {"code": totp(secret, offset=1)})
    refused = client.post(reverse("people:two_factor"), {"action": "disable", "code": totp(secret, offset=-1)})
    assert refused.status_code == 400
    twofactor.set_policy(require=False, actor=personas.admin)
    TotpDevice.objects.filter(user=personas.agent).update(last_step=0)
    done = client.post(reverse("people:two_factor"), {"action": "disable", "code": totp(secret)})
    assert done.status_code == 302
    assert not TotpDevice.objects.filter(user=personas.agent).exists()
    assert not RecoveryCode.objects.filter(user=personas.agent).exists()
    assert AuditEntry.objects.filter(action="two_factor.disable").count() == 1


def test_admin_resets_a_lost_phone(client: Any, personas: Any) -> None:
    _enrol(client, personas.agent)
    admin = personas.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    device = TotpDevice.objects.get(user=personas.agent)
    response = client.post(reverse("admin:people_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="two_factor.disable")
    assert entry.actor_id == admin.pk
