"""/imports/: leads bring old logs in (upload → preview and correct the mapping → import → summary),
and look after what an import leaves: quarantined rows, provisional customers, agent aliases.

The import runs in a task worker (``imports.tasks.import_files``, files up to 20 MB each; larger
ones: ``aftersales import-logs``); the run's page follows it, polling every 2 s while it runs.
Uploaded files are kept under ``MEDIA_ROOT/imports/<token>/`` so a run can be repeated with a
corrected mapping: the new run retries the quarantined rows and skips the imported ones.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.access import require_lead
from aftersales.customers.models import Customer
from aftersales.imports import actions, tasks
from aftersales.imports import load as loading
from aftersales.imports.forms import FIELD_LABELS, AliasForm, MappingForm, MergeForm, UploadForm
from aftersales.imports.matching import CustomerMatcher, suggest_targets
from aftersales.imports.models import AgentAlias, ImportedRow, ImportRun
from aftersales.imports.records import Interpreted, Outcome, Reason
from aftersales.tickets.models import Category, Status, Ticket

PREVIEW_ROWS = 50

REASON_LABELS: dict[str, Any] = {
    Reason.EMPTY: gettext_lazy("Empty row"),
    Reason.UNPARSEABLE_DATE: gettext_lazy("Date not understood"),
    Reason.NO_DATE: gettext_lazy("No date"),
    Reason.NO_CUSTOMER: gettext_lazy("No matching customer"),
    Reason.NO_TEXT: gettext_lazy("Nothing says what happened"),
    Reason.BAD_ENCODING: gettext_lazy("Unreadable characters"),
    Reason.TOO_LONG: gettext_lazy("Too long"),
    Reason.UNCLOSED_QUOTE: gettext_lazy("Unclosed quote"),
    loading.REJECTED: gettext_lazy("Refused by the desk"),
}
OUTCOME_LABELS: dict[str, Any] = {
    Outcome.TICKET: gettext_lazy("New tickets"),
    Outcome.TIMELINE: gettext_lazy("Added to an earlier ticket"),
    Outcome.CHECKIN: gettext_lazy("Check-ins"),
    Outcome.DUPLICATE: gettext_lazy("Already imported"),
    Outcome.QUARANTINED: gettext_lazy("Quarantined"),
}
# What one row became (the run's rows table; the counts above it use the plural labels).
ROW_OUTCOME_LABELS: dict[str, Any] = {
    **OUTCOME_LABELS,
    Outcome.TICKET: gettext_lazy("New ticket"),
    Outcome.CHECKIN: gettext_lazy("Check-in"),
}


def _files(run: ImportRun) -> list[tuple[str, str]]:
    return [(str(entry["path"]), str(entry["name"])) for entry in run.files]


def _store(uploads: list[Any]) -> list[dict[str, Any]]:
    folder = Path(settings.MEDIA_ROOT) / "imports" / secrets.token_hex(8)
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for index, upload in enumerate(uploads):
        name = PurePath(upload.name or "").name[:200] or f"upload-{index}"
        path = folder / f"{index}-{name}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        stored.append({"name": name, "path": str(path), "size": upload.size})
    return stored


def _headers(files: list[tuple[str, str]]) -> list[str]:
    """The column headers of the table files, in order (Markdown and chat files have none)."""
    from aftersales.imports import read as reading

    headers: list[str] = []
    for path, name in files:
        first = next(iter(reading.read(path, name=name)), None)
        if first is not None and first.kind == "table":
            headers += [header for header in first.cells if header not in headers]
    return headers


def _preview(run: ImportRun, mapping: dict[str, str] | None) -> list[Interpreted]:
    items = loading.interpreted(_files(run), mapping=mapping, timezone=run.timezone, year=run.year)
    return list(itertools.islice(items, PREVIEW_ROWS))


# --- Upload and runs ----------------------------------------------------------------------------
@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    return _index(request, UploadForm())


def _index(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    runs = ImportRun.objects.select_related("created_by__agent_profile", "profile").order_by("-created_at", "-pk")
    paginator = Paginator(runs, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    provisional = Customer.objects.filter(provisional=True).count()
    quarantined = ImportedRow.objects.filter(outcome=Outcome.QUARANTINED).count()
    listed: list[ImportRun] = list(page.object_list)
    for run in listed:  # a run that says it is under way but whose worker or process is gone: as its page says
        run.stopped = tasks.stopped(run)  # type: ignore[attr-defined]
    return render(request, "imports/index.html", {
        "form": form, "page": page, "paginator": paginator, "runs": listed,
        "provisional": provisional, "quarantined": quarantined, "section": "imports",
    }, status=status)  # fmt: skip


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _index(request, form, status=400)
    data = form.cleaned_data
    files = _store(data["logs"])
    profile = data["profile"]
    run = loading.start_run(actor=request.user, files=files, mapping=profile.mapping if profile else None,
                            timezone=data["timezone"], year=data["year"], profile=profile,
                            options={"create_customers": data["create_customers"], "source": "web"})  # fmt: skip
    try:
        _headers(_files(run))
    except (OSError, ValueError) as exc:
        run.state, run.error = ImportRun.State.FAILED, str(exc)[:2000]
        run.save(update_fields=["state", "error"])
        form.add_error("logs", _("This file cannot be read: %(error)s") % {"error": exc})
        return _index(request, form, status=400)
    return redirect("imports:preview", pk=run.pk)


@login_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The detected mapping (a select per column) and the first rows as they would be imported."""
    require_lead(request.user)
    run = get_object_or_404(ImportRun, pk=pk)
    try:
        headers = _headers(_files(run))
    except (OSError, ValueError) as exc:
        messages.error(request, _("The files of this run cannot be read any more: %(error)s") % {"error": exc})
        return redirect("imports:run", pk=run.pk)
    from aftersales.imports import interpret as interpreting

    detected = interpreting.detect_mapping(headers)
    initial = {**detected.to_dict(), **{h: f for h, f in (run.mapping or {}).items() if h in headers}}
    form = MappingForm(request.POST or None, headers=headers, initial_mapping=initial)
    status = 200
    mapping = initial
    if request.method == "POST":
        if form.is_valid():
            mapping = form.mapping()
            if request.POST.get("action") == "import":
                return _import(request, run, mapping, form.cleaned_data["profile_name"])
        else:
            status = 400
    try:
        rows = _preview(run, mapping if headers else None)
    except (OSError, ValueError) as exc:
        messages.error(request, _("The files cannot be read: %(error)s") % {"error": exc})
        rows, status = [], 400
    statuses = dict(Status.choices)
    categories = {category.code: category.name
                  for category in Category.objects.filter(code__in={row.category_code for row in rows})}  # fmt: skip
    matcher = CustomerMatcher() if rows else None  # which names the import would not find in the desk
    shown = [(row, statuses.get(row.status, row.status), categories.get(row.category_code, row.category_code),
              bool(row.customer_name.strip()) and matcher is not None and matcher.match(row.customer_name) is None)
             for row in rows]  # fmt: skip
    return render(request, "imports/preview.html", {
        "run": run, "form": form, "rows": shown, "confidence": detected.confidence, "preview_rows": PREVIEW_ROWS,
        "creates_customers": (run.options or {}).get("create_customers", True),
        "field_labels": FIELD_LABELS, "reason_labels": REASON_LABELS, "section": "imports",
    }, status=status)  # fmt: skip


def _import(request: HttpRequest, run: ImportRun, mapping: dict[str, str], profile_name: str) -> HttpResponse:
    profile = run.profile
    if profile_name:
        try:
            profile = actions.save_profile(name=profile_name, mapping=mapping, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("imports:preview", pk=run.pk)
    if tasks.under_way(run):
        messages.error(request, _("This import is already under way; its page shows how far it has got."))
        return redirect("imports:run", pk=run.pk)
    if run.state != ImportRun.State.UPLOADED:  # a re-run: a new run over the same files
        run = loading.start_run(actor=request.user, files=run.files, mapping=mapping, timezone=run.timezone,
                                year=run.year, profile=profile, options=run.options)  # fmt: skip
    else:
        run.mapping, run.profile = mapping, profile
        run.save(update_fields=["mapping", "profile"])
    messages.info(request, _("The import has started in the background. This page follows it and refreshes by "
                             "itself until it is done."))  # fmt: skip
    tasks.queue(run, actor=request.user)
    return redirect("imports:run", pk=run.pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    run = get_object_or_404(ImportRun.objects.select_related("created_by__agent_profile", "profile"), pk=pk)
    counts = run.counts or {}
    stopped = tasks.stopped(run)
    live = run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING) and not stopped  # tasks.under_way
    outcomes = [(key, OUTCOME_LABELS.get(key, key), value) for key, value in (counts.get("outcomes") or {}).items()]
    reasons = [(key, REASON_LABELS.get(key, key), value) for key, value in (counts.get("reasons") or {}).items()]
    names = counts.get("provisional_customers") or []
    provisional = list(Customer.objects.filter(provisional=True, name__in=names).order_by("name"))
    rows = (
        ImportedRow.objects.filter(run=run).exclude(outcome=Outcome.QUARANTINED)
        .select_related("ticket__customer", "checkin__customer").order_by("file", "sheet", "line")
    )  # fmt: skip
    paginator = Paginator(rows, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "imports/run.html", {
        "run": run, "counts": counts, "outcomes": outcomes, "reasons": reasons, "provisional": provisional,
        "page": page, "paginator": paginator, "rows": list(page.object_list), "outcome_labels": ROW_OUTCOME_LABELS,
        "section": "imports", "live": live,
        "stopped": stopped,
    })  # fmt: skip


# --- Quarantine ---------------------------------------------------------------------------------
@login_required
@require_GET
def quarantine(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    rows = ImportedRow.objects.filter(outcome=Outcome.QUARANTINED)
    error = ""
    reason = request.GET.get("reason", "")
    if reason and reason not in REASON_LABELS:
        error = _("Unknown reason “%(reason)s”.") % {"reason": reason[:40]}
        reason = ""
    run_pk = request.GET.get("run", "")
    if run_pk and not run_pk.isdigit():
        error, run_pk = _("Unknown run “%(run)s”.") % {"run": run_pk[:20]}, ""
    if run_pk:
        rows = rows.filter(run_id=int(run_pk))
    by_reason = dict(rows.values_list("reason").annotate(n=Count("pk")).values_list("reason", "n"))
    if reason:
        rows = rows.filter(reason=reason)
    paginator = Paginator(rows.select_related("run").order_by("file", "sheet", "line", "pk"), settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "imports/quarantine.html", {
        "page": page, "paginator": paginator, "rows": list(page.object_list), "reason": reason, "run_pk": run_pk,
        "reasons": [(key, label, by_reason.get(key, 0)) for key, label in REASON_LABELS.items()],
        "reason_labels": REASON_LABELS, "total": sum(by_reason.values()), "error": error, "section": "imports",
    }, status=400 if error else 200)  # fmt: skip


# --- Provisional customers ----------------------------------------------------------------------
@login_required
@require_GET
def customers(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    return _customers(request)


def _customers(request: HttpRequest, bound: MergeForm | None = None, bound_pk: int | None = None,
               status: int = 200) -> HttpResponse:  # fmt: skip
    listed = actions.provisional_customers()
    paginator = Paginator(listed, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    shown = list(page.object_list)
    tickets = dict(
        Ticket.objects.filter(customer__in=shown).values_list("customer").annotate(n=Count("pk")).values_list(
            "customer", "n"
        )
    )
    suggested = suggest_targets(shown)
    rows = [(customer, tickets.get(customer.pk, 0),
             bound if bound is not None and bound_pk == customer.pk
             else MergeForm(source=customer, initial={"target": suggested.get(customer.pk)}))
            for customer in shown]  # fmt: skip
    return render(request, "imports/customers.html", {
        "rows": rows, "page": page, "paginator": paginator, "section": "imports",
    }, status=status)  # fmt: skip


def _provisional(pk: int) -> Customer:
    return get_object_or_404(Customer, pk=pk, provisional=True)


@login_required
@require_POST
def confirm_customer(request: HttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    customer = _provisional(pk)
    actions.confirm_customer(customer=customer, actor=request.user)
    messages.success(request, _("%(name)s is now a normal customer.") % {"name": customer.name})
    return redirect("imports:customers")


@login_required
@require_POST
def merge_customer(request: HttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    source = _provisional(pk)
    form = MergeForm(request.POST, source=source)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            moved = actions.merge_customer(source=source, target=target, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("%(source)s was merged into %(target)s; %(n)d tickets moved.")
                             % {"source": source.name, "target": target.name, "n": moved})  # fmt: skip
            return redirect("imports:customers")
    return _customers(request, form, source.pk, status=400)


# --- Agent aliases ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def aliases(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    form = AliasForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                alias = actions.save_agent_alias(alias=form.cleaned_data["alias"], user=form.cleaned_data["user"],
                                                 actor=request.user)  # fmt: skip
            except ValidationError as exc:
                for text in exc.messages:
                    form.add_error(None, text)
            else:
                messages.success(request, _("“%(alias)s” now means %(user)s.") % {"alias": alias.alias,
                                                                                  "user": alias.user})  # fmt: skip
                return redirect("imports:aliases")
        status = 400
    listed = AgentAlias.objects.select_related("user__agent_profile").order_by("alias")
    paginator = Paginator(listed, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "imports/aliases.html", {
        "form": form, "rows": list(page.object_list), "page": page, "paginator": paginator, "section": "imports",
    }, status=status)  # fmt: skip


@login_required
@require_POST
def delete_alias(request: HttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    alias = get_object_or_404(AgentAlias, pk=pk)
    actions.delete_agent_alias(alias=alias, actor=request.user)
    messages.success(request, _("“%(alias)s” removed.") % {"alias": alias.alias})
    return redirect("imports:aliases")
