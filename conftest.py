"""Shared fixtures: the personas every view is tested with, fresh media per test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from aftersales.testing.factories import make_contact, make_customer, make_user


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class Personas:
    agent: Any
    agent2: Any
    lead: Any
    viewer: Any
    admin: Any
    outsider: Any
    customer: Any
    subaccount: Any
    contact: Any
    other_customer: Any

    def all(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ("agent", "agent2", "lead", "viewer", "admin", "outsider")}


@pytest.fixture
def personas(db: Any) -> Personas:
    customer = make_customer("starriver", "Starriver Tech 星河科技", tier="key")
    return Personas(
        agent=make_user("li.heping", role="agent", display_name="Li Heping"),
        agent2=make_user("yang.meng", role="agent", display_name="Yang Meng"),
        lead=make_user("han.pengshuai", role="lead", display_name="Han Pengshuai"),
        viewer=make_user("viewer.zhao", role="viewer", display_name="Zhao Kan"),
        admin=make_user("admin.qian", role="admin", display_name="Qian Guan"),
        outsider=make_user("outsider", role=None),
        customer=customer,
        subaccount=make_customer("starriver-sub2", "Starriver Sub-account 2", parent=customer),
        contact=make_contact(customer, "Zhou Min", phone="+8613800138000", is_primary=True),
        other_customer=make_customer("bluewave", "Bluewave Games"),
    )
