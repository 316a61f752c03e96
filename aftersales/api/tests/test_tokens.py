"""people.tokens: issue (hash only), revoke, expiry, last use."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.audit.models import AuditEntry
from aftersales.people.models import ApiToken, hash_token
from aftersales.people.tokens import authenticate_token, issue_token, revoke_token

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_issue_stores_only_the_hash_and_a_prefix(personas):
    token, raw = issue_token(user=personas.agent, name="crm sync", actor=personas.admin)
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hash_token(raw) and stored.token_hash != raw
    assert stored.prefix == raw[:8] and len(raw) > 30
    row_values = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values()[0].values()]
    assert raw not in row_values
    assert authenticate_token(raw) == personas.agent


def test_issue_and_revoke_are_audited_without_the_token(personas):
    token, raw = issue_token(user=personas.agent, name="crm sync", actor=personas.admin)
    revoke_token(token=token, actor=personas.admin)
    entries = AuditEntry.objects.filter(object_id=str(token.pk)).order_by("id")
    assert [entry.action for entry in entries] == ["api_token.issue", "api_token.revoke"]
    assert entries[0].actor == personas.admin
    assert raw not in str(entries[0].after) and token.token_hash not in str(entries[0].after)


def test_default_lifetime_comes_from_settings(personas, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 30
    with time_machine.travel(T0, tick=False):
        token, _raw = issue_token(user=personas.agent, name="x", actor=None)
    assert token.expires_at == T0 + dt.timedelta(days=30)


def test_revoked_token_no_longer_authenticates(personas):
    token, raw = issue_token(user=personas.agent, name="x", actor=None)
    revoke_token(token=token, actor=personas.admin)
    assert authenticate_token(raw) is None


def test_expired_token_no_longer_authenticates(personas):
    with time_machine.travel(T0, tick=False):
        _token, raw = issue_token(user=personas.agent, name="x", actor=None, days=2)
    with time_machine.travel(T0 + dt.timedelta(days=2, seconds=-1), tick=False):
        assert authenticate_token(raw) == personas.agent
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        assert authenticate_token(raw) is None


def test_inactive_user_is_refused(personas):
    _token, raw = issue_token(user=personas.agent, name="x", actor=None)
    personas.agent.is_active = False
    personas.agent.save()
    assert authenticate_token(raw) is None


@pytest.mark.parametrize("raw", ["", "   ", None, "as_not-a-real-token", "x" * 5000])
def test_unknown_or_malformed_tokens_are_refused(personas, raw):
    issue_token(user=personas.agent, name="x", actor=None)
    assert authenticate_token(raw) is None


def test_last_used_is_written_at_most_once_a_minute(personas, django_assert_num_queries):
    with time_machine.travel(T0, tick=False):
        token, raw = issue_token(user=personas.agent, name="x", actor=None)
        with django_assert_num_queries(2):  # lookup + stamp
            authenticate_token(raw)
        with django_assert_num_queries(1):  # lookup only
            authenticate_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == T0
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        authenticate_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == T0 + dt.timedelta(seconds=61)


def test_days_must_be_positive(personas):
    with pytest.raises(ValueError, match="at least one day"):
        issue_token(user=personas.agent, name="x", actor=None, days=0)
