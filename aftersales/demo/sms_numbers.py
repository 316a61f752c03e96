"""Demo numbers: what customers hold, synced from a simulated vendor account or entered by hand,
with their inbound webhooks in every state — and not one HTTP request made.

- MoonLight Studio bought 2 UK long numbers (the seed's "buy 2 UK long numbers") on its own
  simulated vendor account (``SIMMOONLIGHT``), synced through ``sms.numbers.sync_numbers``: one
  answers on its inbound webhook, the other has none ("inbound SMS to this number are lost").
- Bluewave Games holds a US toll-free number whose webhook answers HTTP 502, and a US short code.
- Starriver Tech holds a London number for voice only (no webhook needed).

The webhook states are set by ``sms.webhookcheck.check_webhooks`` with a ``probe`` that answers
from a table instead of the network.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aftersales.sms.models import PhoneNumber, VendorAccount
from aftersales.sms.numbers import add_number, sync_numbers
from aftersales.sms.webhookcheck import ProbeResult, check_webhooks

MOONLIGHT_HOOK = "https://hooks.moonlight.example/sms/inbound"
BLUEWAVE_HOOK = "https://api.bluewave.example/sms/inbound"
BLUEWAVE_SHORT_CODE_HOOK = "https://api.bluewave.example/sms/short-code"

# What the demo's pretend probe answers, per URL (anything else: answers).
ANSWERS = {
    BLUEWAVE_HOOK: ProbeResult(False, "http:502", 502),
}


def _probe(url: str, timeout: float) -> ProbeResult:
    return ANSWERS.get(url, ProbeResult(True, "", 200))


def load(*, now: dt.datetime, users: dict[str, Any], customers: dict[str, Any]) -> list[PhoneNumber]:
    """Give demo customers their numbers and check their webhooks without network access.

    ``users`` by username (``demo-agent`` is the actor), ``customers`` by code (``moonlight``,
    ``bluewave``, ``starriver``; a missing one is skipped). Run after the customers exist, with
    the clock at (about) ``now``. Returns the numbers created.
    """
    actor = users.get("demo-agent")
    made: list[PhoneNumber] = []
    moonlight = customers.get("moonlight")
    if moonlight is not None:
        account = VendorAccount.objects.create(
            customer=moonlight,
            name="MoonLight Studio main",
            kind=VendorAccount.Kind.SIMULATOR,
            api_key="SIMMOONLIGHT",
            options={
                "seed": 21,
                "master_balance": "640",
                "burn_per_hour": "0.2",
                "subaccounts": [],
                "numbers": [
                    {
                        "country": "GB",
                        "msisdn": "447700900301",
                        "type": "mobile-lvn",
                        "features": ["SMS", "VOICE"],
                        "inbound_webhook_url": MOONLIGHT_HOOK,
                    },
                    # Bought with the first, but nobody set its inbound webhook.
                    {"country": "GB", "msisdn": "447700900302", "type": "mobile-lvn", "features": ["SMS", "VOICE"]},
                ],
            },
        )
        sync_numbers(account=account, actor=actor)
        made.extend(PhoneNumber.objects.filter(account=account).order_by("msisdn"))
    bluewave = customers.get("bluewave")
    if bluewave is not None:
        made.append(
            add_number(
                actor=actor,
                customer=bluewave,
                msisdn="+1 833 555 0142",
                type=PhoneNumber.Type.TOLL_FREE,
                features=["SMS", "VOICE"],
                monthly_cost="9.00",
                currency="USD",
                inbound_webhook_url=BLUEWAVE_HOOK,
                bought_at=(now - dt.timedelta(days=140)).date(),
            )
        )
        made.append(
            add_number(
                actor=actor,
                customer=bluewave,
                msisdn="55501",
                country="US",
                type=PhoneNumber.Type.SHORT_CODE,
                features=["SMS"],
                monthly_cost="1000.00",
                currency="USD",
                inbound_webhook_url=BLUEWAVE_SHORT_CODE_HOOK,
                bought_at=(now - dt.timedelta(days=300)).date(),
            )
        )
    starriver = customers.get("starriver")
    if starriver is not None:
        made.append(
            add_number(
                actor=actor,
                customer=starriver,
                msisdn="+44 20 7946 0958",
                type=PhoneNumber.Type.LANDLINE,
                features=["VOICE"],
                monthly_cost="0.90",
                bought_at=(now - dt.timedelta(days=60)).date(),
            )
        )
    check_webhooks(numbers=made, probe=_probe)
    return made
