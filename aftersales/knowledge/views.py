"""Knowledge pages of the agent UI: articles (list, page, form, history, diff, restore, documents),
reply templates (list, form, the picker's data, applying one), "solved with" and knowledge gaps.

Each view: access check (``knowledge.access``) → form → one action → response.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core import uploads
from aftersales.core.access import can_write, require_staff, require_write
from aftersales.core.forms import attach_errors
from aftersales.core.pagination import CappedPaginator
from aftersales.core.search import query
from aftersales.knowledge import actions, macros, queries
from aftersales.knowledge.access import (
    articles_visible_to,
    can_create_article,
    can_edit_article,
    can_edit_macro,
    can_manage_articles,
    get_article_for_user,
    get_macro_for_user,
    macros_visible_to,
    require_gaps_reader,
)
from aftersales.knowledge.diff import diff_versions
from aftersales.knowledge.forms import (
    ArticleFilterForm,
    ArticleForm,
    DocumentForm,
    DocumentVersionForm,
    GapsForm,
    MacroForm,
)
from aftersales.knowledge.models import (
    LANGUAGE_LABELS,
    Article,
    ArticleStatus,
    Document,
    DocumentVersion,
    MacroText,
)
from aftersales.tickets.access import get_ticket_for_user
from aftersales.tickets.models import Status

PAGE_SIZE = 25
SEARCH_LIMIT = 100  # ranked hits read for a filtered search; more specific words narrow further


# --- Articles ------------------------------------------------------------------------------
@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = ArticleFilterForm(request.GET)
    filters = form.filters()
    text = (filters.pop("q", "") or "").strip()
    snippets: dict[int, str] = {}
    base = queries.with_solved_counts(
        queries.filter_articles(articles_visible_to(request.user), filters)
    ).select_related("group", "category", "owner__agent_profile")
    if text:
        found = query.search(
            text,
            kinds=["article"],
            status=[filters["status"]] if filters.get("status") else None,
            language=filters.get("language"),
            scope=filters.get("audience"),
            per_page=SEARCH_LIMIT,
            user=request.user,
        )
        rank = {hit.object_id: position for position, hit in enumerate(found.items)}
        snippets = {hit.object_id: hit.snippet for hit in found.items}
        matched = sorted(base.filter(pk__in=list(rank)), key=lambda article: rank[article.pk])
        paginator: Paginator = Paginator(matched, PAGE_SIZE)
    else:
        paginator = CappedPaginator(base.order_by("-updated_at", "-pk"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for article in page.object_list:
        article.snippet = snippets.get(article.pk, "")
    return render(
        request,
        "knowledge/article_list.html",
        {
            "form": form,
            "page": page,
            "paginator": paginator,
            "article_query": text,
            "filtered": bool(filters) or bool(text),
            "section": "knowledge",
            "can_create": can_create_article(request.user),
        },
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_for_user(request.user, pk)
    documents = list(
        article.documents.prefetch_related(
            Prefetch("versions", queryset=DocumentVersion.objects.select_related("uploaded_by__agent_profile"))
        )
    )
    other = queries.language_versions(article)
    present = {article.language, *(a.language for a in other)}
    can_edit = can_edit_article(request.user, article)
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "other_versions": other,
            "missing_languages": [
                (code, LANGUAGE_LABELS.get(code, code)) for code, _label in settings.LANGUAGES if code not in present
            ],
            "documents": documents,
            "recent_solutions": list(article.solutions.select_related("ticket", "by__agent_profile")[:10]),
            "version_count": article.versions.count(),
            "can_edit": can_edit,
            "can_create": can_create_article(request.user),
            "can_manage": can_manage_articles(request.user),
            "document_form": DocumentForm() if can_edit else None,
            "version_form": DocumentVersionForm() if can_edit else None,
            "section": "knowledge",
            **queries.solved_stats(article),
        },
    )


def _article_form(request: HttpRequest, article: Article | None, translation_of: Article | None) -> HttpResponse:
    user = request.user
    manage = can_manage_articles(user)
    if request.method == "POST":
        form = ArticleForm(
            request.POST,
            can_manage=manage,
            editing=article is not None,
            initial={"language": article.language} if article else None,
        )
        if form.is_valid():
            data = form.cleaned_data
            fields = {name: data[name] for name in actions.EDITABLE}
            if not manage:
                fields.pop("owner")
            try:
                if article is None:
                    saved = actions.create_article(
                        actor=user,
                        language=data["language"],
                        group=translation_of.group if translation_of else None,
                        **fields,
                    )
                    messages.success(request, _("Article saved."))
                else:
                    saved = actions.update_article(article=article, actor=user, **fields)
                    messages.success(request, _("Article saved."))
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("knowledge:article", pk=saved.pk)
        status = 400
    else:
        status = 200
        if article is not None:
            initial: dict[str, Any] = {
                "language": article.language,
                "title": article.title,
                "problem": article.problem,
                "cause": article.cause,
                "solution": article.solution,
                "category": article.category_id,
                "tags": ", ".join(article.tags or []),
                "audience": article.audience,
                "status": article.status,
                "owner": article.owner_id,
                "review_by": article.review_by,
            }
        elif translation_of is not None:
            missing = [
                code
                for code, _label in settings.LANGUAGES
                if code not in {a.language for a in translation_of.group.articles.all()}
            ]
            initial = {
                "language": missing[0] if missing else "",
                "category": translation_of.category_id,
                "tags": ", ".join(translation_of.tags or []),
                "audience": translation_of.audience,
                "owner": user.pk if can_write(user) else None,
                "review_by": translation_of.review_by,
            }
        else:
            initial = {
                "owner": user.pk,
                "language": "zh-hans" if (request.LANGUAGE_CODE or "").startswith("zh") else "en",
            }
        form = ArticleForm(initial=initial, can_manage=manage, editing=article is not None)
    return render(
        request,
        "knowledge/article_form.html",
        {
            "form": form,
            "article": article,
            "translation_of": translation_of,
            "section": "knowledge",
            "can_manage": manage,
        },
        status=status,
    )


@login_required
def article_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    translation_of = None
    source = request.GET.get("translation_of") or request.POST.get("translation_of")
    if source:
        if not str(source).isdigit():
            raise Http404("No such article")
        translation_of = get_article_for_user(request.user, int(source))
    return _article_form(request, None, translation_of)


@login_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_for_user(request.user, pk, edit=True)
    return _article_form(request, article, None)


@login_required
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_for_user(request.user, pk)
    versions = list(article.versions.select_related("author__agent_profile"))
    return render(
        request,
        "knowledge/article_history.html",
        {
            "article": article,
            "versions": versions,
            "current_number": versions[0].number if versions else 0,
            "can_manage": can_manage_articles(request.user),
            "section": "knowledge",
        },
    )


@login_required
def article_diff(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Version ``number`` against the current article (or against ``?against=<n>``)."""
    article = get_article_for_user(request.user, pk)
    version = get_object_or_404(article.versions.select_related("author__agent_profile"), number=number)
    against = request.GET.get("against", "")
    other = None
    if against.isdigit():
        other = get_object_or_404(article.versions.select_related("author__agent_profile"), number=int(against))
        new_fields = other.fields
    else:
        new_fields = article.snapshot()
    mode = "unified" if request.GET.get("mode") == "unified" else "side"
    fields = diff_versions(queries.readable_fields(version.fields), queries.readable_fields(new_fields))
    return render(
        request,
        "knowledge/article_diff.html",
        {
            "article": article,
            "version": version,
            "other": other,
            "mode": mode,
            "fields": fields,
            "changed": [f for f in fields if f.changed],
            "versions": list(article.versions.values_list("number", flat=True)),
            "can_manage": can_manage_articles(request.user),
            "section": "knowledge",
        },
    )


@require_POST
@login_required
def article_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = get_article_for_user(request.user, pk)
    if not can_manage_articles(request.user):
        raise PermissionDenied
    version = get_object_or_404(article.versions, number=number)
    try:
        actions.restore_version(article=article, version=version, actor=request.user)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("knowledge:history", pk=article.pk)
    messages.success(request, _("Version %(number)d restored; it is saved as a new version.") % {"number": number})
    return redirect("knowledge:article", pk=article.pk)


# --- Documents -----------------------------------------------------------------------------
@require_POST
@login_required
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_for_user(request.user, pk, edit=True)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_document(
                article=article, upload=form.cleaned_data["file"], title=form.cleaned_data["title"], actor=request.user
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("Document added."))
            return redirect(reverse("knowledge:article", args=[article.pk]) + "#documents")
    else:
        messages.error(request, _("Choose a file to upload."))
    return redirect(reverse("knowledge:article", args=[article.pk]) + "#documents")


def _document_for(request: HttpRequest, document_id: int, *, edit: bool = False) -> Document:
    document = get_object_or_404(Document.objects.select_related("article"), pk=document_id)
    get_article_for_user(request.user, document.article_id, edit=edit)
    return document


@require_POST
@login_required
def document_version_add(request: HttpRequest, document_id: int) -> HttpResponse:
    document = _document_for(request, document_id, edit=True)
    form = DocumentVersionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            version = actions.add_document_version(
                document=document, upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(
                request,
                _("Version %(number)d of “%(title)s” uploaded.") % {"number": version.number, "title": document.title},
            )
            return redirect(reverse("knowledge:article", args=[document.article_id]) + "#documents")
    else:
        messages.error(request, _("Choose a file to upload."))
    return redirect(reverse("knowledge:article", args=[document.article_id]) + "#documents")


@require_GET
@login_required
def document_download(request: HttpRequest, document_id: int, number: int) -> FileResponse:
    document = _document_for(request, document_id)
    version = get_object_or_404(document.versions, number=number)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    response = uploads.serve(handle, filename=version.filename, content_type=version.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Reply templates -----------------------------------------------------------------------
@login_required
def macro_list(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    found = list(
        macros_visible_to(request.user)
        .select_related("owner__agent_profile", "category")
        .prefetch_related("texts")
        .order_by("-shared", "key")
    )
    for macro in found:
        macro.editable = can_edit_macro(request.user, macro)  # type: ignore[attr-defined]
    return render(
        request,
        "knowledge/macro_list.html",
        {
            "macros": found,
            "section": "macros",
            "variables": macros.VARIABLES,
        },
    )


def _macro_form(request: HttpRequest, macro: Any) -> HttpResponse:
    can_share = can_manage_articles(request.user)
    if request.method == "POST":
        form = MacroForm(request.POST, can_share=can_share, initial={"shared": macro.shared if macro else False})
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = actions.save_macro(
                    actor=request.user,
                    macro=macro,
                    shared=data["shared"],
                    set_status=data["set_status"],
                    category=data["category"],
                    texts=form.texts(),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    renamed = {("body_zh" if k == "body_zh-hans" else k): v for k, v in exc.error_dict.items()}
                    exc = ValidationError(renamed)  # type: ignore[arg-type]
                attach_errors(form, exc)
            else:
                messages.success(request, _("Reply template “%(key)s” saved.") % {"key": saved.key})
                return redirect("knowledge:macros")
        status = 400
    else:
        status = 200
        initial: dict[str, Any] = {}
        if macro is not None:
            texts = {text.language: text for text in macro.texts.all()}
            zh, en = texts.get("zh-hans"), texts.get("en")
            initial = {
                "name_zh": zh.name if zh else "",
                "body_zh": zh.body if zh else "",
                "name_en": en.name if en else "",
                "body_en": en.body if en else "",
                "set_status": macro.set_status,
                "category": macro.category_id,
                "shared": macro.shared,
            }
        form = MacroForm(initial=initial, can_share=can_share)
    return render(
        request,
        "knowledge/macro_form.html",
        {
            "form": form,
            "macro": macro,
            "variables": macros.VARIABLES,
            "section": "macros",
        },
        status=status,
    )


@login_required
def macro_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    return _macro_form(request, None)


@login_required
def macro_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _macro_form(request, get_macro_for_user(request.user, pk, edit=True))


@require_POST
@login_required
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_macro_for_user(request.user, pk, edit=True)
    actions.delete_macro(macro=macro, actor=request.user)
    messages.success(request, _("Reply template “%(key)s” deleted.") % {"key": macro.key})
    return redirect("knowledge:macros")


def _macro_entry(text: MacroText, values: dict[str, Any], ref: str) -> dict[str, Any]:
    macro = text.macro
    rendered = macros.render(text.body, values)
    return {
        "id": text.pk,
        "macro": macro.pk,
        "key": macro.key,
        "name": text.name,
        "language": text.language,
        "language_label": text.language_label,
        "text": rendered.text,
        "missing": rendered.missing,
        "error": rendered.error,
        "set_status": macro.set_status,
        "set_status_label": str(Status(macro.set_status).label) if macro.set_status else "",
        "category": str(macro.category) if macro.category_id and macro.category else "",
        "apply_url": reverse("knowledge:macro_apply", args=[macro.pk, ref]) if macro.category_id else "",
        "shared": macro.shared,
    }


@require_GET
@login_required
def macro_choices(request: HttpRequest, ref: str) -> JsonResponse:
    """The reply templates for the picker on ticket ``ref``, filled in, the contact's language first."""
    ticket = get_ticket_for_user(request.user, ref, write=True)
    language = queries.ticket_language(ticket) or (request.LANGUAGE_CODE or "")
    values = macros.context_for(ticket=ticket, agent=request.user)
    texts = queries.macro_texts_for(request.user, macros_visible_to(request.user), language)
    return JsonResponse(
        {
            "language": language,
            "items": [_macro_entry(text, values, ticket.ref) for text in texts],
            "missing_text": _("Not filled in: %(names)s"),
            "empty_text": _("No reply templates yet. Add them under “Reply templates”."),
        }
    )


@require_POST
@login_required
def macro_apply(request: HttpRequest, pk: int, ref: str) -> JsonResponse:
    """Inserting a template that sets a category: set it now, through tickets.actions."""
    ticket = get_ticket_for_user(request.user, ref, write=True)
    macro = get_macro_for_user(request.user, pk)
    try:
        changed = actions.apply_macro(macro=macro, ticket=ticket, actor=request.user)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "message": " ".join(exc.messages)}, status=400)
    message = (_("Category set to %(category)s.") % {"category": macro.category}) if changed else ""
    return JsonResponse({"ok": True, "message": message, "category": macro.category_id})


# --- Solved with ---------------------------------------------------------------------------
@require_POST
@login_required
def solution_mark(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)
    article_id = request.POST.get("article", "")
    article = get_article_for_user(request.user, int(article_id)) if article_id.isdigit() else None
    if article is None:
        messages.error(request, _("Choose the article that solved this ticket."))
        return redirect("tickets:detail", ref=ticket.ref)
    try:
        actions.mark_solved(ticket=ticket, article=article, actor=request.user)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Marked as solved with “%(title)s”.") % {"title": article.title})
    return redirect("tickets:detail", ref=ticket.ref)


@require_POST
@login_required
def solution_unmark(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)
    article_id = request.POST.get("article", "")
    article = get_article_for_user(request.user, int(article_id)) if article_id.isdigit() else None
    if article is not None and actions.unmark_solved(ticket=ticket, article=article, actor=request.user):
        messages.success(request, _("“%(title)s” is no longer marked as the solution.") % {"title": article.title})
    return redirect("tickets:detail", ref=ticket.ref)


# --- Knowledge gaps ------------------------------------------------------------------------
@login_required
def gaps(request: HttpRequest) -> HttpResponse:
    require_gaps_reader(request.user)
    threshold, days = queries.GAP_DEFAULT_THRESHOLD, queries.GAP_WINDOW_DAYS
    form = GapsForm(request.GET or None, initial={"threshold": threshold, "days": days})
    if form.is_valid():
        threshold = form.cleaned_data.get("threshold") or threshold
        days = form.cleaned_data.get("days") or days
    return render(
        request,
        "knowledge/gaps.html",
        {
            "form": form,
            "threshold": threshold,
            "days": days,
            "category_gaps": queries.category_gaps(threshold=threshold, days=days),
            "topic_gaps": queries.topic_gaps(threshold=threshold, days=days),
            "overdue": list(queries.overdue_reviews()[:200]),
            "section": "gaps",
            "draft_status": ArticleStatus.DRAFT,
        },
    )
