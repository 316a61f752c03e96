"""The Reports API pulls page (/monitoring/pulls/): leads only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aftersales.monitoring.models import PullState, ReportPull
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

END = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def pulls(account: VendorAccount, count: int, **fields: Any) -> None:
    ReportPull.objects.bulk_create(
        [
            ReportPull(
                account=account,
                window_start=END - (n + 1) * HOUR,
                window_end=END - n * HOUR,
                started_at=END + HOUR,
                finished_at=END + HOUR,
                **{"state": PullState.DONE, **fields},
            )
            for n in range(count)
        ]
    )


@pytest.fixture
def account(personas: Any) -> VendorAccount:
    return VendorAccount.objects.create(customer=personas.customer, name="Starriver Vonage", api_key="a1b2c3d4")


def test_a_lead_sees_each_window_with_its_counts_and_error(client: Any, personas: Any, account: VendorAccount) -> None:
    ReportPull.objects.create(
        account=account,
        window_start=END - 24 * HOUR,
        window_end=END,
        state=PullState.DONE,
        pages=3,
        records=250,
        recorded=480,
        duplicates=20,
        started_at=END,
        finished_at=END,
    )
    ReportPull.objects.create(
        account=account,
        window_start=END,
        window_end=END + HOUR,
        state=PullState.FAILED,
        started_at=END + HOUR,
        error="The SMS vendor rejected the API key or secret (401). Check the account's credentials. "
        "(HTTP 401 from /v2/reports/records)",
    )
    client.force_login(personas.lead)

    response = client.get("/monitoring/pulls/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = html.split('data-testid="pull-row"')[1:]
    assert len(rows) == 2
    assert "Failed" in rows[0] and "rejected the API key or secret (401)" in rows[0]  # newest window first
    assert "2026-11-25 19:00 – 2026-11-25 20:00" in rows[0]  # in the lead's timezone (Asia/Shanghai)
    assert "Done" in rows[1] and 'data-testid="pull-records">250<' in rows[1]
    assert 'data-testid="pull-recorded">480<' in rows[1] and 'data-testid="pull-duplicates">20<' in rows[1]
    assert "Starriver Vonage" in rows[1]
    assert 'data-testid="monitoring-pulls-link"' in html


@pytest.mark.parametrize("persona", ["agent", "viewer"])
def test_only_leads_see_the_page_and_its_link(client: Any, personas: Any, account: VendorAccount, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get("/monitoring/pulls/").status_code == 403
    assert 'data-testid="monitoring-pulls-link"' not in client.get("/monitoring/unmapped/").content.decode()


def test_an_outsider_is_sent_to_log_in(client: Any) -> None:
    response = client.get("/monitoring/pulls/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_empty_page_says_what_will_appear(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    html = client.get("/monitoring/pulls/").content.decode()
    assert 'data-testid="pulls-empty"' in html and "No pulls yet." in html


def test_pages_of_fifty_at_a_fixed_cost(
    client: Any, personas: Any, account: VendorAccount, django_assert_max_num_queries: Any
) -> None:
    pulls(account, 60)
    client.force_login(personas.lead)
    with django_assert_max_num_queries(10):
        first = client.get("/monitoring/pulls/").content.decode()
    assert first.count('data-testid="pull-row"') == 50 and "1–50 of 60" in first
    second = client.get("/monitoring/pulls/?page=2").content.decode()
    assert second.count('data-testid="pull-row"') == 10
