"""What is searchable: each app registers its kinds (``SearchSource``) and exact lookups from ``AppConfig.ready()``.

Core knows no app: the sources tell it how to link a hit, where the original text is (for
snippets), who may search the kind, and how to rebuild the kind's documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Hit:
    """One search result. ``snippet`` is safe HTML (escaped text with ``<mark>`` around matches)."""

    kind: str
    object_id: int
    ref: str = ""
    title: str = ""
    snippet: str = ""
    url: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class SearchSource:
    kind: str  # "ticket", "customer", "contact", "article"
    label: str | Promise  # "Tickets"
    url: Callable[[int, str], str]  # (object_id, ref) -> URL of the record for agents
    texts: Callable[[list[int]], dict[int, str]]  # original text per id, for highlighted snippets (one query)
    allowed: Callable[[Any], bool]  # may this user search this kind at all
    reindex: Callable[[], Iterator[dict]]  # yields index.put kwargs (incl. kind/object_id) for `aftersales reindex`
    count: Callable[[], int]  # how many records reindex will yield (for the progress bar)


Lookup = Callable[[str, Any], list[Hit]]

_sources: dict[str, SearchSource] = {}
_lookups: list[Lookup] = []


def register_source(source: SearchSource) -> None:
    """Register (or replace) the source of ``source.kind``."""
    _sources[source.kind] = source


def register_lookup(fn: Lookup) -> None:
    """Register an exact lookup ``(query, user) -> hits`` (a ticket ref, a phone number, an email…). Idempotent."""
    if fn not in _lookups:
        _lookups.append(fn)


def unregister_source(kind: str) -> None:
    _sources.pop(kind, None)


def unregister_lookup(fn: Lookup) -> None:
    if fn in _lookups:
        _lookups.remove(fn)


def get_source(kind: str) -> SearchSource | None:
    return _sources.get(kind)


def sources() -> dict[str, SearchSource]:
    """The registered sources by kind, in registration order (a copy)."""
    return dict(_sources)


def lookups() -> list[Lookup]:
    return list(_lookups)
