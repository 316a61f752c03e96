"""The balance check: readings for the account and its sub-accounts; vendor errors become a state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.core.scheduler import discover_jobs, registered_jobs
from aftersales.sms import balances
from aftersales.sms.connectors.base import RetryPolicy
from aftersales.sms.models import BalanceReading, VendorAccount
from aftersales.sms.tests.fakevonage import FakeSubaccount, FakeVonage

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NO_WAIT = RetryPolicy(attempts=3, backoff=0.01, sleep=lambda seconds: None)
KEY = "a1b2c3d4"
SECRET = "Zq8xW3vT6pLm2Rk9"


def simulator_account(personas, **options) -> VendorAccount:
    spec = {
        "seed": 7,
        "master_balance": "100",
        "burn_per_hour": "1",
        "subaccounts": [
            {"api_key": "SIMSTAR01", "name": "Marketing", "balance": None, "burn_per_hour": "0.5"},
            {"api_key": "SIMSTAR02", "name": "OTP", "balance": 40, "credit_limit": 0, "burn_per_hour": "0.25"},
        ],
        **options,
    }
    master = VendorAccount.objects.create(
        customer=personas.customer, name="Starriver (simulated)", kind="simulator", api_key="SIMSTAR", options=spec
    )
    VendorAccount.objects.create(
        customer=personas.subaccount, name="Starriver OTP", kind="simulator", api_key="SIMSTAR02", parent=master
    )
    return master


def test_the_simulator_is_read_and_its_state_kept_between_checks(personas):
    with time_machine.travel(T0, tick=False) as traveller:
        account = simulator_account(personas)
        assert balances.check_account(account, retry_policy=NO_WAIT) == 2
        first = BalanceReading.objects.get(account=account)
        assert first.value == Decimal(100) and not first.shared
        sub = VendorAccount.objects.get(api_key="SIMSTAR02")
        assert BalanceReading.objects.get(account=sub).value == Decimal(40)
        account.refresh_from_db()
        assert account.state == "ok" and account.last_checked_at == T0
        assert account.next_check_at == T0 + timedelta(minutes=15)
        assert "state" in account.options

        traveller.shift(timedelta(hours=10))
        balances.check_account(account, retry_policy=NO_WAIT)
        later = BalanceReading.objects.filter(account=account).latest("at")
        assert later.value < first.value  # the balance burns down
        assert BalanceReading.objects.filter(account=sub).latest("at").value < Decimal(40)


def test_check_due_checks_only_due_masters_at_the_configured_interval(personas, settings):
    settings.SMS_BALANCE_INTERVAL_MINUTES = 30
    with time_machine.travel(T0, tick=False) as traveller:
        account = simulator_account(personas)
        report = balances.check_due(retry_policy=NO_WAIT)
        assert (report.checked, report.readings) == (1, 2)  # the sub-account is read through its master
        assert balances.check_due(retry_policy=NO_WAIT).checked == 0
        traveller.shift(timedelta(minutes=29))
        assert balances.check_due(retry_policy=NO_WAIT).checked == 0
        traveller.shift(timedelta(minutes=1))
        assert balances.check_due(retry_policy=NO_WAIT).checked == 1
        account.active = False
        account.save()
        traveller.shift(timedelta(hours=1))
        assert balances.check_due(retry_policy=NO_WAIT).checked == 0


def test_rejected_credentials_become_a_clear_state_and_never_raise(personas):
    with time_machine.travel(T0, tick=False):
        account = simulator_account(personas, reject_credentials=True)
        report = balances.check_due(retry_policy=NO_WAIT)
    account.refresh_from_db()
    assert report.errors == {"Starriver (simulated)": "auth"}
    assert account.state == "auth"
    assert "rejected the API key or secret" in account.state_message
    assert account.next_check_at == T0 + timedelta(minutes=15)
    assert not BalanceReading.objects.exists()


def test_the_job_is_registered_with_the_scheduler():
    discover_jobs()
    assert "sms.check_balances" in [job.name for job in registered_jobs()]


# --- the real Vonage SDK against the fake server ----------------------------------------


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
                FakeSubaccount("a1b2sub01", "Lumen Retail – marketing"),
                FakeSubaccount("a1b2sub02", "Lumen Retail – OTP", balance=Decimal("12.5"), credit_limit=Decimal("0")),
            ],
        )
        yield fake


def vonage_account(personas, server: FakeVonage, *, secret: str = SECRET) -> VendorAccount:
    master = VendorAccount.objects.create(
        customer=personas.customer,
        name="Lumen Retail",
        kind="vonage",
        api_key=KEY,
        api_secret=secret,
        options={"api_host": server.host, "rest_host": server.host, "timeout": 5},
    )
    VendorAccount.objects.create(
        customer=personas.subaccount, name="Lumen marketing", kind="vonage", api_key="a1b2sub01", parent=master
    )
    return master


def test_vonage_balance_and_a_shared_subaccount_are_stored(personas, server):
    account = vonage_account(personas, server)
    assert balances.check_account(account, retry_policy=NO_WAIT) == 2
    reading = BalanceReading.objects.get(account=account)
    assert reading.value == Decimal("29.18202293") and reading.currency == "EUR"
    shared = BalanceReading.objects.get(account__api_key="a1b2sub01")
    assert shared.shared and shared.value == Decimal("29.18202293") and shared.credit_limit is None
    account.refresh_from_db()
    assert account.state == "ok"


def test_vonage_401_is_the_auth_state_not_retried(personas, server):
    account = vonage_account(personas, server, secret="wrong-secret-1")
    assert balances.check_account(account, retry_policy=NO_WAIT) == 0
    account.refresh_from_db()
    assert account.state == "auth"
    assert "(401)" in account.state_message
    assert "wrong-secret-1" not in account.state_message
    assert len(server.requests_to("/account/get-balance")) == 1


def test_vonage_5xx_is_retried_then_the_unavailable_state(personas, server):
    server.fail(503, times=3, path="/account/get-balance")
    account = vonage_account(personas, server)
    assert balances.check_account(account, retry_policy=NO_WAIT) == 0
    account.refresh_from_db()
    assert account.state == "unavailable"
    assert "could not be reached or failed" in account.state_message
    assert len(server.requests_to("/account/get-balance")) == 3
    # The vendor recovers: the next check clears the state.
    assert balances.check_account(account, retry_policy=NO_WAIT) == 2
    account.refresh_from_db()
    assert account.state == "ok" and account.state_message == ""
