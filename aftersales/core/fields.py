"""An encrypted text field for secrets at rest (vendor keys, mailbox passwords, webhook secrets).

Values are encrypted with ``MultiFernet``: the first key in ``settings.FIELD_ENCRYPTION_KEYS``
encrypts, every key decrypts, so keys rotate by prepending a new one and re-saving rows
(``aftersales rotate-keys``). Without configured keys a per-install key file under ``var/``
is used, so the embedded default works out of the box. We keep this small field rather than
a package so rotation and the key file are ours to test.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from aftersales.core.env import local_secret


def _keys() -> list[str]:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        keys = [local_secret(settings.VAR_DIR / "field_encryption_key")]
    return keys


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for key in keys:
        try:
            fernets.append(Fernet(_normalise_key(key)))
        except ValueError as exc:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc
    return MultiFernet(fernets)


def _normalise_key(key: str) -> bytes:
    """Accept a Fernet key, or derive one from any other string (e.g. the local secret)."""
    raw = key.encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (ValueError, TypeError):
        pass
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def fernet() -> MultiFernet:
    return _fernet_for(tuple(_keys()))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value cannot be decrypted with FIELD_ENCRYPTION_KEYS; was a key removed?"
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the newest key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):
    """A text column that holds ciphertext; Python code only ever sees plaintext."""

    description = "Text encrypted at rest with Fernet"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
