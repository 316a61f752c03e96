"""The telemetry webhooks: Vonage DLR (GET, form, JSON), inbound, Verify, conversions, the traffic feed;
signatures, replays, duplicates, unmapped keys and a database that cannot store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import jwt
import pytest
import time_machine
from django.db import OperationalError, connection
from vonage import Auth

from aftersales.monitoring.feeds import issue_feed_token
from aftersales.monitoring.models import EventState, MessageRecord, RawEvent, TrafficFeed, TrafficRollup
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
HOUR = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
SECRET = "whsec-0123456789abcdef-0123456789abcdef"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def account(personas: Any) -> VendorAccount:
    return VendorAccount.objects.create(customer=personas.customer, name="Starriver Vonage", api_key="a1b2c3d4")


def receipt(message_id: str = "0B00000127FDBC63", **extra: str) -> dict[str, str]:
    """A typical Vonage DLR (the documented example's fields)."""
    return {
        "api-key": "a1b2c3d4", "err-code": "0", "message-timestamp": "2026-11-25 09:10:29",
        "messageId": message_id, "msisdn": "447547232824", "network-code": "23410", "price": "0.03330000",
        "scts": "2611250910", "status": "delivered", "to": "Starriver", "client-ref": "otp-17", **extra,
    }


def gb_rollup(account: VendorAccount) -> TrafficRollup:
    return TrafficRollup.objects.get(account=account, hour=HOUR, country="GB", network="23410")


# --- Delivery receipts -------------------------------------------------------------------------


def test_a_receipt_in_each_vonage_format_lands_in_the_rollup(client: Any, account: VendorAccount) -> None:
    get = client.get("/hooks/vonage/dlr", receipt("m-get"))
    form = client.post("/hooks/vonage/dlr", receipt("m-form"))  # the test client's form: multipart
    urlencoded = client.post(
        "/hooks/vonage/dlr", "messageId=m-url&status=failed&err-code=6&api-key=a1b2c3d4&msisdn=447547232825"
        "&network-code=23410&scts=2611250912", content_type="application/x-www-form-urlencoded",
    )
    posted_json = client.post("/hooks/vonage/dlr", receipt("m-json"), content_type="application/json")

    assert [r.status_code for r in (get, form, urlencoded, posted_json)] == [200, 200, 200, 200]
    assert get.json()["state"] == "processed"
    row = gb_rollup(account)
    assert (row.delivered, row.failed, row.errors) == (3, 1, {"6": 1})
    assert row.cost == Decimal("0.099900")
    record = MessageRecord.objects.get(message_id="m-get")
    assert (record.status, record.msisdn, record.sender, record.client_ref) == (
        "delivered", "447547232824", "Starriver", "otp-17"
    )
    # The carrier's minute, refined by Vonage's seconds.
    assert record.final_at == dt.datetime(2026, 11, 25, 9, 10, 29, tzinfo=dt.UTC)
    raw = RawEvent.objects.get(pk=get.json()["id"])
    assert (raw.state, raw.method, raw.api_key, raw.account_id) == ("processed", "GET", "a1b2c3d4", account.pk)
    assert "messageId=m-get" in raw.body


def test_a_repeated_receipt_is_stored_but_counted_once(client: Any, account: VendorAccount) -> None:
    first = client.get("/hooks/vonage/dlr", receipt())
    again = client.post("/hooks/vonage/dlr", receipt(), content_type="application/json")

    assert (first.json()["state"], again.json()["state"]) == ("processed", "duplicate")
    assert gb_rollup(account).delivered == 1
    assert RawEvent.objects.filter(dedup_key="0B00000127FDBC63:delivered:1").count() == 2


def test_unknown_key_is_answered_2xx_and_kept_unmapped(client: Any, account: VendorAccount) -> None:
    response = client.get("/hooks/vonage/dlr", receipt(**{"api-key": "ffff0000"}))

    assert response.status_code == 200 and response.json()["state"] == "unmapped"
    raw = RawEvent.objects.get(pk=response.json()["id"])
    assert (raw.state, raw.api_key, raw.reason) == ("unmapped", "ffff0000", "no vendor account has the key ffff0000")
    assert not TrafficRollup.objects.exists()


def test_a_receipt_that_cannot_be_read_is_kept_with_its_reason(client: Any, account: VendorAccount) -> None:
    response = client.get("/hooks/vonage/dlr", receipt(status="bounced"))
    empty = client.post("/hooks/vonage/dlr", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "“status” 'bounced' is not a DLR status"
    assert RawEvent.objects.get(pk=response.json()["id"]).state == EventState.INVALID
    assert empty.status_code == 400 and RawEvent.objects.get(pk=empty.json()["id"]).body == "{not json"


def test_other_methods_are_refused(client: Any) -> None:
    assert client.put("/hooks/vonage/dlr").status_code == 405
    assert client.get("/hooks/vonage/verify").status_code == 405
    assert client.get("/hooks/traffic").status_code == 405


def test_database_down_answers_503_so_the_vendor_retries(client: Any, account: VendorAccount, monkeypatch: Any) -> None:
    def refuse_writes(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT"):
            raise OperationalError("could not connect to server")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_writes):
        response = client.get("/hooks/vonage/dlr", receipt())

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "unavailable"
    assert not MessageRecord.objects.exists() and not TrafficRollup.objects.exists()


def test_processing_failure_after_storing_still_answers_2xx(
    client: Any, account: VendorAccount, monkeypatch: Any
) -> None:
    from aftersales.monitoring import receiving

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(receiving, "record_events", broken)
    response = client.get("/hooks/vonage/dlr", receipt())

    assert response.status_code == 200 and response.json()["state"] == "stored"
    assert RawEvent.objects.get().state == EventState.STORED  # the drain picks it up


# --- Signed webhooks ---------------------------------------------------------------------------


@pytest.fixture
def signed_account(account: VendorAccount) -> VendorAccount:
    account.signature_secret = SECRET
    account.signature_method = "sha256"
    account.save()
    return account


def sdk_signed(params: dict[str, str], method: str = "sha256") -> dict[str, str]:
    """Signed by the vonage SDK's own ``Auth.sign_params`` (the reference implementation)."""
    params = {**params, "timestamp": str(int(NOW.timestamp())), "nonce": "6fa4d0e1"}
    auth = Auth(api_key="a1b2c3d4", signature_secret=SECRET, signature_method=method)  # type: ignore[arg-type]
    return {**params, "sig": auth.sign_params(dict(params))}


def test_a_valid_signature_is_accepted_in_every_format(client: Any, signed_account: VendorAccount) -> None:
    get = client.get("/hooks/vonage/dlr", sdk_signed(receipt("s1")))
    form = client.post("/hooks/vonage/dlr", sdk_signed(receipt("s2")))
    posted_json = client.post("/hooks/vonage/dlr", sdk_signed(receipt("s3")), content_type="application/json")

    assert [r.status_code for r in (get, form, posted_json)] == [200, 200, 200]
    assert gb_rollup(signed_account).delivered == 3


def test_md5hash_signature_follows_the_documented_algorithm(client: Any, signed_account: VendorAccount) -> None:
    signed_account.signature_method = "md5hash"
    signed_account.save()
    params = {**receipt("s4"), "timestamp": str(int(NOW.timestamp()))}
    text = "".join(f"&{key}={params[key].replace('&', '_').replace('=', '_')}" for key in sorted(params))
    params["sig"] = hashlib.md5((text + SECRET).encode(), usedforsecurity=False).hexdigest()

    assert client.get("/hooks/vonage/dlr", params).status_code == 200


def test_a_bad_signature_is_refused_and_kept_invalid(client: Any, signed_account: VendorAccount) -> None:
    tampered = sdk_signed(receipt("s5"))
    tampered["status"] = "failed"
    unsigned = client.get("/hooks/vonage/dlr", receipt("s6"))
    response = client.get("/hooks/vonage/dlr", tampered)

    assert (unsigned.status_code, response.status_code) == (401, 401)
    assert response.json()["detail"] == "signature does not match"
    assert unsigned.json()["detail"] == "signature missing: the account requires signed webhooks"
    states = set(RawEvent.objects.values_list("state", flat=True))
    assert states == {EventState.INVALID}
    assert not TrafficRollup.objects.exists()


def test_an_old_signed_request_is_refused_as_a_replay(client: Any, signed_account: VendorAccount) -> None:
    signed = sdk_signed(receipt("s7"))
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        late = client.get("/hooks/vonage/dlr", signed)
    with time_machine.travel(NOW + dt.timedelta(minutes=4), tick=False):
        in_time = client.get("/hooks/vonage/dlr", signed)

    assert late.status_code == 401 and late.json()["detail"].startswith("replay refused")
    assert in_time.status_code == 200


# --- Inbound, Verify, conversions --------------------------------------------------------------


def test_an_inbound_message_counts_as_inbound(client: Any, account: VendorAccount) -> None:
    mo = {"api-key": "a1b2c3d4", "msisdn": "447700900123", "to": "447700900999", "messageId": "mo-1",
          "text": "STOP", "type": "text", "keyword": "STOP", "message-timestamp": "2026-11-25 09:12:00"}
    first = client.post("/hooks/vonage/inbound", mo)
    again = client.get("/hooks/vonage/inbound", mo)

    assert (first.json()["state"], again.json()["state"]) == ("processed", "duplicate")
    row = TrafficRollup.objects.get(account=account, hour=HOUR, country="GB")
    assert (row.inbound, row.submitted) == (1, 0)


def test_verify_callbacks_count_requests_and_completions(client: Any, account: VendorAccount) -> None:
    base = {"type": "summary", "channel": "sms", "triggered_at": "2026-11-25T09:20:00.000Z",
            "submitted_at": "2026-11-25T09:19:00.000Z", "finalized_at": "2026-11-25T09:20:00.000Z"}
    done = client.post("/hooks/vonage/verify?api_key=a1b2c3d4", {**base, "request_id": "v-1", "status": "completed"},
                       content_type="application/json")
    failed = client.post("/hooks/vonage/verify?api_key=a1b2c3d4", {**base, "request_id": "v-2", "status": "expired"},
                         content_type="application/json")
    repeat = client.post("/hooks/vonage/verify?api_key=a1b2c3d4", {**base, "request_id": "v-1", "status": "completed"},
                         content_type="application/json")

    assert [r.json()["state"] for r in (done, failed, repeat)] == ["processed", "processed", "duplicate"]
    totals = TrafficRollup.objects.filter(account=account).values_list("conversion_requested", "conversion_verified")
    assert [sum(column) for column in zip(*totals, strict=True)] == [2, 1]


def test_a_signed_verify_callback_needs_a_valid_jwt(client: Any, signed_account: VendorAccount) -> None:
    body = json.dumps({"request_id": "v-3", "status": "completed", "type": "summary"})
    claims = {"iat": int(NOW.timestamp()), "payload_hash": hashlib.sha256(body.encode()).hexdigest()}
    good = jwt.encode(claims, SECRET, algorithm="HS256")
    wrong = jwt.encode(claims, "another-secret-0123456789-0123456789abcdef", algorithm="HS256")

    ok = client.post("/hooks/vonage/verify?api_key=a1b2c3d4", body, content_type="application/json",
                     headers={"Authorization": f"Bearer {good}"})
    refused = client.post("/hooks/vonage/verify?api_key=a1b2c3d4", body, content_type="application/json",
                          headers={"Authorization": f"Bearer {wrong}"})

    assert (ok.status_code, refused.status_code) == (200, 401)
    assert RawEvent.objects.get(pk=refused.json()["id"]).state == EventState.INVALID


def test_the_same_signed_receipt_twice_is_a_replay_not_processed_again(
    client: Any, signed_account: VendorAccount
) -> None:
    signed = sdk_signed(receipt("r1"))
    first = client.get("/hooks/vonage/dlr", signed)
    again = client.post("/hooks/vonage/dlr", signed)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["state"] == "replay"
    assert RawEvent.objects.count() == 1
    assert gb_rollup(signed_account).delivered == 1


def test_a_receipt_whose_processing_failed_can_be_retried(
    client: Any, signed_account: VendorAccount, monkeypatch: Any
) -> None:
    from aftersales.monitoring import receiving

    signed = sdk_signed(receipt("r2"))
    real = receiving._receive_vonage_sms
    monkeypatch.setattr(receiving, "_receive_vonage_sms", lambda *a: (_ for _ in ()).throw(RuntimeError("db down")))
    with pytest.raises(RuntimeError):
        client.get("/hooks/vonage/dlr", signed)
    monkeypatch.setattr(receiving, "_receive_vonage_sms", real)
    retry = client.get("/hooks/vonage/dlr", signed)
    assert retry.status_code == 200 and retry.json()["state"] != "replay"


def test_the_same_signed_verify_callback_twice_is_a_replay(client: Any, signed_account: VendorAccount) -> None:
    body = json.dumps({"request_id": "v-9", "status": "completed", "type": "summary"})
    claims = {"iat": int(NOW.timestamp()), "payload_hash": hashlib.sha256(body.encode()).hexdigest()}
    headers = {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}
    first = client.post("/hooks/vonage/verify?api_key=a1b2c3d4", body, content_type="application/json", headers=headers)
    again = client.post("/hooks/vonage/verify?api_key=a1b2c3d4", body, content_type="application/json", headers=headers)
    assert first.json()["state"] == "processed" and again.json()["state"] == "replay"
    assert RawEvent.objects.count() == 1


@pytest.fixture
def feed(account: VendorAccount, personas: Any) -> tuple[TrafficFeed, str]:
    feed = TrafficFeed(name="JMC platform", account=account)
    return feed, issue_feed_token(feed=feed, actor=personas.admin)


def test_conversion_events_need_a_feed_token(
    client: Any, account: VendorAccount, feed: tuple[TrafficFeed, str]
) -> None:
    _feed, token = feed
    client.get("/hooks/vonage/dlr", receipt("otp-1"))
    body = {"message_id": "otp-1", "verified": True, "timestamp": "2026-11-25T09:25:00Z"}

    anonymous = client.post("/hooks/conversion", body, content_type="application/json")
    wrong = client.post("/hooks/conversion", body, content_type="application/json",
                        headers={"Authorization": "Bearer asf_not-a-real-token"})
    ok = client.post("/hooks/conversion", body, content_type="application/json",
                     headers={"Authorization": f"Bearer {token}"})

    assert (anonymous.status_code, wrong.status_code, ok.status_code) == (401, 401, 200)
    row = gb_rollup(account)
    assert (row.conversion_requested, row.conversion_verified) == (1, 1)
    assert MessageRecord.objects.get(message_id="otp-1").verified_at == dt.datetime(2026, 11, 25, 9, 25, tzinfo=dt.UTC)


def test_traffic_feed_keeps_good_lines_and_reports_bad_ones(
    client: Any, account: VendorAccount, feed: tuple[TrafficFeed, str]
) -> None:
    _feed, token = feed
    lines = [
        {"event": "submitted", "message_id": "f1", "msisdn": "2348031230001", "network": "62130",
         "timestamp": "2026-11-25T09:01:00Z", "price": "0.05"},
        {"event": "dlr", "messageId": "f1", "status": "delivered", "err-code": "0",
         "timestamp": "2026-11-25T09:01:04Z"},
        {"event": "submitted", "message_id": "f2", "api_key": "unknown9", "msisdn": "2348031230002",
         "timestamp": "2026-11-25T09:02:00Z"},
        {"event": "dlr", "message_id": "f3", "status": "lost"},
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    response = client.post("/hooks/traffic", body, content_type="application/x-ndjson",
                           headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    answer = response.json()
    assert (answer["recorded"], answer["unmapped"], answer["unmapped_keys"], answer["error_count"]) == (
        2, 1, ["unknown9"], 2
    )
    assert answer["errors"] == [{"line": 4, "error": "“status” 'lost' is not a DLR status"},
                                {"line": 5, "error": "not JSON: Expecting value"}]
    row = TrafficRollup.objects.get(account=account, hour=HOUR, country="NG", network="62130")
    assert (row.submitted, row.delivered, row.latency_ms_sum, row.latency_count, row.cost) == (
        1, 1, 4000, 1, Decimal("0.05")
    )
    assert RawEvent.objects.get(state=EventState.UNMAPPED).api_key == "unknown9"


def test_traffic_feed_with_no_readable_line_is_refused(client: Any, feed: tuple[TrafficFeed, str]) -> None:
    _feed, token = feed
    response = client.post("/hooks/traffic", "oops\n", content_type="application/x-ndjson",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"line": 1, "error": "not JSON: Expecting value"}]


def test_an_inactive_feed_is_refused(client: Any, feed: tuple[TrafficFeed, str]) -> None:
    traffic_feed, token = feed
    traffic_feed.active = False
    traffic_feed.save()
    response = client.post("/hooks/traffic", "{}", content_type="application/x-ndjson",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
