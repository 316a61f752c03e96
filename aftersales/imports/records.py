"""The importer's two halves meet here (issue 9).

``read`` (files → ``SourceRow``) and ``interpret`` (``SourceRow`` + ``Mapping`` → ``Interpreted``)
are pure Python and know no database; ``load`` (``Interpreted`` → customers, tickets, timeline
entries, check-ins, vendor-case links, quarantine) writes through the apps' actions.

Every source row ends as exactly one ``Outcome``: imported (a ticket or a timeline entry), a
duplicate (its fingerprint was imported before) or quarantined with a ``Reason``. The summary
adds up: rows = imported + duplicates + quarantined.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from aftersales.imports import details


class Field(StrEnum):
    """What a column means once mapped (the mapping a lead confirms and a profile saves)."""

    DATE = "date"  # when it happened / was reported
    CUSTOMER = "customer"
    ISSUE = "issue"  # the problem / description: becomes the subject (first line) and description
    OWNER = "owner"
    STATUS = "status"
    RESOLVED = "resolved"  # when it was resolved
    NOTES = "notes"
    CATEGORY = "category"  # an explicit category column, when the file has one
    IGNORE = "ignore"


class Reason(StrEnum):
    """Why a row was quarantined (stable codes; the summary counts per reason)."""

    EMPTY = "empty"
    UNPARSEABLE_DATE = "unparseable_date"
    NO_DATE = "no_date"
    NO_CUSTOMER = "no_customer"  # only with --no-create-customers: a name that matches no customer
    NO_TEXT = "no_text"  # a date and customer but nothing that says what happened
    BAD_ENCODING = "bad_encoding"
    TOO_LONG = "too_long"
    UNCLOSED_QUOTE = "unclosed_quote"  # a quote never closed: the lines after it were read into one cell


class Outcome(StrEnum):
    TICKET = "ticket"
    TIMELINE = "timeline"  # attached to an earlier ticket (a continuation)
    CHECKIN = "checkin"  # a "月度回访" row: a check-in record (and no ticket)
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


NUL_SHOWN = "\ufffd"  # what a NUL character in a source row becomes


@dataclass(frozen=True)
class SourceRow:
    """One row as it stood in the file: where it was and its original text, before any reading.

    ``cells`` are the row's cells by column header (for tables) or by a reader's own keys
    (``text`` for a Markdown bullet or a chat line, plus ``heading`` for the Markdown section and
    ``author`` for a chat line). ``raw`` is the original text of the row, kept on what it produced.
    """

    file: str  # the file's name as given (no directory)
    sheet: str  # "" for CSV/TSV/MD/TXT; the sheet name for XLSX
    line: int  # 1-based line (CSV: the record's first physical line) or sheet row
    raw: str
    cells: dict[str, str]
    kind: str  # "table" | "markdown" | "chat"
    # Set by a reader when the row could not be read at all: a ``Reason`` value ("bad_encoding" for
    # bytes the file's encoding cannot decode, "too_long" for a runaway record); the interpreter
    # quarantines such a row with that reason. ``raw`` then shows undecodable bytes as \xNN.
    error: str = ""

    def __post_init__(self) -> None:
        # A NUL character carries nothing a reader could use, and PostgreSQL's text cannot hold it
        # (one in a cell failed the whole batch there): it is shown as U+FFFD, on both databases.
        if "\x00" in self.raw:
            object.__setattr__(self, "raw", self.raw.replace("\x00", NUL_SHOWN))
        if any("\x00" in value for value in self.cells.values()):
            cells = {key: value.replace("\x00", NUL_SHOWN) for key, value in self.cells.items()}
            object.__setattr__(self, "cells", cells)

    def fingerprint(self) -> str:
        """File name + row content: the same row imported twice is a duplicate; an edited row is new.
        A Markdown bullet's content includes the heading it stands under: the same words noted for
        two customers ("- 5月20日 回访") are two rows."""
        heading = self.cells.get("heading", "") if self.kind == "markdown" else ""
        return _digest(self.file, self.sheet, self.raw.strip(), *([heading] if heading else []))

    def legacy_fingerprint(self) -> str | None:
        """The fingerprint before it took a Markdown bullet's heading (2026-12), so that a file
        imported before still finds its rows; None where the two are the same."""
        if self.kind != "markdown" or not self.cells.get("heading", ""):
            return None
        return _digest(self.file, self.sheet, self.raw.strip())


@dataclass(frozen=True)
class Fact:
    """Something structured recognised in the text: ``kind`` in case_number, phone, amount, sender_id,
    percent, error_code; ``value`` normalised (E.164 for phones, "12 EUR" for amounts)."""

    kind: str
    value: str


@dataclass
class Interpreted:
    """A source row read into the standard record (or the reason it cannot be)."""

    source: SourceRow
    reason: Reason | None = None  # set: quarantine the row
    detail: str = ""  # why it is quarantined, or a guess ("day/month read as month/day"): ``imports.details``
    occurred_at: dt.datetime | None = None  # aware
    resolved_at: dt.datetime | None = None
    customer_name: str = ""  # as written ("" = no customer: "未知客户", an empty cell)
    subject: str = ""
    description: str = ""
    notes: str = ""
    owners: list[str] = field(default_factory=list)  # as written; the first is the owner, others participants
    status: str = ""  # a tickets Status value ("resolved", "closed", "open", "waiting_vendor" …) or ""
    category_code: str = ""  # a tickets Category code, "" if none inferred
    category_confidence: float = 0.0  # 0..1
    is_checkin: bool = False  # "月度回访", "Monthly check-in call"
    facts: list[Fact] = field(default_factory=list)
    continues: str = ""  # a case number (or explicit reference) linking this row to an earlier item
    # A Markdown bullet that only states an outcome ("June 10 — approved!"): it continues the ticket
    # of the bullet before it under the same heading.
    continues_previous: bool = False
    # The search tokens of its text's lines (``core.search.tokens.line_tokens``), made by the reading
    # process while the writer works; empty, the writer makes them (the same tokens).
    line_tokens: dict[str, str] = field(default_factory=dict)

    @property
    def quarantined(self) -> bool:
        return self.reason is not None

    @property
    def detail_text(self) -> str:
        """The detail in the active language."""
        return details.show(self.detail)
