"""The log scan of the test suite: every record any test logs, as the configured handlers would
write it, is searched for personal data and secrets that escaped the redaction filter.

``detect`` is deliberately narrower than ``core.logging.redact`` (which masks any long run of
digits): it flags only what is certainly personal or secret, so order numbers, ticket refs,
timestamps, request ids and already-masked values (``+*********00``, ``z***@***``,
``[REDACTED]``) pass.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from typing import Any

from aftersales.core.logging import RedactingFilter

# name → pattern; each match is one finding.
PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"(?<![\w.+-])[\w.+-]*\w@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])"),
    # E.164: + (or %2B in a URL) then 8 to 15 digits, maybe grouped by spaces or dashes (+86 138-0013-8000).
    "phone": re.compile(r"(?<![\w+*])(?:\+|%2[Bb])\d(?:[ \-]?\d){7,14}(?![\d*])"),
    # A Chinese mobile number written without the country code: 1[3-9] and nine more digits, alone.
    "mobile": re.compile(r"(?<![\w*+.:/-])1[3-9]\d{9}(?![\w*])"),
    "api_token": re.compile(r"\bas_(?!\[REDACTED\])[A-Za-z0-9_-]{16,}"),
    "bearer": re.compile(r"(?i)\bbearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}"),
    "jwt": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\."),
    "secret": re.compile(
        r"(?i)\b(?:api[_-]?key|api[_-]?secret|secret|password|passwd)[\"']?\s*[=:]\s*[\"']?"
        r"(?!\[REDACTED\])(?!None\b|null\b|\*)[^\s\"',;&)}\]]{4,}"
    ),
}


def detect(text: str) -> list[tuple[str, str]]:
    """The (kind, text) of every unmasked personal value or secret in ``text``."""
    return [(kind, match.group(0)) for kind, pattern in PATTERNS.items() for match in pattern.finditer(text)]


@dataclass
class Offender:
    test: str
    logger: str
    kind: str
    found: str
    line: str

    def describe(self) -> str:
        return f"{self.test}: logger {self.logger!r} wrote {self.kind} {self.found!r} in: {self.line[:300]}"


class ScanHandler(logging.Handler):
    """On the root logger at DEBUG: each record passes through ``reference``'s filters and
    formatter (the console handler of ``LOGGING``, so exactly what production would write) and
    then through ``detect``."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.reference: logging.Handler | None = None
        self.current_test = "(collection)"
        self.offenders: list[Offender] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self._render(copy.copy(record))
        except Exception as error:  # a record that cannot be rendered is itself a finding
            line = f"<unrenderable record {record.msg!r}: {error}>"
        for kind, found in detect(line):
            self.offenders.append(Offender(self.current_test, record.name, kind, found, line))

    def _render(self, record: logging.LogRecord) -> str:
        reference = self.reference
        if reference is None:
            RedactingFilter().filter(record)
            return logging.Formatter().format(record)
        for item in reference.filters:
            check: Any = getattr(item, "filter", item)  # a Filter, or a plain callable
            if not check(record):
                return ""
        return (reference.formatter or logging.Formatter()).format(record)


# Handlers that belong to the test tools (pytest's capture, this scan), not to the application.
TOOL_HANDLERS = ("LogCaptureHandler", "_LiveLoggingNullHandler", "_LiveLoggingStreamHandler", "_FileHandler",
                 "ScanHandler", "NullHandler")


def unredacted_handlers() -> list[str]:
    """Handlers attached to any logger without the redaction filter (added outside ``LOGGING``)."""
    loggers = [logging.getLogger()] + [
        item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)
    ]
    found = []
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler).__name__ in TOOL_HANDLERS:
                continue
            if not any(isinstance(item, RedactingFilter) for item in handler.filters):
                found.append(f"logger {logger.name!r} has handler {handler!r} without the redaction filter")
    return found
