"""Vonage, through the official ``vonage`` SDK 4.x.

``rest_host`` serves the balance and the numbers, ``api_host`` the sub-accounts and the Reports API
(which has no wrapper in SDK 4.x: it goes through the SDK's own HTTP client); tests point both
at a local fake HTTPS server (``aftersales/sms/tests/fakevonage.py``). The SDK's own urllib3
retries are switched off (``max_retries=0``): retries happen here, with backoff, jitter and
Retry-After, and never for 401/403.

Secrets: the SDK logs request headers at DEBUG on the ``vonage`` logger, Basic credentials
included; :class:`SecretFilter` masks them before any handler sees the line. The connector keeps
the secret only inside the SDK's ``Auth`` object and never puts it in a message.

One connector is for one thread at a time (the SDK's client shares one header dict per client).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import requests
import urllib3
from pydantic import ValidationError
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client.errors import (
    AuthenticationError,
    ForbiddenError,
    HttpRequestError,
    RateLimitedError,
)
from vonage_numbers.requests import ListOwnedNumbersFilter
from vonage_utils.errors import VonageError

from aftersales.core.logging import redact

from .base import (
    Balance,
    Connector,
    Number,
    ReportPage,
    RetryPolicy,
    SubAccount,
    VendorAuthError,
    VendorBadResponse,
    VendorError,
    VendorForbidden,
    VendorRateLimited,
    VendorRequestRefused,
    VendorUnavailable,
    decimal_or_none,
    parse_retry_after,
)

T = TypeVar("T")

API_HOST = "api.nexmo.com"
REST_HOST = "rest.nexmo.com"
NUMBERS_PAGE_SIZE = 100
# A runaway pager stops here (100 pages of 100 numbers).
NUMBERS_MAX_PAGES = 100
REPORTS_PATH = "/v2/reports/records"
# The Reports API serves up to 1,000 records a page: 5 M messages in one 24-hour window at most.
REPORTS_MAX_PAGES = 5000

_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(basic|bearer)\s+[A-Za-z0-9._~+/=-]+")
_SECRET_FIELD = re.compile(r"(?i)(['\"](?:api_secret|secret|private_key|sig)['\"]\s*:\s*['\"])[^'\"]*")


def scrub(text: str) -> str:
    """Mask credentials as the SDK prints them (headers and parameter dicts), then the usual redaction."""
    text = _AUTH_HEADER.sub(r"\1\2 [REDACTED]", text)
    text = _SECRET_FIELD.sub(r"\1[REDACTED]", text)
    return redact(text)


class SecretFilter(logging.Filter):
    """On the SDK's loggers: the line is masked before it propagates to any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the line
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        return True


SDK_LOGGERS = ("vonage", "vonage_number_insight", "vonage_verify", "vonage_identity_insights")


def install_log_filter() -> None:
    for name in SDK_LOGGERS:
        sdk_logger = logging.getLogger(name)
        if not any(isinstance(f, SecretFilter) for f in sdk_logger.filters):
            sdk_logger.addFilter(SecretFilter())


install_log_filter()


class VonageConnector(Connector):
    kind = "vonage"

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        api_host: str = API_HOST,
        rest_host: str = REST_HOST,
        timeout: float = 10,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(retry_policy=retry_policy)
        self.api_key = api_key
        if not api_key or not api_secret:
            # Stored accounts without credentials show the same state as rejected ones.
            raise VendorAuthError(detail="no API key or secret configured")
        # The SDK takes whole seconds only.
        options = HttpClientOptions(
            api_host=api_host, rest_host=rest_host, timeout=max(1, math.ceil(timeout)), max_retries=0
        )
        self._client = Vonage(Auth(api_key=api_key, api_secret=api_secret), options)

    # --- reads -----------------------------------------------------------------------

    def balance(self) -> Balance:
        answer = self._call(self._client.account.get_balance)
        value = decimal_or_none(answer.value)
        if value is None:
            raise VendorBadResponse(detail="balance without a value")
        return Balance(value=value, currency="EUR", auto_reload=bool(answer.auto_reload))

    def subaccounts(self) -> list[SubAccount]:
        answer = self._call(self._client.subaccounts.list_subaccounts)
        return [
            SubAccount(
                api_key=sub.api_key,
                name=sub.name,
                balance=decimal_or_none(sub.balance),
                credit_limit=decimal_or_none(sub.credit_limit),
                suspended=sub.suspended,
                use_primary_account_balance=sub.use_primary_account_balance,
                created_at=_parse_time(sub.created_at),
                primary_account_api_key=sub.primary_account_api_key,
            )
            for sub in answer.subaccounts
        ]

    def numbers(self) -> list[Number]:
        found: list[Number] = []
        index = 1
        for _page in range(NUMBERS_MAX_PAGES):
            page_filter = ListOwnedNumbersFilter(size=NUMBERS_PAGE_SIZE, index=index)
            owned, _count, next_index = self._call(partial(self._client.numbers.list_owned_numbers, page_filter))
            found.extend(
                Number(
                    country=(n.country or "").upper(),
                    msisdn=n.msisdn or "",
                    type=n.type or "",
                    features=tuple(n.features or ()),
                    inbound_webhook_url=n.mo_http_url or "",
                    app_id=n.app_id or "",
                    messages_callback_value=n.messages_callback_value or "",
                    messages_callback_type=n.messages_callback_type or "",
                    voice_callback_type=n.voice_callback_type or "",
                    voice_callback_value=n.voice_callback_value or "",
                )
                for n in owned
            )
            if next_index is None:
                break
            index = next_index
        return found

    def suspend_subaccount(self, api_key: str) -> SubAccount:
        """PATCH /accounts/{key}/subaccounts/{sub_key} {suspended: true} (Subaccounts API)."""
        from vonage_subaccounts import ModifySubaccountOptions

        sub = self._call(
            partial(self._client.subaccounts.modify_subaccount, api_key, ModifySubaccountOptions(suspended=True))
        )
        return SubAccount(
            api_key=sub.api_key, name=sub.name, balance=decimal_or_none(sub.balance),
            credit_limit=decimal_or_none(sub.credit_limit), suspended=sub.suspended,
            use_primary_account_balance=sub.use_primary_account_balance, created_at=_parse_time(sub.created_at),
            primary_account_api_key=sub.primary_account_api_key,
        )

    def report_records(
        self, *, start: datetime, end: datetime, direction: str = "outbound", account_id: str = ""
    ) -> Iterator[ReportPage]:
        """``GET /v2/reports/records`` (Reports API, synchronous, basic auth) on the configured api host.
        A truncated answer (``request_status`` TRUNCATED) names the next page in ``_links.next.href``
        (with its ``cursor`` and ``iv``): its query is sent to our own host, never to the host in the link."""
        params: dict[str, str] = {
            "account_id": account_id or self.api_key,
            "product": "SMS",
            "direction": direction,
            "date_start": _report_time(start),
            "date_end": _report_time(end),
        }
        for number in range(1, REPORTS_MAX_PAGES + 1):
            data, body = self._call(partial(self._report_page, dict(params)))
            records = data.get("records") or []
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise VendorBadResponse(detail=f"page {number} of {REPORTS_PATH}: records is not a list of objects")
            yield ReportPage(number=number, records=records, body=body)
            following = _next_page(data, params)
            if following is None:
                return
            params = following
        raise VendorBadResponse(detail=f"{REPORTS_PATH}: more than {REPORTS_MAX_PAGES} pages for one window")

    def _report_page(self, params: dict[str, str]) -> tuple[dict[str, Any], str]:
        http = self._client.http_client
        try:
            data = http.get(http.api_host, REPORTS_PATH, params, auth_type="basic")
        except HttpRequestError as err:
            status = err.response.status_code
            if status in (400, 422):
                raise VendorRequestRefused(status=status, detail=f"{_where(err)}: {_problem(err)}") from None
            raise
        if not isinstance(data, dict):
            raise VendorBadResponse(detail=f"{REPORTS_PATH}: the answer is not a JSON object")
        response = http.last_response
        return data, response.text if response is not None else ""

    def close(self) -> None:
        session = getattr(self._client.http_client, "_session", None)
        if session is not None:
            session.close()

    # --- error mapping ---------------------------------------------------------------

    def _call(self, call: Callable[[], T]) -> T:
        return self._retrying(lambda: translate_errors(call))


def translate_errors(call: Callable[[], T]) -> T:
    """Run one SDK call; turn what it raises into the connector's typed errors (without the SDK's
    message, which quotes the vendor's whole answer)."""
    try:
        return call()
    except AuthenticationError as err:
        raise VendorAuthError(status=401, detail=_where(err)) from None
    except ForbiddenError as err:
        raise VendorForbidden(status=403, detail=_where(err)) from None
    except RateLimitedError as err:
        retry_after = parse_retry_after(err.response.headers.get("Retry-After"))
        raise VendorRateLimited(status=429, detail=_where(err), retry_after=retry_after) from None
    except HttpRequestError as err:  # ServerError (500), NotFoundError, anything else
        status = err.response.status_code
        if status >= 500:
            raise VendorUnavailable(status=status, detail=_where(err)) from None
        if status == 429:
            retry_after = parse_retry_after(err.response.headers.get("Retry-After"))
            raise VendorRateLimited(status=429, detail=_where(err), retry_after=retry_after) from None
        raise VendorBadResponse(status=status, detail=_where(err)) from None
    except requests.Timeout as err:
        raise VendorUnavailable(detail=f"timeout: {type(err).__name__}") from None
    except requests.ConnectionError as err:
        # With the SDK's retries off, urllib3 wraps a read timeout in MaxRetryError → ConnectionError.
        reason = getattr(err.args[0] if err.args else None, "reason", None)
        # (NewConnectionError, "refused", subclasses urllib3's ConnectTimeoutError: not a timeout here.)
        if isinstance(reason, urllib3.exceptions.TimeoutError) and not isinstance(
            reason, urllib3.exceptions.NewConnectionError
        ):
            raise VendorUnavailable(detail=f"timeout: {type(reason).__name__}") from None
        raise VendorUnavailable(detail=f"connection failed: {type(reason or err).__name__}") from None
    except requests.RequestException as err:
        raise VendorUnavailable(detail=f"request failed: {type(err).__name__}") from None
    except (ValidationError, KeyError, TypeError, ValueError) as err:
        # The answer came but was not the documented shape (pydantic refused it, a key was missing,
        # a 2xx body was not JSON so the SDK handed us None).
        raise VendorBadResponse(detail=f"unexpected answer: {type(err).__name__}") from None
    except VendorError:
        raise
    except VonageError as err:
        raise VendorBadResponse(detail=f"vendor error: {type(err).__name__}") from None


def _where(err: HttpRequestError) -> str:
    response: Any = err.response
    path = urlsplit(str(getattr(response, "url", "") or "")).path  # no query string
    return f"HTTP {response.status_code} from {path}"


def _problem(err: HttpRequestError) -> str:
    """The vendor's own reason from an RFC 7807 error body (``detail``, else ``title``), short."""
    try:
        body = err.response.json()
    except ValueError:
        return "no reason given"
    if not isinstance(body, dict):
        return "no reason given"
    reason = body.get("detail") or body.get("title") or "no reason given"
    return scrub(str(reason))[:160]


def _report_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the Reports API takes it: 2026-11-25T09:00:00Z."""
    if moment.tzinfo is None:
        raise ValueError("a report window needs aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_page(data: dict[str, Any], asked: dict[str, str]) -> dict[str, str] | None:
    """The next page's query parameters (``asked``: this page's), or None on the last page. Raises
    VendorBadResponse for a truncated answer that says neither where nor how to go on."""
    links = data.get("_links")
    following = links.get("next") if isinstance(links, dict) else None
    href = following.get("href") if isinstance(following, dict) else None
    if isinstance(href, str) and href:
        params = dict(parse_qsl(urlsplit(href).query, keep_blank_values=True))
        if params.get("cursor"):
            return params
    if data.get("request_status") != "TRUNCATED":
        return None
    # Truncated without a link: the documented alternative, the same query plus ``cursor`` and ``iv``.
    cursor, iv = data.get("cursor"), data.get("iv")
    if not cursor:
        raise VendorBadResponse(detail=f"{REPORTS_PATH}: a truncated answer without a next page")
    return {**asked, "cursor": str(cursor), "iv": str(iv or "")}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
