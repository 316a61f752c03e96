"""``aftersales reindex [--kind K ...]``: rebuild the search documents from the registered sources.

The index is kept current by the actions, so this is for a new search source, a changed
tokenizer, or a restore. Each kind is rebuilt in batches (one transaction and one
``executemany`` per batch); while it runs the old documents stay searchable, and at the end
documents whose record is gone are removed.
"""

from __future__ import annotations

import itertools
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from aftersales.core import clock
from aftersales.core.models import SearchDoc
from aftersales.core.search import index, registry


class Command(BaseCommand):
    help = "Rebuild the search index from the registered search sources (all kinds, or --kind)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--kind", action="append", default=[], help="Only this kind (repeatable).")
        parser.add_argument("--batch-size", type=int, default=1000, help="Documents per transaction.")

    def handle(self, *args: Any, kind: list[str], batch_size: int, **options: Any) -> None:
        sources = registry.sources()
        unknown = [k for k in kind if k not in sources]
        if unknown:
            known = ", ".join(sources) or "none"
            raise CommandError(f"Unknown search kind: {', '.join(unknown)} (registered: {known})")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        kinds = kind or list(sources)
        started = time.monotonic()
        written = 0
        for name in kinds:
            written += self.rebuild(sources[name], batch_size)
        if connection.vendor == "sqlite":
            # Merge the FTS5 segments the batches left behind: fewer b-trees to read per query.
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO core_searchdoc_fts(core_searchdoc_fts) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE core_searchdoc")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Reindexed {written:,} documents ({', '.join(kinds)}) in {elapsed:.1f} s "
            f"({written / max(elapsed, 1e-9):,.0f} documents/s)."
        )

    def rebuild(self, source: registry.SearchSource, batch_size: int) -> int:
        total = source.count()
        since = clock.now()
        fresh = not SearchDoc.objects.filter(kind=source.kind).exists()
        progress = Progress(self.stderr, f"{source.kind}", total)
        done = 0
        docs = source.reindex()
        while True:
            batch = list(itertools.islice(docs, batch_size))
            if not batch:
                break
            done += index.put_many(batch, replace=not fresh)
            progress.update(done)
        gone = 0
        if not fresh:
            gone, _ = SearchDoc.objects.filter(kind=source.kind, updated_at__lt=since).delete()
        progress.finish(done, gone)
        return done


class Progress:
    """A progress bar on a terminal (redrawn in place), a line every 10 % otherwise."""

    def __init__(self, out: Any, label: str, total: int) -> None:
        self.out, self.label, self.total = out, label, total
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.next_line = 0.1

    def line(self, done: int) -> str:
        elapsed = time.monotonic() - self.started
        rate = done / max(elapsed, 1e-9)
        share = done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        left = (self.total - done) / rate if rate and self.total > done else 0
        return (
            f"{self.label:<10} [{bar:<30}] {done:>10,}/{self.total:,} {share:6.1%}  {rate:,.0f}/s"
            f"  {elapsed:,.0f} s, about {left:,.0f} s left"
        )

    def update(self, done: int) -> None:
        if self.tty:
            self.out.write("\r" + self.line(done), ending="")
            self.out.flush()
        elif self.total and done / self.total >= self.next_line:
            self.out.write(self.line(done))
            while self.next_line <= done / self.total:
                self.next_line += 0.1

    def finish(self, done: int, gone: int) -> None:
        if self.tty:
            self.out.write("\r" + self.line(done))
        else:
            self.out.write(self.line(done))
        if gone:
            self.out.write(f"{self.label}: removed {gone:,} documents whose record is gone")
