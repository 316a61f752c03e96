"""The live demo: after ``aftersales demo`` the desk keeps receiving traffic, so the health charts move
and the monitors have something to find while a person watches.

Every minute (``demo.live_traffic``, registered in ``demo/tasks.py``) :func:`run` generates the traffic
of the demo's simulator accounts for the minutes since the last run and feeds it through the one
ingestion path (``monitoring.ingest.record_events``), exactly as a webhook or a feed would. The traffic
comes from the generator ``monitoring.traffic`` (``Plan``/``generate``), one plan per stream and hour:

- normal, day-shaped traffic for Starriver OTP, Bluewave, Suda and Kaito Pay (a few messages a minute
  each);
- the pumping attack on Starriver OTP in Nigeria (OTP requests to one number range that never convert)
  goes on from 80 minutes before the load until two hours after it, so its proactive ticket stays open
  and gathers evidence; then it stops, and the monitors resolve the ticket (the recovery story);
- three minutes after the load, Bluewave's busiest network (CN) stops delivering for 90 minutes (the
  generator's ``delivery-outage`` scenario): a new proactive ticket opens while the person watches.

Only a desk the demo loaded gets any of this: the loader marks it (:func:`mark_loaded`, a named value
``demo.loaded_at`` in ``core.Sequence`` holding the load time in Unix seconds) and the job does nothing
without the mark, without the demo's simulator accounts, or with ``DEMO_LIVE_TRAFFIC=false``.

Where the last run stopped is read from the data: the latest submission time among the demo accounts'
message parts. A run covers [that moment, now), at most ``MAX_CATCH_UP`` back, so a desk started again
after days does not flood itself. Each hour of each stream is generated from its own seed, so the same
message is generated the same way by every run; a window that overlaps an earlier one only produces
duplicates, which ingestion counts once.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Max

from aftersales.core import clock
from aftersales.core.models import Sequence
from aftersales.monitoring.ingest import TrafficEvent, hour_of, record_events
from aftersales.monitoring.models import EventSource, MessageRecord, TrafficRollup
from aftersales.monitoring.traffic import DAY_SHAPE, TRANSIENT_ERRORS, USUAL, Destination, Plan, generate
from aftersales.sms.models import VendorAccount

MARKER = "demo.loaded_at"
MAX_CATCH_UP = dt.timedelta(minutes=10)
# A message's receipt comes up to 90 s after it, its verification up to 90 s after that
# (monitoring.traffic): the hours generated for a window start this much before it.
EVENT_SPREAD = dt.timedelta(minutes=3)
HOUR = dt.timedelta(hours=1)

ATTACK_BEFORE_LOAD = dt.timedelta(minutes=80)
ATTACK_AFTER_LOAD = dt.timedelta(hours=2)
OUTAGE_AFTER_LOAD = dt.timedelta(minutes=3)
OUTAGE_FOR = dt.timedelta(minutes=90)

# Starriver OTP's usual destinations (China and the UK), and where the pumping attack goes: one range
# of Nigerian numbers (all under the prefix 23480312), dearer than anything the account usually buys.
STARRIVER_OTP = (
    Destination("CN", "46000", "86138", 0.80, 0.96, Decimal("0.0300")),
    Destination("GB", "23410", "447700", 0.20, 0.97, Decimal("0.0333")),
)
PUMPING_NG = Destination("NG", "62130", "23480312", 1.0, 0.96, Decimal("0.0900"))


@dataclass(frozen=True)
class Stream:
    """One account's traffic of one kind. ``active`` (relative to the load time) bounds the messages
    by their submission time; ``per_hour`` instead of ``per_day`` means a flat rate (an attack does not
    sleep at night)."""

    number: int  # part of every seed, so message ids never collide between streams
    api_key: str
    scenario: str = "normal"
    per_day: int = 1000
    per_hour: int | None = None
    destinations: tuple[Destination, ...] = USUAL
    otp_share: float = 0.7
    conversion: float = 0.72
    # The account's local time, for the day shape; None: placed so the demo's load falls on a busy
    # morning there (the outage needs volume to be seen at once, whatever time the demo is loaded).
    utc_offset: int | None = 8
    active: tuple[dt.timedelta, dt.timedelta] | None = None
    inactive: tuple[dt.timedelta, dt.timedelta] | None = None
    history: bool = True  # the loader writes ten days of hourly rollups for it

    def offset(self, loaded_at: dt.datetime) -> int:
        if self.utc_offset is not None:
            return self.utc_offset
        return (10 - loaded_at.astimezone(dt.UTC).hour) % 24

    def runs_at(self, moment: dt.datetime, loaded_at: dt.datetime) -> bool:
        if self.active is not None and not loaded_at + self.active[0] <= moment < loaded_at + self.active[1]:
            return False
        return not (self.inactive is not None and loaded_at + self.inactive[0] <= moment < loaded_at + self.inactive[1])

    def plan(self, hour: dt.datetime, account: VendorAccount, loaded_at: dt.datetime) -> Plan:
        utc_offset = self.offset(loaded_at)
        per_day = self.per_day
        if self.per_hour is not None:
            per_day = round(self.per_hour / DAY_SHAPE[(hour.hour + utc_offset) % 24])
        return Plan(
            scenario=self.scenario,
            start=hour,
            hours=1,
            incident_hours=1,
            per_day=per_day,
            otp_share=self.otp_share,
            conversion=self.conversion,
            utc_offset=utc_offset,
            seed=int((hour - EPOCH) // HOUR) * 100 + self.number,
            api_key=account.api_key,
            account_id=account.pk,
            destinations=self.destinations,
        )


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
OUTAGE = (OUTAGE_AFTER_LOAD, OUTAGE_AFTER_LOAD + OUTAGE_FOR)
STREAMS: tuple[Stream, ...] = (
    Stream(1, "SIMSTARSUB2", per_day=3000, destinations=STARRIVER_OTP, otp_share=1.0),
    Stream(
        2,
        "SIMSTARSUB2",
        per_hour=180,
        destinations=(PUMPING_NG,),
        otp_share=1.0,
        conversion=0.02,
        active=(-ATTACK_BEFORE_LOAD, ATTACK_AFTER_LOAD),
        history=False,
    ),
    Stream(3, "SIMBLUEWAVE", per_day=4000, utc_offset=None, inactive=OUTAGE),
    Stream(4, "SIMBLUEWAVE", scenario="delivery-outage", per_day=4000, utc_offset=None, active=OUTAGE, history=False),
    Stream(5, "SIMSUDA", per_day=900),
    Stream(6, "SIMKAITO", per_day=600, utc_offset=9),
)


# --- The mark -------------------------------------------------------------------------------
def mark_loaded(at: dt.datetime) -> None:
    """Mark the desk as the demo's, loaded at ``at`` (the live traffic's scenarios count from it)."""
    Sequence.objects.update_or_create(name=MARKER, defaults={"value": int(at.timestamp())})


def loaded_at() -> dt.datetime | None:
    """When the demo was loaded; None on a desk the demo did not load."""
    value = Sequence.objects.filter(name=MARKER).values_list("value", flat=True).first()
    return None if value is None else dt.datetime.fromtimestamp(value, tz=dt.UTC)


def accounts() -> dict[str, VendorAccount]:
    """The demo's simulator accounts that get live traffic, by API key."""
    keys = {stream.api_key for stream in STREAMS}
    found = VendorAccount.objects.filter(kind=VendorAccount.Kind.SIMULATOR, api_key__in=keys, active=True)
    return {account.api_key: account for account in found}


# --- Traffic --------------------------------------------------------------------------------
def events_between(
    since: dt.datetime,
    until: dt.datetime,
    *,
    loaded: dt.datetime,
    accounts: dict[str, VendorAccount],
    streams: Iterable[Stream] = STREAMS,
    sent_since: dt.datetime | None = None,
) -> list[TrafficEvent]:
    """Every event of ``streams`` that happens in [since, until), in time order (pure: reads nothing).
    ``sent_since``: only messages submitted from then on (after a gap, no receipts of messages the desk
    never saw sent); default: also the receipts of messages sent just before ``since``."""
    found: list[TrafficEvent] = []
    first = since - EVENT_SPREAD if sent_since is None else sent_since
    for stream in streams:
        account = accounts.get(stream.api_key)
        if account is None:
            continue
        hour = hour_of(since - EVENT_SPREAD)
        while hour < until:
            if _may_run(stream, hour, loaded):
                events = list(generate(stream.plan(hour, account, loaded)))
                sent = {event.message_id: event.at for event in events if event.kind == "submitted"}
                found.extend(
                    event
                    for event in events
                    if since <= event.at < until
                    and sent[event.message_id] >= first
                    and stream.runs_at(sent[event.message_id], loaded)
                )
            hour += HOUR
    found.sort(key=lambda event: event.at)
    return found


def _may_run(stream: Stream, hour: dt.datetime, loaded: dt.datetime) -> bool:
    if stream.active is None:
        return True
    return hour + HOUR > loaded + stream.active[0] and hour < loaded + stream.active[1]


@dataclass
class LiveRun:
    state: str  # "ran", "off" (DEMO_LIVE_TRAFFIC=false), "not-demo", "up-to-date"
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    events: int = 0
    recorded: int = 0
    duplicates: int = 0
    accounts: list[str] = field(default_factory=list)


def run(now: dt.datetime | None = None) -> LiveRun:
    """Generate and record the demo's traffic since the last run (at most ``MAX_CATCH_UP``)."""
    if not settings.DEMO_LIVE_TRAFFIC:
        return LiveRun("off")
    loaded = loaded_at()
    live = accounts() if loaded is not None else {}
    if loaded is None or not live:
        return LiveRun("not-demo")
    now = (now or clock.now()).astimezone(dt.UTC)
    last = MessageRecord.objects.filter(account__in=live.values(), submitted_at__lte=now).aggregate(
        last=Max("submitted_at")
    )["last"]
    gap = last is None or last < now - MAX_CATCH_UP
    since = now - MAX_CATCH_UP if last is None or gap else last
    if since >= now:
        return LiveRun("up-to-date", since=since, until=now)
    events = events_between(since, now, loaded=loaded, accounts=live, sent_since=since if gap else None)
    result = record_events(events, source=EventSource.TRAFFIC)
    return LiveRun(
        "ran",
        since=since,
        until=now,
        events=len(events),
        recorded=result.recorded,
        duplicates=result.duplicates,
        accounts=sorted(live),
    )


# --- What the loader writes -----------------------------------------------------------------
HISTORY_DAYS = 10
MEAN_LATENCY_MS = 21_000  # monitoring.traffic's receipt latencies, on average


def history_rollups(
    until: dt.datetime,
    *,
    loaded: dt.datetime,
    accounts: dict[str, VendorAccount],
    days: int = HISTORY_DAYS,
    seed: int = 7,
) -> list[TrafficRollup]:
    """Hourly rollups for the ``days`` before ``until`` (a whole hour) with the volumes, delivery, error
    mix, conversion and prices the live streams generate, so the monitors' baselines match what follows.
    (Writing ten days as events would take minutes; the hours are what the monitors read.)"""
    rng = random.Random(seed)  # noqa: S311 - demo data
    rows: list[TrafficRollup] = []
    for stream in STREAMS:
        account = accounts.get(stream.api_key)
        if account is None or not stream.history:
            continue
        utc_offset = stream.offset(loaded)
        for n in range(days * 24, 0, -1):
            hour = until - n * HOUR
            volume = stream.per_day * DAY_SHAPE[(hour.hour + utc_offset) % 24] * rng.uniform(0.85, 1.15)
            rows += hour_rollups(rng, account, stream, hour, volume)
    return rows


def hour_rollups(
    rng: random.Random, account: VendorAccount, stream: Stream, hour: dt.datetime, volume: float
) -> list[TrafficRollup]:
    """One hour of ``stream``'s traffic (``volume`` messages) as rollups per destination, with the
    stream's delivery, transient errors, conversion and prices (the demo's churn history uses it too)."""
    rows: list[TrafficRollup] = []
    for destination in stream.destinations:
        sent = round(volume * destination.share)
        if sent == 0:
            continue
        delivered = min(sent, round(sent * destination.delivery * rng.uniform(0.98, 1.02)))
        errors: dict[str, int] = {}
        for _n in range(sent - delivered):
            code = str(rng.choice(TRANSIENT_ERRORS))
            errors[code] = errors.get(code, 0) + 1
        requested = round(sent * stream.otp_share)
        rows.append(
            TrafficRollup(
                account=account,
                hour=hour,
                country=destination.country,
                network=destination.network,
                submitted=sent,
                delivered=delivered,
                failed=sent - delivered,
                errors=errors,
                conversion_requested=requested,
                conversion_verified=round(requested * destination.delivery * stream.conversion),
                cost=destination.price * sent,
                latency_ms_sum=sent * MEAN_LATENCY_MS,
                latency_count=sent,
            )
        )
    return rows


def load(now: dt.datetime) -> dict[str, int]:
    """The demo's traffic up to ``now``: ten days of hourly rollups, then the current hour (and the
    attack's first 80 minutes) as events through the ingestion path. Marks the desk as the demo's."""
    mark_loaded(now)
    live = accounts()
    top = hour_of(now)
    TrafficRollup.objects.bulk_create(
        history_rollups(top, loaded=now, accounts=live), batch_size=2000, ignore_conflicts=True
    )
    attack = [stream for stream in STREAMS if stream.active is not None and stream.active[0] < dt.timedelta(0)]
    others = [stream for stream in STREAMS if stream not in attack]
    events = events_between(top, now, loaded=now, accounts=live, streams=others, sent_since=top)
    start = now - ATTACK_BEFORE_LOAD
    events += events_between(start, now, loaded=now, accounts=live, streams=attack, sent_since=start)
    result = record_events(sorted(events, key=lambda event: event.at), source=EventSource.TRAFFIC)
    return {"events": len(events), "recorded": result.recorded}
