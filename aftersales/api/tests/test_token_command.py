"""``aftersales token create|list|revoke``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from aftersales.people.models import ApiToken
from aftersales.testing.factories import make_ticket

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_only_a_token_that_works_on_the_api(personas):
    ticket = make_ticket(customer=personas.customer)
    out, err = run("create", "li.heping", "--name", "crm", "--days", "7")
    raw = out.strip()
    assert "\n" not in raw and raw.startswith("as_")
    assert "li.heping" in err and "shown only now" in err
    response = Client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert [item["ref"] for item in response.json()["items"]] == [ticket.ref]
    token = ApiToken.objects.get(user=personas.agent)
    assert token.name == "crm" and token.expires_at is not None
    assert (token.expires_at - token.created_at).days == 7


def test_create_for_unknown_user_fails_clearly(personas):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("create", "nobody")


def test_create_for_user_without_staff_role_fails_clearly(personas):
    with pytest.raises(CommandError, match="no staff role"):
        run("create", "outsider")
    assert not ApiToken.objects.exists()


def test_create_refuses_zero_days(personas):
    with pytest.raises(CommandError, match="--days must be at least 1"):
        run("create", "li.heping", "--days", "0")


def test_list_shows_prefix_and_state(personas):
    first, _ = run("create", "li.heping", "--name", "first")
    run("create", "li.heping", "--name", "second")
    run("revoke", first.strip()[:8])
    out, _ = run("list", "li.heping")
    lines = out.splitlines()
    assert lines[0].startswith("PREFIX")
    first_line = next(line for line in lines if " first " in line)
    second_line = next(line for line in lines if " second " in line)
    assert first_line.startswith(first.strip()[:8]) and first_line.endswith("revoked")
    assert second_line.endswith("active")
    assert first.strip() not in out  # never the full token


def test_list_without_tokens(personas):
    out, _ = run("list", "yang.meng")
    assert "yang.meng has no tokens." in out


def test_revoke_by_prefix_stops_the_token(personas):
    out, _ = run("create", "li.heping")
    raw = out.strip()
    message, _ = run("revoke", raw[:8])
    assert f"Revoked token {raw[:8]}" in message
    response = Client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    again, _ = run("revoke", raw[:8])
    assert "already revoked" in again


def test_revoke_unknown_or_ambiguous_prefix(personas):
    run("create", "li.heping")
    run("create", "yang.meng")
    with pytest.raises(CommandError, match="No token starts with"):
        run("revoke", "zzzzzzzz")
    with pytest.raises(CommandError, match="More than one token"):
        run("revoke", "as_")
