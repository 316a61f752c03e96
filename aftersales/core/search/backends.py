"""The database side of search: one interface, one implementation per database (``connection.vendor``).

Both see the same tokens (made in Python), so a query matches the same documents on both:

- SQLite: the FTS5 table ``core_searchdoc_fts`` (external content, kept in step by triggers),
  ``MATCH`` and ``bm25()``;
- PostgreSQL: ``array_to_tsvector(string_to_array(tokens, ' '))`` (no text parser: the tokens
  are the lexemes), a GIN index on that expression, ``@@`` and ``ts_rank``.

A backend turns a list of terms (``word`` or ``prefix*``, see ``tokens.query_terms``) into a SQL
condition on the documents table aliased ``d``, plus a score expression (higher = better).
Groups: ``match(groups, any_group)`` where each group is a list of terms that must all match; the
groups are ANDed (``any_group=False``) or ORed (``any_group=True``, for "more like this").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

TABLE = "core_searchdoc"
FTS_TABLE = "core_searchdoc_fts"
TSV = "array_to_tsvector(string_to_array(d.tokens, ' '))"


@dataclass(frozen=True)
class Match:
    """SQL pieces: ``FROM {from_sql}`` … ``WHERE {where}``, ``{score}`` for ordering; params in that order."""

    from_sql: str
    from_params: list[Any]
    where: str
    where_params: list[Any]
    score: str
    score_params: list[Any]
    recent: str = "d.id DESC"  # newest documents first, in an order the index can drive


class Backend:
    vendor = ""
    # Planner settings around a search statement: "bitmap" (count, rank) or "recent" (newest first).
    plan_settings: dict[str, tuple[str, ...]] = {}

    def match(self, groups: list[list[str]], *, any_group: bool = False) -> Match:
        raise NotImplementedError


class SQLiteBackend(Backend):
    vendor = "sqlite"

    @staticmethod
    def expression(groups: list[list[str]], any_group: bool) -> str:
        def term(t: str) -> str:
            return f'"{t[:-1]}"*' if t.endswith("*") else f'"{t}"'

        parts = []
        for group in groups:
            inner = " AND ".join(term(t) for t in group)
            parts.append(f"({inner})" if len(group) > 1 else inner)
        return (" OR " if any_group else " AND ").join(parts)

    def match(self, groups: list[list[str]], *, any_group: bool = False) -> Match:
        return Match(
            from_sql=f"{FTS_TABLE} CROSS JOIN {TABLE} d ON d.id = {FTS_TABLE}.rowid",
            from_params=[],
            where=f"{FTS_TABLE} MATCH %s",
            where_params=[self.expression(groups, any_group)],
            score=f"-bm25({FTS_TABLE})",
            score_params=[],
            recent=f"{FTS_TABLE}.rowid DESC",
        )


class PostgresBackend(Backend):
    vendor = "postgresql"
    # The planner prices array_to_tsvector() at almost nothing, so with a LIMIT it often prefers a
    # sequential scan (or a backward primary-key scan) that evaluates it on every row: 0.7 s at a
    # million documents where the GIN bitmap takes 30 ms. These settings hold for one statement.
    plan_settings = {
        "bitmap": ("enable_seqscan", "enable_indexscan"),
        "recent": ("enable_seqscan",),
    }

    @staticmethod
    def expression(groups: list[list[str]], any_group: bool) -> str:
        def term(t: str) -> str:
            return f"'{t[:-1]}':*" if t.endswith("*") else f"'{t}'"

        parts = []
        for group in groups:
            inner = " & ".join(term(t) for t in group)
            parts.append(f"({inner})" if len(group) > 1 else inner)
        return (" | " if any_group else " & ").join(parts)

    def match(self, groups: list[list[str]], *, any_group: bool = False) -> Match:
        tsquery = self.expression(groups, any_group)
        return Match(
            from_sql=f"{TABLE} d",
            from_params=[],
            where=f"{TSV} @@ CAST(%s AS tsquery)",
            where_params=[tsquery],
            # Normalization 1: divided by 1 + log(number of distinct tokens), like bm25's length part.
            score=f"ts_rank({TSV}, CAST(%s AS tsquery), 1)",
            score_params=[tsquery],
        )


def get_backend() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"search has no backend for {connection.vendor}")
