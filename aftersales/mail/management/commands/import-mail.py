"""``aftersales import-mail PATH... [--mailbox NAME] [--json]``: old mail in through the live path.

Takes .eml files, folders of them (searched recursively) and mbox files (a mailbox export when
a team moves in); each message goes through ``mail.inbound.receive(raw, source="upload")``,
exactly as live mail does: stored first, then threaded, matched, or set aside. The counts add up:
``messages = tickets_created + threaded + ignored + quarantined``.
"""

from __future__ import annotations

import json
import mailbox as mboxlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.mail.inbound import receive
from aftersales.mail.models import InboundSource, InboundState, Mailbox


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() in {".mbox", ".mbx"}:
        return True
    if path.suffix.lower() == ".eml":
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def messages_in(paths: list[Path]) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) for every message under ``paths``, in a stable order."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in {".eml", ".mbox", ".mbx"})
            yield from messages_in(files)
        elif _is_mbox(path):
            box = mboxlib.mbox(str(path), create=False)
            try:
                for index, key in enumerate(box.keys()):
                    yield f"{path}#{index + 1}", box.get_bytes(key)
            finally:
                box.close()
        else:
            yield str(path), path.read_bytes()


class Command(BaseCommand):
    help = "Import .eml files, folders of them and mbox files through the same path as live mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--mailbox", help="Name of the mailbox the mail belongs to (its customer and team).")
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        box = None
        if options["mailbox"]:
            box = Mailbox.objects.filter(name=options["mailbox"]).first()
            if box is None:
                raise CommandError(f"No mailbox named {options['mailbox']!r}.")
        counts = {"messages": 0, "tickets_created": 0, "threaded": 0, "ignored": 0, "quarantined": 0}
        for where, raw in messages_in(paths):
            inbound = receive(raw, source=InboundSource.UPLOAD, mailbox=box)
            counts["messages"] += 1
            if inbound.state == InboundState.PROCESSED:
                counts["threaded" if inbound.threaded else "tickets_created"] += 1
            elif inbound.state == InboundState.IGNORED:
                counts["ignored"] += 1
            else:
                counts["quarantined"] += 1
                if not options["json"]:
                    self.stderr.write(f"{where}: kept as failed (#{inbound.pk}): {inbound.reason}")
        if options["json"]:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(
                "{messages} messages: {tickets_created} new tickets, {threaded} threaded onto tickets, "
                "{ignored} ignored (auto-replies, bounces, lists, duplicates), {quarantined} kept as failed".format(
                    **counts
                )
            )
