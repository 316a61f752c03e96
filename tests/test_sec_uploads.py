"""Uploads: size limits, type by content, stored outside the web root, served as downloads unless an image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve

from aftersales.core import uploads
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Attachment

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 120
HTML = b"<html><body><script>alert(1)</script></body></html>"


def _reply(ticket: Any, actor: Any, *files: SimpleUploadedFile) -> Any:
    return actions.add_note(ticket=ticket, actor=actor, body="See the attached files.", attachments=list(files))


def test_sniffing_reads_content_not_names() -> None:
    assert uploads.sniff(PNG) == "image/png"
    assert uploads.sniff(PDF) == "application/pdf"
    assert uploads.sniff("短信发送失败 log".encode()) == "text/plain"
    assert uploads.check("report.txt", PDF) == "application/pdf"
    with pytest.raises(uploads.UploadRefused, match="is a program"):
        uploads.check("holiday-photos.jpg", EXE)
    with pytest.raises(uploads.UploadRefused, match=r"“invoice.pdf” is not really a PDF file"):
        uploads.check("invoice.pdf", HTML)


def test_ticket_attachment_type_comes_from_content(personas: Any) -> None:
    ticket = make_ticket(actor=personas.agent)
    # The browser claims text/html for a PDF and image/png for plain text: both claims are ignored.
    _reply(ticket, personas.agent,
           SimpleUploadedFile("delivery-report.pdf", PDF, content_type="text/html"),
           SimpleUploadedFile("notes.txt", b"MT rejected 0x45", content_type="image/png"))
    stored = dict(Attachment.objects.values_list("filename", "content_type"))
    assert stored == {"delivery-report.pdf": "application/pdf", "notes.txt": "text/plain"}


@pytest.mark.parametrize(("name", "data", "message"), [
    ("invoice.pdf", HTML, "is not really a PDF file"),
    ("photo.png", EXE, "is a program"),
])
def test_ticket_attachment_refused_by_content(personas: Any, name: str, data: bytes, message: str) -> None:
    ticket = make_ticket(actor=personas.agent)
    with pytest.raises(actions.TicketActionError, match=message):
        _reply(ticket, personas.agent, SimpleUploadedFile(name, data))
    assert not Attachment.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))  # nothing half-written


def test_ticket_attachment_size_limit(personas: Any, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = make_ticket(actor=personas.agent)
    with pytest.raises(actions.TicketActionError, match="attachments may be at most"):
        _reply(ticket, personas.agent, SimpleUploadedFile("big.txt", b"x" * 2048))


def test_images_inline_everything_else_a_download(personas: Any) -> None:
    ticket = make_ticket(actor=personas.agent)
    _reply(ticket, personas.agent, SimpleUploadedFile("screen.png", PNG), SimpleUploadedFile("report.pdf", PDF),
           SimpleUploadedFile("page.html", HTML, content_type="text/html"))
    client = Client()
    client.force_login(personas.agent)
    by_name = {a.filename: a for a in Attachment.objects.all()}
    image = client.get(f"/tickets/{ticket.ref}/attachments/{by_name['screen.png'].pk}/")
    pdf = client.get(f"/tickets/{ticket.ref}/attachments/{by_name['report.pdf'].pk}/")
    html = client.get(f"/tickets/{ticket.ref}/attachments/{by_name['page.html'].pk}/")
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith("inline")
    assert pdf["Content-Disposition"].startswith("attachment")
    assert html["Content-Type"].startswith("text/plain") and html["Content-Disposition"].startswith("attachment")
    for response in (image, pdf, html):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].startswith("sandbox")


def test_media_is_outside_the_web_root_and_has_no_url(tmp_path: Any) -> None:
    from aftersales import settings as project

    media = Path(project.MEDIA_ROOT).resolve()
    assert media.parent == Path(project.VAR_DIR).resolve()
    package = (Path(project.BASE_DIR) / "aftersales").resolve()
    assert package not in media.parents  # not beside the apps' static files
    if project.STATIC_ROOT:
        assert Path(project.STATIC_ROOT).resolve() not in media.parents
    with pytest.raises(Resolver404):
        resolve("/" + project.MEDIA_URL + "attachments/x.pdf")


def test_mail_attachment_with_a_lying_name_is_refused_with_a_note() -> None:
    from aftersales.mail.parsing import ParsedEmail, _add_attachment

    parsed = ParsedEmail()
    _add_attachment(parsed, "scan.pdf", "application/pdf", HTML, inline=False, content_id="")
    _add_attachment(parsed, "scan2.pdf", "application/pdf", PDF, inline=False, content_id="")
    assert [r.reason for r in parsed.refused] == ["type"]
    assert [a.filename for a in parsed.attachments] == ["scan2.pdf"]
