"""Cross-cutting records: named counters that never hand out a number twice."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import F


class Sequence(models.Model):
    """A named counter. ``next_values`` reserves numbers atomically on SQLite and PostgreSQL.

    Unlike a table's primary key, a number reserved here is never reused even if the row it
    numbered is deleted (SQLite reuses the highest rowid without AUTOINCREMENT).
    """

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_values(name: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive numbers from the counter ``name`` and return them."""
    if count < 1:
        raise ValueError("count must be positive")
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name).update(value=F("value") + count)
        last = Sequence.objects.values_list("value", flat=True).get(name=name)
    return range(last - count + 1, last + 1)
