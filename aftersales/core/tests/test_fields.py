from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from aftersales.core import fields


def test_roundtrip_and_ciphertext_differs(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = fields.encrypt("vonage-secret-9f8e")
    assert "vonage-secret" not in token
    assert fields.decrypt(token) == "vonage-secret-9f8e"


def test_rotation_old_key_still_decrypts_and_rotate_uses_new(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = fields.encrypt("mailbox-password")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert fields.decrypt(token) == "mailbox-password"
    rotated = fields.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert fields.decrypt(rotated) == "mailbox-password"
    with pytest.raises(Exception, match="cannot be decrypted"):
        fields.decrypt(token)


def test_bad_key_is_a_clear_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    # Non-Fernet strings are stretched into a key, so even a passphrase works...
    assert fields.decrypt(fields.encrypt("x")) == "x"


@pytest.mark.django_db
def test_field_stores_ciphertext_in_the_database(settings):
    from django.db import models

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    field = fields.EncryptedTextField()
    stored = field.get_prep_value("api-secret-123")
    assert stored != "api-secret-123"
    assert field.from_db_value(stored, None, connection) == "api-secret-123"
    assert field.get_prep_value("") == "" and field.from_db_value(None, None, connection) is None
    assert isinstance(field, models.TextField)
