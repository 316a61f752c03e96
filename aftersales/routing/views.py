"""Routing rules for leads: the ordered list, a rule's form, moving and deleting, the default."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core.forms import attach_errors
from aftersales.routing import actions
from aftersales.routing.access import can_configure, require_configurer, require_reader
from aftersales.routing.forms import MoveForm, RuleForm, SettingsForm
from aftersales.routing.models import RoutingRule, RoutingSettings


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    current = RoutingSettings.load()
    rules = list(
        RoutingRule.objects.select_related("customer__parent", "team", "owner__agent_profile").order_by("order", "pk")
    )
    return render(request, "routing/rule_list.html", {
        "rules": rules,
        "routing_settings": current,
        "settings_form": SettingsForm(initial={"triage_team": current.triage_team_id}),
        "can_configure": can_configure(request.user),
        "section": "routing",
    })


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    require_configurer(request.user)
    return _rule_form(request, None)


@login_required
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    require_configurer(request.user)
    return _rule_form(request, get_object_or_404(RoutingRule, pk=rule_id))


def _rule_form(request: HttpRequest, rule: RoutingRule | None) -> HttpResponse:
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_rule(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved routing rule “%(name)s”.") % {"name": saved.name})
            return redirect("routing:rules")
    status = 400 if request.method == "POST" else 200
    return render(request, "routing/rule_form.html", {"form": form, "rule": rule, "section": "routing"}, status=status)


@login_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    require_configurer(request.user)
    rule = get_object_or_404(RoutingRule, pk=rule_id)
    name = rule.name
    actions.delete_rule(actor=request.user, rule=rule)
    messages.success(request, _("Deleted routing rule “%(name)s”.") % {"name": name})
    return redirect("routing:rules")


@login_required
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    require_configurer(request.user)
    rule = get_object_or_404(RoutingRule, pk=rule_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Move a rule up or down."), status=400)
    actions.move_rule(actor=request.user, rule=rule, direction=form.cleaned_data["direction"])
    return redirect("routing:rules")


@login_required
@require_POST
def routing_settings(request: HttpRequest) -> HttpResponse:
    require_configurer(request.user)
    form = SettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a team from the list."))
        return redirect("routing:rules")
    actions.save_settings(actor=request.user, triage_team=form.cleaned_data["triage_team"])
    messages.success(request, _("Saved the default triage."))
    return redirect("routing:rules")
