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
from aftersales.people.models import ApiToken, hash_token

PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Longer strings are not tokens we issued; refuse them before hashing.
MAX_TOKEN_LENGTH = 200


def issue_token(*, user: Any, name: str, actor: Any, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user`` valid for ``days`` (default ``API_TOKEN_DEFAULT_DAYS``).

    Returns the stored row and the raw token; the raw token cannot be recovered later.
    """
    if days is None:
        days = settings.API_TOKEN_DEFAULT_DAYS
    if days < 1:
        raise ValueError("A token must be valid for at least one day.")
    name = (name or "").strip()[:100] or "api"
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
        )
        audit(actor=actor, action="api_token.issue", obj=token,
              after={"user": user.get_username(), "name": name, "prefix": token.prefix,
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
    raw = (raw or "").strip()
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token = ApiToken.objects.usable().select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user
