"""``aftersales import-traffic``: Reports API CSV into the rollups, bad rows kept, a summary."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.monitoring.models import EventState, MessageRecord, RawEvent, TrafficRollup
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

HEADER = ("account_id,message_id,client_ref,direction,from,to,network,network_name,country,country_name,"
          "date_received,date_finalized,latency,status,error_code,error_code_description,currency,total_price")
ROWS = [
    "a1b2c3d4,m1,otp-1,outbound,Starriver,2348031230001,62130,Airtel,NG,Nigeria,2026-11-25T09:00:00+0000,"
    "2026-11-25T09:00:03+0000,3000,delivered,0,Delivered,EUR,0.0500",
    "a1b2c3d4,m2,,outbound,Starriver,2348031230002,62130,Airtel,NG,Nigeria,2026-11-25T09:05:00+0000,,,"
    "failed,6,Anti-Spam Rejection,EUR,0.0500",
    ",m3,,outbound,Starriver,2348031230003,62130,Airtel,NG,Nigeria,2026-11-25T09:06:00+0000,,1500,"
    "delivered,0,,EUR,0.0500",  # no account_id: --account
    "a1b2c3d4,m4,,inbound,447700900123,447700900999,23410,EE,GB,United Kingdom,2026-11-25T09:07:00+0000,,,"
    ",,,EUR,0.0000",
    "a1b2c3d4,,,outbound,Starriver,2348031230004,62130,Airtel,NG,Nigeria,2026-11-25T09:08:00+0000,,,delivered,0,,EUR,",
    "a1b2c3d4,m6,,outbound,Starriver,2348031230005,62130,Airtel,NG,Nigeria,yesterday,,,delivered,0,,EUR,",
    "zz999999,m7,,outbound,Starriver,2348031230006,62130,Airtel,NG,Nigeria,2026-11-25T09:09:00+0000,,,"
    "delivered,0,,EUR,0.05",
]


@pytest.fixture
def account(personas: Any) -> VendorAccount:
    return VendorAccount.objects.create(customer=personas.customer, name="Starriver", api_key="a1b2c3d4")


def write_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "SMS_report.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_fills_the_rollups_and_keeps_bad_rows(tmp_path: Path, account: VendorAccount) -> None:
    out, err = StringIO(), StringIO()
    call_command("import-traffic", str(write_csv(tmp_path, ROWS)), "--account", "a1b2c3d4", "--json",
                 stdout=out, stderr=err)

    summary = json.loads(out.getvalue())
    assert (summary["rows"], summary["bad_rows"], summary["unmapped"], summary["unmapped_keys"]) == (
        7, 2, 2, ["zz999999"]  # m7's two events wait for their key
    )
    assert summary["recorded"] == 7  # m1, m2, m3: submitted + receipt; m4 inbound
    hour = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)
    row = TrafficRollup.objects.get(account=account, hour=hour, country="NG", network="62130")
    assert (row.submitted, row.delivered, row.failed, row.errors) == (3, 2, 1, {"6": 1})
    assert (row.latency_ms_sum, row.latency_count) == (4500, 2)
    assert str(row.cost) == "0.150000"
    assert TrafficRollup.objects.get(account=account, country="GB").inbound == 1
    assert MessageRecord.objects.get(message_id="m1").client_ref == "otp-1"
    bad = {raw.reason: raw.body for raw in RawEvent.objects.filter(state=EventState.INVALID, source="csv")}
    assert set(bad) == {"line 6: “message_id” is empty", "line 7: “date_received” is not a time: 'yesterday'"}
    assert bad["line 7: “date_received” is not a time: 'yesterday'"].startswith("a1b2c3d4,m6,")
    assert "7 rows" in err.getvalue()  # the progress line


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path, account: VendorAccount) -> None:
    path = write_csv(tmp_path, ROWS[:2])
    call_command("import-traffic", str(path), "--quiet", stdout=StringIO())
    out = StringIO()
    call_command("import-traffic", str(path), "--quiet", stdout=out)

    assert "0 recorded, 4 duplicates" in out.getvalue()
    assert TrafficRollup.objects.get(account=account).submitted == 2


def test_small_batches_give_the_same_counts(tmp_path: Path, account: VendorAccount) -> None:
    call_command("import-traffic", str(write_csv(tmp_path, ROWS)), "--account", "a1b2c3d4", "--batch-size", "2",
                 "--quiet", stdout=StringIO())
    row = TrafficRollup.objects.get(account=account, country="NG")
    assert (row.submitted, row.delivered, row.failed) == (3, 2, 1)


def test_a_file_without_the_reports_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("id,status\n1,delivered\n", encoding="utf-8")
    with pytest.raises(CommandError, match="the header lacks message_id, date_received"):
        call_command("import-traffic", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("import-traffic", str(tmp_path / "missing.csv"), stdout=StringIO())
