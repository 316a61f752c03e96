"""What every vendor connector offers, the typed errors it raises and the retry helper.

A connector reads a vendor account: its balance, its sub-accounts (each with its own balance
or sharing the master's), the numbers it holds and (optionally) its message records for a window
(the Reports API). Implementations: ``vonage`` (the real SDK) and ``simulator`` (a pretend vendor
for the demo and tests); :func:`registry.get_connector` builds one by name.

Errors are typed so a caller can show a clear state on the account and decide whether to try
again: :class:`VendorAuthError` (401) and :class:`VendorForbidden` (403) are not retried;
:class:`VendorRateLimited` (429) and :class:`VendorUnavailable` (5xx, timeouts, connection
errors) are. An error's ``message`` is for people (translated); ``detail`` is a short technical
note for logs. Neither ever carries a secret.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Self, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.core.logging import redact

logger = logging.getLogger(__name__)

T = TypeVar("T")


# --- What a connector returns -------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    value: Decimal
    currency: str = "EUR"
    auto_reload: bool = False


@dataclass(frozen=True)
class TrafficRule:
    """A vendor-side rule that refuses traffic: to numbers starting ``value`` ("prefix") or to the
    country ``value`` ("country"), for the account ``api_key``."""

    api_key: str
    kind: str  # "prefix" or "country"
    value: str
    created_at: datetime


@dataclass(frozen=True)
class SubAccount:
    api_key: str
    name: str
    # None: the sub-account shares the master account's balance (and has no credit limit of its own).
    balance: Decimal | None
    credit_limit: Decimal | None
    suspended: bool
    use_primary_account_balance: bool
    created_at: datetime | None
    primary_account_api_key: str = ""

    @property
    def shares_primary_balance(self) -> bool:
        return self.balance is None


# Vendor number types → the desk's kinds (long number, toll-free, short code).
NUMBER_KINDS = {
    "mobile-lvn": "long",
    "landline": "long",
    "landline-toll-free": "toll_free",
    "mobile-shortcode": "short_code",
    "short-code": "short_code",
}


@dataclass(frozen=True)
class Number:
    country: str
    msisdn: str
    type: str  # as the vendor names it, e.g. "mobile-lvn"
    features: tuple[str, ...] = ()
    inbound_webhook_url: str = ""  # Vonage's moHttpUrl; empty when not set
    app_id: str = ""
    messages_callback_value: str = ""
    # Not in Vonage's owned-numbers answer (only in its search for numbers to buy); the simulator has it.
    monthly_cost: Decimal | None = None
    currency: str = ""
    messages_callback_type: str = ""
    voice_callback_type: str = ""
    voice_callback_value: str = ""

    @property
    def kind(self) -> str:
        return NUMBER_KINDS.get(self.type, "long")

    @property
    def receives_sms(self) -> bool:
        return "SMS" in self.features


# The name the Numbers API gives it.
OwnedNumber = Number

# The Reports API's synchronous query covers at most this much (``date_start`` to ``date_end``).
REPORT_MAX_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ReportPage:
    """One page of message records for a window (Vonage Reports API ``GET /v2/reports/records``)."""

    number: int  # 1, 2, … in the order they were fetched
    records: list[dict[str, Any]]  # as the vendor sent them (the Reports API's field names)
    body: str  # the page as received (JSON text): stored before anything parses it


# --- Errors ------------------------------------------------------------------------------


class VendorError(Exception):
    """A vendor call failed. ``code`` is stable (store it); ``message`` is shown to people."""

    code: ClassVar[str] = "error"
    retryable: ClassVar[bool] = False
    default_message: ClassVar[Promise | str] = _("The SMS vendor returned an error.")

    def __init__(self, message: Promise | str | None = None, *, status: int | None = None, detail: str = "") -> None:
        self.message: Promise | str = message if message is not None else self.default_message
        self.status = status
        self.detail = redact(detail)
        super().__init__(self.detail)

    def __str__(self) -> str:
        text = str(self.message)
        return f"{text} ({self.detail})" if self.detail else text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, detail={self.detail!r})"


class VendorAuthError(VendorError):
    code = "auth"
    default_message = _("The SMS vendor rejected the API key or secret (401). Check the account's credentials.")


class VendorForbidden(VendorError):
    code = "forbidden"
    default_message = _(
        "The SMS vendor refused access (403): this account is not allowed to use this part of the vendor's API."
    )


class VendorRateLimited(VendorError):
    code = "rate_limited"
    retryable = True
    default_message = _("The SMS vendor is limiting our requests (429). We will try again later.")

    def __init__(
        self,
        message: Promise | str | None = None,
        *,
        status: int | None = 429,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.retry_after = retry_after


class VendorUnavailable(VendorError):
    code = "unavailable"
    retryable = True
    default_message = _(
        "The SMS vendor could not be reached or failed (server error or timeout). We will try again later."
    )


class VendorUnsupported(VendorError):
    code = "unsupported"
    default_message = _("This vendor connector cannot do that here.")


class VendorBadResponse(VendorError):
    code = "bad_response"
    default_message = _("The SMS vendor sent an answer we could not read.")


class VendorRequestRefused(VendorError):
    """The vendor refused the request as asked (400/422: a parameter out of range); ``detail`` says
    what it objected to. Not retried: the same request fails again."""

    code = "refused"
    default_message = _("The SMS vendor refused the request (400): a parameter was out of range.")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# --- Retries -----------------------------------------------------------------------------


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter. ``max_wait`` caps one pause: a Retry-After longer than
    that is not slept through here (the error is raised, and the next scheduled check tries again)."""

    attempts: int = 3
    backoff: float = 0.5
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)  # jitter, not crypto

    def delay(self, attempt: int, error: VendorError) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``; None when not worth waiting for."""
        base = min(self.max_wait, self.backoff * 2 ** (attempt - 1))
        wait = base / 2 + self.rng.uniform(0, base / 2)  # "equal jitter": never less than half the step
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.max_wait:
                return None
            wait = max(wait, retry_after)
        return wait


def with_retries(
    call: Callable[[], T],
    attempts: int = 3,
    backoff: float = 0.5,
    *,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run ``call``; on a retryable :class:`VendorError` (429, 5xx, timeout) wait and try again,
    up to ``attempts`` calls in all. 401/403 and unreadable answers are raised at once."""
    policy = RetryPolicy(
        attempts=attempts,
        backoff=backoff,
        max_wait=max_wait,
        sleep=sleep,
        rng=rng or random.Random(),  # noqa: S311 - jitter, not crypto
    )
    return retry(call, policy)


def retry(call: Callable[[], T], policy: RetryPolicy) -> T:
    attempt = 1
    while True:
        try:
            return call()
        except VendorError as error:
            if not error.retryable or attempt >= policy.attempts:
                raise
            wait = policy.delay(attempt, error)
            if wait is None:
                raise
            # Only the error's code and its secret-free detail are logged.
            logger.info(
                "vendor call failed (%s %s), attempt %d of %d, retrying in %.2f s",
                error.code,
                error.detail,
                attempt,
                policy.attempts,
                wait,
            )
            policy.sleep(wait)
            attempt += 1


# --- The interface -----------------------------------------------------------------------


class Connector(ABC):
    """A vendor account, read through the vendor's API (or a pretend one).

    Every method raises a :class:`VendorError` subclass on failure, after the retries the
    connector's :class:`RetryPolicy` allows.
    """

    kind: ClassVar[str] = ""
    api_key: str = ""
    # Whether ``send_test_message`` works (the SMS round-trip probe offers only such accounts).
    sends_test_messages: ClassVar[bool] = False

    def __init__(self, *, retry_policy: RetryPolicy | None = None) -> None:
        self.retry_policy = retry_policy or RetryPolicy()

    @abstractmethod
    def balance(self) -> Balance:
        """The account's balance (for a master account: its own, which shared sub-accounts draw on)."""

    @abstractmethod
    def subaccounts(self) -> list[SubAccount]:
        """The account's sub-accounts, each with its balance (None when it shares the master's)."""

    @abstractmethod
    def numbers(self) -> list[Number]:
        """The numbers the account holds."""

    def suspend_subaccount(self, api_key: str) -> SubAccount:
        """Suspend the sub-account ``api_key`` (it can send nothing until reactivated). Optional: a
        connector whose vendor cannot do it raises NotImplementedError (offer a vendor case instead)."""
        raise NotImplementedError

    def block_prefix(self, api_key: str, prefix: str) -> TrafficRule:
        """Refuse the account's messages to numbers starting ``prefix`` (E.164 digits). Optional, like
        ``suspend_subaccount``: Vonage sets such rules in its dashboard only (Fraud Defender Traffic
        Rules), so its connector does not offer it and the desk guides a vendor case instead."""
        raise NotImplementedError

    def restrict_country(self, api_key: str, country: str) -> TrafficRule:
        """Refuse the account's messages to ``country`` (ISO 3166 alpha-2). Optional (see ``block_prefix``)."""
        raise NotImplementedError

    def send_test_message(self, *, to: str, text: str, sender: str = "") -> str:
        """Send one test SMS to ``to`` (E.164 digits) and return the vendor's message id; its delivery
        receipt comes back through the usual telemetry path (``monitoring.ingest.record_events``).
        Optional: a connector that cannot send raises :class:`VendorUnsupported`."""
        raise VendorUnsupported(
            _("Sending test messages through this vendor is not supported here; use a simulator account."),
            detail=f"{self.kind or type(self).__name__}: send_test_message not supported",
        )

    def report_records(
        self, *, start: datetime, end: datetime, direction: str = "outbound", account_id: str = ""
    ) -> Iterator[ReportPage]:
        """SMS records received from ``start`` to ``end`` (at most ``REPORT_MAX_WINDOW`` apart; the
        vendor refuses more), page by page as the vendor serves them; each page is fetched only when
        the previous one has been taken, with the connector's retries. ``account_id``: the account
        whose records are wanted (one of this account's sub-accounts); default this account.
        Optional: a connector whose vendor has no such API raises NotImplementedError."""
        raise NotImplementedError

    def close(self) -> None:  # noqa: B027 - optional hook, most connectors hold nothing
        """Release connections; the connector must not be used afterwards."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retrying(self, call: Callable[[], T]) -> T:
        return retry(call, self.retry_policy)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {mask_key(self.api_key)}>"


def mask_key(api_key: str) -> str:
    """An API key as it may appear in logs: the first four characters only."""
    return f"{api_key[:4]}…" if api_key else "-"


def decimal_or_none(value: Any) -> Decimal | None:
    """A vendor's JSON number as a Decimal (through its shortest repr, so 29.18202293 stays exact)."""
    if value is None:
        return None
    return Decimal(str(value))
