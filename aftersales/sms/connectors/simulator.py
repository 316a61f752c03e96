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

The whole state is a JSON-friendly dict (``to_dict`` / ``SimulatorConnector(state=…)``), so it
can live in a database row between checks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aftersales.core import clock as core_clock

from .base import (
    Balance,
    Connector,
    Number,
    RetryPolicy,
    SubAccount,
    VendorAuthError,
    VendorError,
    VendorRateLimited,
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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class SimulatorConnector(Connector):
    kind = "simulator"

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
