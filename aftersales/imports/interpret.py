"""Interpreting legacy rows (issue 9): ``SourceRow`` → ``Interpreted``, pure Python, no database.

- ``detect_mapping`` reads zh/en column headers into a ``Mapping`` (header → ``Field``) with a
  confidence per column; a mapping serialises to a plain dict so the loading half can keep profiles.
- ``parse_date`` reads every date form the old logs use (``2025/3/5``, ``3月7日``,
  ``2025年4月3日 下午3点``, ``20250308``, ``4/8``, ``May 3``, ISO with an offset, Excel serials …)
  into an aware datetime in the chosen timezone; a missing year comes from a ``DateContext`` (the
  running year of the file, the year in the file name or Markdown title, the ``--year`` option).
- ``interpret`` turns rows into the standard record: customer, owners, status, category (keywords
  with a confidence), facts (vendor case numbers, phones, amounts, sender IDs, error codes,
  percentages) and continuations (a case number seen on an earlier row of the same customer).

Every input row yields exactly one ``Interpreted``; a row that cannot become a record carries a
``Reason`` instead of raising.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from aftersales.imports import details
from aftersales.imports.records import Fact, Field, Interpreted, Reason, SourceRow

__all__ = [
    "DateContext",
    "Mapping",
    "ParsedDate",
    "detect_mapping",
    "extract_facts",
    "find_date",
    "header_field",
    "infer_category",
    "interpret",
    "leading_date",
    "parse_date",
    "scan_day_first",
]

SUBJECT_MAX = 120
CELL_MAX = 100_000  # a cell longer than this is not a log entry: quarantined as too_long
DAY_FIRST_WINDOW = 5_000  # rows looked at (per file) to decide day/month order before interpreting
DEFAULT_TIMEZONE = "Asia/Shanghai"


# --------------------------------------------------------------------------------------------
# Text helpers


def normalise(text: str) -> str:
    """Width- and case-insensitive form: NFKC, casefold, collapsed whitespace."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# Traditional characters of the words headers and statuses use → Simplified (Big5 logs from a Taiwan or
# Hong Kong office write 客戶, 負責人, 狀態, 已解決): folded before a header or a status is looked up.
_TRADITIONAL = str.maketrans(
    "戶負責狀態決備註問題處時間稱號帳賬務達餘額訊發關閉廠復聯類別轉換異盜長計費審簽冊電話郵報錯誤碼驗證檔單後無開啟級優記錄內說結員經辦應回聽歸並參與際進當總細節標網絡訂購價為從這們對",
    "户负责状态决备注问题处时间称号帐账务达余额讯发关闭厂复联类别转换异盗长计费审签册电话邮报错误码验证档单后无开启级优记录内说结员经办应回听归并参与际进当总细节标网络订购价为从这们对",
)


def fold_traditional(text: str) -> str:
    """``text`` with the traditional characters of header and status words made simplified."""
    return text.translate(_TRADITIONAL)


def _squash(text: str) -> str:
    """``normalise`` without spaces and punctuation, for header matching."""
    return "".join(ch for ch in fold_traditional(normalise(text)) if ch.isalnum())


# --------------------------------------------------------------------------------------------
# Column mapping

# Header words per field, in their squashed form (see ``_squash``). Longer words win over shorter
# ones, so 解决时间 is "resolved" although it contains 时间 ("date").
HEADER_WORDS: dict[Field, tuple[str, ...]] = {
    Field.DATE: (
        "日期",
        "时间",
        "报告时间",
        "报告日期",
        "发生时间",
        "创建时间",
        "提交时间",
        "反馈时间",
        "记录时间",
        "开始时间",
        "date",
        "time",
        "datetime",
        "reported",
        "reportedat",
        "reportedon",
        "created",
        "createdat",
        "opened",
        "when",
    ),
    Field.CUSTOMER: (
        "客户",
        "客户名称",
        "客户名",
        "公司",
        "账号",
        "账户",
        "客户账号",
        "customer",
        "customername",
        "account",
        "accountname",
        "client",
        "company",
    ),
    Field.ISSUE: (
        "问题",
        "描述",
        "问题描述",
        "事件",
        "内容",
        "详情",
        "事项",
        "反馈",
        "issue",
        "description",
        "subject",
        "problem",
        "summary",
        "details",
        "event",
        "title",
    ),
    Field.OWNER: (
        "处理人",
        "负责人",
        "跟进人",
        "经办人",
        "处理者",
        "owner",
        "assignee",
        "agent",
        "handler",
        "handledby",
    ),
    Field.STATUS: ("状态", "处理状态", "进度", "status", "state"),
    Field.RESOLVED: (
        "解决时间",
        "完成时间",
        "关闭时间",
        "解决日期",
        "完成日期",
        "处理完成",
        "resolved",
        "resolvedat",
        "resolvedon",
        "closedat",
        "closedon",
        "completed",
        "completedat",
        "solved",
        "fixed",
    ),
    Field.NOTES: (
        "备注",
        "说明",
        "附注",
        "跟进记录",
        "处理结果",
        "notes",
        "note",
        "remark",
        "remarks",
        "comment",
        "comments",
    ),
    Field.CATEGORY: ("类别", "分类", "类型", "问题类型", "category", "type", "kind"),
}

# Fields a file may carry in several columns (their texts are joined); the rest take one column.
MULTI_FIELDS = {Field.ISSUE, Field.NOTES, Field.IGNORE}


def header_field(header: str) -> tuple[Field, float]:
    """The field a header names and how sure that is (1.0 exact word, 0.5-0.8 a word inside it)."""
    squashed = _squash(header)
    if not squashed:
        return Field.IGNORE, 0.0
    best: tuple[Field, float, int] = (Field.IGNORE, 0.0, 0)
    for fld, words in HEADER_WORDS.items():
        for word in words:
            if squashed == word:
                return fld, 1.0
            if word in squashed and len(word) > best[2]:
                # The more of the header the word covers, the surer the guess.
                best = (fld, round(0.5 + 0.3 * len(word) / len(squashed), 2), len(word))
    return best[0], best[1]


@dataclass
class Mapping:
    """Column header → ``Field``, with the detector's confidence per column (not serialised)."""

    columns: dict[str, Field] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, str]:
        return {header: fld.value for header, fld in self.columns.items()}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Mapping:
        columns: dict[str, Field] = {}
        for header, value in data.items():
            try:
                columns[str(header)] = Field(value)
            except ValueError:
                raise ValueError(
                    _("Unknown field %(value)r for column %(header)r.") % {"value": value, "header": header}
                ) from None
        return cls(columns=columns, confidence=dict.fromkeys(columns, 1.0))

    def field_of(self, header: str) -> Field:
        return self.columns.get(header, Field.IGNORE)

    def headers_for(self, fld: Field) -> list[str]:
        return [header for header, f in self.columns.items() if f == fld]

    def covers(self, headers: Iterable[str]) -> bool:
        return all(header in self.columns for header in headers)


def detect_mapping(headers: list[str]) -> Mapping:
    """Guess each column's field from its header; a single-valued field goes to its surest column."""
    guesses = {header: header_field(header) for header in headers}
    columns: dict[str, Field] = {}
    confidence: dict[str, float] = {}
    taken: dict[Field, str] = {}
    for header in sorted(headers, key=lambda h: -guesses[h][1]):  # surest first
        fld, conf = guesses[header]
        if fld not in MULTI_FIELDS and fld in taken:
            fld, conf = Field.IGNORE, 0.0
        columns[header] = fld
        confidence[header] = conf
        taken.setdefault(fld, header)
    # Keep the file's column order.
    return Mapping(columns={h: columns[h] for h in headers}, confidence={h: confidence[h] for h in headers})


# --------------------------------------------------------------------------------------------
# Dates


@dataclass(frozen=True)
class ParsedDate:
    value: dt.datetime  # aware, in the context's timezone
    has_time: bool = False
    year_from: str = "text"  # text | running | file | option | clock
    ambiguous: bool = False  # a d/m or m/d form whose order came from the file's rule
    day_first: bool = False  # the order used for an ambiguous form


@dataclass
class DateContext:
    """What a year-less or ambiguous date is read against; one per file while interpreting."""

    tz: dt.tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    year: int | None = None  # the --year option
    file_year: int | None = None  # the year in the file name or a Markdown title
    running_year: int | None = None  # the year of the last full date in the file
    running_month: int | None = None
    day_first: bool = False  # the file's rule for d/m vs m/d
    fallback_year: int | None = None  # when nothing else says: the current year

    def observe(self, parsed: ParsedDate) -> None:
        """Keep the running year: later year-less rows take the year of their neighbours."""
        self.running_year = parsed.value.year
        self.running_month = parsed.value.month

    def guess_year(self, month: int) -> tuple[int, str]:
        if self.running_year is not None:
            year = self.running_year
            if self.running_month is not None:
                if month < self.running_month - 6:  # December … then January: the next year
                    year += 1
                elif month > self.running_month + 6:  # January … then December: a log kept backwards
                    year -= 1
            return year, "running"
        if self.file_year is not None:
            return self.file_year, "file"
        if self.year is not None:
            return self.year, "option"
        if self.fallback_year is not None:
            return self.fallback_year, "clock"
        from aftersales.core import clock

        return clock.now().astimezone(self.tz).year, "clock"


MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})", re.IGNORECASE
)
_YMD = re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d])")
_CJK_YMD = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_COMPACT = re.compile(r"((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_SHORT = re.compile(r"(\d{1,2})([/.])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d%])(?![.,]\d)")
_MONTH_DAY = re.compile(
    rf"({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\d])(?:,?\s+(\d{{4}})(?!\d))?", re.IGNORECASE
)
_DAY_MONTH = re.compile(
    rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?![a-z])(?:,?\s+(\d{{4}})(?!\d))?", re.IGNORECASE
)
_SERIAL = re.compile(r"(\d{5})(?:\.(\d+))?")
_TIME = re.compile(
    r"[\sT,]*(?:(上午|下午|晚上|中午|凌晨|早上|傍晚)\s*)?(\d{1,2})"
    r"(?:[:：](\d{2})(?:[:：](\d{2})(?:\.\d+)?)?|\s*[点时](?:\s*(半|\d{1,2})\s*分?)?)"
    r"(?:\s*(am|pm|a\.m\.|p\.m\.)(?![a-z]))?",
    re.IGNORECASE,
)
_TIME_AMPM = re.compile(r"[\s,]*(\d{1,2})\s*(am|pm)(?![a-z])", re.IGNORECASE)
_REST_OK = re.compile(
    r"[\s,.;:：，。、)(（）\-–—]*(?:周[一二三四五六日天]|星期[一二三四五六日天]|\((?:mon|tue|wed|thu|fri|sat|sun)\w*\))?[\s,.;:：，。、)(（）]*",
    re.IGNORECASE,
)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _time_at(text: str, pos: int) -> tuple[dt.time | None, int]:
    """A time of day starting at ``pos`` (``14:20``, ``下午3点``, ``3点半``, ``3pm``), else None."""
    match = _TIME.match(text, pos)
    if match:
        period, hour_s, minute_s, second_s, cjk_minute, ampm = match.groups()
        hour, minute, second = int(hour_s), int(minute_s or 0), int(second_s or 0)
        if cjk_minute:
            minute = 30 if cjk_minute == "半" else int(cjk_minute)
        pm = period in ("下午", "晚上", "傍晚") or (ampm or "").lower().startswith("p")
        if (period == "中午" and hour < 11) or (pm and hour < 12):
            hour += 12
        if (ampm or "").lower().startswith("a") and hour == 12:
            hour = 0
        if period == "晚上" and hour == 24:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            return dt.time(hour, minute, second), match.end()
        return None, pos
    match = _TIME_AMPM.match(text, pos)
    if match:
        hour = int(match.group(1)) % 12 + (12 if match.group(2).lower() == "pm" else 0)
        if hour < 24:
            return dt.time(hour), match.end()
    return None, pos


def _build(
    context: DateContext,
    year: int | None,
    month: int,
    day: int,
    time: dt.time | None,
    *,
    ambiguous: bool = False,
    day_first: bool = False,
) -> ParsedDate | None:
    year_from = "text"
    if year is None:
        year, year_from = context.guess_year(month)
    elif year < 100:
        year += 2000
    try:
        value = dt.datetime.combine(dt.date(year, month, day), time or dt.time(0), tzinfo=context.tz)
    except ValueError:
        return None
    return ParsedDate(value, has_time=time is not None, year_from=year_from, ambiguous=ambiguous, day_first=day_first)


def _match_at(text: str, pos: int, context: DateContext, *, short_forms: bool = True) -> tuple[ParsedDate, int] | None:
    """A date starting exactly at ``pos`` (with its time, if one follows), and where it ends."""
    if match := _ISO.match(text, pos):
        iso = match.group(0).replace(" ", "T", 1).replace("z", "Z")
        try:
            value = dt.datetime.fromisoformat(iso)
        except ValueError:
            return None
        return ParsedDate(value.astimezone(context.tz), has_time=True), match.end()
    for regex, kind in ((_YMD, "ymd"), (_CJK_YMD, "cjk"), (_COMPACT, "compact")):
        if match := regex.match(text, pos):
            if kind == "ymd":
                year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(4))
                year_opt: int | None = year
            elif kind == "cjk":
                year_opt = int(match.group(1)) if match.group(1) else None
                month, day = int(match.group(2)), int(match.group(3))
            else:
                year_opt, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
            time, end = _time_at(text, match.end())
            parsed = _build(context, year_opt, month, day, time)
            return (parsed, end) if parsed else None
    for regex, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        if match := regex.match(text, pos):
            month = MONTHS[match.group(month_group).lower()]
            day = int(match.group(day_group))
            year_opt = int(match.group(3)) if match.group(3) else None
            time, end = _time_at(text, match.end())
            parsed = _build(context, year_opt, month, day, time)
            return (parsed, end) if parsed else None
    if short_forms and (match := _SHORT.match(text, pos)):
        first, second = int(match.group(1)), int(match.group(3))
        year_opt = int(match.group(4)) if match.group(4) else None
        day_first = context.day_first or first > 12
        ambiguous = first <= 12 and second <= 12 and first != second
        day, month = (first, second) if day_first else (second, first)
        time, end = _time_at(text, match.end())
        parsed = _build(context, year_opt, month, day, time, ambiguous=ambiguous, day_first=day_first)
        return (parsed, end) if parsed else None
    return None


def parse_date(text: str, *, context: DateContext) -> ParsedDate | None:
    """The date a whole cell says (a weekday or punctuation may trail it), or None.

    Also reads Excel serial day numbers (a cell that is only a number between 20000 and 80000, a
    fraction being the time of day, 1900 epoch; the XLSX reader converts 1904 workbooks itself).
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    if serial := _SERIAL.fullmatch(text):
        days = float(text)
        if 20000 <= days <= 80000:
            value = _EXCEL_EPOCH + dt.timedelta(days=days)
            value = value.replace(microsecond=0) if value.microsecond < 500_000 else value
            has_time = bool(serial.group(2) and int(serial.group(2)))
            if has_time:
                value = (value + dt.timedelta(seconds=30)).replace(second=0, microsecond=0)  # minute precision
            return ParsedDate(value.replace(tzinfo=context.tz), has_time=has_time)
        return None
    found = _match_at(text, 0, context)
    if found is None:
        return None
    parsed, end = found
    rest = _REST_OK.match(text, end)
    if rest is None or rest.end() != len(text):
        return None
    return parsed


def leading_date(text: str, *, context: DateContext) -> tuple[ParsedDate, str] | None:
    """A date at the start of a text (a Markdown bullet, a note) and the text after it."""
    original = (text or "").lstrip()
    # Match on the NFKC form (full-width digits, ：), cut the original text: the rest stays as written.
    pieces = [unicodedata.normalize("NFKC", ch) for ch in original]
    stripped = "".join(pieces)
    found = _match_at(stripped, 0, context)
    if found is None:
        return None
    parsed, end = found
    if end < len(stripped) and (
        stripped[end].isalnum() and not _is_cjk(stripped[end - 1]) and not _is_cjk(stripped[end])
    ):
        return None  # "5.6kg", "4/8x": not a date followed by text
    consumed, cut = 0, 0
    while cut < len(pieces) and consumed < end:
        consumed += len(pieces[cut])
        cut += 1
    rest = original[cut:].lstrip(" \t:：,，-–—|")
    return parsed, rest.strip()


_ANYWHERE = re.compile(
    rf"(?<![\d\w])(?=\d{{4}}[-/.年]|\d{{8}}(?!\d)|\d{{1,2}}\s*月|(?:{_MONTH_RE})\.?\s+\d|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_RE}))",
    re.IGNORECASE,
)


def find_date(text: str, *, context: DateContext) -> ParsedDate | None:
    """The first unambiguous full date anywhere in a text (no short ``4/8`` forms: too ambiguous)."""
    text = unicodedata.normalize("NFKC", text or "")
    for match in _ANYWHERE.finditer(text):
        found = _match_at(text, match.start(), context, short_forms=False)
        if found:
            return found[0]
    return None


_SLASH_FIRST = re.compile(r"^\s*(\d{1,2})/(\d{1,2})(?:/\d{2,4})?(?!\d)")


def scan_day_first(texts: Iterable[str]) -> bool:
    """The file's rule: day-first if any slash date has a first number over 12, else month-first."""
    for text in texts:
        match = _SLASH_FIRST.match(unicodedata.normalize("NFKC", text))
        if match and int(match.group(1)) > 12 and int(match.group(2)) <= 12:
            return True
    return False


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef"


# --------------------------------------------------------------------------------------------
# Statuses, categories, facts

STATUS_WORDS: list[tuple[str, str]] = [
    # (word in normalised form, status); the longest matching word wins
    ("等待供应商", "waiting_vendor"),
    ("等供应商", "waiting_vendor"),
    ("等 vonage", "waiting_vendor"),
    ("waiting for vendor", "waiting_vendor"),
    ("waiting on vendor", "waiting_vendor"),
    ("waiting vendor", "waiting_vendor"),
    ("等待客户", "waiting_customer"),
    ("等客户", "waiting_customer"),
    ("waiting for customer", "waiting_customer"),
    ("waiting on customer", "waiting_customer"),
    ("waiting customer", "waiting_customer"),
    ("已解决", "resolved"),
    ("解决", "resolved"),
    ("已完成", "resolved"),
    ("完成", "resolved"),
    ("done", "resolved"),
    ("resolved", "resolved"),
    ("fixed", "resolved"),
    ("solved", "resolved"),
    ("completed", "resolved"),
    ("已关闭", "closed"),
    ("关闭", "closed"),
    ("closed", "closed"),
    ("结束", "closed"),
    ("处理中", "open"),
    ("进行中", "open"),
    ("待处理", "open"),
    ("跟进中", "open"),
    ("未解决", "open"),
    ("pending", "open"),
    ("open", "open"),
    ("in progress", "open"),
    ("ongoing", "open"),
    ("new", "new"),
    ("新建", "new"),
]


def map_status(text: str) -> str:
    norm = fold_traditional(normalise(text))
    if not norm:
        return ""
    best = ("", 0)
    for word, status in STATUS_WORDS:
        if word in norm and len(word) > best[1]:
            best = (status, len(word))
    return best[0]


# Keywords per category code (the desk's default taxonomy, tickets migration 0002), with a weight.
CATEGORY_KEYWORDS: dict[str, tuple[tuple[str, float], ...]] = {
    "delivery-conversion": (
        ("送达率", 1.0),
        ("回填率", 0.8),
        ("转化率", 0.8),
        ("到达率", 1.0),
        ("成功率", 0.7),
        ("失败率", 0.8),
        ("发送失败", 0.6),
        ("延迟", 0.7),
        ("收不到", 0.7),
        ("delivery", 1.0),
        ("deliver", 0.8),
        ("dlr", 0.6),
        ("err-code", 0.7),
        ("error code", 0.6),
        ("not receiving", 0.6),
        ("latency", 0.7),
        ("delay", 0.7),
        ("conversion", 0.8),
    ),
    "sender-id": (
        ("sender id", 1.0),
        ("senderid", 1.0),
        ("发件人", 1.0),
        ("签名", 0.7),
        ("模板", 0.8),
        ("template", 0.8),
        ("dlt", 0.8),
        ("registration", 0.6),
        ("注册", 0.6),
        ("long number", 0.7),
        ("long numbers", 0.7),
        ("号码", 0.5),
        ("number", 0.4),
        ("short code", 0.7),
    ),
    "fraud": (
        ("盗刷", 1.2),
        ("异常暴增", 1.2),
        ("暴增", 0.8),
        ("流量异常", 1.0),
        ("pumping", 1.2),
        ("fraud", 1.2),
        ("黑名单", 0.6),
        ("blacklist", 0.6),
        ("ait", 0.8),
        ("abuse", 1.0),
        ("刷量", 1.0),
    ),
    "documents": (
        ("文档", 0.9),
        ("documentation", 0.9),
        ("docs", 0.7),
        ("doc", 0.5),
        ("手册", 0.8),
        ("manual", 0.8),
        ("资料", 0.6),
    ),
    "support-quality": (
        ("回复慢", 1.0),
        ("响应慢", 1.0),
        ("投诉技术支持", 1.2),
        ("技术支持", 0.6),
        ("slow response", 1.0),
        ("support quality", 1.0),
        ("投诉", 0.4),
    ),
    "vendor-support": (
        ("vonage", 0.5),
        ("原厂", 0.8),
        ("供应商", 0.6),
        ("vendor", 0.6),
        ("运营商", 0.4),
        ("case", 0.3),
    ),
    "inaccurate-answers": (("答复不准确", 1.2), ("回答错误", 1.0), ("wrong answer", 1.0), ("inaccurate", 1.0)),
    "platform-logic": (
        ("jmc", 1.0),
        ("平台", 0.5),
        ("逻辑", 0.8),
        ("权限", 0.7),
        ("split", 0.7),
        ("分段", 0.7),
        ("ucs-2", 0.5),
        ("unicode", 0.5),
        ("webhook", 0.4),
        ("platform", 0.5),
    ),
    "accounts": (
        ("子账号", 0.7),
        ("主账号", 0.5),
        ("sub-account", 0.7),
        ("subaccount", 0.7),
        ("登录", 0.8),
        ("login", 0.8),
        ("密码", 0.7),
        ("password", 0.7),
        ("开户", 0.7),
        ("onboarding", 0.5),
    ),
    "billing-balance": (
        ("余额", 0.9),
        ("余额不足", 0.5),
        ("balance", 0.9),
        ("充值", 0.8),
        ("top up", 0.8),
        ("top-up", 0.8),
        ("对账单", 1.0),
        ("账单", 0.8),
        ("invoice", 0.9),
        ("计费", 0.6),
        ("billing", 0.9),
        ("价格", 0.7),
        ("price", 0.7),
        ("expensive", 0.6),
        ("转账", 0.5),
        ("付款", 0.7),
        ("payment", 0.7),
    ),
    "underlying-needs": (("希望", 0.4), ("想要", 0.4), ("需求", 0.5), ("wish", 0.4), ("would like", 0.4)),
    "regular-contact": (("回访", 1.2), ("月度回访", 1.0), ("check-in", 1.2), ("check in", 1.0), ("checkin", 1.2)),
}
CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "delivery-conversion": ("Delivery & conversion rate", "送达率和回填率"),
    "sender-id": ("Sender ID application", "Sender ID 申请"),
    "fraud": ("Fraud & abuse", "盗刷"),
    "documents": ("Missing documents", "文档不全"),
    "support-quality": ("Support quality", "技术支持不达标"),
    "vendor-support": ("Vendor support", "原厂技术支持"),
    "inaccurate-answers": ("Inaccurate answers", "答复不准确"),
    "platform-logic": ("Platform logic unclear", "JMC 平台逻辑不清晰"),
    "accounts": ("Master & sub-account management", "主账号和子账号管理"),
    "billing-balance": ("Billing & balance", "账单与余额"),
    "underlying-needs": ("Underlying needs not explored", "未深挖客户痛点"),
    "regular-contact": ("No regular contact", "缺少定期问候"),
}


def _keyword_pattern(keyword: str) -> str:
    if re.search(r"[a-z]", keyword):  # Latin keywords match whole words ("doc" not in "docker")
        return rf"(?<![a-z]){re.escape(keyword)}(?![a-z])"
    return re.escape(keyword)


# Per code: its keywords, each with a whole-word pattern for Latin keywords ("doc" not in "docker"),
# None for the others. A substring test comes first (cheap, and needed for the pattern to match).
_CATEGORY_PATTERNS: dict[str, list[tuple[str, re.Pattern[str] | None, float]]] = {
    code: [(k, re.compile(_keyword_pattern(k)) if re.search(r"[a-z]", k) else None, w) for k, w in keywords]
    for code, keywords in CATEGORY_KEYWORDS.items()
}


def infer_category(text: str, notes: str = "") -> tuple[str, float]:
    """The category code the keywords point to and a confidence 0..1 ("" when nothing matches).

    The issue text counts fully, the notes half."""
    scores: dict[str, float] = {}
    for weight_factor, body in ((1.0, normalise(text)), (0.5, normalise(notes))):
        if not body:
            continue
        for code, keywords in _CATEGORY_PATTERNS.items():
            for keyword, pattern, weight in keywords:
                if keyword in body and (pattern is None or pattern.search(body)):
                    scores[code] = scores.get(code, 0.0) + weight * weight_factor
    if not scores:
        return "", 0.0
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best_code, best = ranked[0]
    total = sum(scores.values())
    confidence = min(1.0, best) * (best / total)
    return best_code, round(min(0.95, confidence), 2)


def category_from_cell(text: str) -> str:
    """An explicit category column: a code, an English or a Chinese name (case/width-insensitive)."""
    norm = normalise(text)
    if not norm:
        return ""
    for code, (en, zh) in CATEGORY_NAMES.items():
        if norm in (code, normalise(en), normalise(zh)):
            return code
    return ""


_CASE = re.compile(r"(?:case|工单|ticket)\s*(?:号|no\.?|number|#|id)?\s*[:：#]?\s*(\d{6,12})(?!\d)", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\d\w+])(?:\+\d{1,3}[ \-]?\d[\d \-]{6,16}\d|\d{10,15})(?![\d\w])")
_AMOUNT = re.compile(
    r"(?:(€|\$|£|¥|eur|usd|gbp|cny|rmb)\s*(\d+(?:[.,]\d+)?)(?![\d])|(?<![\d.])(\d+(?:[.,]\d+)?)\s*(eur|usd|gbp|cny|rmb|欧元|美元|英镑|元|€|\$|£)(?![a-z]))",
    re.IGNORECASE,
)
_CURRENCY = {
    "€": "EUR",
    "$": "USD",
    "£": "GBP",
    "¥": "CNY",
    "rmb": "CNY",
    "欧元": "EUR",
    "美元": "USD",
    "英镑": "GBP",
    "元": "CNY",
}
_SENDER = re.compile(
    r"(?:sender\s*id|发件人(?:\s*id)?|签名)\s*[:：]?\s*[\"“'‘「『](?P<id>[A-Z0-9][A-Z0-9 &._-]{0,14})[\"”'’」』]",
    re.IGNORECASE,
)
_ERROR = re.compile(
    r"(?<![a-z])(err(?:or)?[-_ ]?code|error|err|status|错误码|错误代码)\s*[:：=#]?\s*(\d{1,5})(?![\d])", re.IGNORECASE
)
_PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[%％]")
_ACCOUNT_KEY = re.compile(r"\bkey\s*[:：]\s*([A-Za-z0-9_-]{4,})", re.IGNORECASE)


def extract_facts(text: str) -> list[Fact]:
    """Case numbers, phones (E.164), amounts, sender IDs, error codes and percentages in a text."""
    text = unicodedata.normalize("NFKC", text or "")
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str) -> None:
        if (kind, value) not in seen:
            seen.add((kind, value))
            facts.append(Fact(kind, value))

    case_spans: list[tuple[int, int]] = []
    for match in _CASE.finditer(text):
        add("case_number", match.group(1))
        case_spans.append(match.span(1))
    for match in _PHONE.finditer(text):
        if any(start <= match.start() < end for start, end in case_spans):
            continue
        digits = re.sub(r"[ \-]", "", match.group(0))
        if not 10 <= len(digits.lstrip("+")) <= 15:
            continue
        if re.fullmatch(r"1[3-9]\d{9}", digits):
            digits = "+86" + digits  # a mainland mobile written without its country code
        try:
            number = phonenumbers.parse(digits if digits.startswith("+") else "+" + digits)
        except phonenumbers.NumberParseException:
            continue
        # Possible is enough (test ranges such as +44 7700 900xxx are not "valid"), if the country exists.
        known = phonenumbers.region_code_for_country_code(number.country_code or 0) != "ZZ"
        if known and phonenumbers.is_possible_number(number):
            add("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    for match in _AMOUNT.finditer(text):
        if match.group(1):
            currency, amount = match.group(1), match.group(2)
        else:
            amount, currency = match.group(3), match.group(4)
        code = _CURRENCY.get(currency.lower(), _CURRENCY.get(currency, currency.upper()))
        add("amount", f"{amount.replace(',', '.')} {code}")
    for match in _SENDER.finditer(text):
        if match.group("id").upper() == match.group("id"):
            add("sender_id", match.group("id").strip())
    for match in _ERROR.finditer(text):
        add("error_code", f"{normalise(match.group(1))} {match.group(2)}")
    for match in _PERCENT.finditer(text):
        add("percent", f"{match.group(1)}%")
    return facts


# --------------------------------------------------------------------------------------------
# Owners and customers

NO_CUSTOMER = {"", "-", "--", "—", "/", "n/a", "na", "none", "unknown", "未知", "未知客户", "无", "不详", "?", "？"}
_OWNER_SPLIT = re.compile(r"\s*(?:/|、|,|，|;|；|&|\+|\band\b|和)\s*", re.IGNORECASE)
_OWNER_NAME = re.compile(r"^(?:[\u3400-\u9fff]{1,4}|[A-Z][a-zA-Z.'-]{0,20}(?: [A-Z][a-zA-Z.'-]{0,20})?)$")
_TRAIL_DASH_OWNER = re.compile(r"\s*(?:—|――|--|–)\s*([^\s—–()（）]{1,20}(?:\s*[/、,，]\s*[^\s—–()（）]{1,20})*)\s*$")
_TRAIL_PAREN_OWNER = re.compile(r"\s*[(（]\s*([^()（）]{1,30})\s*[)）]\s*[.。]?\s*$")
_OWNER_LABEL = re.compile(
    r"[\s.,;，。；]*(?:owner|assignee|负责人|处理人)\s*[:：]\s*([^\s,;，。；()（）]+(?:\s*[/、]\s*[^\s,;，。；()（）]+)*)[.。]?",
    re.IGNORECASE,
)


def split_owners(text: str) -> list[str]:
    """ "小李 / 杨", "小李、杨", "A, B", "A and B" → the names as written, in order."""
    return [name for name in (part.strip() for part in _OWNER_SPLIT.split(text or "")) if name]


def _looks_like_owners(text: str) -> list[str]:
    names = split_owners(text)
    if names and all(_OWNER_NAME.match(name) for name in names):
        return names
    return []


def take_owners(text: str) -> tuple[list[str], str]:
    """Owners written into a note ("—小李", "(老韩)", "owner: 老韩") and the text without them."""
    owners: list[str] = []
    if match := _OWNER_LABEL.search(text):
        owners = split_owners(match.group(1))
        text = (text[: match.start()] + text[match.end() :]).strip()
    if match := _TRAIL_DASH_OWNER.search(text):
        names = _looks_like_owners(match.group(1))
        if names:
            owners = owners or names
            text = text[: match.start()].rstrip()
    if match := _TRAIL_PAREN_OWNER.search(text):
        names = _looks_like_owners(match.group(1))
        if names:
            owners = owners or names
            text = text[: match.start()].rstrip()
    return owners, text


def clean_customer(text: str) -> str:
    name = " ".join((text or "").split())
    return "" if normalise(name) in NO_CUSTOMER else name


_HEADING_DECORATION = re.compile(r"\s*[(（]([^()（）]*(?:key|账号|account|id)[^()（）]*)[)）]\s*$", re.IGNORECASE)
_YEAR_IN = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def heading_customer(heading: str) -> tuple[str, list[Fact]]:
    """ "星河科技 (主账号 key: a1b2c3d4)" → "星河科技" and the key as a fact."""
    facts: list[Fact] = []
    match = _HEADING_DECORATION.search(heading)
    if match:
        if key := _ACCOUNT_KEY.search(match.group(1)):
            facts.append(Fact("account_key", key.group(1)))
        heading = heading[: match.start()]
    return clean_customer(heading), facts


def year_in(text: str) -> int | None:
    match = _YEAR_IN.search(text or "")
    return int(match.group(1)) if match else None


_CHECKIN = re.compile(
    r"月度回访|季度回访|定期回访|^\s*回访|monthly check-?in|quarterly check-?in|^\s*check-?in", re.IGNORECASE
)


# --------------------------------------------------------------------------------------------
# interpret


@dataclass
class _Run:
    """What the interpreter remembers across rows of one run."""

    timezone: dt.tzinfo
    year: int | None
    mapping: Mapping | None
    day_first: bool | None
    detected: dict[tuple[str, str, tuple[str, ...]], dict[Field, list[str]]] = field(default_factory=dict)
    cases_seen: set[tuple[str, str]] = field(default_factory=set)  # (customer key, case number)


def _mapping_for(run: _Run, row: SourceRow) -> dict[Field, list[str]]:
    """The columns per field for this row's headers (cached per file, sheet and header row)."""
    key = (row.file, row.sheet, tuple(row.cells))
    if key not in run.detected:
        headers = list(row.cells)
        if run.mapping is not None and run.mapping.covers(headers):
            mapping = run.mapping
        else:
            mapping = detect_mapping(headers)
            if run.mapping is not None:  # the user's choices win; only headers it lacks are detected
                mapping.columns.update({h: f for h, f in run.mapping.columns.items() if h in mapping.columns})
        by_field: dict[Field, list[str]] = {}
        for header, fld in mapping.columns.items():
            by_field.setdefault(fld, []).append(header)
        run.detected[key] = by_field
    return run.detected[key]


def _joined(row: SourceRow, columns: dict[Field, list[str]], fld: Field) -> str:
    return "\n".join(v.strip() for h in columns.get(fld, ()) if (v := row.cells.get(h, "")) and v.strip())


def _first(row: SourceRow, columns: dict[Field, list[str]], fld: Field) -> str:
    for header in columns.get(fld, ()):
        value = row.cells.get(header, "").strip()
        if value:
            return value
    return ""


def _subject(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first_line if len(first_line) <= SUBJECT_MAX else first_line[: SUBJECT_MAX - 1].rstrip() + "…"


def _date_detail(parsed: ParsedDate, text: str) -> str:
    parts = []
    if parsed.ambiguous:
        if parsed.day_first:
            parts.append(details.say(N_("%(text)s read as day/month (this file writes days first)."), text=text))
        else:
            month_first = N_("%(text)s read as month/day (no date in this file has a day first).")
            parts.append(details.say(month_first, text=text))
    if parsed.year_from == "clock":
        parts.append(details.say(N_("No year in the file: %(year)s assumed."), year=parsed.value.year))
    return details.join(*parts)


def _finish(result: Interpreted, text: str, notes: str, run: _Run) -> Interpreted:
    """Subject, description, category, check-in, facts and continuation from the texts."""
    result.subject = _subject(text or notes)
    result.description = text
    result.notes = notes
    if not result.category_code:
        result.category_code, result.category_confidence = infer_category(text, notes)
    result.is_checkin = bool(_CHECKIN.search(text or ""))
    if result.is_checkin and not result.category_code:
        result.category_code, result.category_confidence = "regular-contact", 0.8
    result.facts.extend(f for f in extract_facts("\n".join((text, notes))) if f not in result.facts)
    if result.reason is None:
        if not (text or notes).strip():
            result.reason = Reason.NO_TEXT
            result.detail = details.say(N_("Nothing in the row says what happened."))
            return result
        customer_key = normalise(result.customer_name)
        for fact in result.facts:
            if fact.kind != "case_number":
                continue
            if (customer_key, fact.value) in run.cases_seen:
                result.continues = result.continues or fact.value
            run.cases_seen.add((customer_key, fact.value))
    return result


def _too_long(row: SourceRow) -> bool:
    return any(len(value) > CELL_MAX for value in row.cells.values())


def _interpret_table(row: SourceRow, run: _Run, context: DateContext) -> Interpreted:
    mapping = _mapping_for(run, row)
    result = Interpreted(source=row)
    text = _joined(row, mapping, Field.ISSUE)
    notes = _joined(row, mapping, Field.NOTES)
    result.customer_name = clean_customer(_first(row, mapping, Field.CUSTOMER))
    result.owners = split_owners(_first(row, mapping, Field.OWNER))
    result.status = map_status(_first(row, mapping, Field.STATUS))
    if category_cell := _first(row, mapping, Field.CATEGORY):
        if code := category_from_cell(category_cell):
            result.category_code, result.category_confidence = code, 1.0
        else:
            result.category_code, result.category_confidence = infer_category(category_cell)
    date_text = _first(row, mapping, Field.DATE)
    if date_text:
        parsed = parse_date(date_text, context=context)
        if parsed is None:
            result.reason = Reason.UNPARSEABLE_DATE
            result.detail = details.say(N_("Cannot read the date %(text)r."), text=date_text)
    else:
        parsed = find_date(text, context=context) or find_date(notes, context=context)
        if parsed is None:
            result.reason = Reason.NO_DATE
            result.detail = details.say(N_("The row has no date, and its text names none."))
    if parsed is not None:
        context.observe(parsed)
        result.occurred_at = parsed.value
        result.detail = _date_detail(parsed, date_text)
        resolved_text = _first(row, mapping, Field.RESOLVED)
        resolved = parse_date(resolved_text, context=context) if resolved_text else None
        if resolved is not None:
            if not resolved.has_time and resolved.value.date() == parsed.value.date():
                result.resolved_at = max(resolved.value, parsed.value)
            elif resolved.value >= parsed.value:
                result.resolved_at = resolved.value
            else:
                ignored = details.say(N_("Resolved before it was reported (%(text)s): ignored."), text=resolved_text)
                result.detail = details.join(result.detail, ignored)
        elif resolved_text:
            unread = details.say(N_("Cannot read the resolved date %(text)r: ignored."), text=resolved_text)
            result.detail = details.join(result.detail, unread)
    return _finish(result, text, notes, run)


def _interpret_markdown(row: SourceRow, run: _Run, context: DateContext) -> Interpreted:
    result = Interpreted(source=row)
    heading = row.cells.get("heading", "")
    result.customer_name, heading_facts = heading_customer(heading)
    result.facts.extend(heading_facts)
    body = row.cells.get("text", "").strip()
    found = leading_date(body, context=context)
    if found is None:
        parsed = find_date(body, context=context)
        text = body
    else:
        parsed, text = found
    owners, text = take_owners(text)
    result.owners = owners
    result.status = _text_status(text)
    result.continues_previous = bool(result.status) and _only_status(text)
    if parsed is None:
        if body:
            result.reason = Reason.NO_DATE
            result.detail = details.say(N_("The note names no date."))
    else:
        context.observe(parsed)
        result.occurred_at = parsed.value
        result.detail = _date_detail(parsed, body.split()[0] if body.split() else "")
    return _finish(result, text, "", run)


TEXT_STATUSES = (
    (("等待供应商", "等 vonage", "waiting for vendor", "still waiting for"), "waiting_vendor"),
    (("等待客户", "waiting for customer"), "waiting_customer"),
    (("已解决", "已恢复", "resolved", "approved", "已完成"), "resolved"),
)


def _text_status(text: str) -> str:
    """A status a free text states (Markdown notes, chat lines): only the clear phrases."""
    norm = normalise(text)
    for words, status in TEXT_STATUSES:
        if any(word in norm for word in words):
            return status
    return ""


def _only_status(text: str) -> bool:
    """Whether a text says nothing but an outcome ("— approved!", "已恢复。"): no words of its own."""
    rest = normalise(text)
    for words, _status in TEXT_STATUSES:
        for word in words:
            rest = rest.replace(word, "")
    return not any(ch.isalnum() for ch in rest)


def _interpret_chat(row: SourceRow, run: _Run, context: DateContext) -> Interpreted:
    result = Interpreted(source=row)
    text = row.cells.get("text", "").strip()
    author = row.cells.get("author", "").strip()
    date_text = row.cells.get("date", "").strip()
    result.customer_name = clean_customer(row.cells.get("customer", ""))
    notes = _("Said by %(author)s") % {"author": author} if author else ""
    if date_text:
        parsed = parse_date(date_text, context=context)
        if parsed is None:
            result.reason = Reason.UNPARSEABLE_DATE
            result.detail = details.say(N_("Cannot read the date %(text)r."), text=date_text)
        else:
            context.observe(parsed)
            result.occurred_at = parsed.value
    else:
        result.reason = Reason.NO_DATE
        result.detail = details.say(N_("The line comes before any dated message."))
    if not text:
        return _finish(result, "", "", run)
    return _finish(result, text, notes, run)


def _context_for(file: str, run: _Run, day_first: bool) -> DateContext:
    return DateContext(tz=run.timezone, year=run.year, file_year=year_in(file), day_first=day_first)


def _day_first_texts(rows: list[SourceRow]) -> Iterator[str]:
    for row in rows:
        if row.kind == "table":
            yield from row.cells.values()
        else:
            yield row.cells.get("date", "") or row.cells.get("text", "")


def interpret(
    rows: Iterable[SourceRow],
    *,
    mapping: Mapping | None = None,
    timezone: dt.tzinfo | str | None = None,
    year: int | None = None,
    day_first: bool | None = None,
) -> Iterator[Interpreted]:
    """Each row → one ``Interpreted``, streaming.

    Per file: the day/month rule is decided from the first ``DAY_FIRST_WINDOW`` rows (or forced by
    ``day_first``), the running year starts from the file name. Case numbers are remembered for
    the whole run, so a later row of the same customer with a known case number ``continues`` it.
    """
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else (timezone or ZoneInfo(DEFAULT_TIMEZONE))
    run = _Run(timezone=tz, year=year, mapping=mapping, day_first=day_first)
    for file, group in itertools.groupby(rows, key=lambda r: r.file):
        window = list(itertools.islice(group, DAY_FIRST_WINDOW))
        rule = day_first if day_first is not None else scan_day_first(_day_first_texts(window))
        context = _context_for(file, run, rule)
        for row in itertools.chain(window, group):
            yield interpret_row(row, run=run, context=context)


def interpret_row(row: SourceRow, *, run: _Run, context: DateContext) -> Interpreted:
    error = getattr(row, "error", "")
    if error:
        try:
            reason = Reason(error)
        except ValueError:
            reason = Reason.BAD_ENCODING
        if reason == Reason.BAD_ENCODING:
            detail = details.say(N_("Some bytes of this row cannot be read in the file's encoding."))
        elif reason == Reason.UNCLOSED_QUOTE:
            detail = details.say(N_("A quote opened in this row is never closed, so the %(lines)s lines after it "
                                    "were read into it. Close the quote in the file and import it again."),
                                 lines=row.raw.count("\n"))  # fmt: skip
        else:
            detail = details.say(N_("The row is too long to be a log entry."))
        return Interpreted(source=row, reason=reason, detail=detail)
    if not any(value.strip() for value in row.cells.values()):
        return Interpreted(source=row, reason=Reason.EMPTY, detail=details.say(N_("The row is empty.")))
    if _too_long(row):
        too_long = details.say(N_("The row is too long to be a log entry."))
        return Interpreted(source=row, reason=Reason.TOO_LONG, detail=too_long)
    if row.kind == "markdown":
        if title_year := year_in(row.cells.get("title", "")):
            context.file_year = context.file_year or title_year
        return _interpret_markdown(row, run, context)
    if row.kind == "chat":
        return _interpret_chat(row, run, context)
    return _interpret_table(row, run, context)
