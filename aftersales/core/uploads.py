"""Uploaded files: their type is read from their content, never from the name or the browser's claim.

- ``sniff`` reads the first bytes (magic numbers, via ``filetype``): a PDF is a PDF because it starts
  like one. Content with no signature that decodes as text is ``text/plain``; anything else is
  ``application/octet-stream``.
- ``check`` refuses programs (by content, whatever the name says) and a file whose name promises a
  type its content is not (``invoice.pdf`` that is HTML), with a sentence naming the file.
- ``serve`` answers a stored file: images of a few safe raster types inline, everything else as a
  download (``Content-Disposition: attachment``), always with ``nosniff`` and a sandboxing CSP.

Files are stored under ``MEDIA_ROOT`` (``var/media`` by default), outside the static files, and
no URL serves ``MEDIA_URL`` directly: every download goes through a view that checks access.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from typing import Any

import filetype
from django.http import FileResponse
from django.utils.translation import gettext as _

HEAD_BYTES = 8192
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PROGRAM_TYPES = frozenset({
    "application/x-msdownload", "application/x-executable", "application/x-mach-binary",
    "application/x-sharedlib", "application/vnd.microsoft.portable-executable", "application/x-dosexec",
})
# A name promising one of these must hold it. ZIP-based office files sniff as zip (or as themselves).
_PROMISES: dict[str, frozenset[str]] = {
    ".pdf": frozenset({"application/pdf"}),
    ".png": frozenset({"image/png"}),
    ".jpg": frozenset({"image/jpeg"}),
    ".jpeg": frozenset({"image/jpeg"}),
    ".gif": frozenset({"image/gif"}),
    ".webp": frozenset({"image/webp"}),
    ".zip": frozenset({"application/zip"}),
    ".gz": frozenset({"application/gzip"}),
}
_OFFICE = frozenset({"application/zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "application/vnd.openxmlformats-officedocument.presentationml.presentation"})
for _suffix in (".docx", ".xlsx", ".pptx"):
    _PROMISES[_suffix] = _OFFICE


class UploadRefused(ValueError):
    """A file that cannot be accepted; the message says why, naming the file."""


def read_head(upload: Any) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return bytes(head)


def sniff(head: bytes) -> str:
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return str(kind.mime)
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Cut in the middle of a character at the end of the head, or another text encoding (GBK…).
        if exc.start < len(head) - 4 and not _looks_like_text(head):
            return "application/octet-stream"
    return "text/plain"


def _looks_like_text(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls <= len(head) // 100


def check(name: str, head: bytes) -> str:
    """The content type of a file named ``name`` starting with ``head``; UploadRefused if it may not be kept."""
    shown = PurePath(name or "").name or "?"
    sniffed = sniff(head)
    if sniffed in PROGRAM_TYPES:
        raise UploadRefused(_("“%(name)s” is a program and cannot be attached.") % {"name": shown})
    promised = _PROMISES.get(PurePath(shown.lower()).suffix)
    if promised is not None and sniffed not in promised:
        raise UploadRefused(
            _("“%(name)s” is not really a %(kind)s file; it was refused.")
            % {"name": shown, "kind": PurePath(shown).suffix[1:].upper()}
        )
    if sniffed == "application/octet-stream":
        guessed = mimetypes.guess_type(shown)[0]
        return guessed if guessed and not guessed.startswith(("text/", "image/")) else sniffed
    return sniffed


def serve(handle: Any, *, filename: str, content_type: str) -> FileResponse:
    """A download of a stored file: safe images inline, anything else as an attachment."""
    inline = content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=filename,
                            content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser renders it, the file gets no scripts, no forms and no same-origin rights.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
