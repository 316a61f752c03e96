from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import os
import subprocess
import sys

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from aftersales.core.logging import DebugWindowFilter, RedactingFilter, build_logging, redact, resolve_level
from aftersales.testing.logscan import detect


@pytest.mark.parametrize(
    ("raw", "secret"),
    [
        ("call +8613800138000 now", "13800138000"),
        ("from zhou.min@starriver.example", "zhou.min@starriver.example"),
        ("Authorization: Bearer as_abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnop"),
        ("api_key=a1b2c3d4e5 api_secret=s3cr3tValue", "s3cr3tValue"),
        ('password: "hunter22"', "hunter22"),
        ("token as_Zx9yW8vU7tS6rQ5pO4nM3", "Zx9yW8vU7tS6rQ5pO4nM3"),
    ],
)
def test_redact_masks_personal_data_and_secrets(raw, secret):
    assert secret not in redact(raw)


def test_redact_keeps_ordinary_text_and_ticket_refs():
    text = "AS-000123 status changed to resolved after 42 minutes"
    assert redact(text) == text
    # A task's UUID carries digit runs as long as a phone number: they stay readable in the logs.
    task = "Task id=cfd04823-1234-4836-b83a-ecd0216bfe67 path=aftersales.tickets.tasks.sla_sweep state=RUNNING"
    assert redact(task) == task
    assert redact("id=12345678-1234-5678-9abc-def012345678") == "id=12345678-1234-5678-9abc-def012345678"
    assert redact("call 138-0013-8000.") == "call *********00."


def test_filter_masks_interpolated_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sms to %s failed", ("+447700900123",), None)
    RedactingFilter().filter(record)
    assert "447700900123" not in record.getMessage()
    assert record.getMessage().endswith("23 failed")


# --- JSON tracebacks and quoted secrets are masked too ---------------------------------------
def test_filter_masks_the_traceback_and_json_secrets():
    try:
        raise ValueError("no contact for zhou.min@starriver.example at +8613800138000")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, 'payload {"password": "hunter22"}', None,
                                   sys.exc_info())
    RedactingFilter().filter(record)
    line = logging.Formatter().format(record)
    assert "ValueError: no contact for" in line
    for secret in ("zhou.min@starriver.example", "13800138000", "hunter22"):
        assert secret not in line


def test_json_lines_mask_the_traceback_too():
    """python-json-logger formats ``exc_info`` itself, not from the filtered ``exc_text``."""
    from aftersales.core.logging import JsonFormatter

    try:
        raise ValueError("no contact for zhou.min@starriver.example, api_secret=s3cr3tvalue")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "could not store", None, sys.exc_info())
    RedactingFilter().filter(record)
    line = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(record)
    traceback = json.loads(line)["exc_info"]
    assert "ValueError: no contact for" in traceback
    for secret in ("zhou.min@starriver.example", "s3cr3tvalue"):
        assert secret not in traceback
    assert detect(line) == []


def test_filter_masks_extras_such_as_the_request_django_logs():
    from django.test import RequestFactory

    request = RequestFactory().get("/api/v1/search", {"q": "+8613800138000"})
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Unprocessable Entity: %s",
                               ("/api/v1/search",), None)
    record.request = request
    record.status_code = 422
    RedactingFilter().filter(record)
    formatter = build_logging(level="INFO")["formatters"]["json"]
    from pythonjsonlogger.json import JsonFormatter

    line = JsonFormatter(formatter["fmt"]).format(record)
    assert "13800138000" not in line and "8613800138000" not in line
    assert json.loads(line)["status_code"] == 422


# --- The level from the environment -----------------------------------------------------------
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_level_defaults_and_unknown_levels():
    assert resolve_level("info", debug=False, now=NOW) == ("INFO", None)
    assert resolve_level("DEBUG", debug=True, now=NOW) == ("DEBUG", None)
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL must be one of"):
        resolve_level("LOUD", debug=False, now=NOW)


def test_debug_is_refused_in_production_without_a_time_limit():
    with pytest.raises(ImproperlyConfigured, match="LOG_DEBUG_UNTIL"):
        resolve_level("DEBUG", debug=False, now=NOW)
    with pytest.raises(ImproperlyConfigured, match="more than 7 days"):
        resolve_level("DEBUG", debug=False, debug_until="2026-04-01T00:00:00Z", now=NOW)
    with pytest.raises(ImproperlyConfigured, match="ISO 8601"):
        resolve_level("DEBUG", debug=False, debug_until="tomorrow", now=NOW)


def test_a_forced_debug_window_ends_at_its_time():
    level, until = resolve_level("DEBUG", debug=False, debug_until="2026-03-02T18:00:00+08:00", now=NOW)
    assert level == "DEBUG" and until == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    # Started after the window: INFO.
    assert resolve_level("DEBUG", debug=False, debug_until="2026-03-02T07:59:00", now=NOW) == ("INFO", None)


def test_the_debug_window_filter_drops_debug_lines_after_the_time():
    window = DebugWindowFilter("2026-03-02T10:00:00+00:00")
    debug = logging.LogRecord("x", logging.DEBUG, __file__, 1, "detail", None, None)
    info = logging.LogRecord("x", logging.INFO, __file__, 1, "event", None, None)
    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.DEBUG)
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 59, tzinfo=dt.UTC), tick=False):
            assert window.filter(debug) and window.filter(info)
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC), tick=False):
            assert not window.filter(debug) and window.filter(info)
            assert root.level == logging.INFO
    finally:
        root.setLevel(level)


def test_production_settings_refuse_debug_at_startup(tmp_path):
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "DEBUG", "AFTERSALES_VAR_DIR": str(tmp_path)}
    env.pop("LOG_DEBUG_UNTIL", None)
    result = subprocess.run([sys.executable, "-c", "import aftersales.settings"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "LOG_LEVEL=DEBUG is refused in production" in result.stderr


# --- Handlers ---------------------------------------------------------------------------------
def test_every_configured_handler_redacts_and_carries_the_request_id(settings, tmp_path):
    config = build_logging(level="INFO", file=str(tmp_path / "never-opened.log"))
    assert set(config["handlers"]) == {"console", "file"}
    for handler in [*config["handlers"].values(), *settings.LOGGING["handlers"].values()]:
        assert {"redact", "request_id", "debug_window"} <= set(handler["filters"])


def test_the_log_file_is_json_lines_rotated_by_size_with_a_retention_count(tmp_path, settings):
    path = tmp_path / "aftersales.log"
    config = build_logging(level="INFO", file=str(path), max_bytes=2048, backups=2)
    try:
        logging.config.dictConfig(config)
        log = logging.getLogger("aftersales.test.rotation")
        for n in range(100):
            log.info("delivery report %s for +447700900%03d", n, n)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["aftersales.log", "aftersales.log.1", "aftersales.log.2"]
    assert all(p.stat().st_size <= 2048 + 300 for p in tmp_path.iterdir())
    last = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert last[-1]["message"] == "delivery report 99 for +**********99"
    assert last[-1]["levelname"] == "INFO" and last[-1]["request_id"] == "-"


def test_bad_rotation_settings_are_refused():
    with pytest.raises(ImproperlyConfigured, match="LOG_MAX_BYTES"):
        build_logging(level="INFO", file="x.log", max_bytes=10)
    with pytest.raises(ImproperlyConfigured, match="LOG_BACKUPS"):
        build_logging(level="INFO", file="x.log", backups=0)


# --- The detector of the suite's log scan -----------------------------------------------------
LEAKS = [
    ("phone", "sms to +8613800138000 failed"),
    ("phone", "call +86 138-0013-8000"),
    ("phone", "GET /api/v1/search?q=%2B8613800138000"),
    ("mobile", "联系人 13800138000 未接"),
    ("email", "reply from zhou.min@starriver.example"),
    ("api_token", "token as_Zx9yW8vU7tS6rQ5pO4nM3 used"),
    ("bearer", "Authorization: Bearer abcdef1234567890"),
    ("jwt", "got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig"),
    ("secret", '{"api_secret": "s3cr3tValue"}'),
    ("secret", "password=hunter22"),
]


@pytest.mark.parametrize(("kind", "text"), LEAKS)
def test_detector_finds_leaks_and_redact_masks_each(kind, text):
    assert kind in {found[0] for found in detect(text)}
    assert detect(redact(text)) == []


@pytest.mark.parametrize("text", [
    "AS-000123 status changed to resolved after 42 minutes",
    '{"asctime": "2026-03-02 01:00:00,123", "request_id": "3f2a13800138000b9c", "message": "ok"}',
    "order ORD20260302000123 and invoice 138001380001 (12 digits) and ts 1772413200123",
    "case 04812345 at 2026-03-02T01:00:00Z, id 13800138000a",
    "masked +**********99 and z***@*** and as_[REDACTED] and password=[REDACTED] and Bearer [REDACTED]",
    "version 1.13800138000 and path /v1/13800138000/x",
    "secret: None and password=*** set",
])
def test_detector_ignores_refs_timestamps_and_masked_values(text):
    assert detect(text) == []
