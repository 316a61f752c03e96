"""Load the standard articles and reply templates that ship with the product (``knowledge/seed/``).

Files (TOML, read with ``tomllib``)::

    seed/articles/<slug>.toml   category, tags, audience ("public"/"internal"), optional review_by,
                                then one table per language: [zh-hans] / [en] with title, problem,
                                cause, solution
    seed/macros.toml            [[macro]] key, shared, set_status, category,
                                [macro.zh-hans] / [macro.en] with name, body

The loader is idempotent: it creates only article slugs and template keys that do not exist
yet and never touches existing rows, so edits made in the desk survive upgrades. It runs from
a data migration (``0002_seed``, so a new installation starts with the articles) and from
``aftersales knowledge-seed`` (after an upgrade that ships new ones).

It writes rows directly through the model classes it is given — the migration passes its
historical models, whose classes have no methods — so everything it needs is computed here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db import transaction

from aftersales.core import clock
from aftersales.knowledge.macros import check_syntax

logger = logging.getLogger(__name__)

SEED_DIR = Path(__file__).resolve().parent / "seed"
LANGUAGES = ("zh-hans", "en")
AUDIENCES = ("public", "internal")
MACRO_STATUSES = ("", "open", "waiting_customer", "waiting_vendor", "resolved", "closed")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class SeedError(Exception):
    """A seed file is malformed; the message names the file and the problem."""


@dataclass
class SeedResult:
    articles_created: list[str] = field(default_factory=list)
    articles_skipped: list[str] = field(default_factory=list)
    macros_created: list[str] = field(default_factory=list)
    macros_skipped: list[str] = field(default_factory=list)
    unknown_categories: set[str] = field(default_factory=set)
    indexed: bool = True


def real_models() -> Any:
    from django.contrib.auth import get_user_model

    from aftersales.knowledge import models
    from aftersales.tickets.models import Category

    return SimpleNamespace(
        ArticleGroup=models.ArticleGroup,
        Article=models.Article,
        ArticleVersion=models.ArticleVersion,
        Macro=models.Macro,
        MacroText=models.MacroText,
        Category=Category,
        User=get_user_model(),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path}: {exc}") from exc


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_articles(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """(slug, data) for every article file, checked; sorted by slug."""
    folder = directory / "articles"
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.toml")):
        slug = path.stem
        if not _SLUG.match(slug):
            raise SeedError(f"{path}: the file name must be a slug (a-z, 0-9, -)")
        data = _read(path)
        audience = data.get("audience", "internal")
        if audience not in AUDIENCES:
            raise SeedError(f"{path}: audience must be one of {AUDIENCES}, not {audience!r}")
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise SeedError(f"{path}: tags must be a list of strings")
        languages = [language for language in LANGUAGES if isinstance(data.get(language), dict)]
        if not languages:
            raise SeedError(f"{path}: no [zh-hans] or [en] table")
        for language in languages:
            for key in ("title", "problem", "solution"):
                if not _text(data[language].get(key)):
                    raise SeedError(f"{path}: [{language}] needs a {key}")
        found.append((slug, data))
    return found


def read_macros(directory: Path) -> list[dict[str, Any]]:
    path = directory / "macros.toml"
    if not path.is_file():
        return []
    entries = _read(path).get("macro", [])
    if not isinstance(entries, list):
        raise SeedError(f"{path}: expected [[macro]] tables")
    for entry in entries:
        key = entry.get("key", "")
        if not isinstance(key, str) or not _SLUG.match(key):
            raise SeedError(f"{path}: every macro needs a key made of a-z, 0-9 and -, not {key!r}")
        if entry.get("set_status", "") not in MACRO_STATUSES:
            raise SeedError(f"{path}: macro {key}: set_status must be one of {MACRO_STATUSES}")
        if not any(
            isinstance(entry.get(language), dict) and _text(entry[language].get("body")) for language in LANGUAGES
        ):
            raise SeedError(f"{path}: macro {key} has no [macro.zh-hans] or [macro.en] body")
        for language in LANGUAGES:
            table = entry.get(language)
            problem = check_syntax(_text(table.get("body"))) if isinstance(table, dict) else ""
            if problem:
                raise SeedError(f"{path}: macro {key} [{language}]: {problem}")
    return entries


def _index(article: Any, slug: str, fields: dict[str, Any]) -> bool:
    """Put a seeded article in the search index; False (and a warning) if the index is not usable."""
    try:
        from aftersales.core.search import index

        with transaction.atomic():  # a savepoint: a failure here must not abort the seeding
            index.put(
                "article",
                article.pk,
                title=fields["title"],
                text="\n".join(
                    [fields["title"], fields["problem"], fields["cause"], fields["solution"], " ".join(fields["tags"])]
                ),
                ref=slug,
                status=fields["status"],
                scope=fields["audience"],
                language=article.language,
                happened_at=article.updated_at,
            )
    except Exception:  # the seed must land even if the index cannot take it; `aftersales reindex` repairs
        logger.warning("knowledge seed: article %s not indexed; run `aftersales reindex`", slug, exc_info=True)
        return False
    return True


def load(directory: Path = SEED_DIR, *, models: Any = None) -> SeedResult:
    """Create the seed articles and templates that do not exist yet. Returns what it did."""
    m = models or real_models()
    result = SeedResult()
    articles = read_articles(directory)
    macros = read_macros(directory)
    categories = {category.code: category for category in m.Category.objects.all()}
    now = clock.now()
    with transaction.atomic():
        for slug, data in articles:
            if m.ArticleGroup.objects.filter(key=slug).exists():
                result.articles_skipped.append(slug)
                continue
            code = data.get("category", "") or ""
            category = categories.get(code)
            if code and category is None:
                result.unknown_categories.add(code)
            review = data.get("review_by")
            review_by = review if isinstance(review, dt.date) else None
            group = m.ArticleGroup.objects.create(key=slug, created_at=now)
            for language in LANGUAGES:
                table = data.get(language)
                if not isinstance(table, dict):
                    continue
                fields = {
                    "title": _text(table.get("title"))[:200],
                    "problem": _text(table.get("problem")),
                    "cause": _text(table.get("cause")),
                    "solution": _text(table.get("solution")),
                    "category": category.code if category else None,
                    "tags": sorted({tag.strip().lower()[:50] for tag in data.get("tags", []) if tag.strip()}),
                    "audience": data.get("audience", "internal"),
                    "status": "published",
                    "owner": None,
                    "review_by": review_by.isoformat() if review_by else None,
                }
                article = m.Article.objects.create(
                    group=group,
                    language=language,
                    title=fields["title"],
                    problem=fields["problem"],
                    cause=fields["cause"],
                    solution=fields["solution"],
                    category=category,
                    tags=fields["tags"],
                    audience=fields["audience"],
                    status="published",
                    review_by=review_by,
                    created_at=now,
                    updated_at=now,
                )
                m.ArticleVersion.objects.create(
                    article=article,
                    number=1,
                    fields=fields,
                    created_at=now,
                    note="Shipped with aftersales",
                )
                result.indexed = _index(article, slug, fields) and result.indexed
            result.articles_created.append(slug)
        for entry in macros:
            key = entry["key"]
            if m.Macro.objects.filter(key=key).exists():
                result.macros_skipped.append(key)
                continue
            code = entry.get("category", "") or ""
            category = categories.get(code)
            if code and category is None:
                result.unknown_categories.add(code)
            macro = m.Macro.objects.create(
                key=key,
                shared=bool(entry.get("shared", True)),
                set_status=entry.get("set_status", ""),
                category=category,
                created_at=now,
                updated_at=now,
            )
            for language in LANGUAGES:
                table = entry.get(language)
                if isinstance(table, dict) and _text(table.get("body")):
                    body = _text(table.get("body"))
                    m.MacroText.objects.create(
                        macro=macro,
                        language=language,
                        body=body,
                        name=_text(table.get("name"))[:200] or body.splitlines()[0][:60],
                    )
            result.macros_created.append(key)
    return result
