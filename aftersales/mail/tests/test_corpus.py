"""Every corpus message parses to what a reader would expect (expected.py, written by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales.mail.parsing import parse
from aftersales.mail.tests.corpus.expected import E

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p.name for p in CORPUS.glob("*.eml"))


def test_corpus_is_complete() -> None:
    assert len(FILES) >= 40
    assert sorted(E) == FILES  # every file has expectations, every expectation a file


@pytest.mark.parametrize("name", FILES)
def test_corpus_message(name: str) -> None:
    raw = (CORPUS / name).read_bytes()
    expected = E[name]
    parsed = parse(raw)
    assert parsed.subject == expected["subject"]
    assert parsed.sender == expected["sender"]
    if "sender_name" in expected:
        assert parsed.sender_name == expected["sender_name"]
    assert parsed.body.startswith(expected["body"]), parsed.body[:200]
    assert "\ufffd" not in parsed.body
    assert [a.filename for a in parsed.attachments] == expected.get("attachments", [])
    assert [a.filename for a in parsed.attachments if a.inline] == expected.get("inline", [])
    assert [r.filename for r in parsed.refused] == expected.get("refused", [])
    assert parsed.noise == expected.get("noise", "")
    if "body_lacks" in expected:
        assert expected["body_lacks"] not in parsed.body
    if "text_contains" in expected:
        assert expected["text_contains"] in parsed.text  # the full text is kept
    if "html_contains" in expected:
        assert expected["html_contains"] in parsed.html
    for fragment in expected.get("html_lacks", []):
        assert fragment not in parsed.html
    if "defect" in expected:
        assert expected["defect"] in parsed.defects
    if "message_id" in expected:
        assert parsed.message_id == expected["message_id"]
    if "thread" in expected:
        assert parsed.thread_ids == expected["thread"]
    for attachment in parsed.attachments:
        assert attachment.size > 0 or attachment.filename.endswith(".eml")


def test_attachment_bytes_survive() -> None:
    parsed = parse((CORPUS / "11_nested_multipart.eml").read_bytes())
    pdf = next(a for a in parsed.attachments if a.filename.endswith(".pdf"))
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.content_type == "application/pdf"
    png = next(a for a in parsed.attachments if a.filename == "chart.png")
    assert png.data.startswith(b"\x89PNG") and png.content_id == "chart1@example"


def test_nothing_usable_is_an_error() -> None:
    from aftersales.mail.parsing import UnparseableEmail

    for raw in (b"", b"   \r\n", b"\x00\x01\x02 garbage without headers"):
        with pytest.raises(UnparseableEmail):
            parse(raw)


def test_oversized_attachment_is_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ATTACHMENT_MAX_BYTES = 10
    parsed = parse((CORPUS / "11_nested_multipart.eml").read_bytes())
    assert [r.filename for r in parsed.refused] == ["chart.png", "report-2026-11.pdf"]
    assert {r.reason for r in parsed.refused} == {"too large"}


def test_damaged_copies_of_the_corpus_never_crash_the_parser() -> None:
    """Truncated, overwritten and spliced bytes: a result or UnparseableEmail, nothing else."""
    import random

    from aftersales.mail.parsing import UnparseableEmail

    rng = random.Random(20261125)  # noqa: S311 - a fixed seed for reproducible damage, not secrets
    originals = [(CORPUS / name).read_bytes() for name in FILES]
    for _ in range(400):
        raw = bytearray(rng.choice(originals))
        where = rng.randrange(len(raw))
        match rng.randrange(4):
            case 0:
                del raw[where:]
            case 1:
                for _flip in range(rng.randrange(1, 20)):
                    raw[rng.randrange(len(raw))] = rng.randrange(256)
            case 2:
                raw[where:where] = bytes(rng.randrange(256) for _byte in range(rng.randrange(1, 50)))
            case _:
                del raw[where : where + rng.randrange(200)]
        try:
            parsed = parse(bytes(raw))
        except UnparseableEmail:
            continue
        assert isinstance(parsed.subject, str) and isinstance(parsed.body, str)


def test_deep_nesting_is_cut_off() -> None:
    head = b"From: a@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for level in range(60):
        b = b"b%d" % level
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + b
            + b"\r\n\r\n--"
            + b
            + b"\r\n"
            + body
            + b"\r\n--"
            + b
            + b"--\r\n"
        )
    parsed = parse(head + body)
    assert parsed.subject == "deep"
    assert "parts nested too deep" in parsed.defects
