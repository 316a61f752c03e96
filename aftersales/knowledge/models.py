"""The knowledge base: articles with their language versions and history, documents, reply
templates (macros) and the tickets each article solved.

Every write goes through ``knowledge.actions`` (which keeps the version history, the audit log
and the search index in step); nothing here has side effects in ``save()``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.tickets.models import Category, Status, Ticket

LANGUAGE_LABELS = {"zh-hans": "中文", "en": "English"}


class Audience(models.TextChoices):
    INTERNAL = "internal", _("Internal (agents only)")
    PUBLIC = "public", _("Public (customers see it in the portal)")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ArticleGroup(models.Model):
    """One article in all its languages: the language versions share this key (the seed's slug)."""

    key = models.SlugField(_("key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["key"]
        verbose_name = _("article group")
        verbose_name_plural = _("article groups")

    def __str__(self) -> str:
        return self.key


class Article(models.Model):
    """A standard solution: problem → cause → solution, in one language."""

    group = models.ForeignKey(ArticleGroup, on_delete=models.CASCADE, related_name="articles")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles", verbose_name=_("category")
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL)
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_articles",
        verbose_name=_("owner"),
    )
    review_by = models.DateField(_("review by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["group", "language"], name="knowledge_article_one_per_language"),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="knowledge_article_status"),
            models.Index(fields=["category", "status"], name="knowledge_article_category"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def slug(self) -> str:
        return self.group.key

    @property
    def language_label(self) -> str:
        return LANGUAGE_LABELS.get(self.language, self.language)

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    def snapshot(self) -> dict[str, Any]:
        """The editable fields as stored in a version (JSON-safe)."""
        return {
            "title": self.title,
            "problem": self.problem,
            "cause": self.cause,
            "solution": self.solution,
            "category": self.category.code if self.category_id and self.category else None,
            "tags": list(self.tags or []),
            "audience": self.audience,
            "status": self.status,
            "owner": self.owner_id,
            "review_by": self.review_by.isoformat() if self.review_by else None,
        }

    def search_text(self) -> str:
        return "\n".join([self.title, self.problem, self.cause, self.solution, " ".join(self.tags or [])])


class ArticleVersion(models.Model):
    """What an article said after one save: who, when, every field. Never changed afterwards."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    fields = models.JSONField(default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("saved"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"

    @property
    def author_name(self) -> str:
        if self.author is None:
            return str(_("System"))
        profile = getattr(self.author, "agent_profile", None)
        return profile.display_name if profile else self.author.get_username()


class Document(models.Model):
    """A file kept with an article (procedure, price list, screenshot); each upload is a version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


def document_path(instance: DocumentVersion, filename: str) -> str:
    return f"knowledge/{instance.document.article_id}/{instance.document_id}/{instance.number}/{filename}"


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(upload_to=document_path, max_length=400)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="knowledge_document_version_unique")]

    def __str__(self) -> str:
        return f"{self.filename} v{self.number}"


class Macro(models.Model):
    """A reply template. Shared ones are for everyone; personal ones only for their owner."""

    key = models.SlugField(_("key"), max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a shared template outlives the lead who wrote it
        related_name="knowledge_macros",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(_("shared with the team"), default=False)
    set_status = models.CharField(
        _("set status"),
        max_length=20,
        blank=True,
        choices=[(value, label) for value, label in Status.choices if value != Status.NEW],
        help_text=_("Chosen in the reply form when the template is inserted"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set category"),
        help_text=_("Applied to the ticket when the template is inserted"),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["key"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.key


class MacroText(models.Model):
    """A reply template in one language."""

    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["macro", "language"]
        verbose_name = _("reply template text")
        verbose_name_plural = _("reply template texts")
        constraints = [models.UniqueConstraint(fields=["macro", "language"], name="knowledge_macro_one_per_language")]

    def __str__(self) -> str:
        return self.name

    @property
    def language_label(self) -> str:
        return LANGUAGE_LABELS.get(self.language, self.language)


class TicketSolution(models.Model):
    """ "Solved with": an article an agent marked as the answer to a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="knowledge_solutions")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="solutions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("marked"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("ticket solved with an article")
        verbose_name_plural = _("tickets solved with articles")
        constraints = [models.UniqueConstraint(fields=["ticket", "article"], name="knowledge_solution_unique")]
        indexes = [models.Index(fields=["article", "-at"], name="knowledge_solution_article")]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.article_id}"
