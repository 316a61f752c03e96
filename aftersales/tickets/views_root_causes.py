"""Root causes, the list a resolution is filed under (issue 8): leads add, rename, reorder and
retire them. A cause is never deleted: resolved tickets and past reviews keep pointing at it;
a retired one is no longer offered when resolving."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.core.access import is_lead, require_lead, require_staff
from aftersales.tickets import actions
from aftersales.tickets.models import RootCause


class RootCauseForm(forms.ModelForm):
    class Meta:
        model = RootCause
        fields = ["code", "name_en", "name_zh", "order", "is_active"]
        help_texts = {"code": gettext_lazy("Letters, digits and hyphens; it names the cause in exports and the API.")}


@login_required
def root_causes(request: HttpRequest) -> HttpResponse:
    """The list (every staff member reads it) and, for leads, the form to add one."""
    require_staff(request.user)
    form = RootCauseForm(prefix="new", initial={"order": (RootCause.objects.count() + 1) * 10})
    if request.method == "POST":
        require_lead(request.user)
        form = RootCauseForm(request.POST, prefix="new")
        if form.is_valid():
            cause = actions.save_root_cause(cause=form.save(commit=False), actor=request.user)
            messages.success(request, _("Root cause “%(name)s” added.") % {"name": cause.name})
            return redirect("tickets:root_causes")
    return render(request, "tickets/root_causes.html", {
        "rows": [(cause, RootCauseForm(instance=cause, prefix="edit"))
                 for cause in RootCause.objects.order_by("order", "code")],
        "form": form,
        "section": "root_causes",
        "can_edit": is_lead(request.user),
    }, status=400 if form.is_bound else 200)


@login_required
@require_POST
def edit_root_cause(request: HttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    cause = get_object_or_404(RootCause, pk=pk)
    form = RootCauseForm(request.POST, instance=cause, prefix="edit")
    if not form.is_valid():
        problems = (f"{field}: {' '.join(str(e) for e in errs)}" for field, errs in form.errors.items())
        messages.error(request, "; ".join(problems))
        return redirect("tickets:root_causes")
    cause = actions.save_root_cause(cause=form.save(commit=False), actor=request.user)
    messages.success(request, _("Root cause “%(name)s” saved.") % {"name": cause.name})
    return redirect("tickets:root_causes")

