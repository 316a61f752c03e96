"""Who may read and change knowledge: the one place every view and action asks.

- Every desk member (viewers too) reads articles, their history and their documents.
- Agents write drafts: they create articles (always as drafts) and edit their own drafts,
  and attach documents to them. Publishing, archiving, editing anyone's or a published
  article, and restoring an old version are for leads and admins, who answer for what the
  desk tells customers.
- Reply templates: every writer keeps personal ones; shared ones are made and changed by
  leads and admins. Viewers do not reply, so they have none.
- The knowledge-gaps page is for leads and admins.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from aftersales.core.access import can_write, is_lead, is_staff_member
from aftersales.knowledge.models import Article, ArticleStatus, Macro


def can_create_article(user: Any) -> bool:
    return can_write(user)


def can_manage_articles(user: Any) -> bool:
    """Publish, archive, edit any article, restore versions."""
    return is_lead(user)


def can_edit_article(user: Any, article: Article) -> bool:
    if is_lead(user):
        return True
    return can_write(user) and article.status == ArticleStatus.DRAFT and article.owner_id == user.pk


def articles_visible_to(user: Any) -> QuerySet[Article]:
    if is_staff_member(user):
        return Article.objects.all()
    return Article.objects.none()


def get_article_for_user(user: Any, pk: int, *, edit: bool = False) -> Article:
    """The article ``pk`` if ``user`` may see it (404 otherwise); ``edit`` also demands the right to change it (403)."""
    try:
        article = (
            articles_visible_to(user).select_related("group", "category__parent", "owner__agent_profile").get(pk=pk)
        )
    except Article.DoesNotExist as exc:
        raise Http404("No such article") from exc
    if edit and not can_edit_article(user, article):
        raise PermissionDenied
    return article


def macros_visible_to(user: Any) -> QuerySet[Macro]:
    """Shared templates and the user's own; none for people who do not reply."""
    if not can_write(user):
        return Macro.objects.none()
    return Macro.objects.filter(Q(shared=True) | Q(owner=user))


def can_edit_macro(user: Any, macro: Macro) -> bool:
    if macro.shared:
        return is_lead(user)
    return can_write(user) and macro.owner_id == user.pk


def get_macro_for_user(user: Any, pk: int, *, edit: bool = False) -> Macro:
    if not can_write(user):
        raise PermissionDenied
    try:
        macro = macros_visible_to(user).select_related("category").get(pk=pk)
    except Macro.DoesNotExist as exc:
        raise Http404("No such reply template") from exc
    if edit and not can_edit_macro(user, macro):
        raise PermissionDenied
    return macro


def require_gaps_reader(user: Any) -> None:
    if not is_lead(user):
        raise PermissionDenied
