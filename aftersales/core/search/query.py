"""Asking the search index: ``search`` (the search box and the API) and ``similar`` (suggestions).

``search``: every query term must match (see ``tokens.query_terms``). Documents are ranked
first by how many of the query's words their *title* holds (``SearchDoc.title_tokens``, checked
the same way on both databases), then by the database's rank (bm25 on SQLite, ts_rank on
PostgreSQL: the tokens are stored once each, so among documents that all match it only prefers
the shorter), ties newest first; see :func:`_title_first`. ``count`` is exact up
to ``COUNT_CAP`` (then ``count_capped``, and the newest matches instead of ranked ones).
Snippets come from each source's original text, highlighted. Exact lookups
registered by the apps (a ticket ref, a phone number…) go to ``.exact``.

``similar``: the most distinctive words of a text (jieba's TF-IDF keywords for Chinese, content
words for English), any of which may match, ranked; for "similar tickets" and suggested articles.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from aftersales.core.search import registry, snippets
from aftersales.core.search.backends import Match, get_backend
from aftersales.core.search.registry import Hit
from aftersales.core.search.tokens import QueryPart, jieba_tokenizer, normalize, query_parts, query_terms

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100
MAX_TERMS = 32  # a pasted paragraph does not become a 500-term query
# Matches are counted exactly up to COUNT_CAP; past it the count is COUNT_CAP and ``count_capped`` is set
# ("more than 1,000"), and the results are the newest matches rather than ranked ones: ranking or counting
# 100,000 matches of a common word costs a second at a million tickets, and nobody reads them all.
COUNT_CAP = 1_000
SIMILAR_CANDIDATES = 200  # newest documents per candidate query of similar(), scored in Python
SIMILAR_ZH_WORDS = 5
SIMILAR_EN_WORDS = 5


@dataclass
class SearchPage:
    count: int
    items: list[Hit]
    page: int
    per_page: int
    exact: list[Hit] = field(default_factory=list)
    count_capped: bool = False  # more than ``count`` documents match (see COUNT_CAP)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _filters(
    *,
    kinds: Sequence[str] | None,
    status: Sequence[str] | None,
    customer_ids: Sequence[int] | None,
    scope: str | None,
    language: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    exclude: Sequence[tuple[str, int]],
) -> tuple[list[str], list[Any]]:
    sql: list[str] = []
    params: list[Any] = []

    def within(column: str, values: Sequence[Any]) -> None:
        sql.append(f"d.{column} IN ({', '.join(['%s'] * len(values))})")
        params.extend(values)

    if kinds is not None:
        within("kind", list(kinds))
    if status:
        within("status", list(status))
    if customer_ids:
        within("customer_id", [int(c) for c in customer_ids])
    if scope:
        sql.append("d.scope = %s")
        params.append(scope)
    if language:
        sql.append("d.language = %s")
        params.append(language)
    if date_from:
        sql.append("d.happened_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(_day_start(date_from)))
    if date_to:
        sql.append("d.happened_at < %s")
        params.append(connection.ops.adapt_datetimefield_value(_day_start(date_to + dt.timedelta(days=1))))
    for kind, object_id in exclude:
        sql.append("NOT (d.kind = %s AND d.object_id = %s)")
        params.extend([kind, int(object_id)])
    return sql, params


def _allowed_kinds(kinds: Sequence[str] | None, user: Any) -> list[str] | None:
    if user is None:
        return list(kinds) if kinds is not None else None
    candidates = list(kinds) if kinds is not None else list(registry.sources())
    allowed = []
    for kind in candidates:
        source = registry.get_source(kind)
        if source is not None and source.allowed(user):
            allowed.append(kind)
    return allowed


PLAN_SETTINGS_FROM = 10_000  # documents; on a smaller index a sequential scan costs little
_size_cache: dict[str, tuple[float, float]] = {}


def _index_is_large() -> bool:
    """Does the documents table hold PLAN_SETTINGS_FROM rows or more? (The planner's estimate, cached 5 minutes.)"""
    key = connection.alias
    cached = _size_cache.get(key)
    now = time.monotonic()
    if cached is None or now - cached[0] > 300:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'core_searchdoc'")
            row = cursor.fetchone()
        cached = (now, float(row[0]) if row else 0.0)
        _size_cache[key] = cached
    return cached[1] >= PLAN_SETTINGS_FROM


def _fetch(sql: str, params: list[Any], plan: str) -> list[tuple]:
    """Run one search statement with the backend's planner settings for ``plan`` (PostgreSQL: see backends)."""
    switched_off = get_backend().plan_settings.get(plan, ())
    if not switched_off or not _index_is_large():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    # SET LOCAL needs a transaction. Our own ends with the statement; inside someone else's the
    # settings are put back after it (no savepoint needed either way).
    nested = connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {name} = off" for name in switched_off))
        cursor.execute(sql, params)
        rows = list(cursor.fetchall())
        if nested:
            cursor.execute("; ".join(f"SET LOCAL {name} = DEFAULT" for name in switched_off))
        return rows


def _rows(
    match: Match,
    filters: list[str],
    filter_params: list[Any],
    limit: int,
    offset: int,
    *,
    recent: bool = False,
    tokens: bool = False,
) -> list[tuple]:
    """(id, kind, object_id, ref, title, score[, tokens]) of one page of matches."""
    columns = f"d.id, d.kind, d.object_id, d.ref, d.title, {match.score} AS score" + (", d.tokens" if tokens else "")
    if recent and get_backend().vendor == "postgresql":
        return _recent_rows_windowed(match, filters, filter_params, limit, offset, columns)
    where = " AND ".join([match.where, *filters])
    order = match.recent if recent else "score DESC, d.id DESC"
    sql = (
        f"SELECT {columns} "  # noqa: S608
        f"FROM {match.from_sql} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
    )
    params = [*match.score_params, *match.from_params, *match.where_params, *filter_params, limit, offset]
    return _fetch(sql, params, "recent" if recent else "bitmap")


RECENT_WINDOW = 50_000  # PostgreSQL: newest documents looked at first (ids), then 8 times more, …


def _recent_rows_windowed(
    match: Match, filters: list[str], filter_params: list[Any], limit: int, offset: int, columns: str
) -> list[tuple]:
    """Newest matches on PostgreSQL: the GIN bitmap ANDed with a range of the newest ids, widened until enough.

    A backward primary-key scan evaluates the tokens of every row it passes (a second when the
    matches are old); the bitmap AND reads only matching rows of the window (about 30 ms).
    """
    newest = _newest_id()
    window = RECENT_WINDOW
    while True:
        where = " AND ".join([match.where, *filters, "d.id > %s"])
        # The rank only for the page's rows (the inner query may pass thousands).
        sql = (
            f"SELECT {columns} "  # noqa: S608
            f"FROM core_searchdoc d WHERE d.id IN (SELECT d.id FROM {match.from_sql} WHERE {where} "
            f"ORDER BY d.id DESC LIMIT %s OFFSET %s) ORDER BY d.id DESC"
        )
        lowest = newest - window
        params = [*match.score_params, *match.from_params, *match.where_params, *filter_params, lowest, limit, offset]
        rows = _fetch(sql, params, "bitmap")
        if len(rows) == limit or lowest <= 0:
            return rows
        window *= 8


_newest_cache: dict[str, tuple[float, int]] = {}


def _newest_id() -> int:
    """The highest document id, cached a minute: documents added since are above it, so still in every window."""
    cached = _newest_cache.get(connection.alias)
    now = time.monotonic()
    if cached is None or now - cached[0] > 60:
        with connection.cursor() as cursor:
            cursor.execute("SELECT MAX(id) FROM core_searchdoc")
            cached = (now, int(cursor.fetchone()[0] or 0))
        _newest_cache[connection.alias] = cached
    return cached[1]


def _title_first(match: Match, parts: list[QueryPart], terms: list[str]) -> Match:
    """``match`` scored title first: the number of the query's words (``parts``) whose every
    term is among the document's title tokens, plus the database's rank squeezed into [0, 1).

    So a document whose title holds more of the query's words always comes first, however long
    its body (bm25 and ts_rank, on tokens stored once each, only tell matching documents apart by
    their length: a long article would otherwise rank behind every short ticket); among equals
    the database's rank (the shorter) decides, as before. The title check is a ``LIKE`` on the
    padded ``title_tokens`` of each matching row, the same on both databases, so both give the
    same order. (FTS5 column weights would do on SQLite, but ``setweight`` does nothing to
    PostgreSQL's positionless lexemes.)
    """
    have = set(terms)
    checks: list[str] = []
    params: list[Any] = []
    for part in parts:
        # query_terms may keep the exact word instead of the prefix, and cuts at MAX_TERMS.
        wanted = [t[:-1] if t not in have and t.endswith("*") and t[:-1] in have else t for t in part.terms()]
        if not wanted or not have.issuperset(wanted):
            continue
        # A term is one token: " 送达 " anywhere in " … ", a prefix " voda" at a token's start.
        params.extend(f"% {t[:-1]}%" if t.endswith("*") else f"% {t} %" for t in wanted)
        title_has = " AND ".join(["(' ' || d.title_tokens || ' ') LIKE %s"] * len(wanted))
        checks.append(f"CASE WHEN {title_has} THEN 1 ELSE 0 END")
    if not checks:
        return match
    # 1 - 1 / (1 + rank) keeps the rank's order (rank > 0) and stays below 1: the title count leads.
    score = f"({' + '.join(checks)}) + 1.0 - 1.0 / (1.0 + CAST({match.score} AS double precision))"
    return replace(match, score=score, score_params=[*params, *match.score_params])


def _count(match: Match, filters: list[str], filter_params: list[Any], cap: int) -> int:
    """How many documents match, counting at most ``cap + 1``."""
    where = " AND ".join([match.where, *filters])
    sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM {match.from_sql} WHERE {where} LIMIT %s) matches"  # noqa: S608
    params = [*match.from_params, *match.where_params, *filter_params, cap + 1]
    return int(_fetch(sql, params, "bitmap")[0][0])


def _hits(rows: list[tuple], parts: list[Any]) -> list[Hit]:
    by_kind: dict[str, list[int]] = {}
    for _, kind, object_id, *_rest in rows:
        by_kind.setdefault(kind, []).append(object_id)
    texts: dict[tuple[str, int], str] = {}
    for kind, ids in by_kind.items():
        source = registry.get_source(kind)
        if source is None:
            continue
        for object_id, text in source.texts(ids).items():
            texts[(kind, object_id)] = text
    hits = []
    for _, kind, object_id, ref, title, score in rows:
        source = registry.get_source(kind)
        text = texts.get((kind, object_id), title)
        hits.append(
            Hit(
                kind=kind,
                object_id=object_id,
                ref=ref,
                title=title,
                snippet=snippets.snippet(text, parts),
                url=source.url(object_id, ref) if source is not None else "",
                score=float(score or 0.0),
            )
        )
    return hits


def exact_hits(q: str, user: Any) -> list[Hit]:
    """What the registered exact lookups find for ``q`` (each lookup's failure is logged, not raised)."""
    hits: list[Hit] = []
    seen: set[tuple[str, int]] = set()
    for lookup in registry.lookups():
        try:
            found = lookup(q, user)
        except Exception:
            logger.exception("search lookup %r failed", lookup)
            continue
        for hit in found:
            if (hit.kind, hit.object_id) not in seen:
                seen.add((hit.kind, hit.object_id))
                hits.append(hit)
    return hits


def search(
    q: str,
    *,
    kinds: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    customer_ids: Sequence[int] | None = None,
    scope: str | None = None,
    language: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 20,
    exclude: Sequence[tuple[str, int]] = (),
    user: Any = None,
) -> SearchPage:
    """One page of documents matching every term of ``q``, best first, with the total count."""
    page = max(1, int(page))
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    q = (q or "").strip()
    exact = exact_hits(q, user) if q else []
    terms = query_terms(q)[:MAX_TERMS]
    allowed = _allowed_kinds(kinds, user)
    if not terms or allowed == []:
        return SearchPage(count=0, items=[], page=page, per_page=per_page, exact=exact)
    match = _title_first(get_backend().match([terms]), query_parts(q), terms)
    filters, params = _filters(
        kinds=allowed,
        status=status,
        customer_ids=customer_ids,
        scope=scope,
        language=language,
        date_from=date_from,
        date_to=date_to,
        exclude=exclude,
    )
    counted = _count(match, filters, params, COUNT_CAP)
    capped = counted > COUNT_CAP
    rows = _rows(match, filters, params, per_page, (page - 1) * per_page, recent=capped) if counted else []
    return SearchPage(
        count=min(counted, COUNT_CAP),
        items=_hits(rows, query_parts(q)),
        page=page,
        per_page=per_page,
        exact=exact,
        count_capped=capped,
    )


# --- more like this ----------------------------------------------------------------------------
ENGLISH_STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "during",
        "each",
        "else",
        "even",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "let",
        "like",
        "made",
        "make",
        "many",
        "may",
        "me",
        "more",
        "most",
        "much",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "please",
        "same",
        "she",
        "should",
        "since",
        "so",
        "some",
        "still",
        "such",
        "than",
        "thank",
        "thanks",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "use",
        "used",
        "very",
        "via",
        "was",
        "we",
        "well",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yes",
        "yet",
        "you",
        "your",
        "yours",
        "hi",
        "hello",
        "dear",
        "regards",
        "best",
        "kind",
        "sorry",
        "ok",
        "okay",
        "can't",
        "cannot",
        "don't",
        "any",
        "new",
        "now",
        "today",
        "yesterday",
        "tomorrow",
        "week",
        "day",
        "days",
        "hour",
        "hours",
        "minutes",
        "minute",
        "time",
        "times",
    ]
)
_ENGLISH_WORD = re.compile(r"(?<![a-z0-9])[a-z][a-z0-9]{2,}(?![a-z0-9])")
_CJK_WORD = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,}$")


def _candidates(match: Match, filters: list[str], params: list[Any]) -> list[tuple]:
    """The newest SIMILAR_CANDIDATES matches as (id, kind, object_id, ref, title, tokens)."""
    found = _rows(match, filters, params, SIMILAR_CANDIDATES, 0, recent=True, tokens=True)
    return [(*row[:5], row[6]) for row in found]


def keywords(text: str) -> tuple[list[str], list[str]]:
    """The most distinctive Chinese words (jieba TF-IDF) and English words (frequency, stop words out) of ``text``."""
    folded = normalize(text or "")[:20_000]
    zh: list[str] = []
    if re.search(r"[\u3400-\u9fff]", folded):
        jieba_tokenizer()
        import jieba.analyse

        zh = [w for w in jieba.analyse.extract_tags(folded, topK=SIMILAR_ZH_WORDS * 2) if _CJK_WORD.match(w)]
        zh = zh[:SIMILAR_ZH_WORDS]
    counts = Counter(w for w in _ENGLISH_WORD.findall(folded) if w not in ENGLISH_STOP_WORDS)
    en = [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))]
    return zh, en[:SIMILAR_EN_WORDS]


def similar(
    text: str,
    *,
    kinds: Sequence[str],
    status: Sequence[str] | None = None,
    scope: str | None = None,
    language: str | None = None,
    limit: int = 5,
    exclude: Sequence[tuple[str, int]] = (),
) -> list[Hit]:
    """Documents sharing the most distinctive words of ``text`` (either language), best first."""
    zh, en = keywords(text)
    groups: list[list[str]] = [[w[i : i + 2] for i in range(len(w) - 1)] for w in zh]
    groups += [[w] for w in en]
    if not groups or not kinds:
        return []
    filters, params = _filters(
        kinds=list(kinds),
        status=status,
        customer_ids=None,
        scope=scope,
        language=language,
        date_from=None,
        date_to=None,
        exclude=exclude,
    )
    # Candidates: the newest documents with the two most distinctive words, then (if too few) the newest with any
    # of them (both cheap: the index drives "newest first" and stops early). Then they are scored
    # here, the same way on both databases: each word is worth more the more distinctive it is.
    candidates: dict[int, tuple] = {}
    plans = [groups[:2]] if len(groups) > 1 else []
    plans.append(groups)
    for plan, any_group in zip(plans, [False, True][-len(plans) :], strict=True):
        match = get_backend().match(plan, any_group=any_group)
        for row in _candidates(match, filters, params):
            candidates[row[0]] = row
        if len(candidates) >= SIMILAR_CANDIDATES // 2:
            break  # enough documents share the two best words: no need for the wide "any word" query
    weights = [len(groups) - i + 1 for i in range(len(groups))]
    scored = []
    for doc_id, kind, object_id, ref, title, stored in candidates.values():
        have = set(stored.split())
        score = sum(w for w, group in zip(weights, groups, strict=True) if all(t in have for t in group))
        scored.append((score / (1 + math.log(1 + len(have))), doc_id, kind, object_id, ref, title))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    rows = [(doc_id, kind, object_id, ref, title, score) for score, doc_id, kind, object_id, ref, title in scored]
    parts = query_parts(" ".join([*zh, *en]) + " ")
    return _hits(rows[: max(1, limit)], parts)
