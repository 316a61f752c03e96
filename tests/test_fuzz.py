"""Fuzz tests: random bytes and text into the parsers that read what outsiders send us.

Each parser must either return a result or raise its own documented error (the mail parser's
``UnparseableEmail``, the importer's ``UnreadableFile``, the template checker's ``ValueError``
for an unknown purpose); never crash with anything else.
"""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.imports import interpret as interpret_mod
from aftersales.imports.read import UnreadableFile, read
from aftersales.imports.records import SourceRow
from aftersales.mail.parsing import ParsedEmail, UnparseableEmail, parse
from aftersales.sms import templatecheck

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text that looks a little like the real thing, so the fuzzer reaches past the first check.
DATEISH = st.text(alphabet=string.digits + "-/.: 年月日号点时分上午下午TZ+amp,周一" + "JanFebDecSept", max_size=40)
HEADERS = st.sampled_from([
    b"From: ", b"To: ", b"Subject: ", b"Content-Type: multipart/mixed; boundary=\"b\"\r\n", b"\r\n--b\r\n",
    b"Content-Type: text/plain; charset=gb2312\r\n", b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n", b"=?utf-8?B?5L2g5aW9?=", b"=?gbk?Q?=C4=E3?=",
    b"Content-Disposition: attachment; filename*=utf-8''%E4%BD%A0.txt\r\n", b"\r\n", b"--b--\r\n",
    b"Message-ID: <a@b>\r\n", b"In-Reply-To: <", b"Content-Type: message/rfc822\r\n", b"\xff\xfe", b"=\r\n",
])
SMS_ALPHABET = "{}[]^~|€\\ @£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ 你好👍🏽\u200d🇨🇳"
MAILISH = st.lists(st.one_of(HEADERS, st.binary(max_size=30)), max_size=25).map(b"".join)


@FUZZ
@given(st.one_of(st.binary(max_size=2000), MAILISH))
def test_mail_parser_returns_a_message_or_its_own_error(raw: bytes) -> None:
    try:
        parsed = parse(raw)
    except UnparseableEmail as error:
        assert str(error)
        return
    assert isinstance(parsed, ParsedEmail)
    assert isinstance(parsed.subject, str) and isinstance(parsed.text, str)


@FUZZ
@given(st.one_of(st.text(max_size=80), DATEISH), st.booleans(), st.sampled_from([None, 1999, 2026]))
def test_import_date_parser_returns_a_date_or_none(text: str, day_first: bool, year: int | None) -> None:
    context = interpret_mod.DateContext(day_first=day_first, year=year, fallback_year=2026)
    for function in (interpret_mod.parse_date, interpret_mod.find_date):
        parsed = function(text, context=context)
        assert parsed is None or isinstance(parsed.value, dt.datetime)
    lead = interpret_mod.leading_date(text, context=context)
    assert lead is None or isinstance(lead[1], str)


CELL = st.one_of(st.text(max_size=60), DATEISH)


@pytest.mark.django_db
@FUZZ
@given(
    st.sampled_from(["table", "markdown", "chat"]),
    st.dictionaries(st.sampled_from(["date", "日期", "customer", "客户", "problem", "问题", "status", "owner", "处理人",
                                     "text", "heading", "author", "notes", "case", "x"]), CELL, max_size=8),
)
def test_import_row_interpreter_reads_any_row(kind: str, cells: dict[str, str]) -> None:
    row = SourceRow(file="log-2025.csv", sheet="", line=2, raw=" ".join(cells.values()), cells=cells, kind=kind)
    results = list(interpret_mod.interpret([row]))
    assert len(results) == 1
    result = results[0]
    assert result.source is row
    assert result.reason is not None or isinstance(result.subject, str)


@pytest.mark.django_db
@FUZZ
@given(st.binary(max_size=1500), st.sampled_from([".csv", ".tsv", ".md", ".txt", ".xlsx", ".log"]))
def test_import_reader_reads_any_file_or_refuses_it(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        rows = list(read(path))
    except UnreadableFile as error:
        assert str(error)
        return
    for row in rows:
        assert isinstance(row, SourceRow)
        list(interpret_mod.interpret([row]))


@FUZZ
@given(
    st.one_of(st.text(max_size=400), st.text(alphabet=SMS_ALPHABET, max_size=300)),
    st.sampled_from([None, "", "CN", "IN", "US", "xx", "ZZZ", "in"]),
    st.one_of(st.sampled_from(list(templatecheck.PURPOSES)), st.text(max_size=10)),
    st.one_of(st.none(), st.text(max_size=20)),
)
def test_template_checker_checks_any_text(text: str, country: Any, purpose: str, sender: Any) -> None:
    try:
        result = templatecheck.check(text, country=country, purpose=purpose, sender=sender)
    except ValueError as error:
        assert purpose not in templatecheck.PURPOSES
        assert "purpose" in str(error)
        return
    assert result.segments >= 1 or text == ""
    parts = templatecheck.split_parts(text)
    assert "".join(parts) == text
