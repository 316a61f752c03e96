"""Writes to an agent's own settings: validated, audited, one transaction."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.people.models import AgentProfile

_PROFILE_FIELDS = ("display_name", "language", "timezone", "is_away")


def update_profile(*, user: Any, actor: Any, **fields: Any) -> AgentProfile:
    """Change ``user``'s profile (created on first use). Only the user themself or an admin may do it."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied
    unknown = set(fields) - set(_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields {sorted(unknown)}")
    if "language" in fields and fields["language"] not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or 简体中文.")})
    if "timezone" in fields:
        try:
            zoneinfo.ZoneInfo(fields["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError({"timezone": _("That is not a known timezone.")}) from exc
    if "display_name" in fields:
        fields["display_name"] = (fields["display_name"] or "").strip()
        if not fields["display_name"]:
            raise ValidationError({"display_name": _("Your name cannot be empty.")})
    with transaction.atomic():
        profile, _created = AgentProfile.objects.select_for_update().get_or_create(
            user=user, defaults={"display_name": user.get_full_name() or user.get_username()}
        )
        before = {key: getattr(profile, key) for key in fields}
        for key, value in fields.items():
            setattr(profile, key, value)
        profile.full_clean()
        profile.save()
        after = {key: getattr(profile, key) for key in fields}
        if before != after:
            audit(actor=actor, action="profile.update", obj=profile, before=before, after=after)
    # The cached relation on the request's user must see the new values at once.
    user.agent_profile = profile
    return profile
