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
    # Rate-limit counters (and anything else cached) start empty in every test.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_process_memory() -> Any:
    """Per-process memories of the telemetry path start empty in every test: the numbers already
    counted this hour (``ingest.seen_numbers``) and the webhook's cache of accounts by key. Left
    over from an earlier test in the same worker they would change what a test's traffic counts."""
    from aftersales.monitoring import receiving
    from aftersales.monitoring.ingest import seen_numbers

    seen_numbers.clear()
    receiving.forget_signature_accounts()
    yield
    seen_numbers.clear()
    receiving.forget_signature_accounts()


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


# --- PostgreSQL-only tests: run in the PostgreSQL suite, deselected (not skipped) on SQLite ---
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked ``postgres`` (several processes on one real server) run when DATABASE_URL is
    PostgreSQL — `make test-postgres`, which CI requires — and are deselected in the SQLite run."""
    import os

    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


# --- CI: no test may be skipped ------------------------------------------------------------
def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """With AFTERSALES_NO_SKIPS=1 (set by `.ci/run` through make), a skipped test fails the run."""
    import os

    if os.environ.get("AFTERSALES_NO_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        if reporter:
            reporter.write_line(f"AFTERSALES_NO_SKIPS=1: {skipped} test(s) were skipped; CI allows none", red=True)
        session.exitstatus = 1


# --- Browser tests: Playwright driving Debian's Chromium -------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Any:
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Any:
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
