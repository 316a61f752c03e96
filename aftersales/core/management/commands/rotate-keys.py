"""``aftersales rotate-keys``: re-encrypt every secret at rest with the newest key.

Rotation: generate a key (``aftersales rotate-keys --new-key``), put it first in
``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it), restart, run ``aftersales rotate-keys``,
then drop the old keys. Each model with an ``EncryptedTextField`` is re-encrypted in its own
transaction; a value no configured key can decrypt stops the command with the model, row and
field named and leaves that model untouched. Values already under the newest key are left as
they are, so running it twice changes nothing the second time.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from aftersales.core import fields


def encrypted_fields() -> list[tuple[Any, list[Any]]]:
    """Every concrete model with its EncryptedTextFields (proxies and unmanaged models left out)."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        cols = [f for f in meta.concrete_fields if isinstance(f, fields.EncryptedTextField)]
        if cols:
            found.append((model, cols))
    return found


def _newest() -> Fernet:
    return Fernet(fields._normalise_key(fields._keys()[0]))


def rotate_model(model: Any, cols: list[Any], *, dry_run: bool = False) -> tuple[int, int]:
    """Re-encrypt ``cols`` of every row of ``model``; return (values seen, values re-encrypted)."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    names = [qn(f.column) for f in cols]
    newest = _newest()
    seen = changed = 0
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {', '.join(names)} FROM {table} ORDER BY {pk}{lock}")  # noqa: S608
            rows = cursor.fetchall()
        updates: list[tuple[Any, str, str]] = []
        for row in rows:
            for field, name, token in zip(cols, names, row[1:], strict=True):
                if not token:
                    continue
                seen += 1
                try:
                    newest.decrypt(token.encode("ascii"))
                    continue  # already under the newest key
                except (InvalidToken, ValueError):
                    pass
                try:
                    rotated = fields.rotate(token)
                except (InvalidToken, ValueError) as exc:
                    raise CommandError(
                        f"{model._meta.label} #{row[0]} {field.name}: no key in FIELD_ENCRYPTION_KEYS decrypts it; "
                        "nothing in this model was changed"
                    ) from exc
                updates.append((row[0], name, rotated))
        changed = len(updates)
        if not dry_run:
            with connection.cursor() as cursor:
                for pk_value, name, rotated in updates:
                    cursor.execute(f"UPDATE {table} SET {name} = %s WHERE {pk} = %s", [rotated, pk_value])  # noqa: S608
    return seen, changed


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest key in FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        parser.add_argument("--new-key", action="store_true", help="Print a fresh Fernet key and exit.")

    def handle(self, *args: Any, dry_run: bool, new_key: bool, **options: Any) -> None:
        if new_key:
            self.stdout.write(Fernet.generate_key().decode("ascii"))
            return
        total_seen = total_changed = 0
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        for model, cols in encrypted_fields():
            seen, changed = rotate_model(model, cols, dry_run=dry_run)
            total_seen += seen
            total_changed += changed
            self.stdout.write(f"{model._meta.label}: {seen} values, {changed} {verb}")
        self.stdout.write(f"total: {total_seen} values, {total_changed} {verb}")
