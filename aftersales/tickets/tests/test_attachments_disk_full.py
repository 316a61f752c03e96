"""The attachment storage filling up: a clear error for the person replying, and nothing half-written —
no message, no attachment row, no file (not even the partial one). The real-disk version is
``bench/fault_disk_full.py`` (a 2 MB tmpfs)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk_with(monkeypatch: Any):
    """A file system with ``budget`` bytes left: a write past it leaves a partial file and fails ENOSPC."""

    def fill(budget: int) -> None:
        real_save = FileSystemStorage._save  # type: ignore[attr-defined]
        left = [budget]

        def _save(self: FileSystemStorage, name: str, content: Any) -> str:
            data = content.read()
            if len(data) > left[0]:
                path = Path(self.path(name))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data[: left[0]])  # what the disk took before it was full
                left[0] = 0
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            left[0] -= len(data)
            content.seek(0)
            return real_save(self, name, content)

        monkeypatch.setattr(FileSystemStorage, "_save", _save)

    return fill


def _files(settings: Any) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_a_full_disk_refuses_the_reply_with_a_clear_error_and_leaves_nothing(client, personas, settings, disk_with):
    ticket = make_ticket("Sender ID rejected in Thailand", customer=personas.customer)
    client.force_login(personas.agent)
    disk_with(4000)
    first = SimpleUploadedFile("registration.txt", b"a" * 3000, content_type="text/plain")
    second = SimpleUploadedFile("carrier-reply.txt", b"b" * 5000, content_type="text/plain")

    response = client.post(reverse("tickets:reply", args=[ticket.ref]),
                           {"kind": "reply", "body": "Both documents attached.", "attachments": [first, second]})

    assert response.status_code == 400
    page = response.content.decode()
    assert "The attachments could not be stored" in page
    assert "file storage is full or unavailable. Nothing was saved; please try again later" in page
    assert not ticket.messages.exists()
    assert not Attachment.objects.exists()
    assert _files(settings) == []  # neither the first (complete) file nor the second's partial one


def test_after_a_full_disk_the_desk_keeps_working(client, personas, settings, disk_with):
    ticket = make_ticket("Sender ID rejected in Thailand", customer=personas.customer)
    client.force_login(personas.agent)
    disk_with(100)
    big = SimpleUploadedFile("trace.log", b"x" * 500, content_type="text/plain")
    client.post(reverse("tickets:reply", args=[ticket.ref]), {"kind": "note", "body": "trace", "attachments": [big]})

    response = client.post(reverse("tickets:reply", args=[ticket.ref]), {"kind": "note", "body": "Trace too big."})

    assert response.status_code == 302
    assert list(ticket.messages.values_list("body", flat=True)) == ["Trace too big."]
    assert _files(settings) == []


def test_attachments_that_fit_are_stored_whole(client, personas, settings, disk_with):
    ticket = make_ticket("Sender ID rejected in Thailand", customer=personas.customer)
    client.force_login(personas.agent)
    disk_with(10_000)
    upload = SimpleUploadedFile("registration.txt", b"a" * 3000, content_type="text/plain")
    client.post(reverse("tickets:reply", args=[ticket.ref]), {"kind": "note", "body": "doc", "attachments": [upload]})
    attachment = Attachment.objects.get()
    assert Path(attachment.file.path).read_bytes() == b"a" * 3000
    assert _files(settings) == [Path(attachment.file.path)]
