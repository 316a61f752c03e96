"""Cross-cutting records: named counters that never hand out a number twice, the claims of
periodic jobs, the search index, and the fields every outbox table shares."""

from __future__ import annotations

from django.db import connection, models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class OutboxRow(models.Model):
    """The delivery fields of an outbox table, the ones ``core.outbox.Outbox`` drives: how many
    attempts, when the next one is due, who holds the lease and since when, the last error, and
    when it was sent. A table adds its own ``state`` (whose choices name PENDING, SENDING, SENT
    and FAILED), ``created_at`` and whatever it carries (a reply, a notification, a survey)."""

    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    # Who holds the lease (``core.leases.holder``: host:pid of the worker); blank when nobody does.
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True


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
    # One statement on both databases (SQLite ≥ 3.35 and PostgreSQL know RETURNING), atomic by
    # itself; the counter's row is created on its first use only.
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + %s WHERE name = %s RETURNING value", [count, name])  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        last = row[0]
    else:
        with transaction.atomic():
            Sequence.objects.get_or_create(name=name)
            Sequence.objects.filter(name=name).update(value=F("value") + count)
            last = Sequence.objects.values_list("value", flat=True).get(name=name)
    return range(last - count + 1, last + 1)


class ScheduledRun(models.Model):
    """One claimed slot of a periodic job (see ``aftersales.core.scheduler``).

    The unique (job, slot_start) pair is the lock: whichever scheduler inserts the row first
    enqueues the job for that slot, every other scheduler gets an IntegrityError and skips it.
    """

    job = models.CharField(max_length=100)
    slot_start = models.DateTimeField()
    slot_end = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=200, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    # Set by tasks that report back (the heartbeat does): proves a worker ran the job.
    ran_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot_start"], name="core_scheduledrun_one_per_slot")]
        ordering = ["-slot_start"]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot_start.isoformat()}"


class SearchDoc(models.Model):
    """One searchable record (a ticket, a customer, an article…) as the search index sees it.

    ``tokens`` is made in Python (``aftersales.core.search.tokens``) and indexed by the database:
    an FTS5 table kept in sync by triggers on SQLite, a GIN index on
    ``array_to_tsvector(string_to_array(tokens, ' '))`` on PostgreSQL (migration 0003).
    ``title_tokens`` (the title's tokens alone, migration 0004) is not indexed: the ranking reads
    it for the matching rows only (``search.query``). Written
    only through ``aftersales.core.search.index``; ``customer_id`` is a plain number because core
    knows no customers.
    """

    kind = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    ref = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)
    tokens = models.TextField(blank=True)
    # The title's own tokens (also in ``tokens``): a query word found here ranks the document first.
    title_tokens = models.TextField(blank=True, default="")
    customer_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=30, blank=True)
    scope = models.CharField(max_length=30, blank=True)
    language = models.CharField(max_length=15, blank=True)
    happened_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="core_searchdoc_one_per_object")]
        indexes = [models.Index(fields=["customer_id"], name="core_searchdoc_customer")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
