"""Articles as a search source (kind "article", see core.search).

The index is written inside the actions that change an article (``index_article``), so a saved
article is found at once; ``aftersales reindex`` rebuilds through ``reindex()``. Document
fields: status = the article's status, scope = its audience ("public"/"internal"),
language = its language, ref = its group key (the slug the portal uses).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import is_staff_member
from aftersales.core.search import index
from aftersales.core.search.registry import SearchSource, register_source
from aftersales.knowledge.models import Article

KIND = "article"


def _fields(article: Article) -> dict[str, Any]:
    return {
        "kind": KIND,
        "object_id": article.pk,
        "title": article.title,
        "text": article.search_text(),
        "ref": article.group.key,
        "status": article.status,
        "scope": article.audience,
        "language": article.language,
        "happened_at": article.updated_at,
    }


def index_article(article: Article) -> None:
    """Create or replace the article's search document. Call inside the writing transaction."""
    fields = _fields(article)
    index.put(fields.pop("kind"), fields.pop("object_id"), **fields)


def remove_article(article_id: int) -> None:
    index.remove(KIND, article_id)


def texts(ids: list[int]) -> dict[int, str]:
    return {article.pk: article.search_text() for article in Article.objects.filter(pk__in=ids)}


def reindex() -> Iterator[dict[str, Any]]:
    for article in Article.objects.select_related("group").order_by("pk").iterator(chunk_size=500):
        yield _fields(article)


def count() -> int:
    return Article.objects.count()


def url(object_id: int, ref: str) -> str:
    return reverse("knowledge:article", args=[object_id])


def register() -> None:
    register_source(
        SearchSource(
            kind=KIND,
            label=_("Articles"),
            url=url,
            texts=texts,
            allowed=is_staff_member,
            reindex=reindex,
            count=count,
        )
    )
