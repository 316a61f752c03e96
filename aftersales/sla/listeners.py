"""Other apps react to policy changes without sla importing them.

``tickets`` registers a listener (at app ready) that recomputes its open tickets' deadlines;
``sla.actions.save_policy`` calls every listener through ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aftersales.sla.models import Policy

PolicyListener = Callable[["Policy"], object]  # the return value is ignored

_policy_listeners: list[PolicyListener] = []


def register_policy_listener(fn: PolicyListener) -> PolicyListener:
    """Call ``fn(policy)`` after every committed policy change. Idempotent; usable as a decorator."""
    if fn not in _policy_listeners:
        _policy_listeners.append(fn)
    return fn


def unregister_policy_listener(fn: PolicyListener) -> None:
    if fn in _policy_listeners:
        _policy_listeners.remove(fn)


def policy_listeners() -> list[PolicyListener]:
    return list(_policy_listeners)


def notify_policy_changed(policy: Policy) -> None:
    for listener in policy_listeners():
        listener(policy)
