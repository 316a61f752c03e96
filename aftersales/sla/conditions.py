"""Choices for a policy's conditions, supplied by the apps that own the values.

sla knows no tickets or customers, so the apps that define tiers, priorities, categories and
channels register providers here (e.g. in their ``AppConfig.ready``)::

    register_condition_choices("channels", lambda: list(Channel.choices))

Without a provider the policy form takes the codes as text ("email, phone").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CONDITIONS = ("tiers", "priorities", "category_codes", "channels")

ChoiceProvider = Callable[[], list[tuple[Any, Any]]]  # labels may be lazy translations

_providers: dict[str, ChoiceProvider] = {}


def register_condition_choices(name: str, provider: ChoiceProvider) -> None:
    if name not in CONDITIONS:
        raise ValueError(f"unknown policy condition {name!r}; one of {CONDITIONS}")
    _providers[name] = provider


def condition_choices(name: str) -> list[tuple[Any, str]] | None:
    provider = _providers.get(name)
    return list(provider()) if provider is not None else None
