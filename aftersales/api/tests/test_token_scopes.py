"""Token scopes and expiry: what a client sees (status and JSON detail)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from aftersales.core import clock
from aftersales.people.models import ApiToken
from aftersales.people.tokens import issue_token

pytestmark = pytest.mark.django_db


def _get(raw: str, path: str) -> Any:
    return Client().get(f"/api/v1{path}", headers={"Authorization": f"Bearer {raw}"})


def _post(raw: str, path: str, body: dict[str, Any]) -> Any:
    return Client().post(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                         headers={"Authorization": f"Bearer {raw}"})


def test_read_scope_reads_but_cannot_write(personas: Any) -> None:
    _token, raw = issue_token(user=personas.agent, name="dashboard", actor=None, scopes=["read"])
    assert _get(raw, "/tickets").status_code == 200
    refused = _post(raw, "/tickets", {"subject": "Sender ID rejected in Vietnam"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "The token's scopes (read) do not allow this; it needs tickets:write or write."
    )


def test_area_scope_is_limited_to_its_area(personas: Any) -> None:
    _token, raw = issue_token(user=personas.agent, name="crm sync", actor=None, scopes=["customers:write"])
    assert _get(raw, "/customers").status_code == 200  # write includes read
    denied = _get(raw, "/tickets")
    assert denied.status_code == 403 and "tickets:read or read" in denied.json()["detail"]


def test_scopes_do_not_lift_the_role(personas: Any) -> None:
    _token, raw = issue_token(user=personas.viewer, name="x", actor=None, scopes=["write"])
    response = _post(raw, "/tickets", {"subject": "Sender ID rejected in Vietnam"})
    assert response.status_code == 403 and "read-only" in response.json()["detail"]


def test_expired_and_revoked_tokens_say_so(personas: Any) -> None:
    token, raw = issue_token(user=personas.agent, name="old", actor=None, days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    expired = _get(raw, "/tickets")
    assert expired.status_code == 401
    assert expired.json() == {"detail": "The token has expired; ask an admin for a new one."}
    assert expired["WWW-Authenticate"] == 'Bearer realm="aftersales"'
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked_at=clock.now())
    assert _get(raw, "/tickets").json() == {"detail": "The token was revoked."}


def test_unknown_scope_is_refused_clearly(personas: Any) -> None:
    with pytest.raises(ValueError, match="Unknown scope admin"):
        issue_token(user=personas.agent, name="x", actor=None, scopes=["admin"])
    with pytest.raises(CommandError, match="Unknown scope tickets:delete"):
        call_command("token", "create", "li.heping", "--scope", "tickets:delete", stdout=StringIO(), stderr=StringIO())


def test_command_sets_and_lists_scopes(personas: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command("token", "create", "li.heping", "--scope", "tickets:write", "--scope", "read", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert "scopes read tickets:write" in err.getvalue()
    assert _post(raw, "/tickets", {"subject": "Sender ID rejected in Vietnam"}).status_code != 403
    listing = StringIO()
    call_command("token", "list", "li.heping", stdout=listing)
    assert "read tickets:write" in listing.getvalue()
