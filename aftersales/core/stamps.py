"""Per-process caches of rarely edited settings, checked against a stamp in the database.

Mail, routing and SLA read the same few rows (routing rules, SLA policies, mailbox addresses…)
for every new ticket. A :class:`StampedCache` keeps them in the process and asks the database
one cheap question per use: has the stamp changed? A stamp is a row of ``core.Sequence``
(named ``stamp:<name>``) holding a random number; every write to the cached data sets a new
random number in the same transaction (:func:`bump`, called from signals and querysets), so

* an edit is seen by the next use in every process, as soon as the edit commits;
* an edit rolled back takes its stamp with it, and a random value is never reused, so no
  process keeps data read inside a transaction that did not commit;
* a stamp row that is missing (a new or flushed database) is created with a fresh value.

Nothing that bypasses the ORM (raw SQL, another program) bumps a stamp: callers document it.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from django.db import IntegrityError, connection, transaction

from aftersales.core.models import Sequence

T = TypeVar("T")

_PREFIX = "stamp:"


def _new_value() -> int:
    return secrets.randbits(62)


_local = threading.local()


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """Within the block, all stamps are read once, in one query, and then taken as constant.

    For one unit of work in one transaction (mail processes a message): an edit committed by
    someone else meanwhile applies to the next unit. A :func:`bump` inside the block is seen.
    """
    outer = getattr(_local, "pinned", None)
    if outer is None:
        _local.pinned = {}
    try:
        yield
    finally:
        if outer is None:
            _local.pinned = None


def _read_all() -> dict[str, int]:
    with connection.cursor() as cursor:
        table = Sequence._meta.db_table
        cursor.execute(f"SELECT name, value FROM {table} WHERE name LIKE %s", [_PREFIX + "%"])  # noqa: S608
        return {str(name): int(value) for name, value in cursor.fetchall()}


def read(name: str) -> int:
    """The current stamp of ``name`` (created when missing)."""
    key = _PREFIX + name
    memo = getattr(_local, "pinned", None)
    if memo is not None:
        if not memo:
            memo.update(_read_all() or {"": 0})  # never empty once read
        if key in memo:
            return memo[key]
        memo[key] = value = _create(key)
        return value
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {Sequence._meta.db_table} WHERE name = %s", [key])  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    return _create(key)


def _create(key: str) -> int:
    try:
        with transaction.atomic():
            return Sequence.objects.get_or_create(name=key, defaults={"value": _new_value()})[0].value
    except IntegrityError:  # created by another process meanwhile
        return Sequence.objects.values_list("value", flat=True).get(name=key)


def bump(name: str) -> None:
    """The data behind ``name`` changed (in the current transaction): every cache reloads."""
    key = _PREFIX + name
    value = _new_value()
    memo = getattr(_local, "pinned", None)
    if memo:
        memo.clear()  # read again, from this transaction (a savepoint may still roll this back)
    if not Sequence.objects.filter(name=key).update(value=value):
        try:
            with transaction.atomic():
                Sequence.objects.create(name=key, value=value)
        except IntegrityError:
            Sequence.objects.filter(name=key).update(value=value)


class StampedCache(Generic[T]):
    """``get()`` returns ``load()``'s result, loaded again whenever the stamp ``name`` changed."""

    def __init__(self, name: str, load: Callable[[], T]) -> None:
        self.name = name
        self.load = load
        self._entry: tuple[int, T] | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        stamp = read(self.name)  # first the stamp, then the data: an edit in between only costs a reload
        entry = self._entry
        if entry is not None and entry[0] == stamp:
            return entry[1]
        value = self.load()
        with self._lock:
            self._entry = (stamp, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entry = None
