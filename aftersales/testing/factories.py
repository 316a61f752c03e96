"""Factories for tests: invented people and companies only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User

from aftersales.core import clock
from aftersales.customers.models import Contact, Customer
from aftersales.people.models import AgentProfile
from aftersales.testing import PASSWORD
from aftersales.tickets import actions
from aftersales.tickets.models import Channel, Ticket


def make_user(
    username: str,
    *,
    role: str | None = "agent",
    display_name: str | None = None,
    language: str = "en",
    password: str = PASSWORD,
) -> User:
    user = User.objects.create_user(username=username, password=password, email=f"{username}@desk.example")
    if role:
        user.groups.add(Group.objects.get(name=role))
        AgentProfile.objects.create(
            user=user, display_name=display_name or username.title(), language=language, timezone="Asia/Shanghai"
        )
    return user


def make_customer(
    code: str = "starriver", name: str = "Starriver Tech 星河科技", *, parent: Customer | None = None, **extra: Any
) -> Customer:
    now = clock.now()
    return Customer.objects.create(code=code, name=name, parent=parent, created_at=now, updated_at=now, **extra)


def make_contact(customer: Customer, name: str = "Zhou Min", **extra: Any) -> Contact:
    extra.setdefault("email", f"{name.lower().replace(' ', '.')}@{customer.code}.example")
    return Contact.objects.create(customer=customer, name=name, created_at=clock.now(), **extra)


def make_ticket(subject: str = "Delivery to Vietnam failing", *, actor: Any = None, **kwargs: Any) -> Ticket:
    kwargs.setdefault("channel", Channel.EMAIL)
    return actions.open_ticket(subject=subject, actor=actor, **kwargs)
