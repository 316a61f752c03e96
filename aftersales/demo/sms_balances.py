"""Demo vendor accounts on the simulator, with a month of balance readings.

Each account's balance burns down with simulated traffic. The readings are taken the way the
scheduled check takes them (``balances.check_due``), with the demo's moving clock stepping through
the last 30 days; the balance alerts then run once at ``now``, so the desk opens its proactive
tickets exactly as it would in production. Suda Logistics (速达物流) is the one running low: it was
topped up two weeks ago and again two days ago, but spends faster than it pays, and runs out in
under two days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aftersales.customers.models import Contact, Customer
from aftersales.sms import balances, incidents
from aftersales.sms.models import BalanceAlertSettings, VendorAccount

HISTORY_DAYS = 30
STEP = dt.timedelta(hours=4)

# code, account name, API key, simulator options (balances in EUR, burn in EUR per hour on average)
ACCOUNTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("starriver", "Starriver main", "SIMSTARRIVER", {
        "seed": 11, "numbers": [], "master_balance": "2400", "burn_per_hour": "1.6",
        "subaccounts": [
            {"api_key": "SIMSTARSUB1", "name": "Starriver marketing", "balance": None, "burn_per_hour": "0.8"},
            {"api_key": "SIMSTARSUB2", "name": "Starriver OTP", "balance": "900", "credit_limit": 0,
             "burn_per_hour": "0.6"},
        ],
    }),
    ("bluewave", "Bluewave main", "SIMBLUEWAVE", {"seed": 12, "numbers": [], "master_balance": "5200",
                                                           "burn_per_hour": "3.5", "credit_limit": 500}),
    ("suda", "Suda Logistics main", "SIMSUDA", {"seed": 13, "numbers": [], "master_balance": "330",
                                                 "burn_per_hour": "1.1"}),
    ("kaito-pay", "Kaito Pay main", "SIMKAITO", {"seed": 14, "numbers": [], "master_balance": "1500",
                                                  "burn_per_hour": "0.5"}),
]
SUBACCOUNTS = {"SIMSTARSUB1": "starriver-sub1", "SIMSTARSUB2": "starriver-sub2"}
TOP_UPS = [("SIMSUDA", 15, Decimal(300)), ("SIMSUDA", 2, Decimal(20))]  # key, days before now, amount: not enough


def load(*, now: dt.datetime, set_clock: Callable[[dt.datetime], None]) -> int:
    """Create the simulated accounts, read them every few hours over the last 30 days (through
    ``set_clock``, the demo's moving clock), then run the balance alerts at ``now``. Returns the
    number of balance tickets opened."""
    codes = [code for code, *_rest in ACCOUNTS] + list(SUBACCOUNTS.values())
    customers = {customer.code: customer for customer in Customer.objects.filter(code__in=codes)}
    start = now - dt.timedelta(days=HISTORY_DAYS)
    set_clock(start)
    masters = []
    for code, name, key, options in ACCOUNTS:
        if code not in customers:
            continue
        master = VendorAccount.objects.create(customer=customers[code], name=name, kind="simulator", api_key=key,
                                              options=options, next_check_at=start)
        masters.append(master)
        for sub in options.get("subaccounts", []):
            sub_code = SUBACCOUNTS.get(sub["api_key"])
            if sub_code in customers:
                VendorAccount.objects.create(customer=customers[sub_code], name=sub["name"], kind="simulator",
                                             api_key=sub["api_key"], parent=master)
    _alert_settings(customers)
    pending_top_ups = [(key, now - dt.timedelta(days=days), amount) for key, days, amount in TOP_UPS]
    moment = start
    while moment <= now:
        set_clock(moment)
        for top_up in [t for t in pending_top_ups if moment >= t[1]]:
            balances.top_up_simulator(VendorAccount.objects.get(api_key=top_up[0]), top_up[2])
            pending_top_ups.remove(top_up)
        VendorAccount.objects.filter(pk__in=[m.pk for m in masters]).update(next_check_at=moment)
        balances.check_due(workers=1)
        moment += STEP
    set_clock(now)
    VendorAccount.objects.filter(pk__in=[m.pk for m in masters]).update(next_check_at=now)
    before = incidents.BalanceIncident.objects.count()
    balances.check_due(workers=1, after_store=incidents.evaluate_accounts)
    return incidents.BalanceIncident.objects.count() - before


def _alert_settings(customers: dict[str, Customer]) -> None:
    """Suda's billing contact has agreed to hear about low balances; Bluewave wants a floor too."""
    if "suda" in customers:
        billing = Contact.objects.filter(customer=customers["suda"]).exclude(email="").first()
        BalanceAlertSettings.objects.create(customer=customers["suda"], runway_hours=72,
                                            notify_customer=billing is not None, billing_contact=billing)
    if "bluewave" in customers:
        BalanceAlertSettings.objects.create(customer=customers["bluewave"], below_amount=Decimal(300),
                                            runway_hours=96)
