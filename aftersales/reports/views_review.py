"""The review report in the browser: the form, the web version (every number a link to its tickets),
the downloads (PDF, Markdown, XLSX, HTML as attachments) and the lead's scheduled deliveries."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.core.access import is_lead
from aftersales.reports import periods
from aftersales.reports.access import can_see_reports, require_reports
from aftersales.reports.review import facts
from aftersales.reports.review import render as rendering
from aftersales.reports.scope import Scope, ScopeError, from_params

PAGE_SIZE = 50


def _languages() -> list[tuple[str, str]]:
    return [("zh-hans", "中文（简体）"), ("en", "English")]


def _reader_language() -> str:
    """The report's language unless one is chosen: the reader's own (Chinese when it is not one a
    report is written in)."""
    language = get_language() or ""
    return language if language in rendering.LANGUAGES else "zh-hans"


def _formats() -> list[tuple[str, str]]:
    return [("html", _("Web page")), ("pdf", "PDF"), ("md", "Markdown"), ("xlsx", _("Excel (XLSX)"))]


def _read(request: HttpRequest) -> tuple[Scope, str, str]:
    """Scope, language and format from the query string; ScopeError with a clear message."""
    language = request.GET.get("language") or _reader_language()
    if language not in rendering.LANGUAGES:
        raise ScopeError(_("There is no report language “%(language)s”: use zh-hans or en.") % {"language": language})
    fmt = request.GET.get("format") or "html"
    if fmt not in rendering.FORMATS:
        raise ScopeError(_("There is no format “%(format)s”: use html, pdf, md or xlsx.") % {"format": fmt})
    scope = from_params(request.GET, default_period=periods.last_month())
    return scope, language, fmt


def _page(request: HttpRequest, *, status: int = 200, **extra: object) -> HttpResponse:
    form = {"period": request.GET.get("period", ""), "from": request.GET.get("from", ""),
            "to": request.GET.get("to", ""), "language": request.GET.get("language") or _reader_language(),
            "format": request.GET.get("format") or "html"}
    if not any((form["period"], form["from"], form["to"])):
        form["period"] = periods.last_month().code
    return render(request, "reports/review/page.html", {
        "form": form, "languages": _languages(), "formats": _formats(),
        "downloads": [f for f in _formats() if f[0] != "html"] + [("html", _("HTML file"))],
        "can_schedule": is_lead(request.user), "section": "reports", **extra,
    }, status=status)


@login_required
@require_http_methods(["GET"])
def review(request: HttpRequest) -> HttpResponse:
    """The form; with a period, the web version of the review (in the chosen language)."""
    require_reports(request.user)
    if not any(request.GET.get(k) for k in ("period", "from", "to")):
        return _page(request)
    try:
        scope, language, fmt = _read(request)
    except ScopeError as exc:
        return _page(request, status=400, error=str(exc))
    if fmt != "html":
        return _download(request, scope, language, fmt)
    with translation.override(language):
        built = facts.build(scope)
        body = rendering.html(built, standalone=False)
    query = urlencode({**scope.params(), "language": language})
    return _page(request, review=built, body=mark_safe(body), query=query)  # noqa: S308 - rendered by a template


@login_required
@require_http_methods(["GET"])
def review_export(request: HttpRequest) -> HttpResponse:
    """The review as a file: ``?period=2026-10&language=en&format=pdf`` (pdf, md, xlsx or html)."""
    require_reports(request.user)
    try:
        scope, language, fmt = _read(request)
    except ScopeError as exc:
        return _page(request, status=400, error=str(exc))
    return _download(request, scope, language, fmt)


def _download(request: HttpRequest, scope: Scope, language: str, fmt: str) -> HttpResponse:
    try:
        data, content_type, name = rendering.render(lambda: facts.build(scope), fmt, language,
                                                    base_url=request.build_absolute_uri("/"))
    except rendering.PdfUnavailable as exc:
        return _page(request, status=503, error=str(exc))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Scheduled delivery (leads) -------------------------------------------------------------------
def _require_lead(user: object) -> None:
    if not (can_see_reports(user) and is_lead(user)):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request: HttpRequest) -> HttpResponse:
    from aftersales.reports.models import ReviewSchedule
    from aftersales.reports.review import schedules as scheduling
    from aftersales.reports.review.forms import ReviewScheduleForm

    _require_lead(request.user)
    form = ReviewScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        schedule = scheduling.create_schedule(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The review “%(name)s” is scheduled.") % {"name": schedule.name})
        return redirect("reports:review_schedules")
    qs = (ReviewSchedule.objects.select_related("team", "customer")
          .prefetch_related("recipient_users__agent_profile").order_by("name", "pk"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/review/schedules.html", {
        "form": form, "page": page, "paginator": page.paginator, "section": "reports",
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    from aftersales.reports.models import ReviewSchedule
    from aftersales.reports.review import schedules as scheduling

    _require_lead(request.user)
    schedule = get_object_or_404(ReviewSchedule, pk=pk)
    scheduling.delete_schedule(schedule=schedule, actor=request.user)
    messages.success(request, _("The schedule “%(name)s” is deleted.") % {"name": schedule.name})
    return redirect("reports:review_schedules")
