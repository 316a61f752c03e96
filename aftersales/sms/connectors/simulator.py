"""A pretend SMS vendor for the demo and tests: balances that burn down with traffic.

Deterministic: the same seed gives the same accounts, the same traffic and the same errors.
Traffic is a per-hour spend (``burn_per_hour`` × a day-shaped profile × a seeded per-hour
wobble), so how often the balance is read does not change what it reads: reading at 10:00 and
12:00 gives the same 12:00 balance as reading only at 12:00. Time comes from the injected
``clock`` (``aftersales.core.clock.now`` by default, so time-machine moves it in tests).

A master account has its own balance; each sub-account either shares it (``balance`` None: its
traffic draws on the master's balance) or holds its own. A balance never falls below minus its
credit limit (prepaid: 0): traffic stops there, as it would at a real vendor. ``top_up`` adds
funds. With ``error_rate`` > 0 a call fails now and then (429, 503, timeout), as vendors do;
``reject_credentials`` makes every call a 401.

Test messages (the SMS round-trip probe): ``send_test_message`` returns a message id and keeps the
message in the state; its delivery receipt becomes due ``receipt_delay_seconds`` later with
``receipt_status`` ("delivered", "failed", "expired", or "none": a receipt that never comes).
``deliver_receipts`` hands over the receipts that are due, once each, as the vendor's webhook would:
the caller feeds them to ``monitoring.ingest.record_events``.

Message records (the Reports API, ``report_records``): none unless ``report_per_hour`` > 0; then about
that many outbound messages an hour (day-shaped), the same for a given seed and hour however the
windows are cut, so pulling a window twice gives the same records.

The whole state is a JSON-friendly dict (``to_dict`` / ``SimulatorConnector(state=…)``), so it
can live in a database row between checks.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from aftersales.core import clock as core_clock

from .base import (
    REPORT_MAX_WINDOW,
    Balance,
    Connector,
    Number,
    ReportPage,
    RetryPolicy,
    SubAccount,
    TrafficRule,
    VendorAuthError,
    VendorError,
    VendorForbidden,
    VendorRateLimited,
    VendorRequestRefused,
    VendorUnavailable,
)

STATE_VERSION = 1
HOUR = timedelta(hours=1)
CENT = Decimal("0.0001")
# Share of the hourly rate by hour of day (UTC): quiet nights, busy office hours; averages ~0.8.
DAY_PROFILE = (
    "0.20 0.15 0.10 0.10 0.10 0.15 0.30 0.60 1.00 1.30 1.40 1.40 1.30 1.30 1.40 1.40 1.30 1.20 1.00 0.90 0.80 0.60 "
    "0.40 0.30"
)
PROFILE = tuple(Decimal(x) for x in DAY_PROFILE.split())
# A number's rent per month by vendor type, unless the number says otherwise ("monthly_cost").
MONTHLY_COSTS = {"mobile-lvn": "0.90", "landline": "0.90", "landline-toll-free": "9.00", "short-code": "500.00"}
REPORT_PAGE_SIZE = 1000  # records per page, as the Reports API serves them
# Where simulated report traffic goes: country, MCCMNC, start of the numbers (real ranges, invented
# numbers spread over many prefixes), price per message (EUR), delivery rate.
REPORT_DESTINATIONS = (
    ("GB", "23410", "447700", "0.03330000", 0.97),
    ("NG", "62130", "234803", "0.03800000", 0.88),
)


# Test messages kept in the state at most this long (a receipt that never comes is dropped then).
TEST_MESSAGE_KEEP = timedelta(days=1)
RECEIPT_STATUSES = ("delivered", "failed", "expired", "none")


@dataclass(frozen=True)
class TestReceipt:
    """A delivery receipt for a test message, as the vendor's DLR webhook would carry it."""

    message_id: str
    to: str
    status: str
    err_code: int
    at: datetime
    submitted_at: datetime
    api_key: str


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class SimulatorConnector(Connector):
    kind = "simulator"
    sends_test_messages: ClassVar[bool] = True

    def __init__(
        self,
        *,
        seed: int = 0,
        state: dict[str, Any] | None = None,
        clock: Callable[[], datetime] | None = None,
        retry_policy: RetryPolicy | None = None,
        api_key: str | None = None,
        name: str = "",
        master_balance: Decimal | str | float | None = None,
        credit_limit: Decimal | str | float = 0,
        burn_per_hour: Decimal | str | float | None = None,
        subaccounts: list[dict[str, Any]] | None = None,
        numbers: list[dict[str, Any]] | None = None,
        error_rate: float = 0.0,
        reject_credentials: bool = False,
        auto_reload: bool = False,
        currency: str = "EUR",
        report_per_hour: int = 0,
        receipt_delay_seconds: float = 4.0,
        receipt_status: str = "delivered",
        # What a caller passes to any connector; a simulator has no use for them.
        api_secret: str = "",
        api_host: str = "",
        rest_host: str = "",
        timeout: float = 0,
    ) -> None:
        super().__init__(retry_policy=retry_policy)
        self._clock = clock or core_clock.now
        if state is None:
            state = self._new_state(
                seed=seed,
                api_key=api_key,
                name=name,
                master_balance=master_balance,
                credit_limit=credit_limit,
                burn_per_hour=burn_per_hour,
                subaccounts=subaccounts,
                numbers=numbers,
                error_rate=error_rate,
                reject_credentials=reject_credentials,
                auto_reload=auto_reload,
                currency=currency,
            )
            if receipt_status not in RECEIPT_STATUSES:
                raise ValueError(f"receipt_status must be one of {', '.join(RECEIPT_STATUSES)}")
            state["report_per_hour"] = max(0, int(report_per_hour))
            state["receipt_delay_seconds"] = float(receipt_delay_seconds)
            state["receipt_status"] = receipt_status
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"simulator state version {state.get('version')!r} is not {STATE_VERSION}")
        self.state = state
        self.api_key = state["master"]["api_key"]

    # --- building -----------------------------------------------------------------------

    def _new_state(
        self,
        *,
        seed: int,
        api_key: str | None,
        name: str,
        master_balance: Any,
        credit_limit: Any,
        burn_per_hour: Any,
        subaccounts: list[dict[str, Any]] | None,
        numbers: list[dict[str, Any]] | None,
        error_rate: float,
        reject_credentials: bool,
        auto_reload: bool,
        currency: str,
    ) -> dict[str, Any]:
        rng = random.Random(f"simulator:{seed}")  # noqa: S311 - a simulation, not crypto
        start = self._clock()
        key = api_key or f"SIM{rng.randrange(16**5):05X}"
        if subaccounts is None:
            subaccounts = []
            for n in range(rng.randint(0, 3)):
                shares = rng.random() < 0.5
                subaccounts.append(
                    {
                        "name": f"Sub-account {n + 1}",
                        "balance": None if shares else rng.randrange(10, 200),
                        "burn_per_hour": round(rng.uniform(0.1, 2.0), 2),
                    }
                )
        subs = []
        for n, spec in enumerate(subaccounts):
            own = spec.get("balance") is not None
            subs.append(
                {
                    "api_key": spec.get("api_key") or f"{key[:8]}S{n + 1:02d}",
                    "name": spec.get("name") or f"Sub-account {n + 1}",
                    "balance": str(_dec(spec["balance"])) if own else None,
                    "credit_limit": str(_dec(spec.get("credit_limit", 0))) if own else None,
                    "burn_per_hour": str(_dec(spec.get("burn_per_hour", "0.5"))),
                    "suspended": bool(spec.get("suspended", False)),
                    "created_at": _iso(start),
                }
            )
        if numbers is None:
            numbers = [
                {
                    "country": "GB",
                    "msisdn": f"447700900{rng.randrange(1000):03d}",
                    "type": "mobile-lvn",
                    "features": ["SMS", "VOICE"],
                    # now and then a number whose inbound webhook was never set
                    "inbound_webhook_url": ""
                    if rng.random() < 0.3
                    else f"https://hooks.example.test/{key.lower()}/{n}",
                }
                for n in range(rng.randint(1, 3))
            ]
        return {
            "version": STATE_VERSION,
            "seed": seed,
            "currency": currency,
            "as_of": _iso(start),
            "calls": 0,
            "error_rate": float(error_rate),
            "reject_credentials": bool(reject_credentials),
            "master": {
                "api_key": key,
                "name": name or f"Simulated account {key}",
                "balance": str(_dec(master_balance if master_balance is not None else rng.randrange(50, 1000))),
                "credit_limit": str(_dec(credit_limit)),
                "burn_per_hour": str(
                    _dec(burn_per_hour if burn_per_hour is not None else round(rng.uniform(0.5, 5.0), 2))
                ),
                "auto_reload": bool(auto_reload),
                "created_at": _iso(start),
            },
            "subaccounts": subs,
            "numbers": numbers,
        }

    def to_dict(self) -> dict[str, Any]:
        """The state as plain JSON types (strings for money), to store and pass back as ``state=``."""
        return self.state

    # --- the connector interface --------------------------------------------------------

    def balance(self) -> Balance:
        return self._retrying(self._read_balance)

    def subaccounts(self) -> list[SubAccount]:
        return self._retrying(self._read_subaccounts)

    def numbers(self) -> list[Number]:
        return self._retrying(self._read_numbers)

    def report_records(
        self, *, start: datetime, end: datetime, direction: str = "outbound", account_id: str = ""
    ) -> Iterator[ReportPage]:
        key = account_id or self.state["master"]["api_key"]
        records = self._retrying(lambda: self._report_window(start, end, direction, key))
        pages = [records[at : at + REPORT_PAGE_SIZE] for at in range(0, len(records), REPORT_PAGE_SIZE)] or [[]]
        for number, page in enumerate(pages, start=1):
            if number > 1:
                self._retrying(self._answer)  # each page is a call of its own
            payload = {
                "_links": {"self": {"href": f"https://simulator.invalid/v2/reports/records?account_id={key}"}},
                "request_id": f"sim-{key}-{int(start.timestamp())}-{number}",
                "request_status": "TRUNCATED" if number < len(pages) else "SUCCESS",
                "received_at": _iso(self._clock()),
                "currency": "EUR",
                "items_count": len(page),
                "records": page,
            }
            yield ReportPage(number=number, records=page, body=json.dumps(payload))

    def _report_window(self, start: datetime, end: datetime, direction: str, key: str) -> list[dict[str, Any]]:
        self._answer()
        if end <= start or end - start > REPORT_MAX_WINDOW:
            raise VendorRequestRefused(status=400, detail="simulator: date_end must be after date_start, at most 24 h")
        if key != self.state["master"]["api_key"] and all(sub["api_key"] != key for sub in self.state["subaccounts"]):
            raise VendorForbidden(status=403, detail="simulator: not this account or one of its sub-accounts")
        rate = int(self.state.get("report_per_hour", 0))
        if direction != "outbound" or rate <= 0:
            return []
        until = min(end, self._clock())
        found: list[dict[str, Any]] = []
        hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        while hour < until:
            found.extend(r for r in self._report_hour(key, hour, rate) if start <= r["_at"] < until)
            hour += HOUR
        for record in found:
            del record["_at"]
        return found

    def _report_hour(self, key: str, hour: datetime, rate: int) -> list[dict[str, Any]]:
        """Every record of one hour (the same for a seed, key and hour, whatever window asks)."""
        index = int(hour.timestamp() // 3600)
        rng = random.Random(f"{self.state['seed']}:{key}:report:{index}")  # noqa: S311 - a simulation
        count = round(rate * float(PROFILE[hour.hour]) * rng.uniform(0.8, 1.2))
        records = []
        for n in range(count):
            country, network, start, price, delivery = rng.choice(REPORT_DESTINATIONS)
            at = hour + timedelta(seconds=rng.randint(0, 3599))
            latency = rng.choice((2, 3, 4, 6, 9, 15, 40)) * 1000
            delivered = rng.random() < delivery
            digits = 12 - len(start)
            records.append({
                "_at": at,
                "account_id": key, "message_id": f"{key}-R{index}-{n:05d}", "client_ref": "",
                "direction": "outbound", "from": "SIMULATOR",
                "to": f"{start}{rng.randrange(10**digits):0{digits}d}", "network": network, "country": country,
                "date_received": at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "date_finalized": (at + timedelta(milliseconds=latency)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "latency": str(latency), "status": "delivered" if delivered else "failed",
                "error_code": "0" if delivered else str(rng.choice((1, 2, 8))),
                "currency": "EUR", "total_price": price,
            })
        records.sort(key=lambda r: (r["_at"], r["message_id"]))
        return records

    def _read_balance(self) -> Balance:
        self._answer()
        master = self.state["master"]
        return Balance(
            value=Decimal(master["balance"]).quantize(CENT),
            currency=self.state["currency"],
            auto_reload=master["auto_reload"],
        )

    def _read_subaccounts(self) -> list[SubAccount]:
        self._answer()
        master_key = self.state["master"]["api_key"]
        return [
            SubAccount(
                api_key=sub["api_key"],
                name=sub["name"],
                balance=None if sub["balance"] is None else Decimal(sub["balance"]).quantize(CENT),
                credit_limit=_dec(sub["credit_limit"]),
                suspended=sub["suspended"],
                use_primary_account_balance=sub["balance"] is None,
                created_at=datetime.fromisoformat(sub["created_at"]),
                primary_account_api_key=master_key,
            )
            for sub in self.state["subaccounts"]
        ]

    def _read_numbers(self) -> list[Number]:
        self._answer()
        return [
            Number(
                country=n["country"],
                msisdn=n["msisdn"],
                type=n.get("type", "mobile-lvn"),
                features=tuple(n.get("features", ())),
                inbound_webhook_url=n.get("inbound_webhook_url", ""),
                monthly_cost=_dec(n.get("monthly_cost", MONTHLY_COSTS.get(n.get("type", "mobile-lvn")))),
                currency=n.get("currency", self.state["currency"]),
            )
            for n in self.state["numbers"]
        ]

    def suspend_subaccount(self, api_key: str) -> SubAccount:
        return self._retrying(lambda: self._suspend(api_key))

    def _suspend(self, api_key: str) -> SubAccount:
        self._answer()
        if api_key == self.state["master"]["api_key"]:
            raise VendorError(detail="simulator: the master account is not a sub-account")
        try:
            sub = self._account(api_key)
        except KeyError:
            raise VendorError(detail="simulator: no such sub-account") from None
        sub["suspended"] = True
        return SubAccount(
            api_key=sub["api_key"], name=sub["name"],
            balance=None if sub["balance"] is None else Decimal(sub["balance"]).quantize(CENT),
            credit_limit=_dec(sub["credit_limit"]), suspended=True,
            use_primary_account_balance=sub["balance"] is None,
            created_at=datetime.fromisoformat(sub["created_at"]),
            primary_account_api_key=self.state["master"]["api_key"],
        )

    def block_prefix(self, api_key: str, prefix: str) -> TrafficRule:
        return self._retrying(lambda: self._add_rule(api_key, "prefix", prefix))

    def restrict_country(self, api_key: str, country: str) -> TrafficRule:
        return self._retrying(lambda: self._add_rule(api_key, "country", country.upper()))

    def traffic_rules(self) -> list[TrafficRule]:
        """The rules in force, oldest first (what the vendor's dashboard would list)."""
        return [
            TrafficRule(api_key=r["api_key"], kind=r["kind"], value=r["value"],
                        created_at=datetime.fromisoformat(r["created_at"]))
            for r in self.state.get("traffic_rules", [])
        ]

    def refuses(self, api_key: str, msisdn: str, country: str) -> bool:
        """Whether a rule in force stops a message from ``api_key`` to ``msisdn`` in ``country``."""
        for rule in self.state.get("traffic_rules", []):
            if rule["api_key"] != api_key:
                continue
            if (rule["kind"] == "prefix" and msisdn.startswith(rule["value"])) or (
                rule["kind"] == "country" and rule["value"] == country.upper()
            ):
                return True
        return False

    def _add_rule(self, api_key: str, kind: str, value: str) -> TrafficRule:
        self._answer()
        if not value or (kind == "prefix" and not value.isdigit()) or (kind == "country" and len(value) != 2):
            raise VendorRequestRefused(status=400, detail=f"simulator: not a {kind}: {value!r}")
        try:
            self._account(api_key)
        except KeyError:
            raise VendorForbidden(status=403, detail="simulator: not this account or one of its sub-accounts") from None
        rules = self.state.setdefault("traffic_rules", [])
        for rule in rules:  # setting a rule twice changes nothing
            if (rule["api_key"], rule["kind"], rule["value"]) == (api_key, kind, value):
                return TrafficRule(api_key=api_key, kind=kind, value=value,
                                   created_at=datetime.fromisoformat(rule["created_at"]))
        now = self._clock()
        rules.append({"api_key": api_key, "kind": kind, "value": value, "created_at": _iso(now)})
        return TrafficRule(api_key=api_key, kind=kind, value=value, created_at=now)

    def send_test_message(self, *, to: str, text: str, sender: str = "") -> str:
        return self._retrying(lambda: self._send_test(to, text))

    def _send_test(self, to: str, text: str) -> str:
        self._answer()
        now = self._clock()
        sent = self.state.setdefault("test_messages", [])
        self.state["test_sent"] = int(self.state.get("test_sent", 0)) + 1
        message_id = f"{self.api_key}-T{int(now.timestamp() * 1000)}-{self.state['test_sent']}"
        delay = timedelta(seconds=float(self.state.get("receipt_delay_seconds", 4.0)))
        sent.append({
            "message_id": message_id,
            "to": to,
            "sent_at": _iso(now),
            "receipt_at": _iso(now + delay),
            "status": self.state.get("receipt_status", "delivered"),
        })
        return message_id

    def deliver_receipts(self, until: datetime | None = None) -> list[TestReceipt]:
        """The test messages' receipts due by ``until`` (default: now), each handed over once."""
        end = until or self._clock()
        due: list[TestReceipt] = []
        kept = []
        for message in self.state.get("test_messages", []):
            sent_at = datetime.fromisoformat(message["sent_at"])
            receipt_at = datetime.fromisoformat(message["receipt_at"])
            if message["status"] != "none" and receipt_at <= end:
                due.append(TestReceipt(
                    message_id=message["message_id"], to=message["to"], status=message["status"],
                    err_code=0 if message["status"] == "delivered" else 1, at=receipt_at, submitted_at=sent_at,
                    api_key=self.api_key,
                ))
            elif end - sent_at < TEST_MESSAGE_KEEP:
                kept.append(message)
        self.state["test_messages"] = kept
        return due

    # --- the pretend vendor ---------------------------------------------------------------

    def top_up(self, amount: Decimal | str | float, *, api_key: str | None = None) -> Decimal:
        """Add funds to the master account (or a sub-account holding its own balance); the new balance."""
        self.advance()
        amount = Decimal(str(amount))
        if amount <= 0:
            raise ValueError("a top-up must be positive")
        target = self._account(api_key)
        if target["balance"] is None:
            raise ValueError(f"sub-account {target['api_key']} shares the master's balance: top up the master")
        target["balance"] = str(Decimal(target["balance"]) + amount)
        return Decimal(target["balance"]).quantize(CENT)

    def advance(self, until: datetime | None = None) -> None:
        """Burn the traffic between the last reading and ``until`` (default: the clock's now)."""
        end = until or self._clock()
        start = datetime.fromisoformat(self.state["as_of"])
        if end <= start:
            return
        master = self.state["master"]
        master_spend = self._spend(master["api_key"], Decimal(master["burn_per_hour"]), start, end)
        for sub in self.state["subaccounts"]:
            if sub["suspended"]:
                continue
            spend = self._spend(sub["api_key"], Decimal(sub["burn_per_hour"]), start, end)
            if sub["balance"] is None:
                master_spend += spend
            else:
                sub["balance"] = str(self._burn(Decimal(sub["balance"]), spend, Decimal(sub["credit_limit"] or 0)))
        master["balance"] = str(self._burn(Decimal(master["balance"]), master_spend, Decimal(master["credit_limit"])))
        self.state["as_of"] = _iso(end)

    def _account(self, api_key: str | None) -> dict[str, Any]:
        if api_key is None or api_key == self.state["master"]["api_key"]:
            return self.state["master"]
        for sub in self.state["subaccounts"]:
            if sub["api_key"] == api_key:
                return sub
        raise KeyError(api_key)

    @staticmethod
    def _burn(balance: Decimal, spend: Decimal, credit_limit: Decimal) -> Decimal:
        floor = -abs(credit_limit)
        if balance <= floor:
            return balance
        return max(floor, balance - spend)

    def _spend(self, api_key: str, rate: Decimal, start: datetime, end: datetime) -> Decimal:
        """Traffic cost between two moments: hour by hour, each hour's rate shaped and wobbled."""
        total = Decimal(0)
        hour = start.replace(minute=0, second=0, microsecond=0)
        seed = self.state["seed"]
        while hour < end:
            lo, hi = max(start, hour), min(end, hour + HOUR)
            index = int(hour.timestamp() // 3600)
            wobble = Decimal(str(round(random.Random(f"{seed}:{api_key}:{index}").uniform(0.6, 1.4), 4)))  # noqa: S311
            share = Decimal((hi - lo).total_seconds()) / Decimal(3600)
            total += rate * PROFILE[hour.astimezone(UTC).hour] * wobble * share
            hour += HOUR
        return total

    def _answer(self) -> None:
        """One API call: time passes (traffic burns), and now and then the vendor misbehaves."""
        self.advance()
        self.state["calls"] += 1
        if self.state["reject_credentials"]:
            raise VendorAuthError(status=401, detail="simulator: credentials rejected")
        rate = self.state["error_rate"]
        if rate <= 0:
            return
        draw = random.Random(f"{self.state['seed']}:call:{self.state['calls']}")  # noqa: S311
        if draw.random() >= rate:
            return
        error: VendorError
        kind = draw.choice(("rate_limited", "server_error", "timeout"))
        if kind == "rate_limited":
            error = VendorRateLimited(status=429, detail="simulator: rate limited", retry_after=1.0)
        elif kind == "server_error":
            error = VendorUnavailable(status=503, detail="simulator: HTTP 503")
        else:
            error = VendorUnavailable(detail="simulator: timeout")
        raise error
