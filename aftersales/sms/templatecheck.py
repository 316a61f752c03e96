"""The SMS template checker: encoding, segments and the per-market rules a template must pass.

Pure Python on purpose (no Django import), so the benchmark and the property tests run it
fast and alone. ``check(text, country=None, purpose="notification")`` returns a
:class:`CheckResult`: the encoding (GSM-7 or UCS-2), code points, billed units (septets, 2 for
an extension character; or UTF-16 code units), the parts the message is split into, the
characters that forced UCS-2 with GSM-7 replacements, and findings.

A finding carries a ``code``, a ``severity``, ``params`` and an optional knowledge-article
slug. Its English message is in :data:`MESSAGES`, marked with ``gettext_noop`` so
``makemessages`` collects it; views and the API translate it with ``gettext`` and fill in the
params (:func:`aftersales.sms.views.finding_message`).

Segment math (3GPP 23.038 / 23.040; sms-domain.md section 4): one part carries 160 septets
or 70 UTF-16 units; a concatenated message carries 153 or 67 per part (the UDH takes the
rest). A part never ends inside an escape pair (an extension character is one unit of two
septets here), a surrogate pair, or a grapheme cluster (flag, ZWJ emoji sequence, emoji
with skin tone or variation selector, letter with combining marks, CR LF), the way
Twilio's message-segment-calculator keeps clusters whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import Any, Final, Literal


def gettext_noop(message: str) -> str:
    """Marks a message for ``makemessages`` without translating it (Django's convention, no import)."""
    return message


Encoding = Literal["GSM-7", "UCS-2"]
Severity = Literal["error", "warning", "info"]
PURPOSES = ("notification", "otp", "marketing")

GSM7: Final = "GSM-7"
UCS2: Final = "UCS-2"

# 3GPP 23.038 default alphabet (127 characters; 0x1B is the escape to the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + code, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION

SINGLE_LIMIT = {GSM7: 160, UCS2: 70}
MULTI_LIMIT = {GSM7: 153, UCS2: 67}
MAX_CHARACTERS = 3200  # Vonage accepts up to 3200 characters
ADVISED_MAX_PARTS = 6  # ... and advises no more than 6 parts
CN_MAX_CHARACTERS = 500  # China: total including the signature and the variables
DLT_VARIABLE_MAX = 30  # India DLT: each {#var#} holds 0-30 characters
DLT_MIN_FIXED = 10
CN_MAX_VARIABLES = 20

# Smart replacements for characters that force UCS-2 (after Twilio's SmartEncodingMap). "" means "remove".
REPLACEMENTS: dict[str, str] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u2035": "'",
    "`": "'",
    "\u00b4": "'",
    "\u02bc": "'",
    "\u2039": "'",
    "\u203a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\u00b7": ".",
    "\u00a6": "|",
    "\u02c6": "^",
    "\u02dc": "~",
    "\u00a0": " ",
    "\u2000": " ",
    "\u2001": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2004": " ",
    "\u2005": " ",
    "\u2006": " ",
    "\u2007": " ",
    "\u2008": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u205f": " ",
    "\u3000": " ",
    "\t": " ",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\u00ad": "",
    "\u00e7": "\u00c7",
    "\u2122": "TM",
    "\u00a9": "(C)",
    "\u00ae": "(R)",
    "\u00bd": "1/2",
    "\u00bc": "1/4",
    "\u00be": "3/4",
    "\u00d7": "x",
    "\u00f7": "/",
    "\u2044": "/",
    "\uff0c": ",",
    "\u3001": ",",
    "\u3002": ".",
    "\uff01": "!",
    "\uff1f": "?",
    "\uff1a": ":",
    "\uff1b": ";",
    "\uff08": "(",
    "\uff09": ")",
    "\u3010": "[",
    "\u3011": "]",
    "\uff3b": "[",
    "\uff3d": "]",
}

# Public link shorteners carriers reject ("links must be proprietary and branded").
SHORTENERS = (
    "bit.ly",
    "bitly.com",
    "tinyurl.com",
    "is.gd",
    "ow.ly",
    "cutt.ly",
    "rb.gy",
    "t.ly",
    "tiny.cc",
    "rebrand.ly",
    "bit.do",
    "lnkd.in",
    "goo.gl",
    "t.co",
    "buff.ly",
    "shorturl.at",
    "v.gd",
    "s.id",
    "dwz.cn",
    "suo.im",
    "t.cn",
    "url.cn",
)
_SHORTENER_RE = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:www\.)?(" + "|".join(re.escape(host) for host in SHORTENERS) + r")(?=/|\b)(?![.-]\w)",
    re.IGNORECASE,
)

# Opt-out wording that carriers accept (STOP-style keywords; "text 2 to opt out" is not enough).
_OPT_OUT_RE = re.compile(
    r"\b(?:STOP|STOPALL|UNSUBSCRIBE|CANCEL|END|QUIT)\b|退订|拒收|回\s*T\b|回复\s*T\b|回\s*TD\b|回复\s*TD\b|\bTD\b",
    re.IGNORECASE,
)
_WEAK_OPT_OUT_RE = re.compile(r"\bopt[\s-]?out\b", re.IGNORECASE)

# Placeholder styles, most specific first.
_PLACEHOLDER_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dlt", re.compile(r"\{#var#\}", re.IGNORECASE)),
    ("aliyun", re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")),
    ("double_brace", re.compile(r"\{\{\s*[^{}]+?\s*\}\}")),
    ("tencent", re.compile(r"(?<![{$#])\{\d{1,2}\}(?!\})")),
    ("printf", re.compile(r"%(?:\d+\$)?[sd]\b")),
    ("brace", re.compile(r"(?<![{$#])\{[A-Za-z_][A-Za-z0-9_.]*\}(?!\})")),
    ("dlt_malformed", re.compile(r"\{#\w*#\}|\{#[^}]{0,20}\}", re.IGNORECASE)),
)
PLACEHOLDER_EXAMPLES = {
    "dlt": "{#var#}",
    "aliyun": "${code}",
    "tencent": "{1}",
    "double_brace": "{{name}}",
    "printf": "%s",
    "brace": "{name}",
    "dlt_malformed": "{#name#}",
}
MARKET_PLACEHOLDERS = {"IN": frozenset({"dlt"}), "CN": frozenset({"aliyun", "tencent"})}

# China: characters the carriers refuse in a template, and the signature at the start.
CN_FORBIDDEN = ("[", "]", "¥", "★", "^_^", "&", "√", "※")
_CN_SIGNATURE_RE = re.compile(r"^\s*【([^【】]*)】")
_CN_SIGNATURE_END_RE = re.compile(r"【([^【】]*)】\s*$")
_SIGNATURE_CHARS_RE = re.compile(r"^[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")

# A brand at the start ("Acme:", "[Acme]", "【Acme】") or at the end ("- Acme", "【Acme】").
_BRAND_RES = (
    re.compile(r"^\s*(?:【[^【】]{2,30}】|\[[^\[\]]{2,30}\]|\([^()]{2,30}\))"),
    re.compile(r"(?:【[^【】]{2,30}】|\[[^\[\]]{2,30}\])\s*$"),
    re.compile(r"^\s*[^\s:：,，.。!！?？]{2,20}(?:\s[^\s:：,，.。!！?？]{1,20}){0,2}\s?[:：]"),
    re.compile(r"(?:^|\s)(?:-|–|—|~)\s*[^\s\d][^\n]{1,29}$"),
)

MESSAGES: dict[str, str] = {
    "ucs2_needed": gettext_noop(
        "Sent as UCS-2 (Unicode): %(characters)s cannot be written in GSM-7, so each part carries 70 "
        "characters, or 67 when the message has several parts."
    ),
    "accidental_unicode": gettext_noop(
        "Only %(characters)s force UCS-2. Replace them as suggested and the message is sent in GSM-7 "
        "(%(gsm_segments)s part(s) instead of %(segments)s)."
    ),
    "accidental_unicode_same_parts": gettext_noop(
        "Only %(characters)s force UCS-2. Replace them as suggested and the message is sent in GSM-7: "
        "still %(segments)s part(s), but with room for more text in each."
    ),
    "otp_multipart": gettext_noop(
        "A one-time-password message should fit in one part: %(limit)s %(encoding)s characters. This one "
        "has %(units)s, so it is sent as %(segments)s parts; each part is billed, and a split code arrives "
        "late or out of order."
    ),
    "too_many_parts": gettext_noop(
        "The message needs %(segments)s parts; vendors advise at most %(limit)s, and every part is billed."
    ),
    "too_long": gettext_noop("The message has %(characters)s characters; vendors accept at most %(limit)s."),
    "shortener": gettext_noop(
        "Public link shortener %(host)s: carriers block or filter shortened links. Use a full link on "
        "your own (branded) domain."
    ),
    "marketing_no_opt_out": gettext_noop(
        "A marketing message must tell the recipient how to opt out with a keyword, for example "
        "“Reply STOP to unsubscribe” or “回T退订”."
    ),
    "marketing_weak_opt_out": gettext_noop(
        "The opt-out has no STOP-style keyword; wording such as “text 2 to opt out” is rejected. Use "
        "“Reply STOP to unsubscribe”."
    ),
    "no_brand": gettext_noop(
        "No brand or sender name found: start the message with it, for example “【Brand】” or “Brand:”."
    ),
    "placeholders_found": gettext_noop(
        "Placeholders recognised: %(styles)s. The counts use the text as written; the values sent can "
        "make the message longer."
    ),
    "placeholder_wrong_for_market": gettext_noop(
        "%(found)s is not a placeholder this market accepts; write variables as %(expected)s."
    ),
    "placeholder_mixed": gettext_noop(
        "Aliyun (${name}) and Tencent ({1}) placeholders are mixed; one template goes to one vendor, so use one style."
    ),
    "dlt_variables": gettext_noop(
        "%(count)s DLT variable(s): each holds at most %(limit)s characters. Filled to the limit the "
        "message has %(characters)s characters in %(segments)s part(s)."
    ),
    "dlt_too_few_fixed": gettext_noop(
        "A DLT template needs at least %(limit)s fixed characters besides its variables; it has %(fixed)s."
    ),
    "dlt_variable_share": gettext_noop(
        "Variables can fill %(share)s%% of this DLT template; scrubbing expects about 60%% fixed text and "
        "at most 40%% variable."
    ),
    "dlt_double_space": gettext_noop("DLT templates may not contain double spaces."),
    "dlt_angle_brackets": gettext_noop("DLT templates may not contain < or >."),
    "cn_signature_missing": gettext_noop(
        "No signature 【…】 at the start: the vendor adds the approved signature (2–12 characters) "
        "and it counts towards the length and the parts."
    ),
    "cn_signature_length": gettext_noop(
        "The signature “%(signature)s” has %(length)s characters; it must have 2 to 12."
    ),
    "cn_signature_symbols": gettext_noop(
        "The signature “%(signature)s” may contain only Chinese characters, letters and digits, no symbols."
    ),
    "cn_brackets_in_body": gettext_noop(
        "The signature is added in 【】 automatically: do not put 【】 in the message body."
    ),
    "cn_forbidden_characters": gettext_noop("Characters refused in China: %(characters)s."),
    "cn_too_long": gettext_noop(
        "In China a message may have at most %(limit)s characters including the signature and the "
        "variables; this one has %(characters)s."
    ),
    "cn_adjacent_variables": gettext_noop("Two variables side by side are refused; put fixed text between them."),
    "cn_too_many_variables": gettext_noop("%(count)s variables: a template may have at most %(limit)s."),
    "quiet_hours": gettext_noop(
        "Marketing messages to this country are blocked from %(start)s to %(end)s local time; schedule "
        "the campaign outside those hours."
    ),
    "sender_alpha_length": gettext_noop(
        "The sender ID “%(sender)s” has %(length)s characters; an alphanumeric sender ID has 3 to 11."
    ),
    "sender_alpha_characters": gettext_noop(
        "The sender ID “%(sender)s” may contain only Latin letters and digits (3 to 11)."
    ),
    "sender_numeric_length": gettext_noop(
        "The numeric sender “%(sender)s” has %(length)s digits; a number has at most 15."
    ),
    "sender_alpha_unsupported": gettext_noop(
        "This country does not accept alphanumeric sender IDs: send from a 10DLC number, a toll-free "
        "number or a short code."
    ),
    "sender_registration": gettext_noop(
        "Alphanumeric sender IDs must be registered in this country before use; allow about %(days)s days."
    ),
    "sender_registration_unknown": gettext_noop(
        "Alphanumeric sender IDs must be registered in this country before use."
    ),
    "sender_via_account_manager": gettext_noop(
        "In this country the sender (signature or DLT header) is registered through the vendor's account "
        "manager or support, not the self-service portal."
    ),
}

ARTICLE_SEGMENTS = "gsm7-ucs2-segments"
ARTICLE_REJECTED = "template-rejected"
ARTICLE_CHINA = "china-signature-template"
ARTICLE_INDIA = "india-dlt"
ARTICLE_SENDER = "sender-id-registration"

# Marketing quiet hours (local time): China 20:00-08:00 (Aliyun), India promotional 21:00-09:00 (DLT).
QUIET_HOURS = {"CN": ("20:00", "08:00"), "IN": ("21:00", "09:00")}

# Sender IDs (sms-domain.md section 3): 3-11 alphanumerics; numbers up to 15 digits.
_ALPHA_SENDER_RE = re.compile(r"^[A-Za-z0-9]+$")
_NUMERIC_SENDER_RE = re.compile(r"^\+?[0-9]+$")
NO_ALPHA_SENDER = frozenset({"US", "CA"})
VIA_ACCOUNT_MANAGER = frozenset({"CN", "IN", "TW", "VN"})
# Countries with a registration form (AWS list), with the documented lead time in days where known.
SENDER_REGISTRATION_DAYS: dict[str, int | None] = {
    "AU": 15,
    "AT": None,
    "BY": 45,
    "CN": 15,
    "EG": 21,
    "FI": None,
    "IN": None,
    "ID": 50,
    "IE": None,
    "JO": None,
    "KZ": None,
    "KE": None,
    "KW": None,
    "PH": None,
    "QA": None,
    "RU": None,
    "SA": None,
    "SG": None,
    "ES": None,
    "LK": None,
    "TH": None,
    "TR": None,
    "AE": 25,
    "GB": 3,
    "VN": None,
    "ZM": None,
}
SENDER_ARTICLES = {
    "GB": "sender-id-uk",
    "US": "sender-id-us-canada",
    "CA": "sender-id-us-canada",
    **dict.fromkeys(("AE", "SA", "QA", "KW", "JO", "EG", "BH", "OM"), "sender-id-middle-east"),
    **dict.fromkeys(("AU", "ID", "PH", "SG", "TH", "VN", "LK", "MY", "TW", "KR", "JP", "NZ"), "sender-id-asia-pacific"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    params: dict[str, Any] = field(default_factory=dict)
    article: str | None = None

    @property
    def message_template(self) -> str:
        return MESSAGES[self.code]


@dataclass(frozen=True)
class ForcingCharacter:
    """A character that forced UCS-2: how often it occurs and its GSM-7 replacement ("" = remove; None = none)."""

    char: str
    count: int
    replacement: str | None

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def name(self) -> str:
        return unicodedata.name(self.char, self.codepoint)


@dataclass
class CheckResult:
    text: str
    country: str | None
    purpose: str
    encoding: Encoding
    characters: int
    units: int
    parts: list[str]
    forcing: list[ForcingCharacter]
    findings: list[Finding]
    suggested_text: str | None = None  # the text with every forcing character replaced, when that makes it GSM-7

    @property
    def segments(self) -> int:
        return len(self.parts)

    @property
    def part_limit(self) -> int:
        return (SINGLE_LIMIT if len(self.parts) <= 1 else MULTI_LIMIT)[self.encoding]

    @property
    def part_units(self) -> list[int]:
        return [units_of(part, self.encoding) for part in self.parts]

    @property
    def highlighted(self) -> frozenset[str]:
        """The forcing characters worth marking in the text: the few stray ones in otherwise GSM-7
        text, not every character of a Chinese message."""
        stray = sum(item.count for item in self.forcing)
        if not self.forcing or stray * 5 > self.characters:
            return frozenset()
        return frozenset(item.char for item in self.forcing)

    @property
    def compliant(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def severity_counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


# --- Encoding and units -------------------------------------------------------------------
def is_gsm7(text: str) -> bool:
    return GSM7_ALL.issuperset(text)


def encoding_of(text: str) -> Encoding:
    return GSM7 if GSM7_ALL.issuperset(text) else UCS2


def units_of(text: str, encoding: Encoding) -> int:
    """Septets (an extension character is two) or UTF-16 code units (an astral character is two)."""
    if encoding == GSM7:
        return len(text) + sum(1 for ch in text if ch in GSM7_EXTENSION)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def replacement_for(char: str) -> str | None:
    """A GSM-7 stand-in for ``char``: the smart map, else the letter without its accent (á → a)."""
    if char in REPLACEMENTS:
        return REPLACEMENTS[char]
    if 0xFF01 <= ord(char) <= 0xFF5E:  # full-width ASCII
        plain = chr(ord(char) - 0xFEE0)
        return plain if plain in GSM7_ALL else None
    base = unicodedata.normalize("NFD", char)[:1]
    if base != char and base in GSM7_ALL:
        return base
    return None


# --- Grapheme clusters --------------------------------------------------------------------
_ZWJ = "\u200d"


def _is_regional_indicator(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _is_extend(ch: str, cp: int) -> bool:
    """Joins the cluster before it: combining and spacing marks, ZWJ, variation selectors,
    emoji skin-tone modifiers, tag characters (subdivision flags), ZWNJ."""
    if cp < 0x0300:
        return False
    if cp in (0x200C, 0x200D) or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF:
        return True
    if 0xE0020 <= cp <= 0xE007F or 0xE0100 <= cp <= 0xE01EF:
        return True
    return unicodedata.category(ch) in ("Mn", "Me", "Mc")


@cache
def _needs_clusters_re() -> re.Pattern[str]:
    """Characters that make the simple one-code-point-per-cluster split wrong (built once, lazily)."""
    marks = [cp for cp in range(0x0300, 0x10000) if _is_extend(chr(cp), cp)]
    ranges: list[str] = []
    start = previous = marks[0]
    for cp in [*marks[1:], -1]:
        if cp != previous + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(previous)) if previous != start else ""))
            start = cp
        previous = cp
    return re.compile("[\r" + "".join(ranges) + "\U00010000-\U0010ffff]")


def graphemes(text: str) -> Iterator[str]:
    """Split ``text`` into extended grapheme clusters, close enough to UAX #29 for SMS: CR LF,
    regional-indicator pairs (flags), extend characters (marks, variation selectors, skin tones,
    tags), and ZWJ sequences. Hangul jamo sequences and prepend marks are not joined."""
    if not _needs_clusters_re().search(text):
        yield from text
        return
    cluster = ""
    regional_open = False  # the cluster is one regional indicator waiting for its pair
    after_zwj = False
    for ch in text:
        cp = ord(ch)
        if cluster:
            if ch == "\n" and cluster == "\r":
                cluster += ch
                continue
            if cluster[-1] in "\r\n":
                pass
            elif _is_extend(ch, cp):
                cluster += ch
                after_zwj = cp == 0x200D
                continue
            elif after_zwj and cp >= 0x00A9 and ch not in "\r\n":
                cluster += ch
                after_zwj = False
                regional_open = False
                continue
            elif regional_open and _is_regional_indicator(cp):
                cluster += ch
                regional_open = False
                continue
            yield cluster
        cluster = ch
        regional_open = _is_regional_indicator(cp)
        after_zwj = False
    if cluster:
        yield cluster


# --- Segmentation -------------------------------------------------------------------------
def _cluster_units(cluster: str, encoding: Encoding) -> int:
    if len(cluster) == 1:
        if encoding == GSM7:
            return 2 if cluster in GSM7_EXTENSION else 1
        return 2 if ord(cluster) > 0xFFFF else 1
    return units_of(cluster, encoding)


def split_parts(text: str, encoding: Encoding | None = None) -> list[str]:
    """The parts ``text`` is sent as: one if it fits 160 / 70 units, else greedy parts of 153 / 67
    units that never cut an escape pair, a surrogate pair or a grapheme cluster (a cluster longer
    than a whole part, which real text never has, is cut between code points)."""
    if not text:
        return []
    encoding = encoding or encoding_of(text)
    total = units_of(text, encoding)
    if total <= SINGLE_LIMIT[encoding]:
        return [text]
    limit = MULTI_LIMIT[encoding]
    if total == len(text) and not _needs_clusters_re().search(text):  # one unit per code point, no clusters
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for cluster in graphemes(text):
        size = _cluster_units(cluster, encoding)
        if size > limit:  # a monster cluster: cut it between code points
            pieces: list[str] = list(cluster)
        else:
            pieces = [cluster]
        for piece in pieces:
            piece_size = size if len(pieces) == 1 else _cluster_units(piece, encoding)
            if used + piece_size > limit:
                parts.append("".join(current))
                current, used = [], 0
            current.append(piece)
            used += piece_size
    if current:
        parts.append("".join(current))
    return parts


# --- Placeholders -------------------------------------------------------------------------
@dataclass(frozen=True)
class Placeholder:
    style: str
    text: str
    start: int
    end: int


def find_placeholders(text: str) -> list[Placeholder]:
    if not any(mark in text for mark in "{}$%"):
        return []
    found: list[Placeholder] = []
    taken: list[tuple[int, int]] = []
    for style, pattern in _PLACEHOLDER_RES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(Placeholder(style, match.group(0), start, end))
    found.sort(key=lambda p: p.start)
    return found


# --- The check ----------------------------------------------------------------------------
def _normalise_country(country: str | None) -> str | None:
    code = (country or "").strip().upper()
    return code or None


def _forcing_characters(text: str) -> list[ForcingCharacter]:
    counts: dict[str, int] = {}
    for ch in text:
        if ch not in GSM7_ALL:
            counts[ch] = counts.get(ch, 0) + 1
    return [ForcingCharacter(ch, count, replacement_for(ch)) for ch, count in counts.items()]


def _quote_list(chars: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"“{ch}”" if ch.strip() and ch.isprintable() else f"U+{ord(ch):04X}" for ch in chars[:limit])
    return shown + (" …" if len(chars) > limit else "")


def _has_brand(text: str) -> bool:
    return any(pattern.search(text) for pattern in _BRAND_RES)


def check_sender(sender: str, country: str | None = None) -> list[Finding]:
    """Findings about a sender ID for ``country``: its format (3-11 letters and digits, or a number
    of at most 15 digits), countries that refuse alphanumeric senders, and registration."""
    sender = sender.strip()
    market = _normalise_country(country)
    findings: list[Finding] = []
    if not sender:
        return findings
    article = SENDER_ARTICLES.get(market or "", ARTICLE_SENDER)
    if _NUMERIC_SENDER_RE.match(sender):
        digits = len(sender.lstrip("+"))
        if digits > 15:
            findings.append(Finding("sender_numeric_length", "error", {"sender": sender, "length": digits}, article))
        return findings
    if not _ALPHA_SENDER_RE.match(sender):
        findings.append(Finding("sender_alpha_characters", "error", {"sender": sender}, article))
    elif not 3 <= len(sender) <= 11:
        findings.append(Finding("sender_alpha_length", "error", {"sender": sender, "length": len(sender)}, article))
    if market in NO_ALPHA_SENDER:
        findings.append(Finding("sender_alpha_unsupported", "error", {}, article))
    elif market in VIA_ACCOUNT_MANAGER:
        findings.append(Finding("sender_via_account_manager", "info", {}, article))
    elif market in SENDER_REGISTRATION_DAYS:
        days = SENDER_REGISTRATION_DAYS[market]
        if days:
            findings.append(Finding("sender_registration", "info", {"days": days}, article))
        else:
            findings.append(Finding("sender_registration_unknown", "info", {}, article))
    return findings


def check(
    text: str, country: str | None = None, purpose: str = "notification", sender: str | None = None
) -> CheckResult:
    """Check one template. ``country`` is an ISO 3166 alpha-2 code (or None); ``purpose`` one of
    :data:`PURPOSES`; ``sender`` an optional sender ID checked too. Raises ``ValueError`` for an
    unknown purpose."""
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}; expected one of {PURPOSES}")
    market = _normalise_country(country)
    encoding = encoding_of(text)
    units = units_of(text, encoding)
    parts = split_parts(text, encoding)
    segments = len(parts)
    findings: list[Finding] = []
    forcing: list[ForcingCharacter] = []
    suggested: str | None = None

    if encoding == UCS2:
        forcing = _forcing_characters(text)
        if all(item.replacement is not None for item in forcing):
            suggested = "".join(ch if ch in GSM7_ALL else (replacement_for(ch) or "") for ch in text)
            gsm_segments = len(split_parts(suggested, GSM7)) if suggested else 0
            findings.append(
                Finding(
                    "accidental_unicode" if gsm_segments < segments else "accidental_unicode_same_parts",
                    "warning",
                    {
                        "characters": _quote_list([item.char for item in forcing]),
                        "gsm_segments": gsm_segments,
                        "segments": segments,
                    },
                    ARTICLE_SEGMENTS,
                )
            )
        else:
            findings.append(
                Finding(
                    "ucs2_needed",
                    "info",
                    {
                        "characters": _quote_list([item.char for item in forcing if item.replacement is None]),
                    },
                    ARTICLE_SEGMENTS,
                )
            )

    characters = len(text)
    if characters > MAX_CHARACTERS:
        findings.append(
            Finding("too_long", "error", {"characters": characters, "limit": MAX_CHARACTERS}, ARTICLE_SEGMENTS)
        )
    elif segments > ADVISED_MAX_PARTS:
        findings.append(
            Finding("too_many_parts", "warning", {"segments": segments, "limit": ADVISED_MAX_PARTS}, ARTICLE_SEGMENTS)
        )
    if purpose == "otp" and segments > 1:
        findings.append(
            Finding(
                "otp_multipart",
                "error",
                {"segments": segments, "units": units, "limit": SINGLE_LIMIT[encoding], "encoding": encoding},
                ARTICLE_SEGMENTS,
            )
        )

    if "." in text:
        seen_hosts: set[str] = set()
        for match in _SHORTENER_RE.finditer(text):
            host = match.group(1).lower()
            if host not in seen_hosts:
                seen_hosts.add(host)
                findings.append(Finding("shortener", "error", {"host": host}, ARTICLE_REJECTED))

    if purpose == "marketing" and not _OPT_OUT_RE.search(text):
        code = "marketing_weak_opt_out" if _WEAK_OPT_OUT_RE.search(text) else "marketing_no_opt_out"
        findings.append(Finding(code, "error", {}, ARTICLE_REJECTED))
    brand_required = purpose == "marketing" or market == "IN"
    if brand_required and market != "CN" and not _has_brand(text):
        findings.append(
            Finding(
                "no_brand",
                "error" if market == "IN" else "warning",
                {},
                ARTICLE_INDIA if market == "IN" else ARTICLE_REJECTED,
            )
        )

    placeholders = find_placeholders(text)
    _placeholder_findings(placeholders, market, findings)
    if market == "IN":
        _india_findings(text, placeholders, encoding, findings)
    elif market == "CN":
        _china_findings(text, placeholders, findings)
    if purpose == "marketing" and market in QUIET_HOURS:
        start, end = QUIET_HOURS[market]
        article = ARTICLE_CHINA if market == "CN" else ARTICLE_INDIA
        findings.append(Finding("quiet_hours", "info", {"start": start, "end": end}, article))
    if sender:
        findings.extend(check_sender(sender, market))

    return CheckResult(
        text=text,
        country=market,
        purpose=purpose,
        encoding=encoding,
        characters=characters,
        units=units,
        parts=parts,
        forcing=forcing,
        findings=findings,
        suggested_text=suggested,
    )


def _placeholder_findings(placeholders: list[Placeholder], market: str | None, findings: list[Finding]) -> None:
    if not placeholders:
        return
    styles = sorted({p.style for p in placeholders}, key=list(PLACEHOLDER_EXAMPLES).index)
    accepted = MARKET_PLACEHOLDERS.get(market or "")
    if accepted is None:
        findings.append(
            Finding("placeholders_found", "info", {"styles": ", ".join(PLACEHOLDER_EXAMPLES[s] for s in styles)})
        )
        return
    article = ARTICLE_INDIA if market == "IN" else ARTICLE_CHINA
    expected = " / ".join(PLACEHOLDER_EXAMPLES[s] for s in sorted(accepted))
    reported: set[str] = set()
    for placeholder in placeholders:
        if placeholder.style not in accepted and placeholder.text not in reported:
            reported.add(placeholder.text)
            findings.append(
                Finding(
                    "placeholder_wrong_for_market", "error", {"found": placeholder.text, "expected": expected}, article
                )
            )
    if market == "CN" and {"aliyun", "tencent"} <= set(styles):
        findings.append(Finding("placeholder_mixed", "warning", {}, ARTICLE_CHINA))


def _india_findings(text: str, placeholders: list[Placeholder], encoding: Encoding, findings: list[Finding]) -> None:
    dlt = [p for p in placeholders if p.style == "dlt"]
    if dlt:
        filled = text
        for placeholder in reversed(dlt):  # worst case: every variable at its limit
            filler = ("x" if encoding == GSM7 else "字") * DLT_VARIABLE_MAX
            filled = filled[: placeholder.start] + filler + filled[placeholder.end :]
        fixed = len(text) - sum(p.end - p.start for p in dlt)
        findings.append(
            Finding(
                "dlt_variables",
                "info",
                {
                    "count": len(dlt),
                    "limit": DLT_VARIABLE_MAX,
                    "characters": len(filled),
                    "segments": len(split_parts(filled)),
                },
                ARTICLE_INDIA,
            )
        )
        fixed_text = len(re.sub(r"\s+", "", text)) - sum(p.end - p.start for p in dlt)
        if fixed_text < DLT_MIN_FIXED:
            findings.append(
                Finding("dlt_too_few_fixed", "error", {"limit": DLT_MIN_FIXED, "fixed": fixed_text}, ARTICLE_INDIA)
            )
        else:
            variable = DLT_VARIABLE_MAX * len(dlt)
            share = round(100 * variable / (variable + fixed))
            if share > 40:
                findings.append(Finding("dlt_variable_share", "warning", {"share": share}, ARTICLE_INDIA))
    if "  " in text:
        findings.append(Finding("dlt_double_space", "error", {}, ARTICLE_INDIA))
    if "<" in text or ">" in text:
        findings.append(Finding("dlt_angle_brackets", "error", {}, ARTICLE_INDIA))


def _china_findings(text: str, placeholders: list[Placeholder], findings: list[Finding]) -> None:
    body = text
    signature_match = _CN_SIGNATURE_RE.match(text) or _CN_SIGNATURE_END_RE.search(text)
    if signature_match is None:
        findings.append(Finding("cn_signature_missing", "info", {}, ARTICLE_CHINA))
    else:
        signature = signature_match.group(1)
        body = text[: signature_match.start()] + text[signature_match.end() :]
        length = len(signature)
        if not 2 <= length <= 12:
            findings.append(
                Finding("cn_signature_length", "error", {"signature": signature, "length": length}, ARTICLE_CHINA)
            )
        if signature and not _SIGNATURE_CHARS_RE.match(signature):
            findings.append(Finding("cn_signature_symbols", "error", {"signature": signature}, ARTICLE_CHINA))
    if "【" in body or "】" in body:
        findings.append(Finding("cn_brackets_in_body", "error", {}, ARTICLE_CHINA))
    forbidden = [chars for chars in CN_FORBIDDEN if chars in text]
    if forbidden:
        findings.append(
            Finding(
                "cn_forbidden_characters",
                "error",
                {"characters": " ".join(f"“{chars}”" for chars in forbidden)},
                ARTICLE_CHINA,
            )
        )
    if len(text) > CN_MAX_CHARACTERS:
        findings.append(
            Finding("cn_too_long", "error", {"limit": CN_MAX_CHARACTERS, "characters": len(text)}, ARTICLE_CHINA)
        )
    variables = [p for p in placeholders if p.style in ("aliyun", "tencent")]
    if len(variables) > CN_MAX_VARIABLES:
        findings.append(
            Finding(
                "cn_too_many_variables", "error", {"count": len(variables), "limit": CN_MAX_VARIABLES}, ARTICLE_CHINA
            )
        )
    if any(b.start - a.end <= 0 or not text[a.end : b.start].strip() for a, b in pairwise(variables)):
        findings.append(Finding("cn_adjacent_variables", "error", {}, ARTICLE_CHINA))
