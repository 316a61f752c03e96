"""``aftersales knowledge-seed [--dir PATH]``: add the standard articles and reply templates shipped
with this version that are not in the database yet (never changes existing ones).

A new installation gets them from the data migration; run this after an upgrade that ships new
ones. Prints what it created and what it left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.knowledge.seeding import SEED_DIR, SeedError, load


class Command(BaseCommand):
    help = "Add the shipped standard articles and reply templates that do not exist yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=SEED_DIR, help="seed folder (default: the shipped one)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        try:
            result = load(directory)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        write = self.stdout.write
        write(f"articles: {len(result.articles_created)} created, {len(result.articles_skipped)} already there")
        for slug in result.articles_created:
            write(f"  + {slug}")
        write(f"reply templates: {len(result.macros_created)} created, {len(result.macros_skipped)} already there")
        for key in result.macros_created:
            write(f"  + {key}")
        if result.unknown_categories:
            self.stderr.write("unknown category codes (left empty): " + ", ".join(sorted(result.unknown_categories)))
        if not result.indexed:
            self.stderr.write("some articles could not be indexed; run `aftersales reindex`")
