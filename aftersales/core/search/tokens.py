"""Search tokens made in Python, identical on SQLite and PostgreSQL.

Text is folded (NFKC, lower case, accents removed, Traditional → Simplified), then cut into runs
of ``[a-z0-9]`` and runs of CJK characters. Only those runs become tokens, space-separated:

- a Latin/digit run is one token (``vonage``, ``95``, ``0471234``); ``sender`` followed by
  ``id`` on the same line also gives ``senderid``, so "Sender ID", "sender-id" and "SenderID" all
  meet;
- a CJK run gives jieba's ``cut_for_search`` words (with the desk's domain dictionary, below)
  *plus* every character bigram of the run, plus its last character (and the character itself
  for a one-character run). jieba cuts by context — "怀疑被盗刷" becomes 怀疑/被盗/刷 — so
  the bigrams are what make any two-character word findable: 盗刷 is a bigram of 被盗刷.

Queries (:func:`query_terms`) use only what the bigrams guarantee: a CJK run of two or more
characters becomes its bigrams, a single CJK character a prefix of a token, a Latin word the
word itself; the last Latin word of a query that does not end in a space is a prefix (typing
"voda" finds "Vodafone"). All terms must match. A prefix term is written with a trailing ``*``.

jieba is loaded once per process, on first use of Chinese text, quietly (its cache file lives
under the system's temporary directory, its log lines are silenced).

No token spans two lines, so a text's tokens are its lines' tokens, in order, each once: what
another process made of some lines can be handed over (:func:`known_lines`, :func:`line_tokens`).
The importer's reading process tokenizes the rows' lines while its writer works.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Words jieba should keep whole (they also stay findable by bigrams whatever jieba does).
DOMAIN_WORDS: tuple[str, ...] = (
    "送达率",
    "回填率",
    "到达率",
    "成功率",
    "失败率",
    "盗刷",
    "刷量",
    "子账号",
    "主账号",
    "验证码",
    "短信",
    "余额",
    "模板",
    "签名",
    "充值",
    "通道",
    "回执",
    "号段",
    "黑名单",
    "白名单",
    "运营商",
    "原厂",
    "工单",
    "发送方",
    "营业执照",
    "授权书",
    "频率限制",
    "图形验证码",
    "退订",
    "营销短信",
    "通知短信",
    "国际短信",
)
CJK_CACHE_SIZE = 8_192  # runs of CJK text (up to CJK_CACHE_RUN characters) whose tokens are remembered
CJK_CACHE_RUN = 32  # (at most ~20 MB; longer runs are rarely repeated)
LINE_CACHE_SIZE = 8_192  # short lines (up to LINE_CACHE_LENGTH characters) whose tokens are remembered
LINE_CACHE_LENGTH = 80
MAX_TOKEN_LENGTH = 64  # longer Latin runs (hashes, base64) are cut; queries are cut the same way

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_RUNS = re.compile(f"[a-z0-9]+|[{_CJK}]+")
_IS_CJK = re.compile(f"[{_CJK}]")
# Simplified variants both spellings of which are in use; folded to one so either finds the other.
_EXTRA_FOLDS = {"帐": "账"}

_fold_table: dict[int, str] | None = None
_jieba: Any = None
_lock = threading.Lock()


def _table() -> dict[int, str]:
    """One ``str.translate`` table: Traditional → Simplified (single characters) and Latin accents removed."""
    global _fold_table
    if _fold_table is None:
        import zhconv

        path = os.path.join(os.path.dirname(zhconv.__file__), "zhcdict.json")
        with open(path, encoding="utf-8") as handle:
            zh2hans = json.load(handle)["zh2Hans"]
        table: dict[int, str] = {}
        for trad, simp in zh2hans.items():
            if len(trad) == 1 and len(simp) == 1 and trad != simp and _IS_CJK.match(trad):
                table[ord(trad)] = _EXTRA_FOLDS.get(simp, simp)
        for trad, simp in _EXTRA_FOLDS.items():
            table[ord(trad)] = simp
        for code in range(0xC0, 0x250):
            base = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
            if base != chr(code) and base.isascii() and base:
                table[code] = base.lower()
        _fold_table = table
    return _fold_table


def normalize(text: str) -> str:
    """NFKC, lower case, accents off, Traditional → Simplified: the form both index and query are cut from."""
    return unicodedata.normalize("NFKC", text).lower().translate(_table())


def jieba_tokenizer() -> Any:
    """The process's jieba tokenizer with the domain dictionary, initialised on first use."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                with warnings.catch_warnings():
                    # jieba 0.42's regexes have invalid escapes: warnings when its modules are first compiled.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    warnings.simplefilter("ignore", SyntaxWarning)
                    import jieba
                    import jieba.analyse

                jieba.setLogLevel(logging.WARNING)
                # jieba puts its own stderr handler on its logger: without the redaction filter, and a
                # second copy of each line. Its lines go through the root's handlers instead.
                jieba.default_logger.removeHandler(jieba.log_console)
                tokenizer = jieba.dt
                cache_dir = os.path.join(tempfile.gettempdir(), "aftersales-jieba")
                os.makedirs(cache_dir, exist_ok=True)
                tokenizer.tmp_dir = cache_dir
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word, freq=20000)
                _jieba = tokenizer
    return _jieba


def _cjk_tokens(run: str, out: dict[str, None]) -> None:
    if len(run) == 1:
        out[run] = None
        return
    tokens = _cjk_run_tokens(run) if len(run) <= CJK_CACHE_RUN else _cjk_run_tokens.__wrapped__(run)
    for word in tokens:
        out[word] = None


@functools.lru_cache(maxsize=CJK_CACHE_SIZE)
def _cjk_run_tokens(run: str) -> tuple[str, ...]:
    """The tokens of one run of CJK text (jieba's words, then the bigrams and the last character).

    Remembered: logs repeat the same phrases (customer names, "送达率下降"), and jieba costs ~50 µs
    a run; the dictionary only changes when the tokenizer is first set up."""
    out: dict[str, None] = {}
    for word in jieba_tokenizer().cut_for_search(run, HMM=False):
        out[word] = None
    for i in range(len(run) - 1):
        out[run[i : i + 2]] = None
    out[run[-1]] = None
    return tuple(out)


def token_list(text: str) -> list[str]:
    """The distinct tokens of ``text``, in order of first appearance."""
    out: dict[str, None] = {}
    _add_tokens(text, out)
    return list(out)


def _add_tokens(text: str, out: dict[str, None]) -> None:
    for line in normalize(text).split("\n"):  # (NFKC leaves every line break where it is)
        previous = ""
        for match in _RUNS.finditer(line):
            run = match.group()
            if run[0] < "\x80":
                run = run[:MAX_TOKEN_LENGTH]
                out[run] = None
                if previous == "sender" and run == "id":
                    out["senderid"] = None
                previous = run
            else:
                _cjk_tokens(run, out)
                previous = ""


_known: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("known_lines", default=None)
_NO_LINES: dict[str, str] = {}  # (never written to)


def line_tokens(text: str) -> dict[str, str]:
    """``index_tokens`` of each line of ``text``, by line: what :func:`known_lines` takes."""
    return {line: index_tokens(line) for line in text.split("\n")}


@contextlib.contextmanager
def known_lines(known: dict[str, str]) -> Iterator[None]:
    """Inside, ``index_tokens`` takes the tokens of a line found in ``known`` (line → its
    ``index_tokens``, made by :func:`line_tokens`, maybe in another process) instead of making them."""
    token = _known.set(known)
    try:
        yield
    finally:
        _known.reset(token)


def index_tokens(*texts: str) -> str:
    """Space-joined distinct tokens of ``texts``, for storage, in order: one text's, or several
    texts' at once (what ``merge_tokens`` of each would give, without joining and splitting again)."""
    known = _known.get() or _NO_LINES
    if len(texts) == 1 and "\n" not in texts[0]:
        return _line_index_tokens(texts[0], known)
    out: dict[str, None] = {}
    for text in texts:
        for line in text.split("\n"):
            if tokens := _line_index_tokens(line, known):
                out.update(dict.fromkeys(tokens.split(" ")))
    return " ".join(out)


def _line_index_tokens(line: str, known: dict[str, str]) -> str:
    tokens = known.get(line)
    if tokens is not None:
        return tokens
    if len(line) <= LINE_CACHE_LENGTH:
        return _short_line_tokens(line)
    return " ".join(token_list(line))


@functools.lru_cache(maxsize=LINE_CACHE_SIZE)
def _short_line_tokens(line: str) -> str:
    """Remembered: short lines repeat (names, "Owner: 小李", a signature's lines)."""
    return " ".join(token_list(line))


def merge_tokens(stored: str, more: str) -> str:
    """``stored`` plus the tokens of ``more`` (already tokens) it does not have yet."""
    have = dict.fromkeys(stored.split())
    for token in more.split():
        have[token] = None
    return " ".join(have)


@dataclass(frozen=True)
class QueryPart:
    """One run of a query: a CJK run or a Latin/digit word. ``prefix``: match tokens starting with it."""

    text: str
    cjk: bool
    prefix: bool = False

    def terms(self) -> list[str]:
        if not self.cjk:
            return [self.text + "*" if self.prefix else self.text]
        if len(self.text) == 1:
            return [self.text + "*"]
        return [self.text[i : i + 2] for i in range(len(self.text) - 1)]


def query_parts(q: str) -> list[QueryPart]:
    """The runs of a query, in order, without repeats."""
    folded = normalize(q)
    parts: list[QueryPart] = []
    seen: set[str] = set()
    runs = list(_RUNS.finditer(folded))
    for index, match in enumerate(runs):
        run = match.group()
        cjk = run[0] >= "\x80"
        if not cjk:
            run = run[:MAX_TOKEN_LENGTH]
        last = index == len(runs) - 1
        prefix = not cjk and last and len(run) >= 2 and match.end() == len(folded)
        if run in seen:
            continue
        seen.add(run)
        parts.append(QueryPart(run, cjk, prefix))
    return parts


def query_terms(q: str) -> list[str]:
    """The terms a query must match (AND), without repeats; a prefix term ends with ``*``."""
    terms: dict[str, None] = {}
    for part in query_parts(q):
        for term in part.terms():
            terms[term] = None
    # An exact term makes the same word as a prefix redundant, and vice versa keeps the exact one.
    return [t for t in terms if not (t.endswith("*") and t[:-1] in terms)]
