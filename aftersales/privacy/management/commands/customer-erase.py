"""``aftersales customer-erase CODE [--yes]``: erase a customer's personal data, on request."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.privacy.erasing import erase, plan
from aftersales.privacy.exporting import PrivacyError


class Command(BaseCommand):
    help = ("Erase (anonymise) the personal data of a customer and its sub-accounts. Without --yes it only "
            "shows what would change. The audit entry of the erasure is kept.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The customer's short code.")
        parser.add_argument("--yes", action="store_true", help="Really erase (it cannot be undone).")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["code"]
        try:
            customer, counts = plan(code)
        except PrivacyError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in asdict(counts).items())
        if not options["yes"]:
            self.stdout.write(f"Would erase the personal data of {customer.code} ({customer.name}): {summary}.")
            raise CommandError("Nothing was changed: run again with --yes to erase (it cannot be undone).")
        erase(code)
        self.stdout.write(f"Erased the personal data of {customer.code}: {summary}. The audit entry is kept.")
