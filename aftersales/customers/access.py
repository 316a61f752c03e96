"""The one place that decides which customers a user may see or change."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from aftersales.core.access import is_staff_member, require_write
from aftersales.customers.models import Customer


def customers_visible_to(user: Any) -> QuerySet[Customer]:
    if is_staff_member(user):
        return Customer.objects.all()
    return Customer.objects.none()


def get_customer_for_user(user: Any, code: str, *, write: bool = False) -> Customer:
    """Return the customer with ``code`` if ``user`` may see it; 404 otherwise, 403 on a write by a reader."""
    try:
        customer = (
            customers_visible_to(user)
            .select_related("parent", "account_manager__agent_profile", "calendar")
            .get(code=code)
        )
    except Customer.DoesNotExist as exc:
        raise Http404("No such customer") from exc
    if write:
        require_write(user)
    return customer
