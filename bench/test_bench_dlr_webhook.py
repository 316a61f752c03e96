"""The DLR-webhook benchmark's load generator and checks still work: a few receipts against the live
test server (the real benchmark starts gunicorn on PostgreSQL), every one in the rollups once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum
from django.test import override_settings

from aftersales.monitoring.models import TrafficRollup
from aftersales.sms.models import VendorAccount
from aftersales.testing.factories import make_customer
from bench.bench_dlr_webhook import KEY, measure

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@override_settings(ROOT_URLCONF="bench.bench_urls")
def test_bench_dlr_webhook_measures_both_endpoints_and_counts_every_receipt(live_server: Any) -> None:
    account = VendorAccount.objects.create(customer=make_customer("benchdlr", "Bench DLR"), name="B", api_key=KEY)
    port = int(live_server.url.rsplit(":", 1)[1])

    result = measure(port, requests=40, concurrency=1, warmup=5, max_seconds=60)  # SQLite: one at a time

    assert (result["empty_view"]["requests"], result["empty_view"]["failed"]) == (40, 0)
    assert (result["dlr_webhook"]["requests"], result["dlr_webhook"]["failed"]) == (40, 0)
    assert result["dlr_webhook"]["p99_ms"] >= result["dlr_webhook"]["p50_ms"] > 0
    totals = TrafficRollup.objects.filter(account=account).aggregate(d=Sum("delivered"), f=Sum("failed"))
    assert (totals["d"], totals["f"]) == (41, 4)  # 45 receipts, every tenth failed
