"""Personal API tokens: issue, revoke, authenticate.

A token is shown once, when issued; only its SHA-256 (``people.models.hash_token``) and its
first characters (the prefix, to recognise it in lists) are stored. A token works while it is
neither revoked nor expired and its user is active. ``last_used_at`` is refreshed at most once
a minute, so a busy integration does not cost a write per request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.people.models import API_AREAS, API_SCOPES, ApiToken, default_scopes, hash_token

PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Longer strings are not tokens we issued; refuse them before hashing.
MAX_TOKEN_LENGTH = 200


def clean_scopes(scopes: list[str] | None) -> list[str]:
    """The scopes as stored; ValueError naming an unknown one."""
    chosen = [s.strip().lower() for s in (scopes or default_scopes()) if s.strip()]
    unknown = [s for s in chosen if s not in API_SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope {', '.join(unknown)}; use read, write or <area>:read|write "
                         f"with an area of {', '.join(API_AREAS)}.")
    if not chosen:
        raise ValueError("A token needs at least one scope.")
    return sorted(set(chosen))


def scope_allows(scopes: list[str], *, area: str, write: bool) -> bool:
    """Whether ``scopes`` allow reading (or writing) ``area``; write includes read."""
    levels = ("write",) if write else ("read", "write")
    return any(level in scopes or f"{area}:{level}" in scopes for level in levels)


def issue_token(
    *, user: Any, name: str, actor: Any, days: int | None = None, scopes: list[str] | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` valid for ``days`` (default ``API_TOKEN_DEFAULT_DAYS``) with ``scopes``
    (default read and write; the user's role still limits what the token can do).

    Returns the stored row and the raw token; the raw token cannot be recovered later.
    """
    if days is None:
        days = settings.API_TOKEN_DEFAULT_DAYS
    if days < 1:
        raise ValueError("A token must be valid for at least one day.")
    name = (name or "").strip()[:100] or "api"
    scopes = clean_scopes(scopes)
    raw = ApiToken.generate()
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:PREFIX_LENGTH],
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
            scopes=scopes,
        )
        audit(actor=actor, action="api_token.issue", obj=token,
              after={"user": user.get_username(), "name": name, "prefix": token.prefix, "scopes": scopes,
                     "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    return token, raw


def revoke_token(*, token: ApiToken, actor: Any) -> ApiToken:
    """Revoke ``token`` from now on; revoking twice keeps the first time."""
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, action="api_token.revoke", obj=token,
              after={"user": token.user.get_username(), "prefix": token.prefix})
    return token


def authenticate_token(raw: str | None) -> Any | None:
    """The active user owning the usable token ``raw``, or None."""
    token, _reason = find_token(raw)
    return token.user if token is not None else None


def find_token(raw: str | None) -> tuple[ApiToken | None, str]:
    """The usable token ``raw`` (its ``last_used_at`` refreshed), or None and why: unknown, revoked, expired,
    inactive."""
    raw = (raw or "").strip()
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None, "unknown"
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None:
        return None, "unknown"
    if token.revoked_at is not None:
        return None, "revoked"
    if token.expires_at is not None and token.expires_at <= clock.now():
        return None, "expired"
    if not token.user.is_active:
        return None, "inactive"
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, ""
