"""Every write to the knowledge base. Views, the seed loader and the ticket page call these.

Each action takes keyword-only arguments, runs in one transaction, writes an audit entry and
keeps the search index current (``knowledge.search``) in that same transaction. Every save of
an article writes an ``ArticleVersion`` (who, when, all fields), so history, diff and restore
need nothing else. Bad input or a refused change raises ``KnowledgeError`` with a message for
the person who asked.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import can_write
from aftersales.knowledge import macros as macro_text
from aftersales.knowledge.access import can_create_article, can_edit_article, can_edit_macro, can_manage_articles
from aftersales.knowledge.models import (
    Article,
    ArticleGroup,
    ArticleStatus,
    ArticleVersion,
    Audience,
    Document,
    DocumentVersion,
    Macro,
    MacroText,
    TicketSolution,
)
from aftersales.knowledge.search import index_article
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import Category, Status, Ticket, TicketEvent

LANGUAGES = tuple(code for code, _label in settings.LANGUAGES)

# What a document may be, by extension, with the first bytes such a file starts with: the
# name alone is not trusted (a renamed program is refused), and the content type we serve
# comes from this table, never from the uploader.
DOCUMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
}


class KnowledgeError(ValidationError):
    """A change was refused; the message says why, for the person who asked."""


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Articles ------------------------------------------------------------------------------
def _normalise_tags(tags: Iterable[str]) -> list[str]:
    return sorted({tag.strip().lower()[:50] for tag in tags if tag and tag.strip()})


def _unique_key(wanted: str) -> str:
    base = slugify(wanted)[:90].strip("-") or "article"
    key, n = base, 2
    while ArticleGroup.objects.filter(key=key).exists():
        key = f"{base}-{n}"
        n += 1
    return key


def _validate(fields: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not (fields.get("title") or "").strip():
        errors["title"] = _("An article needs a title.")
    if not (fields.get("problem") or "").strip():
        errors["problem"] = _("Describe the problem the article answers.")
    if not (fields.get("solution") or "").strip():
        errors["solution"] = _("Write the solution.")
    if fields.get("audience") not in Audience.values:
        errors["audience"] = _("Choose who may read the article.")
    if fields.get("status") not in ArticleStatus.values:
        errors["status"] = _("Unknown status.")
    if errors:
        raise KnowledgeError(errors)


def _write_version(article: Article, actor: Any, note: str = "") -> ArticleVersion:
    last = article.versions.aggregate(n=Max("number"))["n"] or 0
    return ArticleVersion.objects.create(
        article=article,
        number=last + 1,
        fields=article.snapshot(),
        author=_user(actor),
        created_at=clock.now(),
        note=note[:200],
    )


def create_article(
    *,
    actor: Any,
    language: str,
    title: str,
    problem: str,
    solution: str,
    cause: str = "",
    category: Category | None = None,
    tags: Iterable[str] = (),
    audience: str = Audience.INTERNAL,
    status: str = ArticleStatus.DRAFT,
    owner: Any = None,
    review_by: dt.date | None = None,
    group: ArticleGroup | None = None,
    key: str = "",
) -> Article:
    """Write a new article (version 1). ``group`` makes it a language version of an existing article.

    Agents may only create drafts; leads and admins any status. ``actor=None`` is the system
    (the seed loader).
    """
    if actor is not None and not can_create_article(actor):
        raise KnowledgeError(_("Only agents, leads and admins write articles."))
    if actor is not None and status != ArticleStatus.DRAFT and not can_manage_articles(actor):
        raise KnowledgeError(_("Only leads and admins publish articles; save it as a draft."))
    if language not in LANGUAGES:
        raise KnowledgeError({"language": _("Unknown language “%(language)s”.") % {"language": language}})
    fields = {"title": title, "problem": problem, "solution": solution, "audience": audience, "status": status}
    _validate(fields)
    now = clock.now()
    with transaction.atomic():
        if group is None:
            group = ArticleGroup.objects.create(key=_unique_key(key or title), created_at=now)
        elif Article.objects.filter(group=group, language=language).exists():
            raise KnowledgeError({"language": _("This article already has a version in that language.")})
        article = Article.objects.create(
            group=group,
            language=language,
            title=title.strip()[:200],
            problem=problem.strip(),
            cause=(cause or "").strip(),
            solution=solution.strip(),
            category=category,
            tags=_normalise_tags(tags),
            audience=audience,
            status=status,
            owner=owner if owner is not None else _user(actor),
            review_by=review_by,
            created_at=now,
            updated_at=now,
        )
        _write_version(article, actor)
        index_article(article)
        audit(actor=actor, action="knowledge.article.create", obj=article, after=article.snapshot())
    return article


EDITABLE = ("title", "problem", "cause", "solution", "category", "tags", "audience", "status", "owner", "review_by")


def update_article(*, article: Article, actor: Any, note: str = "", **changes: Any) -> Article:
    """Change some of ``EDITABLE``; a save that changes something writes a new version."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_article got unknown fields {sorted(unknown)}")
    with transaction.atomic():
        article = Article.objects.select_for_update(of=("self",)).select_related("group", "category").get(pk=article.pk)
        if actor is not None and not can_edit_article(actor, article):
            raise KnowledgeError(_("Only leads and admins change published articles or other people's drafts."))
        if (
            actor is not None
            and "status" in changes
            and changes["status"] != article.status
            and not can_manage_articles(actor)
        ):
            raise KnowledgeError(_("Only leads and admins publish or archive articles."))
        before = article.snapshot()
        for name, value in changes.items():
            if name == "tags":
                value = _normalise_tags(value)
            elif isinstance(value, str) and name != "status" and name != "audience":
                value = value.strip()
            setattr(article, name, value)
        _validate({name: getattr(article, name) for name in ("title", "problem", "solution", "audience", "status")})
        after = article.snapshot()
        if after == before:
            return article
        article.updated_at = clock.now()
        article.save()
        _write_version(article, actor, note)
        index_article(article)
        changed = [name for name in after if after[name] != before[name]]
        audit(
            actor=actor,
            action="knowledge.article.update",
            obj=article,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return article


def restore_version(*, article: Article, version: ArticleVersion, actor: Any) -> Article:
    """Make the article say what ``version`` said again. Writes a new version; history is never rewritten."""
    if actor is not None and not can_manage_articles(actor):
        raise KnowledgeError(_("Only leads and admins restore old versions."))
    if version.article_id != article.pk:
        raise KnowledgeError(_("That version belongs to another article."))
    from django.contrib.auth import get_user_model

    saved = version.fields
    code = saved.get("category")
    owner_id = saved.get("owner")
    review = saved.get("review_by")
    with transaction.atomic():
        before = Article.objects.get(pk=article.pk).snapshot()
        article = update_article(
            article=article,
            actor=actor,
            note=_("Restored version %(number)d") % {"number": version.number},
            title=saved.get("title", ""),
            problem=saved.get("problem", ""),
            cause=saved.get("cause", ""),
            solution=saved.get("solution", ""),
            category=Category.objects.filter(code=code).first() if code else None,
            tags=saved.get("tags") or [],
            audience=saved.get("audience", Audience.INTERNAL),
            status=saved.get("status", ArticleStatus.DRAFT),
            owner=get_user_model().objects.filter(pk=owner_id).first() if owner_id else None,
            review_by=dt.date.fromisoformat(review) if review else None,
        )
        audit(
            actor=actor,
            action="knowledge.article.restore",
            obj=article,
            before={"fields": before},
            after={"restored_version": version.number},
        )
    return article


# --- Documents -----------------------------------------------------------------------------
def _check_upload(upload: Any) -> tuple[str, str]:
    """(file name, content type) of an acceptable upload; KnowledgeError otherwise."""
    name = PurePath(upload.name or "").name[:200]
    suffix = PurePath(name.lower()).suffix
    allowed = DOCUMENT_TYPES.get(suffix)
    if not name or allowed is None:
        raise KnowledgeError(
            _("“%(name)s” cannot be kept here: documents may be PDF, DOCX, XLSX or images (PNG, JPEG, GIF, WebP).")
            % {"name": name or "?"}
        )
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise KnowledgeError(
            _("“%(name)s” is %(size)d MB; documents may be at most %(limit)d MB.")
            % {"name": name, "size": upload.size // 1_048_576, "limit": limit // 1_048_576}
        )
    if upload.size == 0:
        raise KnowledgeError(_("“%(name)s” is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in allowed[1]):
        raise KnowledgeError(
            _("“%(name)s” is not really a %(kind)s file; it was refused.") % {"name": name, "kind": suffix[1:].upper()}
        )
    return name, allowed[0] or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _store_version(document: Document, upload: Any, actor: Any) -> DocumentVersion:
    name, content_type = _check_upload(upload)
    last = document.versions.aggregate(n=Max("number"))["n"] or 0
    version = DocumentVersion(
        document=document,
        number=last + 1,
        filename=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=_user(actor),
        uploaded_at=clock.now(),
    )
    version.file.save(name, File(upload), save=False)
    version.save()
    return version


def add_document(*, article: Article, upload: Any, actor: Any, title: str = "") -> Document:
    """Attach a file to an article as a new document (its version 1)."""
    if actor is not None and not can_edit_article(actor, article):
        raise KnowledgeError(_("You cannot change this article."))
    _check_upload(upload)
    now = clock.now()
    with transaction.atomic():
        document = Document.objects.create(
            article=article,
            title=(title or "").strip()[:200] or PurePath(upload.name).name[:200],
            created_at=now,
            updated_at=now,
        )
        version = _store_version(document, upload, actor)
        audit(
            actor=actor,
            action="knowledge.document.add",
            obj=article,
            after={"document": document.pk, "file": version.filename},
        )
    return document


def add_document_version(*, document: Document, upload: Any, actor: Any) -> DocumentVersion:
    """Upload a newer version of a document; the older ones stay listed and downloadable."""
    if actor is not None and not can_edit_article(actor, document.article):
        raise KnowledgeError(_("You cannot change this article."))
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        version = _store_version(document, upload, actor)
        document.updated_at = version.uploaded_at
        document.save(update_fields=["updated_at"])
        audit(
            actor=actor,
            action="knowledge.document.version",
            obj=document.article,
            after={"document": document.pk, "version": version.number, "file": version.filename},
        )
    return version


# --- Reply templates -----------------------------------------------------------------------
def save_macro(
    *,
    actor: Any,
    macro: Macro | None = None,
    key: str = "",
    shared: bool = False,
    set_status: str = "",
    category: Category | None = None,
    texts: Mapping[str, tuple[str, str]],
) -> Macro:
    """Create or change a reply template. ``texts`` maps a language to (name, body); an empty
    body removes that language. At least one language is needed; every body must render."""
    if actor is not None:
        if not can_write(actor):
            raise KnowledgeError(_("Only agents, leads and admins keep reply templates."))
        if macro is not None and not can_edit_macro(actor, macro):
            raise KnowledgeError(_("Only leads and admins change shared templates; others change their own."))
        if shared and not can_edit_macro(actor, Macro(shared=True)):
            raise KnowledgeError({"shared": _("Only leads and admins share templates with the team.")})
    if set_status and (set_status not in Status.values or set_status == Status.NEW):
        raise KnowledgeError({"set_status": _("Unknown status.")})
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[str, str]] = {}
    for language, (name, body) in texts.items():
        if language not in LANGUAGES:
            raise KnowledgeError(_("Unknown language “%(language)s”.") % {"language": language})
        name, body = (name or "").strip(), (body or "").strip()
        if not body:
            continue
        problem = macro_text.check_syntax(body)
        if problem:
            errors[f"body_{language}"] = problem
        cleaned[language] = (name[:200] or body.splitlines()[0][:60], body)
    if errors:
        raise KnowledgeError(errors)
    if not cleaned:
        raise KnowledgeError(_("Write the template in at least one language."))
    now = clock.now()
    with transaction.atomic():
        before: dict[str, Any] = {}
        if macro is None:
            wanted = key or next(iter(cleaned.values()))[0]
            base = slugify(wanted)[:90].strip("-") or "template"
            key, n = base, 2
            while Macro.objects.filter(key=key).exists():
                key, n = f"{base}-{n}", n + 1
            macro = Macro.objects.create(
                key=key,
                owner=_user(actor),
                shared=shared,
                set_status=set_status,
                category=category,
                created_at=now,
                updated_at=now,
            )
        else:
            before = {
                "shared": macro.shared,
                "set_status": macro.set_status,
                "texts": {t.language: t.body for t in macro.texts.all()},
            }
            macro.shared, macro.set_status, macro.category, macro.updated_at = shared, set_status, category, now
            macro.save()
        macro.texts.exclude(language__in=list(cleaned)).delete()
        for language, (name, body) in cleaned.items():
            MacroText.objects.update_or_create(macro=macro, language=language, defaults={"name": name, "body": body})
        audit(
            actor=actor,
            action="knowledge.macro.save",
            obj=macro,
            before=before,
            after={"shared": shared, "set_status": set_status, "texts": {k: v[1] for k, v in cleaned.items()}},
        )
    return macro


def delete_macro(*, macro: Macro, actor: Any) -> None:
    if actor is not None and not can_edit_macro(actor, macro):
        raise KnowledgeError(_("You cannot delete this template."))
    with transaction.atomic():
        audit(actor=actor, action="knowledge.macro.delete", obj=macro, before={"key": macro.key})
        macro.delete()


def apply_macro(*, macro: Macro, ticket: Ticket, actor: Any) -> list[TicketEvent]:
    """What inserting a template does to the ticket besides the text: its category, through tickets.actions.

    (The status is applied by the reply form's status select when the reply is sent.)
    """
    if macro.category_id is None:
        return []
    return ticket_actions.update_ticket(ticket=ticket, actor=actor, category=macro.category, reason=_("reply template"))


# --- Solved with ---------------------------------------------------------------------------
def mark_solved(*, ticket: Ticket, article: Article, actor: Any) -> TicketSolution:
    """Record that ``article`` solved ``ticket``. Marking twice is harmless."""
    if actor is not None and not can_write(actor):
        raise KnowledgeError(_("Only agents, leads and admins mark solutions."))
    if article.status == ArticleStatus.ARCHIVED:
        raise KnowledgeError(_("This article is archived; pick a current one."))
    with transaction.atomic():
        solution, created = TicketSolution.objects.get_or_create(
            ticket=ticket, article=article, defaults={"by": _user(actor), "at": clock.now()}
        )
        if created:
            audit(
                actor=actor,
                action="knowledge.solution.mark",
                obj=ticket,
                after={"article": article.pk, "title": article.title},
            )
    return solution


def unmark_solved(*, ticket: Ticket, article: Article, actor: Any) -> bool:
    if actor is not None and not can_write(actor):
        raise KnowledgeError(_("Only agents, leads and admins mark solutions."))
    with transaction.atomic():
        deleted, _rows = TicketSolution.objects.filter(ticket=ticket, article=article).delete()
        if deleted:
            audit(actor=actor, action="knowledge.solution.unmark", obj=ticket, before={"article": article.pk})
    return bool(deleted)
