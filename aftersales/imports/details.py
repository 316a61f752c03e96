"""What the importer says about a row (why it was quarantined, how it read a date), kept as the
messages and their values and put into words in the reader's language when a page shows it: an
import runs in a worker, whose language is not the language of everyone who reads its quarantine.

A detail is a ``str`` (``Interpreted.detail``, ``ImportedRow.detail``) holding JSON,
``[[message, {values}], …]``, the messages in the source language (English). Anything else, a
detail stored before or a validation error's text, is shown as it is."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext

VALUE_CHARS = 200  # a value quoted in a detail (a cell that is not a date) is cut to this


def say(message: str, **values: Any) -> str:
    """A detail of one message (marked for translation with ``gettext_noop`` where it is written)."""
    clipped = {key: value[:VALUE_CHARS] if isinstance(value, str) else value for key, value in values.items()}
    return json.dumps([[message, clipped]], ensure_ascii=False)


def join(*details: str) -> str:
    """The details one after the other (empty ones left out); "" when all are empty."""
    parts = [part for detail in details if detail for part in _parts(detail)]
    return json.dumps(parts, ensure_ascii=False) if parts else ""


def show(detail: str) -> str:
    """The detail in the active language, its messages one after the other."""
    parsed = _parse(detail or "")
    if parsed is None:
        return detail or ""
    return " ".join(_words(message, values) for message, values in parsed)


def _words(message: str, values: dict[str, Any]) -> str:
    text = gettext(message)
    if not values:
        return text
    try:
        return text % values
    except (KeyError, TypeError, ValueError):  # a translation that names other values than the message
        return message % values


def _parts(detail: str) -> list[list[Any]]:
    parsed = _parse(detail)
    return parsed if parsed is not None else [["%(text)s", {"text": detail}]]


def _parse(detail: str) -> list[list[Any]] | None:
    if not detail.startswith("[["):
        return None
    try:
        parsed = json.loads(detail)
    except ValueError:
        return None
    if isinstance(parsed, list) and all(
        isinstance(part, list) and len(part) == 2 and isinstance(part[0], str) and isinstance(part[1], dict)
        for part in parsed
    ):
        return parsed
    return None
