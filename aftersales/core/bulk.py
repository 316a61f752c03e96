"""Writing many new rows at once: ``insert(objs)`` is ``Model.objects.bulk_create(objs)`` that, on
PostgreSQL, sends them with ``COPY`` instead of one huge ``INSERT``.

Why: for the legacy import (issue 9) Django's ``bulk_create`` spent more time preparing and quoting
each value (``get_db_prep_save``, the compiler, psycopg's client-side quoting of the UNNEST
arrays) than PostgreSQL spent storing them. ``COPY`` hands psycopg the Python values, which it
writes in its C dumper.

The rows are the same: the primary keys are taken first from the table's sequence (one
``nextval`` query for the batch, so the objects know their pks as after ``bulk_create``), the
values are the fields' own database values (``get_db_prep_save`` only for fields that need it:
JSON, and anything that is not a plain str, int, bool, float, datetime, date or None). No
signals are sent (neither does ``bulk_create``). Elsewhere (SQLite) it is ``bulk_create``.

``new(Model, **values)`` builds the unsaved objects themselves: the same object as ``Model(**values)``
at a fraction of the cost (Django's constructor walks every field and pops every keyword, ~45 µs
for a ticket; the import builds ~5 objects a row).
"""

from __future__ import annotations

import datetime as dt
import logging
import operator
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router, transaction
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_init, pre_init

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)

# Values psycopg writes as they are (COPY); anything else goes through the field's get_db_prep_save.
PLAIN = (str, int, float, bool, dt.datetime, dt.date, type(None))


def insert(objs: Sequence[M]) -> Sequence[M]:
    """Save the new, unsaved ``objs`` (all of one model, no pk set); returns them, pks set."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [field for field in meta.local_concrete_fields if field is not pk]
    computed = any(  # values the database or ``pre_save`` would fill in: leave those to bulk_create
        getattr(f, "auto_now", False)
        or getattr(f, "auto_now_add", False)
        or getattr(f, "generated", False)
        or f.has_db_default()  # type: ignore[attr-defined]
        for f in fields
    )
    if connection.vendor != "postgresql" or computed or not isinstance(pk, AutoFieldMixin):
        return model._default_manager.bulk_create(objs)  # type: ignore[no-any-return]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in [pk, *fields])
    row_of = _row_maker(fields, connections[connection.alias])  # (not the proxy: it is asked per value)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        ids = take_ids(cursor, meta.db_table, pk.column, len(objs))
        raw = cursor.cursor  # psycopg's own cursor (Django's wrapper has no ``copy``)
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj, pk_value in zip(objs, ids, strict=True):
                obj.pk = pk_value
                copy.write_row((pk_value, *row_of(obj)))
    alias = connection.alias  # (once: the proxy looks it up on every access)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


@dataclass(frozen=True)
class _Plan:
    fixed: dict[str, Any]  # attname → default, for every concrete field whose default is a value
    dynamic: tuple[tuple[str, Any], ...]  # (attname, field) whose default is a callable, called per object
    attnames: frozenset[str]
    relations: dict[str, tuple[type[models.Model], tuple[tuple[str, str], ...]]]  # name → (model, (attname, its))


_PLANS: dict[type[models.Model], _Plan | None] = {}


def new(model: type[M], **values: Any) -> M:
    """``model(**values)`` for a new, unsaved object, without Django's per-field loop.

    The same object: every concrete field's attribute is the given value or the field's default
    (a callable default is called for each object, as Django does), a related object given by name
    (``ticket=t``) sets the key (``ticket_id``) and is cached on the object, as its descriptor does.
    Anything else is left to the model's own constructor: a keyword that is not a concrete field's
    name or attname (a property), a model whose class defines its own ``__init__``, one with
    ``pre_init``/``post_init`` receivers when it is first built, a related object of the wrong type.
    """
    if model in _PLANS:
        plan = _PLANS[model]
    else:
        plan = _PLANS[model] = _plan(model)
    if plan is None:
        return model(**values)
    obj = model.__new__(model)
    state = obj._state = ModelState()
    data = obj.__dict__
    data.update(plan.fixed)
    cache: dict[str, Any] | None = None
    for name, value in values.items():
        relation = plan.relations.get(name)
        if relation is not None:
            related_model, keys = relation
            if value is not None:
                if not isinstance(value, related_model):
                    return model(**values)  # Django's descriptor says what is wrong
                # As the descriptor does: both objects learn the database they will be written to.
                if router.routers:
                    if state.db is None:
                        state.db = router.db_for_write(model, instance=value)
                    if value._state.db is None:
                        value._state.db = router.db_for_write(type(value), instance=obj)
                    if not router.allow_relation(value, obj):
                        return model(**values)
                else:  # (what the router answers without routers, inline: it was 1.5 % of an import)
                    if state.db is None:
                        state.db = value._state.db or DEFAULT_DB_ALIAS
                    if value._state.db is None:
                        value._state.db = state.db
                    elif value._state.db != state.db:
                        return model(**values)
            for attname, target in keys:
                data[attname] = None if value is None else getattr(value, target)
            if cache is None:
                cache = state.fields_cache
            cache[name] = value
        elif name in plan.attnames:
            data[name] = value
        else:
            return model(**values)
    for attname, field in plan.dynamic:
        if attname not in data:  # (not given)
            data[attname] = field.get_default()
    return obj


def _plan(model: type[models.Model]) -> _Plan | None:
    if any("__init__" in vars(klass) for klass in model.__mro__[: model.__mro__.index(models.Model)]):
        return None
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return None
    meta = model._meta
    fixed: dict[str, Any] = {}
    dynamic: list[tuple[str, Any]] = []
    relations: dict[str, tuple[type[models.Model], tuple[tuple[str, str], ...]]] = {}
    for field in meta.concrete_fields:
        if field.generated:  # type: ignore[attr-defined]
            return None
        if field.has_default() and callable(field.default):
            dynamic.append((field.attname, field))
        else:
            fixed[field.attname] = field.get_default()
        if field.is_relation and field.many_to_one:
            keys = tuple((lh.attname, rh.attname) for lh, rh in field.related_fields)  # type: ignore[attr-defined]
            relations[field.name] = (field.remote_field.model._meta.concrete_model, keys)  # type: ignore[union-attr,assignment]
    attnames = frozenset(field.attname for field in meta.concrete_fields)
    return _Plan(fixed=fixed, dynamic=tuple(dynamic), attnames=attnames, relations=relations)


_SEQUENCES: dict[tuple[str, str], str] = {}  # (table, column) → its sequence's name


def take_ids(cursor: Any, table: str, column: str, count: int) -> list[int]:
    """``count`` new primary keys from ``table.column``'s sequence, in one query. The sequence's name
    is looked up once per process: ``pg_get_serial_sequence`` in the select list would run per row."""
    sequence = _SEQUENCES.get((table, column))
    if sequence is None:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        sequence = _SEQUENCES[(table, column)] = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
    return [row[0] for row in cursor.fetchall()]


def _row_maker(fields: list[models.Field[Any, Any]], db: Any) -> Any:
    """``obj`` → its fields' database values, in ``fields``' order: one C-level ``attrgetter`` for
    the lot, then only the values that need more: JSON (psycopg's Jsonb, with the field's encoder),
    a relation left None whose object was saved after it was assigned (its pk now, as bulk_create
    does), and anything that is not a plain str, int, float, bool, datetime, date or None."""
    get = operator.attrgetter(*(field.attname for field in fields))
    special = [(index, field) for index, field in enumerate(fields)
               if isinstance(field, models.JSONField) or field.is_relation]  # fmt: skip
    others = sorted(set(range(len(fields))) - {index for index, _field in special})
    single = len(fields) == 1

    def row_of(obj: models.Model) -> list[Any]:
        values = [get(obj)] if single else list(get(obj))
        for index, field in special:
            value = values[index]
            if field.is_relation:
                if value is None and field.is_cached(obj):  # type: ignore[attr-defined]
                    related = field.get_cached_value(obj)  # type: ignore[attr-defined]
                    if related is not None:
                        values[index] = related.pk
                        setattr(obj, field.attname, related.pk)
            else:
                values[index] = field.get_db_prep_save(value, db)
        for index in others:
            if not isinstance(values[index], PLAIN):
                values[index] = fields[index].get_db_prep_save(values[index], db)
        return values

    return row_of


def set_column(objs: Sequence[models.Model], name: str) -> None:
    """Save one field of many saved objects (each its own value): ``set_columns`` with one name."""
    set_columns(objs, [name])


def set_columns(objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Save some fields of many saved objects (each its own values) in one UPDATE: on PostgreSQL an
    ``UPDATE … FROM (VALUES …)``; elsewhere one UPDATE each. ``bulk_update`` does it with a CASE
    expression whose compiling cost the import more than the hundred small updates it replaced."""
    if not objs or not names:
        return
    meta = type(objs[0])._meta
    fields = [meta.get_field(name) for name in names]
    assert meta.pk is not None and all(isinstance(field, models.Field) for field in fields)
    concrete = cast(list[models.Field[Any, Any]], fields)
    if connection.vendor != "postgresql":
        for obj in objs:
            type(obj)._default_manager.filter(pk=obj.pk).update(
                **{field.name: getattr(obj, field.attname) for field in concrete}
            )
        return
    db = connections[connection.alias]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    row = "(%s, " + ", ".join(f"%s::{field.db_type(db)}" for field in concrete) + ")"
    params = [
        part for obj in objs
        for part in (obj.pk, *(field.get_db_prep_save(getattr(obj, field.attname), db) for field in concrete))
    ]  # fmt: skip
    assignments = ", ".join(f"{quote(field.column)} = v.column{n}" for n, field in enumerate(concrete, start=2))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(objs))}) AS v "  # noqa: S608
            f"WHERE {table}.{quote(meta.pk.column)} = v.column1",
            params,
        )


def relaxed_commit() -> None:
    """Let the current transaction's COMMIT return before its WAL reaches the disk (PostgreSQL's
    ``synchronous_commit = off`` for this transaction only; elsewhere nothing). For work that can be
    redone: a crash of the machine may lose the transactions of its last fraction of a second, each
    whole (never half of one), and nothing else. The importer uses it for its batches, which a second
    run imports again: their rows' fingerprints are not in the database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def analyze(models_: Sequence[type[models.Model]]) -> None:
    """Refresh PostgreSQL's statistics of tables a bulk load is growing (``ANALYZE``; elsewhere
    nothing). The planner sizes its plans by the last statistics: a table analyzed while nearly
    empty (or never, with autovacuum off or behind) makes "the notes of these 500 tickets" a scan of
    every note, so each batch of a long import gets slower than the one before. Callers run it as
    the table doubles, which keeps the total cost a few seconds over a million rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def analyze_beside(models_: Sequence[type[models.Model]]) -> threading.Thread | None:
    """``analyze`` on a connection of its own, in a thread, so that the database refreshes its
    statistics while the caller goes on writing (the two use both CPUs instead of taking turns).
    It sees what is committed: call it between transactions. None where there is nothing to do
    (not PostgreSQL); join the thread before relying on the statistics. A failure is logged, never
    raised: statistics are an optimisation."""
    if connection.vendor != "postgresql":
        return None

    def run() -> None:
        try:
            analyze(models_)
        except Exception:
            logger.warning("ANALYZE beside a bulk load failed", exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run, name="analyze", daemon=True)
    thread.start()
    return thread
