"""Fixtures for the mail tests. ``dovecot``: a real IMAP server on loopback (one per test
session and xdist worker); ``imap_account``: a fresh user on it for one test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from aftersales.mail.tests.dovecot import DovecotServer, available

_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    reason = available()
    if reason:
        pytest.skip(reason)
    with DovecotServer.start(users={}) as server:
        yield server


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> str:
    """A new, empty mailbox user; returns its login (the password is in ``dovecot.users``)."""
    user = f"desk{next(_accounts)}.{os.getpid()}@example.test"
    dovecot.add_user(user, "secret-imap-pw")
    return user
