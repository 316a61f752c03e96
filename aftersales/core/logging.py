"""Logging helpers: a request id on every line and a filter that masks personal data.

The redaction runs on the final message (arguments interpolated), so a phone number
passed as ``%s`` is masked too.
"""

from __future__ import annotations

import contextvars
import logging
import re

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+\.)+[\w-]{2,}")
# International numbers: + then 8-15 digits, optionally separated by spaces/dashes.
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[ \-]?\d){7,14}(?!\w)")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_SECRET_KV = re.compile(r"(?i)\b(api[_-]?key|api[_-]?secret|secret|password|passwd|token)(\s*[=:]\s*)(\"?)[^\s\"&,;]+")
_TOKEN = re.compile(r"\bas_[A-Za-z0-9_-]{16,}")


def redact(text: str) -> str:
    """Mask emails, phone numbers, bearer tokens, API tokens and key=value secrets."""
    text = _BEARER.sub(r"\1[REDACTED]", text)
    text = _TOKEN.sub("as_[REDACTED]", text)
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
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True
