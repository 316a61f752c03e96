from __future__ import annotations

import logging

import pytest

from aftersales.core.logging import RedactingFilter, redact


@pytest.mark.parametrize(
    ("raw", "secret"),
    [
        ("call +8613800138000 now", "13800138000"),
        ("from zhou.min@starriver.example", "zhou.min@starriver.example"),
        ("Authorization: Bearer as_abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnop"),
        ("api_key=a1b2c3d4e5 api_secret=s3cr3tValue", "s3cr3tValue"),
        ('password: "hunter22"', "hunter22"),
        ("token as_Zx9yW8vU7tS6rQ5pO4nM3", "Zx9yW8vU7tS6rQ5pO4nM3"),
    ],
)
def test_redact_masks_personal_data_and_secrets(raw, secret):
    assert secret not in redact(raw)


def test_redact_keeps_ordinary_text_and_ticket_refs():
    text = "AS-000123 status changed to resolved after 42 minutes"
    assert redact(text) == text


def test_filter_masks_interpolated_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sms to %s failed", ("+447700900123",), None)
    RedactingFilter().filter(record)
    assert "447700900123" not in record.getMessage()
    assert record.getMessage().endswith("23 failed")
