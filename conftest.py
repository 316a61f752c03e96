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
def _fail_on_skips(session: Any) -> None:
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


# --- The log scan: no personal data or secret in any line the suite logs ---------------------
# Each process (the only one, or each xdist worker) puts a ScanHandler at DEBUG on the root logger
# and checks its own records; a worker hands its findings to the controller, which fails the run.
_LOG_SCAN: dict[str, Any] = {"handler": None, "from_workers": []}


def _scan_handler() -> Any:
    import logging

    from aftersales.testing.logscan import ScanHandler

    handler = _LOG_SCAN["handler"]
    if handler is None:
        handler = _LOG_SCAN["handler"] = ScanHandler()
    root = logging.getLogger()
    if handler not in root.handlers:
        handler.reference = next((h for h in root.handlers if type(h).__name__ == "StreamHandler"), None)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return handler


@pytest.fixture(autouse=True)
def _log_scan(request: Any) -> Any:
    handler = _scan_handler()
    handler.current_test = request.node.nodeid
    yield
    handler.current_test = f"{request.node.nodeid} (teardown)"


def _log_scan_findings() -> list[str]:
    from aftersales.testing.logscan import unredacted_handlers

    handler = _LOG_SCAN["handler"]
    if handler is None:
        return []  # no test ran in this process (collection only, or the xdist controller)
    return [offender.describe() for offender in handler.offenders] + unredacted_handlers()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    _LOG_SCAN["from_workers"].extend(getattr(node, "workeroutput", {}).get("log_scan", []))


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    _fail_on_skips(session)
    _fail_on_log_findings(session)


def _fail_on_log_findings(session: Any) -> None:
    findings = _log_scan_findings()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports
        workeroutput["log_scan"] = findings
        return
    findings += _LOG_SCAN["from_workers"]
    if findings:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"Log scan: {len(findings)} unmasked personal value(s) or secret(s) in logs:", red=True)
            for line in findings[:50]:
                reporter.write_line("  " + line, red=True)
        session.exitstatus = 1
