"""Highlighted snippets: a window of the original text, HTML-escaped, with ``<mark>`` around query matches.

Matching runs on the folded text (the same folding as the tokens: NFKC, lower case, Traditional →
Simplified), mapped back to the original characters, so "簡訊" in the text is marked for a
query "短信"'s neighbour "简讯" and full-width letters are marked for ASCII queries.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from aftersales.core.search.tokens import QueryPart, normalize

WINDOW = 160  # characters of original text in a snippet
LEAD = 30  # characters shown before the first match
MAX_TEXT = 50_000  # longer texts are cut before matching
_SPACES = re.compile(r"\s+")


def _folded(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, when lengths differ, the original index of each folded character."""
    folded = normalize(text)
    if len(folded) == len(text):
        return folded, None
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = normalize(ch)
        chars.append(f)
        origin.extend([i] * len(f))
    return "".join(chars), origin


def _pattern(part: QueryPart) -> list[re.Pattern[str]]:
    text = re.escape(part.text)
    if part.cjk:
        if len(part.text) <= 2:
            return [re.compile(text)]
        # The whole run first; its bigrams when the run is not there as a whole.
        return [re.compile(text)] + [re.compile(re.escape(part.text[i : i + 2])) for i in range(len(part.text) - 1)]
    tail = "[a-z0-9]*" if part.prefix else "(?![a-z0-9])"
    return [re.compile(f"(?<![a-z0-9]){text}{tail}")]


def spans(text: str, parts: list[QueryPart]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of ``text`` (original indices) that match the query parts."""
    folded, origin = _folded(text)
    found: list[tuple[int, int]] = []
    for part in parts:
        patterns = _pattern(part)
        whole = [(m.start(), m.end()) for m in patterns[0].finditer(folded)]
        if not whole and len(patterns) > 1:
            for pattern in patterns[1:]:
                whole.extend((m.start(), m.end()) for m in pattern.finditer(folded))
        found.extend(whole)
    if origin is not None:
        found = [(origin[a], origin[b - 1] + 1) for a, b in found if b > a]
    found.sort()
    merged: list[tuple[int, int]] = []
    for a, b in found:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _piece(text: str) -> str:
    return str(escape(_SPACES.sub(" ", text)))


def snippet(text: str, parts: list[QueryPart], *, window: int = WINDOW) -> SafeString:
    """Escaped HTML: the part of ``text`` with the most matches, each match in ``<mark>``."""
    text = (text or "")[:MAX_TEXT]
    marks = spans(text, parts)[:500]
    if not marks:
        cut = text[:window]
        return mark_safe(_piece(cut) + ("…" if len(text) > window else ""))  # noqa: S308 - escaped above
    best_start, best_count = 0, -1
    for i, (a, _) in enumerate(marks):
        start = max(0, a - LEAD)
        count = sum(1 for x, y in marks[i:] if y <= start + window)
        if count > best_count:
            best_start, best_count = start, count
    # Do not cut a word or a match at the start: move back to a space if one is near.
    if best_start:
        space = text.rfind(" ", max(0, best_start - 15), best_start)
        if space != -1:
            best_start = space + 1
    end = min(len(text), best_start + window)
    out: list[str] = ["…"] if best_start else []
    position = best_start
    for a, b in marks:
        if b <= best_start or a >= end:
            continue
        a, b = max(a, best_start), min(b, end)
        out.append(_piece(text[position:a]))
        out.append(f"<mark>{_piece(text[a:b])}</mark>")
        position = b
    out.append(_piece(text[position:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped
