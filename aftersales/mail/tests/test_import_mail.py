"""aftersales import-mail: .eml files, folders and mbox files through the live path; counts add up."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from aftersales.mail.models import InboundEmail, InboundState, Mailbox
from aftersales.tickets.models import Ticket

CORPUS = Path(__file__).parent / "corpus"
pytestmark = pytest.mark.django_db


def run(*args: str) -> dict[str, int]:
    out = io.StringIO()
    call_command("import-mail", *args, "--json", stdout=out)
    counts = json.loads(out.getvalue())
    parts = counts["tickets_created"] + counts["threaded"] + counts["ignored"] + counts["quarantined"]
    assert parts == counts["messages"]
    return counts


def test_the_corpus_folder_imports_and_a_second_import_adds_nothing(personas: Any) -> None:
    first = run(str(CORPUS))
    assert first == {"messages": 46, "tickets_created": 39, "threaded": 0, "ignored": 7, "quarantined": 0}
    assert Ticket.objects.count() == 39
    again = run(str(CORPUS))
    assert again == {"messages": 46, "tickets_created": 0, "threaded": 0, "ignored": 46, "quarantined": 0}
    assert Ticket.objects.count() == 39
    assert InboundEmail.objects.count() == 92  # every message kept, even the duplicates


MBOX = (
    b"From zhou.min@starriver.example Tue Nov 24 09:00:00 2026\n"
    b"From: Zhou Min <zhou.min@starriver.example>\nSubject: Balance is 0\nMessage-ID: <mb1@starriver.example>\n"
    b"Content-Type: text/plain; charset=utf-8\n\nThe balance shows 0.\n>From the console it looks fine.\n\n"
    b"From zhou.min@starriver.example Tue Nov 24 10:00:00 2026\n"
    b"From: Zhou Min <zhou.min@starriver.example>\nSubject: Re: Balance is 0\nMessage-ID: <mb2@starriver.example>\n"
    b"In-Reply-To: <mb1@starriver.example>\nContent-Type: text/plain; charset=gbk\n\n"
    + "还是 0，请尽快处理。\n".encode("gbk")
    + b"\nFrom MAILER-DAEMON Tue Nov 24 11:00:00 2026\n"
    b"From: MAILER-DAEMON@mx.example.test\nSubject: Undelivered Mail Returned to Sender\nReturn-Path: <>\n"
    b"Message-ID: <mb3@mx.example.test>\n\nCould not deliver.\n\n"
    b"From nobody Tue Nov 24 12:00:00 2026\n"
    b"\x00\x01 not a message\n"
)


def test_an_mbox_export_threads_replies_and_sets_noise_aside(personas: Any, tmp_path: Path) -> None:
    path = tmp_path / "export"  # no extension: recognised by its "From " line
    path.write_bytes(MBOX)
    Mailbox.objects.create(name="old-desk", imap_host="h", username="u", customer=personas.customer)
    counts = run(str(path), "--mailbox", "old-desk")
    assert counts == {"messages": 4, "tickets_created": 1, "threaded": 1, "ignored": 1, "quarantined": 1}
    ticket = Ticket.objects.get()
    assert [m.body for m in ticket.messages.order_by("pk")] == [
        "The balance shows 0.\n>From the console it looks fine.",
        "还是 0，请尽快处理。",
    ]
    assert set(InboundEmail.objects.values_list("mailbox__name", flat=True)) == {"old-desk"}
    assert InboundEmail.objects.filter(state=InboundState.FAILED).count() == 1


def test_single_files_and_the_human_summary(personas: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import-mail", str(CORPUS / "01_plain_ascii.eml"), str(CORPUS / "28_bounce_dsn.eml"), stdout=out, stderr=err
    )
    assert out.getvalue().strip() == (
        "2 messages: 1 new tickets, 0 threaded onto tickets, 1 ignored (auto-replies, bounces, lists, duplicates), "
        "0 kept as failed"
    )


def test_bad_arguments() -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import-mail", "/nonexistent/mail.eml")
    with pytest.raises(CommandError, match="No mailbox named"):
        call_command("import-mail", str(CORPUS / "01_plain_ascii.eml"), "--mailbox", "nope")
