"""Reads of the knowledge base: lists, counts, suggestions for a ticket, knowledge gaps, and the
public help pages of the portal (the portal calls ``public_articles`` / ``get_public_article``
/ ``search_public`` and nothing else of this app).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language

from aftersales.core import clock
from aftersales.core.search import query
from aftersales.core.search.tokens import normalize, token_list
from aftersales.customers.models import Customer
from aftersales.knowledge.models import Article, ArticleStatus, Audience, Macro, MacroText, TicketSolution
from aftersales.tickets.models import Category, MessageKind, Ticket

logger = logging.getLogger(__name__)

SUGGESTIONS = 5
DONE = ("resolved", "closed")


# --- Lists and one article -----------------------------------------------------------------
def with_solved_counts(queryset: QuerySet[Article]) -> QuerySet[Article]:
    return queryset.annotate(solved_count=Count("solutions", distinct=True), last_solved_at=Max("solutions__at"))


def filter_articles(queryset: QuerySet[Article], filters: dict[str, Any]) -> QuerySet[Article]:
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("category"):
        category: Category = filters["category"]
        queryset = queryset.filter(Q(category=category) | Q(category__parent=category))
    if filters.get("language"):
        queryset = queryset.filter(language=filters["language"])
    if filters.get("audience"):
        queryset = queryset.filter(audience=filters["audience"])
    return queryset


def language_versions(article: Article) -> list[Article]:
    """The article's other languages (the page's "also in …")."""
    return list(Article.objects.filter(group_id=article.group_id).exclude(pk=article.pk).order_by("language"))


def solved_stats(article: Article) -> dict[str, Any]:
    stats = TicketSolution.objects.filter(article=article).aggregate(count=Count("pk"), last=Max("at"))
    return {"solved_count": stats["count"] or 0, "last_solved_at": stats["last"]}


def readable_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A version's fields as a reader sees them: the owner's name instead of an id, labels for choices."""
    shown = dict(fields)
    owner_id = fields.get("owner")
    if owner_id:
        user = get_user_model().objects.select_related("agent_profile").filter(pk=owner_id).first()
        profile = getattr(user, "agent_profile", None) if user else None
        shown["owner"] = profile.display_name if profile else (user.get_username() if user else f"#{owner_id}")
    if fields.get("category"):
        category = Category.objects.filter(code=fields["category"]).first()
        shown["category"] = str(category) if category else fields["category"]
    if fields.get("status") in ArticleStatus.values:
        shown["status"] = str(ArticleStatus(fields["status"]).label)
    if fields.get("audience") in Audience.values:
        shown["audience"] = str(Audience(fields["audience"]).label)
    return shown


# --- The ticket page: suggestions and "solved with" ----------------------------------------
def ticket_language(ticket: Ticket) -> str:
    if ticket.contact_id and ticket.contact and ticket.contact.language:
        return ticket.contact.language
    if ticket.customer_id and ticket.customer and ticket.customer.language:
        return ticket.customer.language
    return ""


def ticket_text(ticket: Ticket) -> str:
    """What the ticket is about: subject, description and the customer's first message."""
    first = (
        ticket.messages.filter(kind=MessageKind.INBOUND)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    return "\n".join(part for part in (ticket.subject, ticket.description, first or "") if part)


def _preferred(languages: list[str]) -> list[str]:
    seen: list[str] = []
    for language in languages:
        if language and language not in seen:
            seen.append(language)
    return seen


SUGGESTION_CANDIDATES = 20
# Where a ticket's distinctive word is found in an article, and what that is worth. The search
# index ranks whole documents, so a long article that mentions many words in passing can
# outrank the one whose title and tags are about exactly this; re-ranking a handful of
# candidates by where the words occur puts the standard answer first.
FIELD_WEIGHTS = (("title", 3.0), ("tags", 2.5), ("problem", 1.5), ("cause", 0.5), ("solution", 0.5))


def _weighted_keywords(text: str) -> list[tuple[str, float]]:
    zh, en = query.keywords(text)
    weighted: list[tuple[str, float]] = []
    for words in (zh, en):
        weighted += [(word, 1.0 / (1.0 + 0.2 * rank)) for rank, word in enumerate(words)]
    return weighted


@functools.lru_cache(maxsize=512)
def _folded(
    pk: int, updated_at: dt.datetime, title: str, tags: str, problem: str, cause: str, solution: str
) -> dict[str, str]:
    """An article's fields normalised like the index's words (cached: articles change rarely)."""
    fields = {"title": title, "tags": tags, "problem": problem, "cause": cause, "solution": solution}
    return {name: normalize(value) for name, value in fields.items()}


def _relevance(article: Article, keywords: list[tuple[str, float]]) -> float:
    folded = _folded(
        article.pk,
        article.updated_at,
        article.title,
        " ".join(article.tags or []),
        article.problem,
        article.cause,
        article.solution,
    )
    return sum(
        weight * field_weight
        for word, weight in keywords
        for name, field_weight in FIELD_WEIGHTS
        if word in folded[name]
    )


CATEGORY_BONUS = 2.0  # an article of the ticket's own category: as much as a title word


def suggested_articles(
    text: str, languages: list[str], *, limit: int = SUGGESTIONS, category_id: int | None = None
) -> list[Article]:
    """The most relevant published articles for ``text``, one per article (language group), each in
    the first of ``languages`` it is published in (else the language that matched).

    Candidates come from the search index (``similar``); they are re-ranked by where the text's
    distinctive words occur in them (title and tags count most) and whether they belong to the
    ticket's category (``category_id``), the index's score breaking ties.
    """
    if not text.strip():
        return []
    hits = query.similar(text, kinds=["article"], status=[ArticleStatus.PUBLISHED], limit=SUGGESTION_CANDIDATES)
    if not hits:
        return []
    top = max(hit.score for hit in hits) or 1.0
    index_score = {hit.object_id: hit.score / top for hit in hits}
    candidates = list(Article.objects.filter(pk__in=list(index_score), status=ArticleStatus.PUBLISHED))
    keywords = _weighted_keywords(text)
    best: dict[int, float] = {}
    for article in candidates:
        score = _relevance(article, keywords) + index_score[article.pk]
        if category_id is not None and article.category_id == category_id:
            score += CATEGORY_BONUS
        best[article.group_id] = max(best.get(article.group_id, 0.0), score)
    groups = sorted(best, key=lambda group_id: -best[group_id])[:limit]
    versions: dict[int, dict[str, Article]] = {}
    for article in (
        Article.objects.filter(group_id__in=groups, status=ArticleStatus.PUBLISHED)
        .select_related("group", "category")
        .annotate(solved_count=Count("solutions", distinct=True))
    ):
        versions.setdefault(article.group_id, {})[article.language] = article
    chosen: list[Article] = []
    for group_id in groups:
        by_language = versions.get(group_id, {})
        pick = next((by_language[lang] for lang in _preferred(languages) if lang in by_language), None)
        if pick is None and by_language:
            pick = next(iter(by_language.values()))
        if pick is not None:
            pick.other_languages = [a for lang, a in sorted(by_language.items()) if a.pk != pick.pk]  # type: ignore[attr-defined]
            chosen.append(pick)
    return chosen


@dataclass
class SimilarTicket:
    ref: str
    title: str
    url: str
    snippet: str
    solved_with: list[Article] = field(default_factory=list)


def similar_tickets(ticket: Ticket, text: str, *, limit: int = SUGGESTIONS) -> list[SimilarTicket]:
    if not text.strip():
        return []
    hits = query.similar(text, kinds=["ticket"], status=list(DONE), limit=limit, exclude=[("ticket", ticket.pk)])
    merged = set(Ticket.objects.filter(pk__in=[hit.object_id for hit in hits], merged_into__isnull=False)
                 .values_list("pk", flat=True))  # closed by a merge, not solved: no example to follow  # fmt: skip
    hits = [hit for hit in hits if hit.object_id not in merged]
    ids = [hit.object_id for hit in hits]
    solutions: dict[int, list[Article]] = {}
    for solution in TicketSolution.objects.filter(ticket_id__in=ids).select_related("article"):
        solutions.setdefault(solution.ticket_id, []).append(solution.article)
    return [
        SimilarTicket(
            ref=hit.ref, title=hit.title, url=hit.url, snippet=hit.snippet, solved_with=solutions.get(hit.object_id, [])
        )
        for hit in hits
        if hit.object_id != ticket.pk
    ]


def ticket_solutions(ticket: Ticket) -> list[TicketSolution]:
    return list(
        TicketSolution.objects.filter(ticket=ticket)
        .select_related("article__group", "by__agent_profile")
        .order_by("at", "pk")
    )


# --- Reply templates for a ticket ----------------------------------------------------------
def macro_texts_for(user: Any, macros: QuerySet[Macro], language: str) -> list[MacroText]:
    """Every language version of the templates ``user`` may use, ``language`` first, then by name."""
    texts = list(
        MacroText.objects.filter(macro__in=macros).select_related("macro__category").order_by("name", "language")
    )
    return sorted(texts, key=lambda text: (text.language != language, text.name.lower(), text.language))


# --- Knowledge gaps ------------------------------------------------------------------------
GAP_WINDOW_DAYS = 90
GAP_DEFAULT_THRESHOLD = 5
GAP_SUBJECTS = 3000  # recent subjects read for recurring topics
_NOISE = re.compile(r"^(\d+|[a-z]{1,2}|as-?\d+)$")
# Words a subject uses for any topic: never a knowledge gap by themselves.
GENERIC_WORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "asked",
        "can",
        "cannot",
        "could",
        "does",
        "error",
        "help",
        "how",
        "issue",
        "left",
        "need",
        "not",
        "please",
        "problem",
        "question",
        "request",
        "still",
        "urgent",
        "warning",
        "what",
        "when",
        "why",
        "with",
        "working",
        "一下",
        "一直",
        "为什么",
        "问题",
        "疑问",
        "咨询",
        "请问",
        "想要",
        "需要",
        "怎么",
        "如何",
        "还是",
        "没有",
        "不能",
        "无法",
        "异常",
        "反馈",
        "客户",
    ]
)


def category_gaps(*, threshold: int, days: int = GAP_WINDOW_DAYS) -> list[dict[str, Any]]:
    """Categories with at least ``threshold`` tickets in the last ``days`` and no published article."""
    since = clock.now() - dt.timedelta(days=days)
    covered = Article.objects.filter(status=ArticleStatus.PUBLISHED, category_id=OuterRef("pk"))
    rows = (
        Category.objects.annotate(
            recent=Count("tickets", filter=Q(tickets__created_at__gte=since, tickets__merged_into__isnull=True)),
            has_article=Exists(covered),
        )
        .filter(recent__gte=threshold, has_article=False)
        .select_related("parent")
        .order_by("-recent", "code")
    )
    return [{"category": category, "tickets": category.recent} for category in rows]


def _keywords(subject: str) -> set[str]:
    """The distinctive words of one subject (search's own keyword picker: jieba TF-IDF and English words)."""
    zh, en = query.keywords(subject)
    return {word for word in (*zh, *en) if len(word) >= 2 and not _NOISE.match(word)}


def topic_gaps(*, threshold: int, days: int = GAP_WINDOW_DAYS, top: int = 20) -> list[dict[str, Any]]:
    """Distinctive words of recent ticket subjects that recur in at least ``threshold`` tickets and
    that no published article matches."""
    since = clock.now() - dt.timedelta(days=days)
    subjects = (
        Ticket.objects.filter(created_at__gte=since, merged_into__isnull=True)
        .order_by("-created_at")
        .values_list("subject", flat=True)[:GAP_SUBJECTS]
    )
    # Customer names and codes recur in subjects too ("Moonlight Games: …") but are not topics.
    names: set[str] = set()
    for name, code in Customer.objects.values_list("name", "code"):
        names.update(token_list(f"{name} {code}"))
    counts: Counter[str] = Counter()
    for subject in subjects:
        counts.update(word for word in _keywords(subject) if word not in GENERIC_WORDS and word not in names)
    gaps: list[dict[str, Any]] = []
    for word, n in counts.most_common():
        if n < threshold or len(gaps) >= top:
            break
        found = query.search(word, kinds=["article"], status=[ArticleStatus.PUBLISHED], per_page=1)
        if found.count == 0:
            gaps.append({"word": word, "tickets": n})
    return gaps


def overdue_reviews(today: dt.date | None = None) -> QuerySet[Article]:
    today = today or clock.now().date()
    return (
        Article.objects.filter(review_by__lt=today)
        .exclude(status=ArticleStatus.ARCHIVED)
        .select_related("owner__agent_profile", "group")
        .order_by("review_by", "pk")
    )


# --- Portal help pages ---------------------------------------------------------------------
def _public() -> QuerySet[Article]:
    return Article.objects.filter(status=ArticleStatus.PUBLISHED, audience=Audience.PUBLIC)


def public_articles(language: str | None = None) -> QuerySet[Article]:
    """Published public articles, one per article, in ``language`` where it exists (else the other)."""
    language = language or get_language() or "en"
    in_language = _public().filter(group_id=OuterRef("group_id"), language=language)
    return (
        _public()
        .filter(Q(language=language) | ~Exists(in_language))
        .select_related("group", "category")
        .order_by("title", "pk")
    )


def get_public_article(slug: str, language: str | None = None) -> Article:
    """The public article ``slug`` in ``language`` (else another language); 404 for anything not
    published and public — drafts, archived and internal articles do not exist for the portal."""
    language = language or get_language() or "en"
    versions = {a.language: a for a in _public().filter(group__key=slug).select_related("group", "category")}
    article = versions.get(language) or next(iter(sorted(versions.items())), (None, None))[1]
    if article is None:
        raise Http404("No such help article")
    article.other_languages = [a for lang, a in sorted(versions.items()) if a.pk != article.pk]  # type: ignore[attr-defined]
    return article


def search_public(q: str, language: str | None = None, *, page: int = 1, per_page: int = 20) -> tuple[int, list[Any]]:
    """(total, [(article, snippet)]) for a portal search: published public articles only."""
    language = language or get_language() or "en"
    found = query.search(
        q,
        kinds=["article"],
        status=[ArticleStatus.PUBLISHED],
        scope=Audience.PUBLIC,
        page=page,
        per_page=per_page,
    )
    articles = {
        a.pk: a for a in _public().filter(pk__in=[hit.object_id for hit in found.items]).select_related("group")
    }
    results = []
    seen_groups: set[int] = set()
    for hit in found.items:
        article = articles.get(hit.object_id)
        if article is None or article.group_id in seen_groups:
            continue
        seen_groups.add(article.group_id)
        results.append((article, hit.snippet))
    results.sort(key=lambda pair: pair[0].language != language)
    return found.count, results
