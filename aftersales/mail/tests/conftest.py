"""Fixtures for the mail tests. ``dovecot``: a real IMAP server on loopback (one per test
session and xdist worker); ``imap_account``: a fresh user on it for one test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from aftersales.mail.tests.dovecot import DovecotServer, available

_accounts = itertools.count(1)
POOL = 200


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    reason = available()
    if reason:
        pytest.skip(reason)
    # dovecot re-reads a changed passwd-file at most once a second, so every account a session
    # may use is written up front; each test takes the next unused one.
    users = {f"desk{n}.{os.getpid()}@example.test": f"secret-imap-pw-{n}" for n in range(1, POOL + 1)}
    with DovecotServer.start(users=users) as server:
        yield server


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> str:
    """A fresh, empty mailbox user; returns its login (the password is in ``dovecot.users``)."""
    n = next(_accounts)
    if n > POOL:
        raise RuntimeError(f"more than {POOL} IMAP accounts used in one session: raise POOL")
    return f"desk{n}.{os.getpid()}@example.test"
