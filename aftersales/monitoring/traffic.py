"""A traffic generator for the demo, the tests and ``aftersales simulate``: plausible SMS traffic of
one vendor account as ``ingest.TrafficEvent`` values, in time order, and the five scenarios of
issue 7 layered on top of normal traffic.

Normal traffic: OTP and notification messages to the account's usual countries with a day-shaped
profile (quiet nights, busy office hours, in the account's local time), each country's own delivery
rate and DLR error mix (2/7/8 transient, 3/9 bad numbers, a little 6 and 1), DLR latency of seconds
to minutes, and OTP conversion around 65-75 % (sms-domain.md: "around 65 % globally").

Scenarios (each from ``incident_start`` to the end of the run):
- ``delivery-outage``: the busiest network stops delivering (err-code 11, "unroutable" — a route
  problem);
- ``pumping``: SMS pumping / AIT (盗刷): a burst of OTP requests to a new, high-cost country, to
  sequential numbers under a few prefixes, that never convert;
- ``conversion-collapse``: OTP conversion in the busiest country falls to ~15 % while delivery looks
  normal;
- ``balance-rundown``: a balance nobody tops up, and twice the usual volume at the end (the balance
  check notices; ``simulate`` sizes the balance so the runway crosses 3 days near the end);
- ``normal``: nothing but normal traffic.

Near-misses, which must stay quiet (the monitors' thresholds come from sms-domain.md, not from this
generator; these check they do not cry wolf):
- ``launch``: a legitimate launch in a new country: moderate volume, ordinary price, random numbers,
  healthy delivery and conversion;
- ``seasonal-peak``: twice the usual volume everywhere (a holiday, a campaign);
- ``small-outage``: the least busy network stops delivering, below the delivery monitor's minimum
  volume.

``recovered_hours`` ends the scenario that many hours before the end of the run (the recovery story).
Deterministic for a given seed. Pure: no database; the caller feeds the events to ``record_events``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aftersales.monitoring.ingest import TrafficEvent

SCENARIOS = ("normal", "delivery-outage", "pumping", "conversion-collapse", "balance-rundown")
NEAR_MISSES = ("launch", "seasonal-peak", "small-outage")
HOUR = dt.timedelta(hours=1)
# Share of the daily volume by local hour (sums to ~1).
DAY_SHAPE = (
    0.008, 0.006, 0.005, 0.005, 0.006, 0.010, 0.020, 0.035, 0.055, 0.065, 0.068, 0.066,
    0.062, 0.064, 0.066, 0.065, 0.062, 0.058, 0.055, 0.050, 0.045, 0.035, 0.022, 0.012,
)


@dataclass(frozen=True)
class Destination:
    country: str
    network: str  # MCCMNC
    prefix: str  # E.164 digits the numbers start with
    share: float  # of the account's traffic
    delivery: float  # normal delivery rate
    price: Decimal  # EUR per part


# The demo accounts' usual destinations (real MCCMNC codes and number ranges; invented numbers).
USUAL: tuple[Destination, ...] = (
    Destination("CN", "46000", "86138", 0.40, 0.96, Decimal("0.0300")),
    Destination("IN", "40410", "91981", 0.20, 0.90, Decimal("0.0045")),
    Destination("ID", "51010", "62812", 0.12, 0.92, Decimal("0.0310")),
    Destination("VN", "45204", "84986", 0.10, 0.93, Decimal("0.0420")),
    Destination("NG", "62130", "234803", 0.10, 0.88, Decimal("0.0380")),
    Destination("GB", "23410", "447700", 0.08, 0.97, Decimal("0.0333")),
)
# A destination the account never sends to, far more expensive per message: where pumping goes.
PUMPING = Destination("UZ", "43405", "99890", 0.0, 0.85, Decimal("0.2300"))
TRANSIENT_ERRORS = (2, 7, 8, 2, 8, 3, 9, 1, 6)
# launch: a new country the account starts serving on purpose (Thailand, AIS; an ordinary price).
LAUNCH = Destination("TH", "52001", "6681", 0.08, 0.95, Decimal("0.0290"))
# balance-rundown: twice the usual volume at the end (a campaign) on a balance nobody tops up; twice
# is also what a seasonal peak looks like, so the volume monitor must stay quiet and only the balance
# check speaks.
RUNDOWN_FACTOR = 2


@dataclass
class Plan:
    scenario: str = "normal"
    start: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    hours: int = 7 * 24
    per_day: int = 2400  # messages a day in normal traffic
    otp_share: float = 0.7  # share of messages that are OTPs (conversion expected)
    conversion: float = 0.72
    utc_offset: int = 8  # the account's local time, for the day shape
    incident_hours: int = 6  # how long the scenario has been going at the end of the run
    recovered_hours: int = 0  # the scenario stopped this many hours before the end of the run
    seed: int = 1
    api_key: str = ""
    account_id: int | None = None
    destinations: tuple[Destination, ...] = USUAL

    @property
    def end(self) -> dt.datetime:
        return self.start + self.hours * HOUR

    @property
    def target(self) -> Destination:
        """Where an outage or a conversion collapse happens: the busiest destination, where the
        monitors have the volume to judge (a quiet one stays under their minimums, by design)."""
        return max(self.destinations, key=lambda destination: destination.share)

    @property
    def spend_per_day(self) -> Decimal:
        """What a normal day costs (EUR), on average."""
        per_message = sum((Decimal(str(d.share)) * d.price for d in self.destinations), Decimal(0))
        return per_message * self.per_day

    @property
    def smallest(self) -> Destination:
        """The least busy destination (where an outage stays under the monitors' minimums)."""
        return min(self.destinations, key=lambda destination: destination.share)

    @property
    def incident_end(self) -> dt.datetime:
        return self.end - self.recovered_hours * HOUR

    @property
    def incident_start(self) -> dt.datetime:
        return self.incident_end - self.incident_hours * HOUR


def generate(plan: Plan) -> Iterator[TrafficEvent]:
    """The plan's events, hour by hour (within an hour roughly in time order)."""
    if plan.scenario not in SCENARIOS + NEAR_MISSES:
        choices = ", ".join(SCENARIOS + NEAR_MISSES)
        raise ValueError(f"unknown scenario {plan.scenario!r}; choose one of {choices}")
    rng = random.Random(plan.seed)  # noqa: S311 - simulated traffic, not secrets
    counter = 0
    hour = plan.start.replace(minute=0, second=0, microsecond=0)
    while hour < plan.end:
        incident = plan.incident_start <= hour < plan.incident_end and plan.scenario != "normal"
        local_hour = (hour.hour + plan.utc_offset) % 24
        volume = plan.per_day * DAY_SHAPE[local_hour] * rng.uniform(0.85, 1.15)
        if incident and plan.scenario in ("balance-rundown", "seasonal-peak"):
            volume *= RUNDOWN_FACTOR
        batch: list[TrafficEvent] = []
        for destination in plan.destinations:
            count = _poisson(rng, volume * destination.share)
            for _n in range(count):
                counter += 1
                batch.extend(_message(rng, plan, hour, destination, counter, incident))
        if incident and plan.scenario == "launch":
            for _n in range(_poisson(rng, volume * LAUNCH.share)):
                counter += 1
                batch.extend(_message(rng, plan, hour, LAUNCH, counter, incident))
        if incident and plan.scenario == "pumping":
            # Hundreds of OTP requests an hour to sequential numbers: three blocks a script walks through,
            # one number after the next (…0417, …0418, …0419), spread over the hour.
            count = _poisson(rng, max(150.0, plan.per_day / 10))
            per_block = count // 3 + 1
            blocks = [f"{PUMPING.prefix}{k}{rng.randint(10, 99)}" for k in range(3)]
            firsts = [rng.randint(0, 9999 - per_block) for _block in blocks]
            for n in range(count):
                counter += 1
                number = f"{blocks[n % 3]}{firsts[n % 3] + n // 3:04d}"
                batch.extend(_message(rng, plan, hour, PUMPING, counter, incident, msisdn=number))
        batch.sort(key=lambda event: event.at)
        yield from batch
        hour += HOUR


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    # A normal approximation is plenty for hourly volumes; never negative.
    return max(0, round(rng.gauss(mean, mean**0.5)))


def _message(
    rng: random.Random,
    plan: Plan,
    hour: dt.datetime,
    destination: Destination,
    counter: int,
    incident: bool,
    *,
    msisdn: str = "",
) -> list[TrafficEvent]:
    at = hour + dt.timedelta(seconds=rng.randint(0, 3599))
    message_id = f"SIM{plan.seed:02d}{counter:010d}"
    digits = 12 - len(destination.prefix)
    number = msisdn or f"{destination.prefix}{rng.randint(0, 10**digits - 1):0{digits}d}"
    otp = destination is PUMPING or rng.random() < plan.otp_share

    def event(kind: str, when: dt.datetime, **extra: Any) -> TrafficEvent:
        return TrafficEvent(
            kind=kind, at=when, message_id=message_id, api_key=plan.api_key, account_id=plan.account_id,
            msisdn=number, network=destination.network, country=destination.country, **extra,
        )

    events = [event("submitted", at, price=destination.price)]
    if otp:
        events.append(event("conversion_requested", at))
    # The delivery receipt: the scenario's network (the account's busiest destination) may be broken.
    delivery = destination.delivery
    err_codes: tuple[int, ...] = TRANSIENT_ERRORS
    target = plan.target
    broken = {"delivery-outage": target, "small-outage": plan.smallest}.get(plan.scenario)
    if incident and destination is broken:
        delivery, err_codes = 0.15, (11, 11, 11, 99)
    delivered = rng.random() < delivery
    latency = dt.timedelta(seconds=rng.choice((2, 3, 4, 5, 8, 12, 20, 45, 90)))
    if delivered:
        events.append(event("dlr", at + latency, status="delivered", err_code=0, submitted_at=at,
                            price=destination.price))
    else:
        code = rng.choice(err_codes)
        status = "expired" if code in (2, 7) and rng.random() < 0.3 else "failed"
        events.append(event("dlr", at + latency, status=status, err_code=code, submitted_at=at,
                            price=destination.price))
    # The OTP entered (conversion), a little after delivery.
    if otp and delivered:
        rate = plan.conversion
        if destination is PUMPING:
            rate = 0.0
        elif incident and plan.scenario == "conversion-collapse" and destination is target:
            rate = 0.15
        if rng.random() < rate:
            events.append(event("verified", at + latency + dt.timedelta(seconds=rng.randint(8, 90))))
    return events
