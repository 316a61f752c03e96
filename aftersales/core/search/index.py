"""Writing the search index. Call these INSIDE the transaction that changes the record (the action).

Each record has at most one document, keyed by ``(kind, object_id)``. ``put`` replaces it,
``append`` adds the tokens of more text (a new message), ``update_meta`` changes the filterable
fields, ``remove`` deletes it. The database keeps its full-text index in step (triggers on
SQLite, an expression index on PostgreSQL), so a document is searchable as soon as the
transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field

from aftersales.core import bulk, clock
from aftersales.core.models import SearchDoc
from aftersales.core.search.tokens import index_tokens, merge_tokens

META_FIELDS = ("status", "customer_id", "scope", "title", "ref", "language", "happened_at")
_PUT_FIELDS = (
    "kind",
    "object_id",
    "ref",
    "title",
    "tokens",
    "title_tokens",
    "customer_id",
    "status",
    "scope",
    "language",
    "happened_at",
    "updated_at",
)


def _row(
    kind: str,
    object_id: int,
    *,
    title: str,
    text: str,
    ref: str = "",
    customer_id: int | None = None,
    status: str = "",
    scope: str = "",
    language: str = "",
    happened_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    appended: Iterable[str] = (),
) -> dict[str, Any]:
    title = (title or "")[:500]
    # ``appended``: texts added later, as ``append`` adds them (a batch writes the result at once).
    tokens = index_tokens(f"{title}\n{text or ''}", *appended)
    return {
        "kind": kind,
        "object_id": int(object_id),
        "ref": (ref or "")[:200],
        "title": title,
        "tokens": tokens,
        "title_tokens": index_tokens(title),
        "customer_id": customer_id,
        "status": status or "",
        "scope": scope or "",
        "language": language or "",
        "happened_at": happened_at,
        "updated_at": now or clock.now(),
    }


def put(
    kind: str,
    object_id: int,
    *,
    title: str,
    text: str,
    ref: str = "",
    customer_id: int | None = None,
    status: str = "",
    scope: str = "",
    language: str = "",
    happened_at: dt.datetime | None = None,
) -> None:
    """Create or replace the document of ``(kind, object_id)``; ``text`` is everything searchable (title added here)."""
    row = _row(
        kind,
        object_id,
        title=title,
        text=text,
        ref=ref,
        customer_id=customer_id,
        status=status,
        scope=scope,
        language=language,
        happened_at=happened_at,
    )
    fields = {k: v for k, v in row.items() if k not in ("kind", "object_id")}
    with transaction.atomic():
        if not SearchDoc.objects.filter(kind=kind, object_id=row["object_id"]).update(**fields):
            SearchDoc.objects.create(**row)


def append(kind: str, object_id: int, text: str) -> None:
    """Add the tokens of ``text`` to the existing document (nothing happens when there is none)."""
    more = index_tokens(text)
    if not more:
        return
    with transaction.atomic():
        stored = (
            SearchDoc.objects.select_for_update()
            .filter(kind=kind, object_id=object_id)
            .values_list("tokens", flat=True)
            .first()
        )
        if stored is None:
            return
        merged = merge_tokens(stored, more)
        if merged != stored:
            SearchDoc.objects.filter(kind=kind, object_id=object_id).update(tokens=merged, updated_at=clock.now())


def update_meta(kind: str, object_id: int, **fields: Any) -> None:
    """Change filterable fields (status, customer_id, scope, title, ref, language, happened_at).

    A new title's words are added to the tokens (the old title's words stay there until the next
    ``put``) and replace the title's own tokens (what ranking looks at).
    """
    values = _meta_values("update_meta", fields, META_FIELDS)
    if not values:
        return
    with transaction.atomic():
        if "title" in values:
            values["title"] = values["title"][:500]
            values["title_tokens"] = index_tokens(values["title"])
        if values.get("title"):
            stored = (
                SearchDoc.objects.select_for_update()
                .filter(kind=kind, object_id=object_id)
                .values_list("tokens", flat=True)
                .first()
            )
            if stored is None:
                return
            merged = merge_tokens(stored, index_tokens(values["title"]))
            if merged != stored:
                values["tokens"] = merged
        SearchDoc.objects.filter(kind=kind, object_id=object_id).update(updated_at=clock.now(), **values)


def _meta_values(caller: str, fields: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """The filterable fields as stored (a text field given None is ""); an unknown name is a TypeError."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{caller}() got unexpected fields: {', '.join(sorted(unknown))}")
    values = dict(fields)
    for name in ("status", "scope", "ref", "language", "title"):
        if name in values and values[name] is None:
            values[name] = ""
    return values


_CHANGE_FIELDS = tuple(name for name in META_FIELDS if name != "title")


def change_many(kind: str, changes: Iterable[tuple[int, str, dict[str, Any], dt.datetime]]) -> None:
    """Many documents of ``kind`` changed in order, as :func:`append` (the tokens of ``text``) then
    :func:`update_meta` (``fields``, not the title) at each change's time would leave them: one
    SELECT … FOR UPDATE and one UPDATE for all of them. Each change is ``(object_id, text, fields,
    at)``; a document that does not exist is left alone, as those leave it."""
    planned = [(object_id, text, _meta_values("change_many", fields, _CHANGE_FIELDS), at)
               for object_id, text, fields, at in changes]  # fmt: skip
    if not planned:
        return
    with transaction.atomic():
        docs = {
            doc.object_id: doc
            for doc in SearchDoc.objects.select_for_update()
            .filter(kind=kind, object_id__in={object_id for object_id, *_rest in planned})
            .only("id", "object_id", "tokens", "updated_at", *_CHANGE_FIELDS)
        }
        touched: dict[int, SearchDoc] = {}
        columns: set[str] = set()
        for object_id, text, values, at in planned:
            doc = docs.get(object_id)
            if doc is None:
                continue
            more = index_tokens(text) if text else ""
            if more and (merged := merge_tokens(doc.tokens, more)) != doc.tokens:
                doc.tokens, doc.updated_at = merged, at
                columns |= {"tokens", "updated_at"}
                touched[object_id] = doc
            if values:
                for name, value in values.items():
                    setattr(doc, name, value)
                doc.updated_at = at
                columns |= {"updated_at", *values}
                touched[object_id] = doc
        bulk.set_columns(list(touched.values()), sorted(columns))


def remove(kind: str, object_id: int) -> None:
    SearchDoc.objects.filter(kind=kind, object_id=object_id).delete()


def put_many(docs: Iterable[dict[str, Any]], *, replace: bool = True) -> int:
    """Write many documents at once (``put`` kwargs with ``kind`` and ``object_id``), for reindexing.

    A doc may also carry ``appended`` (texts whose tokens join, as :func:`append` would add them)
    and ``now`` (its ``updated_at``, else the clock's now).

    One ``executemany`` per call. ``replace=False`` assumes none of them exists yet (after
    :func:`clear`), which skips the delete. Returns how many were written.
    """
    now = clock.now()
    rows = [_row(**{"now": now, **doc}) for doc in docs]
    if not rows:
        return 0
    table = SearchDoc._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if replace:
            cursor.executemany(
                f"DELETE FROM {table} WHERE kind = %s AND object_id = %s",  # noqa: S608
                [(r["kind"], r["object_id"]) for r in rows],
            )
        columns = ", ".join(_PUT_FIELDS)
        marks = ", ".join(["%s"] * len(_PUT_FIELDS))
        field_objs = [cast(Field, SearchDoc._meta.get_field(name)) for name in _PUT_FIELDS]
        if connection.vendor == "postgresql":  # COPY: psycopg writes the values, no quoting in Python
            plain = bulk.PLAIN  # (the values are plain but for a lazy title: only those are prepared)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row([value if isinstance(value := r[f.name], plain) else
                                    f.get_db_prep_save(value, connection) for f in field_objs])  # fmt: skip
        else:
            params = [tuple(f.get_db_prep_save(r[f.name], connection) for f in field_objs) for r in rows]
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)  # noqa: S608
    return len(rows)


def clear(kinds: Iterable[str] | None = None) -> int:
    """Delete every document (of ``kinds``); returns how many."""
    qs = SearchDoc.objects.all()
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    deleted, _ = qs.delete()
    return deleted
