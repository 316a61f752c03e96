"""Bytes in, a clean message out: what the desk needs from one raw email.

Never decode the whole message as UTF-8: the stdlib parser (``compat32``) keeps 8-bit bytes as
surrogate escapes, and every header and part is decoded here by its own charset, repaired —
GBK mail labelled gb2312, HKSCS mail labelled big5, unlabelled or mislabelled 8-bit text through
``charset-normalizer``. Malformed mail (broken boundaries, truncated base64, bad encoded words,
8-bit headers) still gives a subject, a sender and as much text as can be read; what went
wrong is listed in ``defects``. Only a message with nothing usable raises ``UnparseableEmail``.
"""

from __future__ import annotations

import binascii
import codecs
import datetime as dt
import email
import email.header
import email.message
import email.utils
import quopri
import re
from dataclasses import dataclass, field
from email import policy as email_policy
from pathlib import PurePath
from typing import Any

import charset_normalizer
import html2text
import nh3
from django.conf import settings

from aftersales.core import uploads
from aftersales.tickets.actions import DANGEROUS_EXTENSIONS


class _RawHeaders(email_policy.Compat32):
    """compat32, but header values come back as parsed (8-bit bytes still surrogate escapes)."""

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        return value


_POLICY = _RawHeaders()


class UnparseableEmail(ValueError):
    """Nothing usable could be read from the bytes."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class RefusedAttachment:
    filename: str
    reason: str  # "dangerous" or "too large"


@dataclass
class ParsedEmail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: str = ""  # the address, lower-cased
    sender_name: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: dt.datetime | None = None
    text: str = ""  # the full text (from text/plain, else from the HTML)
    html: str = ""  # sanitized HTML, for display
    body: str = ""  # the text without quoted history and signature
    attachments: list[ParsedAttachment] = field(default_factory=list)
    refused: list[RefusedAttachment] = field(default_factory=list)
    noise: str = ""  # "" | "auto-reply" | "bounce" | "list"
    defects: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # decoded, lower-case names, first value

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers: In-Reply-To first, then References newest first."""
        seen: list[str] = []
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            if mid not in seen:
                seen.append(mid)
        return seen


# --- Charsets ------------------------------------------------------------------------------
# Labels that lie: the superset is what senders really use.
_CHARSET_REPAIRS = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "big-5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "ascii": "us-ascii",
}
# Single-byte labels under which mislabelled UTF-8 or GBK often hides.
_WEAK_LABELS = {"us-ascii", "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "iso-8859-15"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CHARSET_REPAIRS.get(label, label)
    if not label.isascii() or not label.isprintable():
        return None  # a damaged label (8-bit bytes, NUL): guess instead
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def _mostly_chinese(text: str) -> bool:
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return False
    cjk = sum(1 for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return cjk / len(wide) >= 0.9


def _guess(data: bytes, hint: str | None = None) -> str:
    """Decode bytes with no trustworthy label: UTF-8, the hint, GB18030 if it reads as Chinese,
    else charset-normalizer's best guess. This desk's unlabelled 8-bit mail is mostly GBK."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    hinted = _codec(hint)
    if hinted and hinted not in {"ascii", "utf-8"} and (hint or "").lower() not in _WEAK_LABELS:
        try:
            return data.decode(hinted)
        except UnicodeDecodeError:
            pass
    try:
        chinese = data.decode("gb18030")
        if _mostly_chinese(chinese):
            return chinese
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        codec = _codec(best.encoding) or best.encoding
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


_SEVEN_BIT_CODECS = ("iso2022", "utf-7", "hz")


def decode_bytes(data: bytes, label: str | None, *, guess: bool = True) -> str:
    """Decode one part's bytes by its label, repaired; unlabelled or wrong labels are guessed.

    ``guess=False`` (encoded words in headers): a known label that fails decodes with
    replacement characters rather than as some other charset.
    """
    if not data:
        return ""
    codec = _codec(label)
    if data.isascii():
        if codec and codec.startswith(_SEVEN_BIT_CODECS):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return data.decode(codec, errors="replace")
        return data.decode("ascii")
    if codec and not guess and (label or "").strip().lower() not in _WEAK_LABELS:
        return data.decode(codec, errors="replace")
    if codec is None or (label or "").strip().lower() in _WEAK_LABELS or codec in {"ascii"}:
        if codec is not None and codec != "ascii":
            # Latin-1 and friends decode anything: only trust them when the bytes aren't UTF-8.
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                return data.decode(codec, errors="replace")
        return _guess(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    if codec != "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    guessed = _guess(data)
    return guessed if "\ufffd" not in guessed else data.decode(codec, errors="replace")


# --- Headers -------------------------------------------------------------------------------
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_WS_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def _raw(value: Any) -> bytes | str:
    """The header's original bytes (8-bit bytes are kept as surrogate escapes); text if already decoded."""
    if isinstance(value, email.header.Header):
        value = str(value)
    try:
        return str(value).encode("ascii", errors="surrogateescape")
    except UnicodeEncodeError:
        return str(value)


def _decode_word(charset: str, encoding: str, text: str, defects: list[str]) -> str:
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
    try:
        if encoding.lower() == "b":
            text = text.rstrip("=")
            data = binascii.a2b_base64(text + "=" * (-len(text) % 4))
        else:
            data = quopri.decodestring(text.replace("_", " ").encode("ascii", errors="replace"), header=False)
    except (binascii.Error, ValueError):
        defects.append("bad encoded word in a header")
        return text
    return decode_bytes(data, charset, guess=False)


def decode_header(value: Any, defects: list[str] | None = None, hint: str | None = None) -> str:
    """RFC 2047 words and raw 8-bit bytes in one header, decoded; whitespace unfolded."""
    if value is None:
        return ""
    defects = defects if defects is not None else []
    raw = _raw(value)
    if isinstance(raw, str):
        text = raw
    elif not raw.isascii():
        defects.append("8-bit bytes in a header")
        text = _guess(raw, hint)
    else:
        text = raw.decode("ascii")
    text = re.sub(r"\r?\n[ \t]+", " ", text)
    text = _WS_BETWEEN_WORDS.sub(r"\1\2", text)
    decoded = _ENCODED_WORD.sub(lambda m: _decode_word(m.group(1), m.group(2), m.group(3), defects), text)
    return re.sub(r"[\r\n]+", " ", decoded).strip()


_MSGID = re.compile(r"<([^<>\s]+)>")


def _message_ids(value: Any) -> list[str]:
    if value is None:
        return []
    raw = _raw(value)
    text = raw if isinstance(raw, str) else raw.decode("ascii", errors="replace")
    found = _MSGID.findall(text)
    if not found and text.strip():
        found = [part for part in text.split() if "@" in part]
    return [f"<{mid.strip('<>')}>" for mid in found][:100]


def _addresses(values: list[Any], defects: list[str], hint: str | None = None) -> list[tuple[str, str]]:
    decoded = [decode_header(v, defects, hint) for v in values if v is not None]
    pairs = email.utils.getaddresses(decoded)
    return [(name.strip(), addr.strip().lower()) for name, addr in pairs if addr and "@" in addr]


# --- Bodies --------------------------------------------------------------------------------
def _raw_payload(part: email.message.Message) -> Any:
    """The payload as parsed; not get_payload(), which decodes 8-bit text with "replace"."""
    return getattr(part, "_payload", None)


def _payload(part: email.message.Message, defects: list[str]) -> bytes:
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    raw_payload = _raw_payload(part)
    if not isinstance(raw_payload, str):
        return b""
    raw = raw_payload.encode("ascii", errors="surrogateescape")
    if cte == "base64":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
        rest = len(cleaned) % 4
        if rest == 1:
            cleaned = cleaned[:-1]
        if rest and not raw.rstrip().endswith(b"="):
            defects.append("truncated base64")
        if rest:
            cleaned += b"=" * (-len(cleaned) % 4)
        try:
            return binascii.a2b_base64(cleaned)
        except binascii.Error:
            defects.append("undecodable base64")
            return b""
    if cte == "quoted-printable":
        return quopri.decodestring(raw)
    if cte in {"x-uuencode", "uuencode", "x-uue"}:
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else raw
    return raw


def _param(part: email.message.Message, name: str, header: str) -> str | None:
    value = part.get_param(name, header=header)
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded text as latin-1)
        charset, _lang, text = value
        data = bytes(text, "raw-unicode-escape") if not isinstance(text, bytes) else text
        return decode_bytes(data, charset or "utf-8")
    return str(value)


def _filename(part: email.message.Message, defects: list[str]) -> str:
    name = _param(part, "filename", "content-disposition") or _param(part, "name", "content-type") or ""
    name = decode_header(email.utils.collapse_rfc2231_value(name), defects) if name else ""
    name = PurePath(name.replace("\\", "/")).name.strip().strip(".")
    return name[:200]


def _html_to_text(html: str) -> str:
    converter = html2text.HTML2Text(bodywidth=0)
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_links = False
    converter.ignore_tables = False
    converter.single_line_break = False
    text = converter.handle(html)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def sanitize_html(html: str) -> str:
    return nh3.clean(html, link_rel="noopener noreferrer nofollow", strip_comments=True)


_EXT_FOR_TYPE = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "text/rfc822-headers": ".txt"}


def _walk(
    part: email.message.Message,
    parsed: ParsedEmail,
    texts: list[str],
    htmls: list[str],
    defects: list[str],
    depth: int = 0,
) -> None:
    if depth > 30:
        defects.append("parts nested too deep")
        return
    ctype = part.get_content_type()
    maintype = part.get_content_maintype()
    disposition = str(part.get("content-disposition", "")).split(";", 1)[0].strip().lower()
    if ctype in ("message/rfc822", "message/global"):
        _forwarded(part, parsed, defects)
        return
    if maintype == "multipart" and not part.is_multipart():
        recovered = _recover_multipart(part, defects) if depth < 30 else None
        if recovered is not None and recovered.is_multipart():
            _walk(recovered, parsed, texts, htmls, defects, depth + 1)
            return
        texts.append(_decoded_text(part, defects))
        return
    if part.is_multipart():
        children = [c for c in part.get_payload() if isinstance(c, email.message.Message)]
        if ctype == "multipart/alternative":
            # One text: the first text/plain; the HTML is kept for display (and read when no plain exists).
            has_plain = any(c.get_content_type() == "text/plain" and not _is_attachment(c) for c in children)
            text_taken = False
            for child in children:
                cct = child.get_content_type()
                if cct in ("text/plain", "text/html") and not _is_attachment(child):
                    content = _decoded_text(child, defects)
                    if cct == "text/html":
                        htmls.append(content)
                        content = "" if has_plain else _html_to_text(content)
                    if content and not text_taken:
                        texts.append(content)
                        text_taken = True
                    continue
                sub_texts: list[str] = []
                _walk(child, parsed, sub_texts, htmls, defects, depth + 1)
                if sub_texts and not text_taken:
                    texts.extend(sub_texts)
                    text_taken = True
            return
        for child in children:
            _walk(child, parsed, texts, htmls, defects, depth + 1)
        return
    if ctype == "message/delivery-status":
        texts.append(decode_bytes(_payload(part, defects), "us-ascii"))
        return
    is_text_body = maintype == "text" and ctype in ("text/plain", "text/html") and not _is_attachment(part)
    if is_text_body:
        content = _decoded_text(part, defects)
        if ctype == "text/html":
            htmls.append(content)
            texts.append(_html_to_text(content))
        else:
            texts.append(content)
        return
    data = _payload(part, defects)
    name = _filename(part, defects)
    content_id = str(part.get("content-id", "")).strip().strip("<>")
    inline = disposition == "inline" or (not disposition and bool(content_id))
    if not name:
        ext = _EXT_FOR_TYPE.get(ctype, "")
        if ctype == "application/ms-tnef":
            name = "winmail.dat"
        elif maintype == "text" and not data.strip():
            return
        else:
            name = ("image" if maintype == "image" else "attachment") + (ext or ".bin")
    _add_attachment(parsed, name, ctype, data, inline=inline, content_id=content_id)


def _forwarded(part: email.message.Message, parsed: ParsedEmail, defects: list[str]) -> None:
    """A forwarded message/rfc822 part becomes an .eml attachment named after its subject."""
    inner = part.get_payload()
    data = b""
    subject = ""
    if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
        data = inner[0].as_bytes(policy=_POLICY)
        subject = decode_header(inner[0].get("subject"), defects)
    elif isinstance(inner, str):
        data = inner.encode("ascii", errors="surrogateescape")
    name = _filename(part, defects) or (_safe_name(subject) or "forwarded message") + ".eml"
    _add_attachment(parsed, name, "message/rfc822", data, inline=False, content_id="")


_BOUNDARY_LINE = re.compile(r"^--([^\s]+?)(--)?[ \t]*\r?$", re.MULTILINE)


def _recover_multipart(part: email.message.Message, defects: list[str]) -> email.message.Message | None:
    """A multipart with no boundary parameter: take the boundary from the first ``--`` line."""
    payload = _raw_payload(part)
    if not isinstance(payload, str):
        return None
    match = _BOUNDARY_LINE.search(payload)
    if match is None:
        return None
    defects.append("boundary recovered from the body")
    head = f'Content-Type: {part.get_content_type()}; boundary="{match.group(1)}"\n\n'
    return email.message_from_bytes(
        head.encode("ascii", errors="surrogateescape") + payload.encode("ascii", errors="surrogateescape"),
        policy=_POLICY,
    )


def _is_attachment(part: email.message.Message) -> bool:
    """Explicitly an attachment, or a named part not marked inline."""
    disposition = str(part.get("content-disposition", "")).split(";", 1)[0].strip().lower()
    if disposition == "attachment":
        return True
    named = part.get_param("filename", header="content-disposition") or part.get_param("name")
    return bool(named) and disposition != "inline"


def _decoded_text(part: email.message.Message, defects: list[str]) -> str:
    charset = part.get_param("charset")
    label = charset if isinstance(charset, str) else None
    text = decode_bytes(_payload(part, defects), label)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _safe_name(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", " ", text).strip()[:100]


def _add_attachment(parsed: ParsedEmail, name: str, ctype: str, data: bytes, *, inline: bool, content_id: str) -> None:
    if PurePath(name.lower()).suffix in DANGEROUS_EXTENSIONS:
        parsed.refused.append(RefusedAttachment(name, "dangerous"))
        return
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        parsed.refused.append(RefusedAttachment(name, "too large"))
        return
    try:
        uploads.check(name, data[: uploads.HEAD_BYTES])
    except uploads.UploadRefused as exc:
        # A program by its content, or a name promising a type the content is not.
        parsed.refused.append(RefusedAttachment(name, "dangerous" if "program" in str(exc) else "type"))
        return
    parsed.attachments.append(ParsedAttachment(name, ctype, data, inline=inline, content_id=content_id))


# --- Quoted text and signatures ---------------------------------------------------------------
_QUOTE_MARKERS = [
    re.compile(p, re.MULTILINE)
    for p in (
        r"^[ \t]*-{2,}[ \t]*原始邮件[ \t]*-{2,}",  # QQ / Foxmail: ------------------ 原始邮件 ------------------
        r"^[ \t]*-{2,}[ \t]*Original[ \t]*-{2,}",  # QQ mail in English
        r"^[ \t]*-{2,}[ \t]*(转发的邮件|Forwarded message|原始邮件|Original Message)[ \t]*-{2,}",
        r"^[ \t]*-{3,}[ \t]*Original Message[ \t]*-{3,}",
        r"^[ \t]*\*?发件人[:：]",  # Outlook (Chinese), NetEase
        r"^[ \t]*\*?From:[^\n]*\n[ \t]*\*?(Sent|Date|发送时间)[:：]",  # Outlook (English)
        r"^[ \t]*\*?发送时间[:：]",
        r"^[ \t]*在[^\n]{0,200}写道[:：]?[ \t]*$",  # Gmail (Chinese), NetEase: 在 2026年…，张三 <…> 写道：
        r"^[ \t]*于[^\n]{0,200}写道[:：]?[ \t]*$",  # Gmail variant: 张三 <…> 于2026年…写道：
        r"^[^\n]{0,200}于[^\n]{0,80}写道[:：][ \t]*$",
        r"^[ \t]*On [^\n]{0,300}wrote:[ \t]*$",  # Gmail / Apple Mail (English)
        r"^[ \t]*On [^\n]{0,200}\n[^\n]{0,200}wrote:[ \t]*$",  # wrapped over two lines
        r"^[ \t]*Le [^\n]{0,200}a écrit[ :][ \t]*$",
        r"^_{20,}[ \t]*$",  # Outlook web: a line of underscores before From:
        r"^>[^\n]*\n(>[^\n]*\n?)+",  # a block of > lines
    )
]
_SIGNATURE_MARKERS = [
    re.compile(p, re.MULTILINE)
    for p in (
        r"^-- ?$",  # the standard signature delimiter
        r"^[ \t]*(发自我的|来自我的|从我的)(iPhone|iPad|手机|华为|小米|荣耀|OPPO|vivo)",
        r"^[ \t]*发自(网易邮箱|QQ邮箱|我的)",
        r"^[ \t]*Sent from my (iPhone|iPad|Android|mobile|Huawei|Xiaomi)",
        r"^[ \t]*Get Outlook for (iOS|Android)",
        r"^[ \t]*(网易邮箱大师|Foxmail邮件)$",
    )
]


def strip_reply(text: str) -> str:
    """The new part of a reply: quoted history and signature cut; the full text is kept elsewhere."""
    cut = len(text)
    for pattern in _QUOTE_MARKERS + _SIGNATURE_MARKERS:
        match = pattern.search(text)
        if match and match.start() < cut:
            cut = match.start()
    stripped = text[:cut].strip()
    if cut == len(text):
        try:
            from mailparser_reply import EmailReplyParser

            stripped = EmailReplyParser(languages=["en", "zh", "de", "fr"]).parse_reply(text=text).strip()
        except Exception:  # the library is a nicety; our own markers come first
            stripped = text.strip()
    return stripped or text.strip()


# --- Noise: auto-replies, bounces, mailing lists ------------------------------------------
_AUTO_SUBJECT = re.compile(
    r"^\s*(自动回复|自動回覆|自动答复|Auto(matic)?[ -]?(reply|response)|Out of (the )?Office|Abwesenheitsnotiz|"
    r"Réponse automatique|Undeliver(able|ed)|Delivery Status Notification|Mail Delivery (Failed|System|Subsystem)|"
    r"Returned mail|退信|系统退信|Failure Notice)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|bounce[s]?)(\+[^@]*)?@", re.IGNORECASE)


def _noise(msg: email.message.Message, parsed: ParsedEmail, return_path: str) -> str:
    headers = parsed.headers
    content_type = msg.get_content_type()
    report_type = str(msg.get_param("report-type") or "").lower()
    if (content_type == "multipart/report" and report_type == "delivery-status") or _BOUNCE_SENDERS.match(
        parsed.sender
    ):
        return "bounce"
    auto_submitted = headers.get("auto-submitted", "").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "bounce" if return_path == "<>" and "failure" in parsed.subject.lower() else "auto-reply"
    if any(h in headers for h in ("x-autoreply", "x-autorespond", "x-auto-reply", "x-autogenerated")):
        return "auto-reply"
    if headers.get("x-auto-response-suppress", "").lower() in {"all", "oof"} and _AUTO_SUBJECT.match(parsed.subject):
        return "auto-reply"
    precedence = headers.get("precedence", "").lower()
    if precedence in {"auto_reply", "auto-reply"}:
        return "auto-reply"
    if precedence in {"bulk", "junk", "list"} or "list-id" in headers or "list-unsubscribe" in headers:
        return "list"
    if return_path == "<>":
        return "bounce" if re.search(r"deliver|退信|undeliver|failure", parsed.subject, re.IGNORECASE) else "auto-reply"
    if _AUTO_SUBJECT.match(parsed.subject):
        return "auto-reply"
    return ""


# --- Entry point ---------------------------------------------------------------------------
_HEADERS_KEPT = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-reply",
    "x-autogenerated",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "return-path",
    "x-mailer",
    "user-agent",
    "content-language",
)


def parse(raw: bytes) -> ParsedEmail:
    """Parse one message from its raw bytes. Raises UnparseableEmail only when nothing is usable."""
    if not raw or not raw.strip():
        raise UnparseableEmail("empty message")
    defects: list[str] = []
    try:
        msg = email.message_from_bytes(raw, policy=_POLICY)
    except Exception as exc:  # the stdlib parser is lenient; this is belt and braces
        raise UnparseableEmail(f"cannot read the message structure: {exc}") from exc
    if not msg.keys():
        raise UnparseableEmail("no headers")
    parsed = ParsedEmail(defects=defects)
    hint = next((c for c in msg.get_charsets() if c), None)  # raw 8-bit headers are usually in the body's charset
    for name in _HEADERS_KEPT:
        value = msg.get(name)
        if value is not None:
            parsed.headers[name] = decode_header(value, defects, hint)
    parsed.subject = decode_header(msg.get("subject"), defects, hint)[:900]
    senders = _addresses(msg.get_all("from") or [], defects, hint) or _addresses(
        msg.get_all("sender") or [], defects, hint
    )
    if senders:
        parsed.sender_name, parsed.sender = senders[0]
    else:
        defects.append("no sender address")
    reply_to = _addresses(msg.get_all("reply-to") or [], defects)
    parsed.reply_to = reply_to[0][1] if reply_to else ""
    parsed.to = [addr for _n, addr in _addresses(msg.get_all("to") or [], defects)]
    parsed.cc = [addr for _n, addr in _addresses(msg.get_all("cc") or [], defects)]
    ids = _message_ids(msg.get("message-id"))
    parsed.message_id = ids[0][:990] if ids else ""
    if not parsed.message_id:
        defects.append("no Message-ID")
    parsed.in_reply_to = _message_ids(msg.get("in-reply-to"))[:5]
    parsed.references = _message_ids(msg.get("references"))
    date = msg.get("date")
    if date is None:
        defects.append("no Date")
    else:
        try:
            parsed.date = email.utils.parsedate_to_datetime(decode_header(date))
        except (TypeError, ValueError, IndexError):
            defects.append("unreadable Date")
    defects.extend(type(d).__name__ for d in msg.defects)
    texts: list[str] = []
    htmls: list[str] = []
    try:
        _walk(msg, parsed, texts, htmls, defects)
    except (ValueError, UnicodeError, LookupError, TypeError, AttributeError, RecursionError) as exc:
        # A part damaged beyond what the repairs above handle: keep what was read before it.
        defects.append(f"unreadable part: {type(exc).__name__}")
    parsed.text = "\n\n".join(t.strip() for t in texts if t.strip())
    parsed.html = sanitize_html(htmls[0]) if htmls else ""
    parsed.body = strip_reply(parsed.text) if parsed.text else ""
    return_path = parsed.headers.get("return-path", "").strip()
    parsed.noise = _noise(msg, parsed, return_path.replace(" ", ""))
    if not parsed.sender and not parsed.text and not parsed.attachments and not parsed.subject:
        raise UnparseableEmail("no sender, subject, text or attachment could be read")
    return parsed
