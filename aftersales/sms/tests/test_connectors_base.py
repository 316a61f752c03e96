"""Retries with backoff, Retry-After and typed errors; the connector registry."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from aftersales.sms.connectors.base import (
    VendorAuthError,
    VendorBadResponse,
    VendorError,
    VendorForbidden,
    VendorRateLimited,
    VendorUnavailable,
    decimal_or_none,
    mask_key,
    parse_retry_after,
    with_retries,
)
from aftersales.sms.connectors.registry import get_connector
from aftersales.sms.connectors.simulator import SimulatorConnector
from aftersales.sms.connectors.vonage import VonageConnector


def failing(errors: list[VendorError], result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """A call that raises ``errors`` one by one, then returns ``result``; counts its calls."""
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return call, calls


def test_retryable_errors_are_retried_until_success() -> None:
    call, calls = failing([VendorUnavailable(status=503), VendorRateLimited(), VendorUnavailable(detail="timeout")])
    sleeps: list[float] = []
    assert with_retries(call, attempts=4, backoff=1, sleep=sleeps.append) == "ok"
    assert len(calls) == 4 and len(sleeps) == 3


@pytest.mark.parametrize("error", [VendorAuthError(status=401), VendorForbidden(status=403), VendorBadResponse()])
def test_auth_forbidden_and_unreadable_answers_are_not_retried(error: VendorError) -> None:
    call, calls = failing([error])
    sleeps: list[float] = []
    with pytest.raises(type(error)):
        with_retries(call, attempts=5, sleep=sleeps.append)
    assert len(calls) == 1 and sleeps == []


def test_the_last_error_is_raised_when_attempts_run_out() -> None:
    call, calls = failing([VendorUnavailable(status=500) for _ in range(5)])
    sleeps: list[float] = []
    with pytest.raises(VendorUnavailable):
        with_retries(call, 3, 0.01, sleep=sleeps.append)
    assert len(calls) == 3 and len(sleeps) == 2


def test_other_exceptions_are_not_swallowed() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("a bug, not the vendor")

    with pytest.raises(RuntimeError):
        with_retries(broken, attempts=3, sleep=lambda s: None)
    assert len(calls) == 1


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    call, _calls = failing([VendorUnavailable() for _ in range(6)])
    sleeps: list[float] = []
    with_retries(call, attempts=7, backoff=1, max_wait=8, sleep=sleeps.append, rng=random.Random(3))  # noqa: S311
    steps = [1, 2, 4, 8, 8, 8]
    for wait, step in zip(sleeps, steps, strict=True):
        assert step / 2 <= wait <= step
    assert len(set(sleeps)) == len(sleeps)  # jitter: no two pauses alike


def test_retry_after_is_honoured() -> None:
    call, _calls = failing([VendorRateLimited(retry_after=5)])
    sleeps: list[float] = []
    with_retries(call, attempts=2, backoff=0.1, sleep=sleeps.append)
    assert sleeps == [5]


def test_a_retry_after_beyond_the_cap_is_raised_at_once() -> None:
    call, calls = failing([VendorRateLimited(retry_after=120)])
    with pytest.raises(VendorRateLimited):
        with_retries(call, attempts=3, max_wait=30, sleep=lambda s: pytest.fail("slept"))
    assert len(calls) == 1


def test_parse_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_error_codes_and_messages() -> None:
    assert [e.code for e in (VendorAuthError(), VendorForbidden(), VendorRateLimited(), VendorUnavailable())] == [
        "auth",
        "forbidden",
        "rate_limited",
        "unavailable",
    ]
    error = VendorUnavailable(status=502, detail="HTTP 502 from /account/get-balance")
    assert "could not be reached" in str(error)
    assert "HTTP 502" in str(error)


def test_an_error_detail_is_redacted() -> None:
    assert "hunter22" not in VendorBadResponse(detail="api_secret=hunter22").detail


def test_small_helpers() -> None:
    assert mask_key("a1b2c3d4") == "a1b2…"
    assert mask_key("") == "-"
    assert decimal_or_none(29.18202293) == Decimal("29.18202293")
    assert decimal_or_none(None) is None


def test_registry_builds_connectors_by_name() -> None:
    with get_connector("simulator", seed=1) as simulated:
        assert isinstance(simulated, SimulatorConnector)
    vonage = get_connector("vonage", api_key="a1b2c3d4", api_secret="Zq8xW3vT6pLm2Rk9")
    assert isinstance(vonage, VonageConnector)
    assert "Zq8x" not in repr(vonage)
    # The same credentials can be handed to either kind; a typo is still an error.
    assert isinstance(get_connector("simulator", api_key="a1b2c3d4", api_secret="x", timeout=5), SimulatorConnector)
    with pytest.raises(TypeError):
        get_connector("simulator", api_sercet="x")
    with pytest.raises(ValueError, match="unknown vendor connector"):
        get_connector("carrier-pigeon")
