"""What one monitor pass reads, fetched once: a handful of SQL aggregates over the hourly rollups.

Windows (all in whole rollup hours, UTC; ``top`` is the start of the current hour):

- ``hour``: the last hour — the previous complete hour and the current one (``top - 1 h`` on);
- ``day``: the last 12 hours (``top - 12 h`` on), for volume and new destinations;
- ``lagged``: three complete hours ending an hour before the current one, for the DLR return rate
  (receipts of the last minutes are still on their way);
- ``base``: the 30 days before the ``hour`` window (the account's own baseline);
- ``history``: the 90 days before the ``day`` window (volume pattern, first traffic).

Phase 1 (always, four queries): sums per account × country × network for the recent windows and for
the baseline, the prefix counters of the last hour, the accounts. Phase 2 (only for candidates, see
``hourly`` and ``error_mix``): per-hour rows or error codes of the few pairs a monitor needs to look
at closely, so a pass over 100,000 healthy pairs costs the same handful of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.db.models import Case, DecimalField, F, IntegerField, Max, Min, Q, Sum, Value, When

from aftersales.monitoring.models import MonitorSetting, PrefixRollup, TrafficRollup
from aftersales.sms.models import VendorAccount

if TYPE_CHECKING:
    from aftersales.monitoring.monitors.base import Monitor

HOUR = dt.timedelta(hours=1)
HOUR_WINDOW = dt.timedelta(hours=1)
DAY_WINDOW = dt.timedelta(hours=12)
LAG = dt.timedelta(hours=1)
LAGGED_WINDOW = dt.timedelta(hours=3)
BASE_WINDOW = dt.timedelta(days=30)
HISTORY_WINDOW = dt.timedelta(days=90)

Key = tuple[int, str, str]  # account id, country, network
CountryKey = tuple[int, str]  # account id, country

COUNT_FIELDS = ("submitted", "delivered", "failed", "expired", "unknown", "conversion_requested",
                "conversion_verified")


@dataclass
class Counts:
    submitted: int = 0
    delivered: int = 0
    failed: int = 0
    expired: int = 0
    unknown: int = 0
    conversion_requested: int = 0
    conversion_verified: int = 0
    cost: float = 0.0

    def add(self, other: Counts) -> None:
        # Spelled out: this runs for every pair of every pass (100,000s), a loop over fields() is 5× slower.
        self.submitted += other.submitted
        self.delivered += other.delivered
        self.failed += other.failed
        self.expired += other.expired
        self.unknown += other.unknown
        self.conversion_requested += other.conversion_requested
        self.conversion_verified += other.conversion_verified
        self.cost += other.cost

    @property
    def final(self) -> int:
        """Parts with a final DLR status (delivered, failed/rejected, expired, unknown)."""
        return self.delivered + self.failed + self.expired + self.unknown

    @property
    def delivery_rate(self) -> float | None:
        """Delivered ÷ parts with a final DLR (sms-domain §5)."""
        return self.delivered / self.final if self.final else None

    @property
    def return_rate(self) -> float | None:
        """Parts with any final DLR ÷ parts submitted (sms-domain §5)."""
        return min(1.0, self.final / self.submitted) if self.submitted else None

    @property
    def conversion(self) -> float | None:
        """OTP conversion: verified ÷ requested (sms-domain §5)."""
        return min(1.0, self.conversion_verified / self.conversion_requested) if self.conversion_requested else None

    @property
    def cost_per_message(self) -> float | None:
        return self.cost / self.submitted if self.submitted else None


@dataclass
class Pair:
    """One account × country × network (``network`` "" also for a whole country, see ``countries``)."""

    account_id: int
    country: str
    network: str
    hour: Counts = field(default_factory=Counts)
    day: Counts = field(default_factory=Counts)
    lagged: Counts = field(default_factory=Counts)
    base: Counts = field(default_factory=Counts)
    history_submitted: int = 0  # in the 90 days before the day window
    first_hour: dt.datetime | None = None  # earliest traffic in the 90 days before the day window

    def merge(self, other: Pair) -> None:
        self.hour.add(other.hour)
        self.day.add(other.day)
        self.lagged.add(other.lagged)
        self.base.add(other.base)
        self.history_submitted += other.history_submitted
        if other.first_hour is not None and (self.first_hour is None or other.first_hour < self.first_hour):
            self.first_hour = other.first_hour


# What each recent window needs (fewer conditional sums: the recent query is the pass's largest).
DAY_FIELDS = ("submitted", "conversion_requested", "conversion_verified")
LAGGED_FIELDS = ("submitted", "delivered", "failed", "expired", "unknown")


def _window_sums(prefix: str, condition: Q, names: tuple[str, ...] = COUNT_FIELDS, cost: bool = True) -> dict[str, Any]:
    sums: dict[str, Any] = {
        f"{prefix}_{name}": Sum(Case(When(condition, then=F(name)), default=Value(0), output_field=IntegerField()))
        for name in names
    }
    if cost:
        money: DecimalField = DecimalField(max_digits=20, decimal_places=6)
        sums[f"{prefix}_cost"] = Sum(Case(When(condition, then=F("cost")), default=Value(0), output_field=money))
    return sums


def _counts(row: dict[str, Any], prefix: str, names: tuple[str, ...] = COUNT_FIELDS) -> Counts:
    counts = Counts(**{name: int(row[f"{prefix}_{name}"] or 0) for name in names})
    counts.cost = float(row.get(f"{prefix}_cost") or 0)
    return counts


def _copy(pair: Pair) -> Pair:
    total = Pair(pair.account_id, pair.country, "")
    total.merge(pair)
    return total


class Context:
    """Everything a pass's monitors read. Build it with :meth:`load` (a few queries)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.top = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        self.hour_start = self.top - HOUR_WINDOW
        self.day_start = self.top - DAY_WINDOW
        self.lagged_end = self.top - LAG
        self.lagged_start = self.lagged_end - LAGGED_WINDOW
        self.base_start = self.hour_start - BASE_WINDOW
        self.history_start = self.day_start - HISTORY_WINDOW
        self.pairs: dict[Key, Pair] = {}
        self.prefixes: list[dict[str, Any]] = []
        self.customer_of: dict[int, int] = {}  # vendor account → customer
        self.settings: dict[tuple[str, int | None], MonitorSetting] = {}
        self._countries: dict[CountryKey, Pair] | None = None
        self.queries = 0

    # --- phase 1 -------------------------------------------------------------------------------
    @classmethod
    def load(cls, now: dt.datetime) -> Context:
        context = cls(now)
        context._load_recent()
        context._load_baseline()
        context._load_prefixes()
        context._load_accounts()
        context.settings = {(s.monitor, s.customer_id): s for s in MonitorSetting.objects.all()}
        context.queries += 1
        return context

    def _pair(self, row: dict[str, Any]) -> Pair:
        key = (row["account_id"], row["country"], row["network"])
        pair = self.pairs.get(key)
        if pair is None:
            pair = self.pairs[key] = Pair(*key)
        return pair

    def _load_recent(self) -> None:
        rows = (
            TrafficRollup.objects.filter(hour__gte=self.day_start, hour__lt=self.top + HOUR)
            .values("account_id", "country", "network")
            .order_by()
            .annotate(
                **_window_sums("h", Q(hour__gte=self.hour_start)),
                **_window_sums("d", Q(hour__gte=self.day_start), DAY_FIELDS, cost=False),
                **_window_sums("l", Q(hour__gte=self.lagged_start, hour__lt=self.lagged_end), LAGGED_FIELDS,
                               cost=False),
            )
        )
        for row in rows:
            pair = self._pair(row)
            pair.hour = _counts(row, "h")
            pair.day, pair.lagged = _counts(row, "d", DAY_FIELDS), _counts(row, "l", LAGGED_FIELDS)
        self.queries += 1

    def _load_baseline(self) -> None:
        before_day = Q(hour__lt=self.day_start)
        rows = (
            TrafficRollup.objects.filter(hour__gte=self.history_start, hour__lt=self.hour_start)
            .values("account_id", "country", "network")
            .order_by()
            .annotate(
                **_window_sums("b", Q(hour__gte=self.base_start)),
                history_submitted=Sum(
                    Case(When(before_day, then=F("submitted")), default=Value(0), output_field=IntegerField())
                ),
                first_hour=Min(Case(When(before_day & Q(submitted__gt=0), then=F("hour")), default=None)),
            )
        )
        for row in rows:
            pair = self._pair(row)
            pair.base = _counts(row, "b")
            pair.history_submitted = int(row["history_submitted"] or 0)
            pair.first_hour = row["first_hour"]
        self.queries += 1

    def _load_prefixes(self) -> None:
        self.prefixes = list(
            PrefixRollup.objects.filter(hour__gte=self.hour_start, numbers__gte=2)
            .values("account_id", "country", "prefix")
            .order_by()
            .annotate(numbers_max=Max("numbers"), messages_sum=Sum("messages"), sequential_max=Max("sequential"))
        )
        self.queries += 1

    def _load_accounts(self) -> None:
        ids = {key[0] for key in self.pairs} | {row["account_id"] for row in self.prefixes}
        self.customer_of = dict(VendorAccount.objects.filter(pk__in=ids).values_list("pk", "customer_id"))
        self.queries += 1

    # --- what monitors read --------------------------------------------------------------------
    def networks(self) -> Iterable[Pair]:
        """Every account × country × network with traffic in the 90 days."""
        return self.pairs.values()

    def countries(self) -> dict[CountryKey, Pair]:
        """The pairs summed per account × country (network "")."""
        if self._countries is None:
            summed: dict[CountryKey, Pair] = {}
            single: set[CountryKey] = set()  # countries seen with one network so far: its pair, not a copy
            for pair in self.pairs.values():
                key = (pair.account_id, pair.country)
                total = summed.get(key)
                if total is None:
                    summed[key] = pair
                    single.add(key)
                    continue
                if key in single:  # a second network: sum into a new pair, never into a network's own
                    single.discard(key)
                    total = summed[key] = _copy(total)
                total.merge(pair)
            self._countries = {
                key: (replace(pair, network="") if key in single and pair.network else pair)
                for key, pair in summed.items()
            }
        return self._countries

    def account_history_start(self) -> dict[int, dt.datetime]:
        """Each account's earliest traffic (any country) in the 90 days before the day window."""
        first: dict[int, dt.datetime] = {}
        for pair in self.pairs.values():
            known = first.get(pair.account_id)
            if pair.first_hour is not None and (known is None or pair.first_hour < known):
                first[pair.account_id] = pair.first_hour
        return first

    def customer(self, account_id: int) -> int | None:
        return self.customer_of.get(account_id)

    def params(self, monitor: Monitor, customer_id: int | None) -> dict[str, Any] | None:
        """The monitor's parameters for a customer: its own setting, else the desk-wide one (customer
        empty), else the defaults; None when the monitor is turned off for that customer."""
        values = monitor.all_defaults()
        for owner in (None, customer_id):
            setting = self.settings.get((monitor.key, owner))
            if setting is None:
                continue
            if not setting.enabled:
                return None
            values.update({k: v for k, v in (setting.params or {}).items() if k in values})
        return values

    # --- phase 2 (candidates only) ---------------------------------------------------------------
    def hourly(
        self, keys: Iterable[CountryKey], *, since: dt.datetime, until: dt.datetime | None = None
    ) -> dict[Key, dict[dt.datetime, Counts]]:
        """Per-hour counts of the given account × country pairs (every network), one query."""
        wanted = set(keys)
        result: dict[Key, dict[dt.datetime, Counts]] = defaultdict(dict)
        if not wanted:
            return result
        rows = TrafficRollup.objects.filter(
            account_id__in={k[0] for k in wanted}, country__in={k[1] for k in wanted}, hour__gte=since,
            hour__lt=until or self.top + HOUR,
        ).values("account_id", "country", "network", "hour", *COUNT_FIELDS, "cost")
        self.queries += 1
        for row in rows:
            if (row["account_id"], row["country"]) not in wanted:
                continue
            counts = Counts(**{name: row[name] for name in COUNT_FIELDS})
            counts.cost = float(row["cost"] or 0)
            result[(row["account_id"], row["country"], row["network"])][row["hour"]] = counts
        return result

    def error_mix(self, keys: Iterable[Key]) -> dict[Key, tuple[Counter[str], Counter[str]]]:
        """Failures by err-code of the given pairs: (last hour, 30-day baseline), one query."""
        wanted = set(keys)
        result: dict[Key, tuple[Counter[str], Counter[str]]] = {}
        if not wanted:
            return result
        rows = TrafficRollup.objects.filter(
            account_id__in={k[0] for k in wanted}, country__in={k[1] for k in wanted},
            hour__gte=self.base_start, hour__lt=self.top + HOUR, failed__gt=0,
        ).values_list("account_id", "country", "network", "hour", "errors")
        self.queries += 1
        for account_id, country, network, hour, errors in rows:
            key = (account_id, country, network)
            if key not in wanted:
                continue
            recent, base = result.setdefault(key, (Counter(), Counter()))
            target = recent if hour >= self.hour_start else base
            for code, n in (errors or {}).items():
                target[str(code)] += int(n)
        return result
