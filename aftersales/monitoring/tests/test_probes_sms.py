"""SMS round-trip probes through the simulator connector: the test message's receipt comes back
through the ingestion path (a MessageRecord), in time or not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aftersales.core import clock
from aftersales.monitoring.models import Alert, MessageRecord, ProbeResult
from aftersales.monitoring.probes.actions import save_probe
from aftersales.monitoring.probes.runner import run_due
from aftersales.sms.connectors.simulator import SimulatorConnector
from aftersales.sms.models import VendorAccount
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _account(customer: Any, **options: Any) -> VendorAccount:
    return VendorAccount.objects.create(
        customer=customer, name="Starriver OTP", kind="simulator", api_key="SIMRT001", options=options
    )


def _probe(account: VendorAccount, **extra: Any) -> Any:
    return save_probe(
        actor=None,
        name="OTP route to UK",
        kind="sms_roundtrip",
        customer=account.customer,
        account=account,
        destination="+44 7700 900123",
        receipt_minutes=3,
        interval_minutes=10,
        **extra,
    )


def test_the_simulator_sends_and_delivers_its_receipt_once() -> None:
    with clock.moving(NOW) as moving:
        sim = SimulatorConnector(api_key="SIMX", receipt_delay_seconds=30)
        message_id = sim.send_test_message(to="447700900123", text="test")
        assert sim.deliver_receipts() == []
        moving.at = NOW + MINUTE
        [receipt] = sim.deliver_receipts()
        assert (receipt.message_id, receipt.status) == (message_id, "delivered")
        assert receipt.at == NOW + dt.timedelta(seconds=30)
        assert sim.deliver_receipts() == []


def test_a_receipt_in_time_passes(personas: Any) -> None:
    account = _account(personas.customer)
    with clock.moving(NOW) as moving:
        probe = _probe(account)
        assert run_due().checked == 0  # sent; waiting for the receipt
        probe.refresh_from_db()
        assert probe.pending_message_id
        record = MessageRecord.objects.get(message_id=probe.pending_message_id)
        assert record.status == "submitted" and record.msisdn == "447700900123" and record.account == account
        moving.at = NOW + MINUTE
        report = run_due()
    assert (report.checked, report.failed) == (1, 0)
    result = ProbeResult.objects.get(probe=probe)
    assert result.ok and result.reason == "sms_delivered" and result.latency_ms == 4000
    record.refresh_from_db()
    assert record.status == "delivered"  # the receipt came in through record_events
    probe.refresh_from_db()
    assert probe.pending_message_id == "" and probe.next_run_at == NOW + 10 * MINUTE


def test_a_receipt_that_never_comes_fails_after_the_wait_and_alerts_on_the_second(personas: Any) -> None:
    personas.customer.language = "en"
    personas.customer.save(update_fields=["language"])
    account = _account(personas.customer, receipt_status="none")
    with clock.moving(NOW) as moving:
        probe = _probe(account)
        for minute in (0, 1, 2):
            moving.at = NOW + minute * MINUTE
            assert run_due().checked == 0  # sent, then waiting within the 3 minutes
        moving.at = NOW + 3 * MINUTE
        first = run_due()
        assert (first.checked, first.failed, first.fired) == (1, 1, [])
        moving.at = NOW + 10 * MINUTE
        run_due()  # the next test message
        moving.at = NOW + 13 * MINUTE
        second = run_due()
    assert second.fired == [f"probe:{probe.pk}"]
    assert list(ProbeResult.objects.filter(probe=probe).values_list("reason", flat=True)) == ["sms_no_receipt"] * 2
    alert = Alert.objects.get()
    assert alert.customer == personas.customer and alert.account == account
    [ticket] = Ticket.objects.all()
    assert ticket.customer == personas.customer
    assert "got no delivery receipt within 3 minutes" in ticket.description


def test_a_failed_receipt_fails_at_once(personas: Any) -> None:
    account = _account(personas.customer, receipt_status="failed")
    with clock.moving(NOW) as moving:
        probe = _probe(account)
        run_due()
        moving.at = NOW + MINUTE
        run_due()
    result = ProbeResult.objects.get(probe=probe)
    assert (result.ok, result.reason, result.detail) == (False, "sms_undelivered", "failed, error 1")


def test_a_vonage_account_is_refused_by_the_form_rules(personas: Any) -> None:
    from django.core.exceptions import ValidationError

    vonage = VendorAccount.objects.create(customer=personas.customer, name="Live", kind="vonage", api_key="abcd1234")
    with pytest.raises(ValidationError) as refused:
        _probe(vonage)
    assert "account" in refused.value.error_dict


def test_vonage_says_clearly_that_it_cannot_send_test_messages_here() -> None:
    from aftersales.sms.connectors.base import VendorUnsupported
    from aftersales.sms.connectors.vonage import VonageConnector

    connector = VonageConnector(api_key="abcd1234", api_secret="not-used-here")
    with pytest.raises(VendorUnsupported) as refused:
        connector.send_test_message(to="447700900123", text="test")
    assert "not supported here" in str(refused.value)
