"""``aftersales retention``: run the retention purge now and print what it removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aftersales.privacy import retention


class Command(BaseCommand):
    help = "Purge raw inputs and message bodies older than their RETENTION_* windows (also runs daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--telemetry", action="store_true",
                            help="Also run monitoring's purges of raw telemetry and probe results now.")

    def handle(self, *args: Any, **options: Any) -> None:
        windows = retention.windows()
        for name, days in windows.items():
            self.stdout.write(f"{name}: " + (f"older than {days} days" if days else "kept (window 0)"))
        result = retention.run(include_telemetry=options["telemetry"])
        self.stdout.write(
            f"Purged: {result.raw_emails} raw emails, {result.raw_chats} raw chat requests, "
            f"{result.outbound_emails} sent-mail copies, {result.message_bodies} message bodies."
        )
        for name, count in result.telemetry.items():
            self.stdout.write(f"Purged telemetry: {count} {name.replace('_', ' ')}.")
