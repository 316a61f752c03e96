"""``Connector.report_records``: the Reports API through the real ``vonage`` SDK against the fake
Vonage HTTPS server, and the simulator's records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import time_machine

from aftersales.sms.connectors.base import (
    RetryPolicy,
    VendorAuthError,
    VendorForbidden,
    VendorRequestRefused,
)
from aftersales.sms.connectors.simulator import SimulatorConnector
from aftersales.sms.connectors.vonage import VonageConnector
from aftersales.sms.tests.fakevonage import FakeSubaccount, FakeVonage, sms_records

KEY = "a1b2c3d4"
SECRET = "Zq8xW3vT6pLm2Rk9"
START = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=24)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVonage]:
    with FakeVonage() as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        records = sms_records(KEY, 5, start=START + dt.timedelta(hours=1), every=dt.timedelta(hours=2))
        records += sms_records(KEY, 1, start=END, first=100)  # the next window's
        records += sms_records("a1b2sub01", 2, start=START + dt.timedelta(hours=3))
        fake.add_account(KEY, SECRET, subaccounts=[FakeSubaccount("a1b2sub01", "Lumen marketing")], records=records)
        fake.add_account("e5f6a7b8", "Other-Secret-1", records=sms_records("e5f6a7b8", 3, start=START))
        yield fake


def connect(server: FakeVonage, *, secret: str = SECRET) -> VonageConnector:
    return VonageConnector(
        api_key=KEY,
        api_secret=secret,
        api_host=server.host,
        rest_host=server.host,
        timeout=5,
        retry_policy=RetryPolicy(attempts=3, backoff=0.01, sleep=lambda _s: None),
    )


def test_records_come_page_by_page_following_the_cursor_on_our_own_host(server: FakeVonage) -> None:
    server.report_page_size = 2
    pages = list(connect(server).report_records(start=START, end=END))
    assert [page.number for page in pages] == [1, 2, 3]
    assert [len(page.records) for page in pages] == [2, 2, 1]
    ids = [record["message_id"] for page in pages for record in page.records]
    assert ids == [f"{KEY}-m{n}" for n in range(5)]  # the window only, each once, in order
    first = json.loads(pages[0].body)  # the page exactly as the vendor sent it
    assert first["request_status"] == "TRUNCATED" and first["_links"]["next"]["href"].startswith("https://api.nexmo")
    assert json.loads(pages[-1].body)["request_status"] == "SUCCESS"
    asked = server.requests_to("/v2/reports/records")
    assert len(asked) == 3 and {r.api_key for r in asked} == {KEY}  # basic auth on every page
    assert "product=SMS" in asked[0].query and "direction=outbound" in asked[0].query
    assert "date_start=2026-11-24T11%3A00%3A00Z" in asked[0].query
    assert "cursor=" not in asked[0].query and "cursor=" in asked[1].query and "iv=" in asked[1].query


def test_the_next_page_is_fetched_only_when_asked_for(server: FakeVonage) -> None:
    server.report_page_size = 2
    pages = connect(server).report_records(start=START, end=END)
    next(pages)
    assert len(server.requests_to("/v2/reports/records")) == 1


def test_a_master_reads_its_subaccounts_records(server: FakeVonage) -> None:
    [page] = connect(server).report_records(start=START, end=END, account_id="a1b2sub01")
    assert [r["account_id"] for r in page.records] == ["a1b2sub01", "a1b2sub01"]


def test_an_empty_window_is_one_empty_page(server: FakeVonage) -> None:
    [page] = connect(server).report_records(start=START, end=START + dt.timedelta(minutes=30), direction="inbound")
    assert page.records == [] and json.loads(page.body)["items_count"] == 0


def test_a_window_over_24_hours_is_refused_with_the_vendors_reason(server: FakeVonage) -> None:
    with pytest.raises(VendorRequestRefused) as caught:
        list(connect(server).report_records(start=START, end=END + dt.timedelta(hours=1)))
    assert caught.value.status == 400 and caught.value.code == "refused"
    assert "at most 24 hours" in str(caught.value)
    assert len(server.requests_to("/v2/reports/records")) == 1  # not retried


def test_wrong_credentials_are_an_auth_error_and_not_retried(server: FakeVonage) -> None:
    with pytest.raises(VendorAuthError):
        list(connect(server, secret="not-the-secret").report_records(start=START, end=END))
    assert len(server.requests_to("/v2/reports/records")) == 1


def test_another_accounts_records_are_forbidden(server: FakeVonage) -> None:
    with pytest.raises(VendorForbidden):
        list(connect(server).report_records(start=START, end=END, account_id="e5f6a7b8"))


def test_a_server_error_mid_way_is_retried_and_the_pages_continue(server: FakeVonage) -> None:
    server.report_page_size = 2
    pages = connect(server).report_records(start=START, end=END)
    first = next(pages)
    server.fail(503, path="/v2/reports/records")
    rest = list(pages)
    assert [p.number for p in (first, *rest)] == [1, 2, 3]
    assert len(server.requests_to("/v2/reports/records")) == 4


# --- the simulator ----------------------------------------------------------------------------------
NOW = dt.datetime(2026, 11, 25, 12, 20, tzinfo=dt.UTC)


def test_the_simulator_has_no_records_unless_asked_to() -> None:
    with time_machine.travel(NOW, tick=False):
        [page] = SimulatorConnector(seed=1, api_key="SIMSTAR1").report_records(start=START, end=END)
    assert page.records == []


def test_the_simulators_records_are_the_same_however_the_window_is_cut() -> None:
    with time_machine.travel(NOW, tick=False):
        sim = SimulatorConnector(seed=1, api_key="SIMSTAR1", report_per_hour=120)
        whole = [r for p in sim.report_records(start=START, end=END) for r in p.records]
        halves = [
            r
            for a, b in ((START, START + dt.timedelta(hours=7)), (START + dt.timedelta(hours=7), END))
            for p in sim.report_records(start=a, end=b)
            for r in p.records
        ]
        again = [
            r for p in SimulatorConnector(state=sim.to_dict()).report_records(start=START, end=END) for r in p.records
        ]
    assert 1000 < len(whole) < 4000
    assert [r["message_id"] for r in whole] == [r["message_id"] for r in halves] == [r["message_id"] for r in again]
    assert {r["account_id"] for r in whole} == {"SIMSTAR1"} and {r["country"] for r in whole} == {"GB", "NG"}
    assert len({r["to"][:-4] for r in whole}) >= 150  # spread over many prefixes, like real recipients


def test_the_simulator_pages_and_refuses_like_the_api() -> None:
    with time_machine.travel(NOW, tick=False):
        sim = SimulatorConnector(seed=1, api_key="SIMSTAR1", report_per_hour=120)
        pages = list(sim.report_records(start=START, end=END))
        assert len(pages) >= 2 and all(len(p.records) <= 1000 for p in pages)
        assert json.loads(pages[0].body)["request_status"] == "TRUNCATED"
        with pytest.raises(VendorRequestRefused):
            list(sim.report_records(start=START, end=END + dt.timedelta(hours=1)))
        with pytest.raises(VendorForbidden):
            list(sim.report_records(start=START, end=END, account_id="NOT-MINE"))
        with pytest.raises(VendorAuthError):
            list(
                SimulatorConnector(
                    seed=1, reject_credentials=True, retry_policy=RetryPolicy(attempts=1)
                ).report_records(start=START, end=END)
            )
