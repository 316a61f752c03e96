"""Where check-ins and surveys show in the desk: the "Check-ins" panel on the customer page (the
plan, the last check-ins, a "Log a check-in" button, the last NPS scores), the sidebar links, and
the background jobs (``feedback.checkins_tasks``). Registered from ``FeedbackConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import can_write, is_staff_member
from aftersales.core.panels import Panel, register_panel, register_sidebar
from aftersales.customers.access import get_customer_for_user
from aftersales.feedback import checkins, surveys
from aftersales.feedback.models import CheckinPlan

PANEL_KEY = "feedback-checkins"


def customer_checkins(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = get_customer_for_user(request.user, code)
    today = checkins.desk_today()
    plan = CheckinPlan.objects.filter(customer=customer).select_related("owner__agent_profile").first()
    if plan is not None:
        plan.days_late = (today - plan.next_due_on).days  # type: ignore[attr-defined]
    return {
        "customer": customer,
        "plan": plan,
        "today": today,
        "recent": checkins.recent_checkins(customer),
        "scores": surveys.customer_scores(customer),
        "can_log": can_write(request.user),
        "can_plan": checkins.can_change_plan(request.user, customer),
        "panel_object_label": customer.name,
        "panel_back_url": reverse("customers:detail", args=[customer.code]),
    }


def register() -> None:
    from aftersales.feedback import checkins_tasks  # noqa: F401 - registers the reminder and send jobs

    register_panel(
        Panel(
            key=PANEL_KEY,
            title=_("Check-ins"),
            page="customer",
            order=30,
            template_name="feedback/checkins/panel.html",
            allowed=is_staff_member,
            context=customer_checkins,
        )
    )
    register_sidebar("feedback/_sidebar_checkins.html", order=61)
