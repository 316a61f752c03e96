"""Which policy applies to a ticket, from plain values (the app knows no tickets)."""

from __future__ import annotations

from aftersales.sla.models import Calendar, Policy


def select_policy(*, tier: str | None, priority: int, category_code: str | None, channel: str) -> Policy:
    """The first active policy (by order, then name) whose conditions match, else the default.

    The default policy is the one marked ``is_default`` (the migration ships one); if an admin
    removed the mark, a default is recreated on the default calendar rather than failing.
    """
    for policy in Policy.objects.filter(is_active=True, is_default=False).select_related("calendar"):
        if policy.matches(tier=tier, priority=priority, category_code=category_code, channel=channel):
            return policy
    return default_policy()


def default_policy() -> Policy:
    policy = Policy.objects.filter(is_default=True).select_related("calendar").first()
    if policy is None:
        policy, _created = Policy.objects.get_or_create(
            name="Default",
            defaults={"is_default": True, "order": 1000, "calendar": Calendar.get_default()},
        )
    return policy
