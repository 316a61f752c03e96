"""Fault: the attachment disk fills up. Uploading goes on until the disk is full; the upload that
does not fit gets a clear error, and nothing is half-written — every attachment row points at a
complete file, and no file (partial or whole) lies on disk without its row.

    sudo .venv/bin/python -m bench.fault_disk_full [--size-kb 2048] [--file-kb 300] [--pg URL] [--keep]

Needs root for the one thing it mounts: a ``--size-kb`` tmpfs as ``MEDIA_ROOT`` (a real ENOSPC from
a real file system). On its own, freshly migrated PostgreSQL database, an agent (fictional) replies on
a ticket through the real view (Django's test client: forms, CSRF-exempt test requests, the
``tickets:reply`` view and ``tickets.actions``), each reply with two ``--file-kb`` files, until a
reply is refused; then one reply without a file must still work. The tmpfs is unmounted and the
database dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import procs

ERROR = "The attachments could not be stored"


def run(server_url: str, database: str, *, size_kb: int, file_kb: int, keep: bool) -> dict[str, bool]:
    media = Path(tempfile.mkdtemp(prefix="aftersales-media-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(media)],  # noqa: S603,S607
                   check=True)
    try:
        url = procs.recreate_database(server_url, database)
        env = procs.environment(url)
        print(f"tmpfs of {size_kb} KB at {media}; migrating a fresh database …", flush=True)
        procs.run_aftersales(["migrate", "--no-input", "-v0"], env)
        os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="aftersales.settings", MEDIA_ROOT=str(media))
        import django

        django.setup()
        from django.conf import settings
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client
        from django.urls import reverse

        from aftersales.testing.factories import make_customer, make_ticket, make_user
        from aftersales.tickets.models import Attachment

        settings.ALLOWED_HOSTS = ["testserver"]
        agent = make_user("fault.disk.agent", role="agent", display_name="Di Ke (fictional)")
        ticket = make_ticket("Sender ID rejected in Thailand", customer=make_customer("faultdisk", "Full Disk Trading"))
        client = Client()
        client.force_login(agent)
        reply = reverse("tickets:reply", args=[ticket.ref])
        accepted = refused = 0
        refusal = ""
        for n in range(1, 200):
            files = [SimpleUploadedFile(f"scan-{n}-{part}.pdf", bytes([n % 256]) * (file_kb * 1024),
                                        content_type="application/pdf") for part in (1, 2)]
            response = client.post(reply, {"kind": "note", "body": f"Scans, batch {n}", "attachments": files})
            if response.status_code == 302:
                accepted += 1
                continue
            refused += 1
            refusal = response.content.decode()
            print(f"reply {n} refused with {response.status_code} after {accepted} accepted", flush=True)
            break
        after = client.post(reply, {"kind": "note", "body": "The scans are too big; sent by post."})

        rows = list(Attachment.objects.all())
        whole = all(Path(a.file.path).is_file() and Path(a.file.path).stat().st_size == a.size == file_kb * 1024
                    for a in rows)
        on_disk = {str(path) for path in media.rglob("*") if path.is_file()}
        referenced = {a.file.path for a in rows}
        messages = ticket.messages.count()
        print(f"{accepted} replies with {len(rows)} files stored; {len(on_disk)} files on disk; "
              f"{shutil.disk_usage(media).free // 1024} KB free")
        return {
            "the disk filled up: a reply was refused": refused == 1 and accepted > 0,
            "the refusal is a 400 with the clear error": ERROR in refusal and "full or unavailable" in refusal,
            "every attachment row points at a complete file": whole and len(rows) == 2 * accepted,
            "no file on disk without its row (no partial, no orphan)": on_disk == referenced,
            "the refused reply left no message": messages == accepted + (1 if after.status_code == 302 else 0),
            "a reply without a file still works": after.status_code == 302,
        }
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["umount", str(media)], check=False)  # noqa: S603,S607
        media.rmdir()
        if not keep:
            procs.drop_database(server_url, database)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-kb", type=int, default=2048)
    parser.add_argument("--file-kb", type=int, default=300)
    parser.add_argument("--pg", default=procs.DEFAULT_PG)
    parser.add_argument("--database", default="aftersales_fault_disk")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("fault_disk_full needs root to mount a tmpfs (the unit test tickets/tests/test_attachments_disk_full.py "
              "simulates ENOSPC without it)")
        print("FAIL")
        return 2
    print("fault_disk_full: fill the attachment disk")
    return 0 if procs.verdict(run(args.pg, args.database, size_kb=args.size_kb, file_kb=args.file_kb,
                                  keep=args.keep)) else 1


if __name__ == "__main__":
    sys.exit(main())
