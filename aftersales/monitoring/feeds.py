"""Traffic-feed tokens: who may post to ``/hooks/traffic`` and ``/hooks/conversion``.

Like personal API tokens (``people.tokens``): the token is shown once, when issued; only its SHA-256
(``people.models.hash_token``) and its first characters are stored. A feed authenticates while it is
active. ``last_used_at`` is written at most once a minute, so a busy feed costs no write per request.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.monitoring.models import TrafficFeed
from aftersales.people.models import hash_token

TOKEN_PREFIX = "asf_"  # noqa: S105 (not a secret: marks our feed tokens)
PREFIX_LENGTH = 10
MAX_TOKEN_LENGTH = 200
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def issue_feed_token(*, feed: TrafficFeed, actor: Any) -> str:
    """Give ``feed`` a new token (a new feed is saved here too); returns the raw token, which cannot be
    recovered later. The previous token, if any, stops working at once."""
    raw = _new_token()
    with transaction.atomic():
        rotated = feed.pk is not None
        feed.token_hash = hash_token(raw)
        feed.token_prefix = raw[:PREFIX_LENGTH]
        if feed.created_at is None:
            feed.created_at = clock.now()
        feed.save()
        audit(
            actor=actor,
            action="monitoring.feed_token.rotate" if rotated else "monitoring.feed_token.issue",
            obj=feed,
            after={"name": feed.name, "prefix": feed.token_prefix, "account": feed.account_id},
        )
    return raw


def authenticate_feed(authorization: str | None) -> TrafficFeed | None:
    """The active feed whose token is in ``Authorization: Bearer <token>``, or None."""
    value = (authorization or "").strip()
    scheme, _, raw = value.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    feed = TrafficFeed.objects.filter(token_hash=hash_token(raw), active=True).first()
    if feed is None:
        return None
    now = clock.now()
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_RESOLUTION:
        TrafficFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
    return feed
