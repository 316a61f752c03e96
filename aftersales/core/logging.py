"""Logging helpers: a request id on every line, a filter that masks personal data, the level.

The redaction runs on the final message (arguments interpolated), so a phone number
passed as ``%s`` is masked too; a traceback is formatted and masked by the filter as well.

The level comes from ``LOG_LEVEL`` (default INFO, DEBUG under ``DEBUG=true``). With ``DEBUG`` off,
DEBUG is refused unless ``LOG_DEBUG_UNTIL`` gives an end time at most
``MAX_DEBUG_WINDOW`` ahead: an expired window falls back to INFO at startup, and
``DebugWindowFilter`` drops DEBUG lines once the time has passed in a running process.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger import json as _json

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+\.)+[\w-]{2,}")
# International numbers: + then 8-15 digits, optionally separated by spaces/dashes; not a run of
# digits inside a dashed identifier (a task's UUID "cfd04823-1234-4836-b83a-…" is not a phone).
_PHONE = re.compile(r"(?<![\w+])(?<![0-9A-Za-z]-)\+?\d(?:[ \-]?\d){7,14}(?!\w)(?!-[0-9A-Za-z])")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
# key=value, key: value, and JSON's "key": "value" (the closing quote of the key before the colon).
_SECRET_KV = re.compile(
    r"(?i)\b((?:api[_-]?key|api[_-]?secret|secret|password|passwd|token)[\"']?)(\s*[=:]\s*)([\"']?)[^\s\"'&,;]+"
)
_URL_PLUS = re.compile(r"%2[Bb](?=\d)")
_TOKEN = re.compile(r"\bas_[A-Za-z0-9_-]{16,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    """Mask emails, phone numbers, bearer tokens, API tokens and key=value secrets."""
    text = _URL_PLUS.sub("+", text)  # a URL's %2B before digits: a phone number's plus, in a query string
    text = _BEARER.sub(r"\1[REDACTED]", text)
    text = _TOKEN.sub("as_[REDACTED]", text)
    text = _JWT.sub("[REDACTED]", text)
    text = _SECRET_KV.sub(r"\1\2\3[REDACTED]", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@***", text)
    text = _PHONE.sub(lambda m: _mask_phone(m.group(0)), text)
    return text


def _mask_phone(number: str) -> str:
    digits = [c for c in number if c.isdigit()]
    return ("+" if number.startswith("+") else "") + "*" * (len(digits) - 2) + "".join(digits[-2:])


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the line
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Format the traceback now (the formatter reuses exc_text), so its messages are masked too.
            record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        # Extras (``extra={...}``, Django's ``request``) are written by the JSON formatter too: a
        # request's repr carries its query string. Numbers and flags stay; the rest is masked text.
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD_ATTRS or value is None or isinstance(value, bool | int | float):
                continue
            record.__dict__[key] = redact(str(value))
        return True


_STANDARD_ATTRS = frozenset(
    [*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime", "request_id", "taskName"]
)


_TRACEBACK_FORMATTER = logging.Formatter()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# --- The level, the debug window, the handlers ------------------------------------------------
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_DEBUG_WINDOW = dt.timedelta(days=7)


def parse_until(value: str) -> dt.datetime:
    """``LOG_DEBUG_UNTIL``: an ISO 8601 time; without an offset it is read as UTC."""
    try:
        until = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"LOG_DEBUG_UNTIL must be an ISO 8601 time such as 2026-03-02T18:00:00+08:00, not {value!r}"
        ) from exc
    return until if until.tzinfo else until.replace(tzinfo=dt.UTC)


def resolve_level(
    requested: str, *, debug: bool, debug_until: str = "", now: dt.datetime | None = None
) -> tuple[str, dt.datetime | None]:
    """The root level to run with and, for a forced DEBUG, the time it ends.

    Raises ``ImproperlyConfigured`` for an unknown level, for DEBUG with ``DEBUG`` off and no
    ``LOG_DEBUG_UNTIL``, and for a window longer than ``MAX_DEBUG_WINDOW``.
    """
    level = (requested or "").strip().upper()
    if level not in LEVELS:
        raise ImproperlyConfigured(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, not {requested!r}")
    if level != "DEBUG" or debug:
        return level, None
    if not debug_until.strip():
        raise ImproperlyConfigured(
            "LOG_LEVEL=DEBUG is refused in production (DEBUG is off): debug lines are large and carry "
            "more detail. Set LOG_DEBUG_UNTIL=<ISO time> (at most 7 days ahead) to force it for a while."
        )
    until = parse_until(debug_until)
    now = now or dt.datetime.now(dt.UTC)
    if until <= now:
        return "INFO", None  # the window is over: back to INFO
    if until - now > MAX_DEBUG_WINDOW:
        raise ImproperlyConfigured(
            f"LOG_DEBUG_UNTIL={debug_until} is more than 7 days ahead; a forced DEBUG window must be short."
        )
    return "DEBUG", until


class DebugWindowFilter(logging.Filter):
    """Drops DEBUG lines once the forced debug window (``LOG_DEBUG_UNTIL``) is over.

    ``until`` empty: nothing is dropped (DEBUG is on because ``DEBUG=true``, or the level is INFO+).
    Once over, the root logger goes back to INFO too, so debug calls stop costing anything.
    """

    def __init__(self, until: str = "") -> None:
        super().__init__()
        self.until = parse_until(until) if until else None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.until is None or record.levelno >= logging.INFO:
            return True
        if dt.datetime.now(dt.UTC) < self.until:
            return True
        root = logging.getLogger()
        if root.level < logging.INFO:
            root.setLevel(logging.INFO)
        return False


class JsonFormatter(_json.JsonFormatter):
    """JSON lines whose traceback is masked too: python-json-logger formats ``exc_info`` itself
    (not from the filtered ``exc_text``), so the redaction runs here as well."""

    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei)
        return redact(text if isinstance(text, str) else "\n".join(text))


def build_logging(
    *,
    level: str,
    debug_until: dt.datetime | None = None,
    fmt: str = "json",
    file: str = "",
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
) -> dict[str, Any]:
    """The ``LOGGING`` dict: console (and a size-rotated file when ``file`` is set), every handler
    with the request id, the debug-window and the redaction filters."""
    if max_bytes < 1024:
        raise ImproperlyConfigured(f"LOG_MAX_BYTES must be at least 1024, not {max_bytes}")
    if backups < 1:
        raise ImproperlyConfigured(f"LOG_BACKUPS must be at least 1, not {backups}")
    formatter = fmt if fmt in ("json", "text") else "json"
    filters = ["request_id", "debug_window", "redact"]
    handlers: dict[str, Any] = {
        "console": {"class": "logging.StreamHandler", "filters": filters, "formatter": formatter},
    }
    if file:
        handlers["file"] = {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": file,
            "maxBytes": max_bytes,
            "backupCount": backups,
            "encoding": "utf-8",
            "delay": True,
            "filters": filters,
            "formatter": "json",  # a file is read by tools: always JSON lines
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": "aftersales.core.logging.RedactingFilter"},
            "request_id": {"()": "aftersales.core.logging.RequestIdFilter"},
            "debug_window": {
                "()": "aftersales.core.logging.DebugWindowFilter",
                "until": debug_until.isoformat() if debug_until else "",
            },
        },
        "formatters": {
            "json": {
                "()": "aftersales.core.logging.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            },
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "axes": {"level": "WARNING"},
            "mail.log": {"level": "WARNING"},  # aiosmtpd: a line per connection otherwise
            "weasyprint": {"level": "WARNING"},  # a line per rendering step of every review PDF otherwise
            "fontTools": {"level": "WARNING"},
            # Django's own defaults put handlers without the redaction filter on these two (a console
            # line under DEBUG, the admins' error mail, runserver's request lines): their records go
            # through the root's handlers instead.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        },
    }
