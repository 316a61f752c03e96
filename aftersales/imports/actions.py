"""Writes of the importer's own objects: provisional customers (create, confirm, merge), agent
and customer aliases, mapping profiles. Keyword-only, one transaction each, audited.

Merging a provisional customer moves its tickets through ``tickets.actions.set_customer`` (each
ticket's timeline says so), moves its check-ins, leaves an alias (the old name now finds the
target), and deletes the provisional customer.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import can_write
from aftersales.core.search import index
from aftersales.customers.actions import save_customer
from aftersales.customers.models import Customer
from aftersales.feedback.models import Checkin, CheckinPlan
from aftersales.imports.matching import normalise
from aftersales.imports.models import AgentAlias, CustomerAlias, MappingProfile
from aftersales.imports.records import Field
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import Ticket


class ImportActionError(ValidationError):
    """An importer action was refused; the message says why."""


# --- Provisional customers ----------------------------------------------------------------------
def _code_for(name: str, parent: Customer | None) -> str:
    base = slugify(name)[:24].strip("-") or (parent.code[:20] if parent is not None else "imported")
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:6]
    code = f"{base}-{digest}"[:40]
    suffix = 1
    while Customer.objects.filter(code=code).exists():
        suffix += 1
        code = f"{base}-{digest}-{suffix}"[:40]
    return code


def create_provisional_customer(*, name: str, actor: Any, parent: Customer | None = None) -> Customer:
    """A customer for a name the old logs use and the desk does not know, flagged provisional."""
    name = name.strip()[:200]
    if not name:
        raise ImportActionError(_("A customer needs a name."))
    with transaction.atomic():
        customer = save_customer(actor=None, code=_code_for(name, parent), name=name, parent=parent,
                                 notes=_("Created by an import of old logs."))  # fmt: skip
        Customer.objects.filter(pk=customer.pk).update(provisional=True)
        customer.provisional = True
        audit(actor=actor, action="imports.customer.provisional", obj=customer, after={"name": name})
    return customer


def provisional_customers() -> Any:
    return Customer.objects.filter(provisional=True).select_related("parent").order_by("name", "pk")


def confirm_customer(*, customer: Customer, actor: Any) -> Customer:
    """The provisional customer is real: it becomes a normal customer."""
    if not customer.provisional:
        raise ImportActionError(_("%(name)s is not a provisional customer.") % {"name": customer.name})
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(provisional=False, updated_at=clock.now())
        customer.provisional = False
        audit(actor=actor, action="imports.customer.confirm", obj=customer,
              before={"provisional": True}, after={"provisional": False})  # fmt: skip
    return customer


def merge_customer(*, source: Customer, target: Customer, actor: Any) -> int:
    """Move the provisional ``source``'s tickets and check-ins to ``target``, remember its name as an
    alias of ``target`` and delete it. Returns the number of tickets moved."""
    if not source.provisional:
        raise ImportActionError(_("Only a provisional customer can be merged."))
    if source.pk == target.pk:
        raise ImportActionError(_("Choose another customer to merge into."))
    if target.provisional:
        raise ImportActionError(
            _("Merge into a confirmed customer: %(name)s is provisional too.") % {"name": target.name}
        )
    if Customer.objects.filter(parent=source).exists():
        raise ImportActionError(_("%(name)s has sub-accounts; merge or confirm them first.") % {"name": source.name})
    with transaction.atomic():
        tickets = list(Ticket.objects.filter(customer=source).order_by("pk"))
        for ticket in tickets:
            ticket_actions.set_customer(ticket=ticket, customer=target, actor=actor)
        checkins = Checkin.objects.filter(customer=source).update(customer=target)
        CheckinPlan.objects.filter(customer=source).delete()  # a provisional customer's plan is never wanted
        CustomerAlias.objects.filter(customer=source).update(customer=target)
        key = normalise(source.name)
        if key:
            CustomerAlias.objects.update_or_create(
                key=key, defaults={"alias": source.name, "customer": target, "created_at": clock.now()}
            )
        audit(actor=actor, action="imports.customer.merge", obj=target,
              before={"source": source.pk, "name": source.name},
              after={"tickets": [t.ref for t in tickets], "checkins": checkins})  # fmt: skip
        index.remove("customer", source.pk)
        source.delete()
    return len(tickets)


# --- Aliases ------------------------------------------------------------------------------------
def save_agent_alias(*, alias: str, user: Any, actor: Any) -> AgentAlias:
    """Map a name from the old logs to an agent (re-mapping an existing alias moves it)."""
    alias = alias.strip()[:100]
    key = normalise(alias)
    if not key:
        raise ImportActionError({"alias": _("Write the name the old logs use, e.g. 小李.")})
    if user is None or not user.is_active or not can_write(user):
        raise ImportActionError({"user": _("Choose an active agent, lead or admin.")})
    with transaction.atomic():
        existing = AgentAlias.objects.filter(key=key).first()
        before = {"alias": existing.alias, "user": existing.user_id} if existing else {}
        row, _created = AgentAlias.objects.update_or_create(
            key=key, defaults={"alias": alias, "user": user, "created_at": clock.now()}
        )
        audit(actor=actor, action="imports.agent_alias.save", obj=row, before=before,
              after={"alias": alias, "user": user.pk})  # fmt: skip
    return row


def delete_agent_alias(*, alias: AgentAlias, actor: Any) -> None:
    with transaction.atomic():
        audit(actor=actor, action="imports.agent_alias.delete", obj=alias,
              before={"alias": alias.alias, "user": alias.user_id})  # fmt: skip
        alias.delete()


# --- Mapping profiles ---------------------------------------------------------------------------
def save_profile(*, name: str, mapping: dict[str, str], actor: Any) -> MappingProfile:
    """Save (or replace) a named mapping: column header → field."""
    name = name.strip()[:100]
    if not name:
        raise ImportActionError({"profile_name": _("Give the profile a name.")})
    valid = {field.value for field in Field}
    unknown = sorted({value for value in mapping.values() if value not in valid})
    if unknown:
        raise ImportActionError(_("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown)})
    now = clock.now()
    with transaction.atomic():
        profile, created = MappingProfile.objects.update_or_create(
            name=name,
            defaults={"mapping": dict(mapping), "updated_at": now},
            create_defaults={"mapping": dict(mapping), "updated_at": now, "created_at": now,
                             "created_by": actor if getattr(actor, "is_authenticated", False) else None},
        )
        audit(actor=actor, action="imports.profile.create" if created else "imports.profile.update", obj=profile,
              after={"mapping": profile.mapping})  # fmt: skip
    return profile
