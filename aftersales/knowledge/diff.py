"""Differences between two versions of an article, field by field, for the diff page.

Lines are compared first (difflib); a changed line is then compared character by character,
because a Chinese paragraph is often one long line and the change is a few characters in it.
The result is plain data — the template escapes every piece of text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FIELDS: list[tuple[str, str | Promise]] = [
    ("title", _("Title")),
    ("problem", _("Problem")),
    ("cause", _("Cause")),
    ("solution", _("Solution")),
    ("category", _("Category")),
    ("tags", _("Tags")),
    ("audience", _("Audience")),
    ("status", _("Status")),
    ("owner", _("Owner")),
    ("review_by", _("Review by")),
]


@dataclass
class Segment:
    kind: str  # "same" | "add" | "del"
    text: str


@dataclass
class Row:
    kind: str  # "same" | "change" | "add" | "del" | "skip" (unchanged lines left out)
    left: list[Segment] = field(default_factory=list)
    right: list[Segment] = field(default_factory=list)
    skipped: int = 0


@dataclass
class FieldDiff:
    name: str
    label: str | Promise
    rows: list[Row]

    @property
    def changed(self) -> bool:
        return any(row.kind != "same" for row in self.rows)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _char_diff(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < 0.5:  # mostly rewritten: character pieces would only be noise
        return [Segment("del", old)] if old else [], [Segment("add", new)] if new else []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(Segment("same", old[i1:i2]))
            right.append(Segment("same", new[j1:j2]))
        else:
            if i2 > i1:
                left.append(Segment("del", old[i1:i2]))
            if j2 > j1:
                right.append(Segment("add", new[j1:j2]))
    return left, right


def diff_text(old: str, new: str) -> list[Row]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [Row("same", [Segment("same", line)], [Segment("same", line)]) for line in old_lines[i1:i2]]
        elif op == "delete":
            rows += [Row("del", left=[Segment("del", line)]) for line in old_lines[i1:i2]]
        elif op == "insert":
            rows += [Row("add", right=[Segment("add", line)]) for line in new_lines[j1:j2]]
        else:  # replace: pair the lines, the rest are plain removals or additions
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                left, right = _char_diff(old_lines[i1 + k], new_lines[j1 + k])
                rows.append(Row("change", left, right))
            rows += [Row("del", left=[Segment("del", line)]) for line in old_lines[i1 + pairs : i2]]
            rows += [Row("add", right=[Segment("add", line)]) for line in new_lines[j1 + pairs : j2]]
    return rows


def collapse(rows: list[Row], context: int = 2) -> list[Row]:
    """Keep ``context`` unchanged lines around each change; longer unchanged runs become one "skip" row."""
    keep = [False] * len(rows)
    for i, row in enumerate(rows):
        if row.kind != "same":
            for j in range(max(0, i - context), min(len(rows), i + context + 1)):
                keep[j] = True
    out: list[Row] = []
    skipped = 0
    for row, kept in zip(rows, keep, strict=True):
        if kept:
            if skipped:
                out.append(Row("skip", skipped=skipped))
                skipped = 0
            out.append(row)
        else:
            skipped += 1
    if skipped and out:
        out.append(Row("skip", skipped=skipped))
    return out if out else rows


def diff_versions(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """One FieldDiff per article field, in reading order."""
    return [
        FieldDiff(name, label, collapse(diff_text(_as_text(old.get(name)), _as_text(new.get(name)))))
        for name, label in FIELDS
    ]
