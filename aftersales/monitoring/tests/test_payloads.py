"""Reading webhook payloads and Vonage signatures (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vonage import Auth

from aftersales.monitoring import payloads
from aftersales.monitoring.countries import country_for

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_", min_size=1, max_size=12).filter(lambda n: n != "sig")
values = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@given(st.dictionaries(names, values, min_size=1, max_size=8), st.sampled_from(["md5", "sha1", "sha256", "sha512"]))
def test_hmac_signatures_match_the_vonage_sdk(params: dict[str, str], method: str) -> None:
    params = {**params, "timestamp": "1795599000"}
    secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-0123"
    sdk = Auth(api_key="k", signature_secret=secret, signature_method=method)  # type: ignore[arg-type]
    assert payloads.vonage_signature(params, secret, method) == sdk.sign_params(dict(params))


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-25 09:10:29", dt.datetime(2026, 11, 25, 9, 10, 29, tzinfo=dt.UTC)),
    ("2026-11-25T17:10:29+08:00", dt.datetime(2026, 11, 25, 9, 10, 29, tzinfo=dt.UTC)),
    ("2026-11-25T09:10:29.500Z", dt.datetime(2026, 11, 25, 9, 10, 29, 500000, tzinfo=dt.UTC)),
    ("1795597829", dt.datetime(2026, 11, 25, 9, 10, 29, tzinfo=dt.UTC)),
    (1795597829000, dt.datetime(2026, 11, 25, 9, 10, 29, tzinfo=dt.UTC)),
])
def test_times_in_every_shape(text: object, expected: dt.datetime) -> None:
    assert payloads.parse_time(text) == expected


def test_unreadable_times_say_why() -> None:
    with pytest.raises(payloads.Malformed, match="“scts” is not YYMMDDHHMM"):
        payloads.vonage_dlr({"messageId": "m", "status": "delivered", "scts": "yesterday"}, received_at=NOW)
    with pytest.raises(payloads.Malformed, match="“timestamp” is empty"):
        payloads.parse_time("")


def test_a_receipt_without_times_is_dated_on_arrival() -> None:
    event = payloads.vonage_dlr({"messageId": "m", "status": "UNDELIVERED", "err-code": "6"}, received_at=NOW)
    assert (event.at, event.status, event.err_code) == (NOW, "failed", 6)


def test_an_scts_far_from_the_vonage_timestamp_wins() -> None:
    event = payloads.vonage_dlr({"messageId": "m", "status": "delivered", "scts": "2611250910",
                                 "message-timestamp": "2026-11-25 09:20:00"}, received_at=NOW)
    assert event.at == dt.datetime(2026, 11, 25, 9, 10, tzinfo=dt.UTC)


def test_feed_lines_accept_vonage_and_snake_case_names() -> None:
    line = {"Event": "dlr", "message_id": "m1", "Network_Code": "62130", "ERR_CODE": "6", "status": "rejected",
            "api_key": "k1", "part": 2, "timestamp": "2026-11-25T09:00:00Z"}
    event = payloads.feed_line(line, account_id=None, received_at=NOW)
    assert (event.kind, event.message_id, event.network, event.err_code, event.part, event.api_key) == (
        "dlr", "m1", "62130", 6, 2, "k1"
    )
    with pytest.raises(payloads.Malformed, match="“part” must be a positive number"):
        payloads.feed_line({**line, "part": 0}, account_id=None, received_at=NOW)
    with pytest.raises(payloads.Malformed, match="“event” must be one of"):
        payloads.feed_line({"message_id": "m1"}, account_id=None, received_at=NOW)


def test_verify_prices_and_statuses() -> None:
    events = payloads.verify_callback({"request_id": "r", "status": "user_rejected", "price": "EUR 0.10"},
                                      api_key="k", received_at=NOW)
    assert [e.kind for e in events] == ["conversion_requested"]
    with pytest.raises(payloads.Malformed, match="“request_id” is missing"):
        payloads.verify_callback({"status": "completed"}, api_key="k", received_at=NOW)


def test_country_from_network_code_or_number() -> None:
    assert country_for(network="62130", msisdn="447700900123") == "NG"
    assert country_for(network="", msisdn="84912345678") == "VN"
    assert country_for(network="", msisdn="12") == ""
