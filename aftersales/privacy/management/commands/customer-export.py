"""``aftersales customer-export CODE --output FILE.zip``: a customer's data, on request."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.privacy.exporting import PrivacyError, export_customer


class Command(BaseCommand):
    help = ("Export a customer's data (with its sub-accounts): contacts, tickets with messages, check-ins "
            "and ratings, as customer.json plus attachments in a zip. Audited.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The customer's short code.")
        parser.add_argument("--output", required=True, help="The zip file to write (must not exist).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = export_customer(options["code"], options["output"])
        except PrivacyError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(f"Wrote {options['output']}: {summary}.")
