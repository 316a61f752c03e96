"""The Vonage connector, through the real ``vonage`` SDK, against the fake Vonage HTTPS server."""

from __future__ import annotations

import base64
import logging
import pathlib
from collections.abc import Iterator
from decimal import Decimal

import pytest
import trustme

from aftersales.sms.connectors.base import (
    RetryPolicy,
    VendorAuthError,
    VendorBadResponse,
    VendorError,
    VendorForbidden,
    VendorRateLimited,
    VendorUnavailable,
)
from aftersales.sms.connectors.vonage import VonageConnector
from aftersales.sms.tests.fakevonage import FakeSubaccount, FakeVonage, uk_numbers

KEY = "a1b2c3d4"
SECRET = "Zq8xW3vT6pLm2Rk9"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVonage]:
    with FakeVonage() as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        fake.add_account(
            KEY,
            SECRET,
            name="Lumen Retail",
            balance="29.18202293",
            subaccounts=[
                FakeSubaccount("a1b2sub01", "Lumen Retail – marketing"),  # shares the master's balance
                FakeSubaccount("a1b2sub02", "Lumen Retail – OTP", balance=Decimal("12.5"), credit_limit=Decimal("0")),
                FakeSubaccount("a1b2sub03", "Lumen Retail – old brand", balance=Decimal("0.75"), suspended=True),
            ],
            numbers=uk_numbers(2),
        )
        yield fake


def connect(
    server: FakeVonage, *, secret: str = SECRET, attempts: int = 3, timeout: int = 5, sleeps: list[float] | None = None
) -> VonageConnector:
    waits = sleeps if sleeps is not None else []
    return VonageConnector(
        api_key=KEY,
        api_secret=secret,
        api_host=server.host,
        rest_host=server.host,
        timeout=timeout,
        retry_policy=RetryPolicy(attempts=attempts, backoff=0.01, sleep=waits.append),
    )


def test_balance_is_read_exactly_with_auto_reload(server: FakeVonage) -> None:
    balance = connect(server).balance()
    assert balance.value == Decimal("29.18202293")
    assert balance.currency == "EUR"
    assert balance.auto_reload is False
    assert [(r.method, r.api_key) for r in server.requests_to("/account/get-balance")] == [("GET", KEY)]


def test_subaccounts_sharing_the_master_balance_have_none(server: FakeVonage) -> None:
    subs = {s.api_key: s for s in connect(server).subaccounts()}
    shared, own, suspended = subs["a1b2sub01"], subs["a1b2sub02"], subs["a1b2sub03"]
    assert shared.balance is None and shared.credit_limit is None
    assert shared.use_primary_account_balance and shared.shares_primary_balance
    assert own.balance == Decimal("12.5") and own.credit_limit == Decimal("0")
    assert not own.use_primary_account_balance and not own.shares_primary_balance
    assert suspended.suspended and not own.suspended
    assert shared.primary_account_api_key == KEY
    assert shared.created_at is not None and shared.created_at.year == 2026
    assert server.requests_to(f"/accounts/{KEY}/subaccounts")


def test_subaccounts_api_not_enabled_is_forbidden_without_retry(server: FakeVonage) -> None:
    server.accounts[KEY].subaccounts_enabled = False
    with pytest.raises(VendorForbidden) as caught:
        connect(server).subaccounts()
    assert caught.value.status == 403
    assert len(server.requests_to(f"/accounts/{KEY}/subaccounts")) == 1


def test_numbers_are_read_page_by_page(server: FakeVonage) -> None:
    server.accounts[KEY].numbers = uk_numbers(150)
    numbers = connect(server).numbers()
    assert len(numbers) == 150
    assert len({n.msisdn for n in numbers}) == 150
    first = numbers[0]
    assert (first.country, first.msisdn, first.type, first.kind) == ("GB", "447700900000", "mobile-lvn", "long")
    assert first.features == ("VOICE", "SMS")
    assert first.inbound_webhook_url == "https://hooks.example.test/inbound"
    assert len(server.requests_to("/account/numbers")) == 2


def test_an_account_without_numbers_has_none(server: FakeVonage) -> None:
    server.accounts[KEY].numbers = []
    assert connect(server).numbers() == []


def test_missing_credentials_are_an_auth_error_before_any_request(server: FakeVonage) -> None:
    with pytest.raises(VendorAuthError, match="no API key or secret"):
        connect(server, secret="")
    assert server.requests == []


def test_the_fake_server_also_takes_key_and_secret_as_parameters(server: FakeVonage) -> None:
    import requests

    answer = requests.get(
        f"https://{server.host}/account/get-balance", params={"api_key": KEY, "api_secret": SECRET}, timeout=5
    )
    assert answer.json() == {"value": 29.18202293, "autoReload": False}
    wrong = requests.get(
        f"https://{server.host}/account/get-balance", params={"api_key": KEY, "api_secret": "nope"}, timeout=5
    )
    assert wrong.status_code == 401


def test_a_wrong_secret_is_an_auth_error_and_not_retried(server: FakeVonage) -> None:
    with pytest.raises(VendorAuthError) as caught:
        connect(server, secret="not-the-secret").balance()
    assert caught.value.status == 401
    assert caught.value.code == "auth"
    assert len(server.requests_to("/account/get-balance")) == 1


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (401, VendorAuthError, "auth"),
        (403, VendorForbidden, "forbidden"),
        (404, VendorBadResponse, "bad_response"),
    ],
)
def test_client_errors_map_to_typed_errors_without_retry(
    server: FakeVonage, status: int, error: type[VendorError], code: str
) -> None:
    server.fail(status, times=5)
    sleeps: list[float] = []
    with pytest.raises(error) as caught:
        connect(server, sleeps=sleeps).balance()
    assert caught.value.status == status and caught.value.code == code
    assert "/account/get-balance" in caught.value.detail
    assert len(server.requests_to("/account/get-balance")) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_then_reported_unavailable(server: FakeVonage, status: int) -> None:
    server.fail(status, times=5)
    sleeps: list[float] = []
    with pytest.raises(VendorUnavailable) as caught:
        connect(server, attempts=3, sleeps=sleeps).balance()
    assert caught.value.status == status
    assert len(server.requests_to("/account/get-balance")) == 3
    assert len(sleeps) == 2


def test_server_errors_then_success_returns_the_balance(server: FakeVonage) -> None:
    server.fail(500, times=2)
    sleeps: list[float] = []
    assert connect(server, attempts=3, sleeps=sleeps).balance().value == Decimal("29.18202293")
    assert len(server.requests_to("/account/get-balance")) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.99  # backoff does not shrink


def test_rate_limit_honours_retry_after_then_succeeds(server: FakeVonage) -> None:
    server.fail(429, times=2, retry_after=2)
    sleeps: list[float] = []
    subs = connect(server, attempts=3, sleeps=sleeps).subaccounts()
    assert len(subs) == 3
    assert sleeps == [2.0, 2.0]
    assert len(server.requests_to(f"/accounts/{KEY}/subaccounts")) == 3


def test_rate_limit_that_outlasts_the_retries_says_when_to_come_back(server: FakeVonage) -> None:
    server.fail(429, times=5, retry_after=1)
    with pytest.raises(VendorRateLimited) as caught:
        connect(server, attempts=2).balance()
    assert caught.value.retry_after == 1.0
    assert caught.value.status == 429


def test_a_long_retry_after_is_not_slept_through(server: FakeVonage) -> None:
    server.fail(429, times=1, retry_after=3600)
    sleeps: list[float] = []
    with pytest.raises(VendorRateLimited) as caught:
        connect(server, attempts=3, sleeps=sleeps).balance()
    assert caught.value.retry_after == 3600.0
    assert sleeps == []
    assert len(server.requests_to("/account/get-balance")) == 1


def test_a_slow_answer_times_out_as_unavailable(server: FakeVonage) -> None:
    server.slow(3)
    with pytest.raises(VendorUnavailable) as caught:
        connect(server, attempts=1, timeout=1).balance()
    assert "timeout" in caught.value.detail.lower()
    assert caught.value.status is None


def test_a_timeout_is_retried(server: FakeVonage) -> None:
    server.slow(3, times=1)
    assert connect(server, attempts=2, timeout=1).balance().value == Decimal("29.18202293")


def test_nobody_listening_is_unavailable(server: FakeVonage) -> None:
    port = int(server.host.rsplit(":", 1)[1])
    server.stop()
    connector = VonageConnector(
        api_key=KEY,
        api_secret=SECRET,
        api_host=f"127.0.0.1:{port}",
        rest_host=f"127.0.0.1:{port}",
        timeout=2,
        retry_policy=RetryPolicy(attempts=2, backoff=0.01, sleep=lambda s: None),
    )
    with pytest.raises(VendorUnavailable, match="connection failed"):
        connector.balance()


def test_an_untrusted_certificate_is_refused(
    server: FakeVonage, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))  # a valid bundle that does not vouch for the server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    with pytest.raises(VendorUnavailable):
        connect(server, attempts=1).balance()


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b'{"unexpected": true}'])
def test_an_unreadable_answer_is_a_bad_response(server: FakeVonage, body: bytes) -> None:
    server.fail(200, body=body)
    with pytest.raises(VendorBadResponse):
        connect(server).balance()


def test_secrets_never_reach_the_logs_or_the_errors(server: FakeVonage, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="vonage")
    caplog.set_level(logging.DEBUG, logger="aftersales.sms.connectors.base")
    connector = connect(server, attempts=2)
    connector.balance()
    connector.subaccounts()
    connector.numbers()
    server.fail(500, times=1)
    connector.balance()
    errors: list[VendorError] = []
    for status in (401, 403, 429, 503):
        server.fail(status, times=2, retry_after=0 if status == 429 else None)
        with pytest.raises(VendorError) as caught:
            connector.balance()
        errors.append(caught.value)
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    # The SDK did log its requests (headers included) and the retries were logged: the check can fail.
    assert any(r.name == "vonage" and "Authorization" in r.getMessage() for r in caplog.records)
    assert any(r.name == "aftersales.sms.connectors.base" for r in caplog.records)
    for text in [caplog.text, repr(connector), *(f"{e!s} {e!r} {e.message} {e.detail}" for e in errors)]:
        assert SECRET not in text
        assert basic not in text


def test_errors_carry_a_translated_message_for_the_account_page(server: FakeVonage) -> None:
    from django.utils import translation

    server.fail(401)
    with pytest.raises(VendorAuthError) as caught:
        connect(server).balance()
    with translation.override("en"):
        assert "API key or secret" in str(caught.value.message)
