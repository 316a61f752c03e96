"""The one source of time. Always timezone-aware UTC; tests freeze it with time-machine.

``moving`` lets a one-shot command (the demo loader, ``aftersales simulate``) place real work in
the past: it replaces ``now`` with a clock the command sets by hand, for the duration of a block.
Everyone reads time as ``clock.now()``, so the replacement is seen everywhere. Why not
time-machine: it is a dev dependency, and ``make run`` installs only what the desk needs. The
replacement is process-wide and not thread-safe, which is fine for a one-shot command; it is
always restored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


class MovingClock:
    """A clock set by hand; stands in for ``now`` inside ``moving``."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def now(self) -> dt.datetime:
        return self.at


@contextmanager
def moving(start: dt.datetime) -> Iterator[MovingClock]:
    """Replace ``now`` with a ``MovingClock`` starting at ``start`` until the block ends."""
    global now
    fake = MovingClock(start)
    original = now
    now = fake.now  # type: ignore[assignment]
    try:
        yield fake
    finally:
        now = original
