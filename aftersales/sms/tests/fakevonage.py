"""A fake Vonage HTTPS server on 127.0.0.1, for tests and the balance-sweep bench.

It serves the documented JSON shapes the connector reads, checks Basic credentials and records
each request (method, path, api key; never the secret):

- ``GET /account/get-balance`` (the SDK's rest host) → ``{"value": 29.18202293, "autoReload": false}``
- ``GET /accounts/{api_key}/subaccounts`` (api host) → ``total_balance``, ``total_credit_limit``,
  ``_embedded.primary_account`` and ``_embedded.subaccounts`` (``balance``/``credit_limit`` null for a
  sub-account that shares the primary balance)
- ``GET /account/numbers?size=&index=`` (rest host) → ``{"count": n, "numbers": [...]}``
- ``GET /v2/reports/records?account_id=&product=SMS&direction=&date_start=&date_end=`` (api host) →
  the account's ``records`` received in the window, ``report_page_size`` a page (the real API: 1,000):
  a page with more to come says ``"request_status": "TRUNCATED"`` with ``cursor``, ``iv`` and
  ``_links.next.href`` (on api.nexmo.com, as the real one: a client must keep its own host). A window
  over 24 hours, a missing product or direction, or a bad cursor → 400 with the reason; another
  account's ``account_id`` (not one of its sub-accounts) → 403.

Errors on demand: ``server.fail(401)``, ``server.fail(429, retry_after=2, times=3)``,
``server.fail(500)``, ``server.slow(3)`` (an answer that takes 3 s: a client timeout).

TLS: a throwaway CA and a certificate for 127.0.0.1 from ``trustme``; the CA is written to
``server.ca_path``. The SDK's ``requests`` session trusts it through ``REQUESTS_CA_BUNDLE``
(``server.environ()`` gives the variables to set). Both hosts are the same server: pass
``server.host`` (``127.0.0.1:PORT``) as ``api_host`` and ``rest_host``.

    with FakeVonage() as server:
        server.add_account("MASTER01", "s3cret-Pass", balance="29.18202293")
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        connector = VonageConnector(api_key="MASTER01", api_secret="s3cret-Pass",
                                    api_host=server.host, rest_host=server.host, timeout=2)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import os
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import trustme

ERROR_TITLES = {
    400: ("bad-request", "Bad Request", "The request was not valid."),
    401: ("unauthorized", "Unauthorized", "You did not provide correct credentials."),
    403: ("forbidden", "Forbidden", "Your account does not have permission to perform this action."),
    404: ("not-found", "Not Found", "The requested resource does not exist."),
    429: ("rate-limit", "Rate Limit Hit", "Please wait, then retry your request."),
    500: ("internal-error", "Internal Server Error", "Something went wrong."),
    502: ("bad-gateway", "Bad Gateway", "Upstream failed."),
    503: ("unavailable", "Service Unavailable", "Try again later."),
}


@dataclass
class FakeSubaccount:
    api_key: str
    name: str
    balance: Decimal | None = None  # None: shares the primary account's balance
    credit_limit: Decimal | None = None
    suspended: bool = False
    created_at: str = "2026-03-02T16:34:49.000Z"


@dataclass
class FakeAccount:
    api_key: str
    secret: str
    name: str = ""
    balance: Decimal = Decimal("0")
    credit_limit: Decimal = Decimal("0")
    auto_reload: bool = False
    subaccounts: list[FakeSubaccount] = field(default_factory=list)
    numbers: list[dict[str, Any]] = field(default_factory=list)
    subaccounts_enabled: bool = True  # the Subaccounts API is opt-in (beta): 403 without it
    records: list[dict[str, Any]] = field(default_factory=list)  # Reports API SMS records (see sms_records)


@dataclass
class Fault:
    status: int | None  # None: the normal answer, only late (with delay)
    times: int = 1
    retry_after: str | None = None
    delay: float = 0.0
    path: str = ""  # only requests whose path contains this
    body: bytes | None = None  # a raw body instead of the JSON error
    every: int = 1  # only every n-th matching request (spread faults over a run)
    seen: int = 0


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    api_key: str
    query: str = ""  # the query string minus credentials (e.g. "size=100&index=2")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: FakeVonage
    ssl_context: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the request's own thread, not in the accept loop.
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            _Handler(tls, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on a slow answer is expected here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.fake.handle(self)

    def do_POST(self) -> None:
        self.server.fake.handle(self)

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, json.dumps(payload).encode(), "application/json", headers)

    def send_body(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (a timeout test)
        self.close_connection = True


class FakeVonage:
    def __init__(self) -> None:
        self.accounts: dict[str, FakeAccount] = {}
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._tmp = tempfile.TemporaryDirectory(prefix="fakevonage-")
        self.ca_path = os.path.join(self._tmp.name, "ca.pem")
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.report_page_size = 1000

    # --- set-up ------------------------------------------------------------------------

    def add_account(
        self,
        api_key: str,
        secret: str,
        *,
        name: str = "",
        balance: Decimal | str | float = "0",
        credit_limit: Decimal | str | float = "0",
        auto_reload: bool = False,
        subaccounts: list[FakeSubaccount] | None = None,
        numbers: list[dict[str, Any]] | None = None,
        subaccounts_enabled: bool = True,
        records: list[dict[str, Any]] | None = None,
    ) -> FakeAccount:
        account = FakeAccount(
            api_key=api_key,
            secret=secret,
            name=name or api_key,
            balance=Decimal(str(balance)),
            credit_limit=Decimal(str(credit_limit)),
            auto_reload=auto_reload,
            subaccounts=subaccounts or [],
            numbers=numbers or [],
            subaccounts_enabled=subaccounts_enabled,
            records=records or [],
        )
        with self._lock:
            self.accounts[api_key] = account
        return account

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: str | int | None = None,
        path: str = "",
        body: bytes | None = None,
        every: int = 1,
    ) -> None:
        """The next ``times`` matching requests get ``status`` (with a Retry-After header if given);
        with ``every=n`` only every n-th matching request does."""
        with self._lock:
            self.faults.append(
                Fault(
                    status=status,
                    times=times,
                    retry_after=None if retry_after is None else str(retry_after),
                    path=path,
                    body=body,
                    every=max(1, every),
                )
            )

    def slow(self, seconds: float, *, times: int = 1, path: str = "") -> None:
        """The next ``times`` matching requests are answered only after ``seconds``."""
        with self._lock:
            self.faults.append(Fault(status=None, times=times, delay=seconds, path=path))

    # --- running -----------------------------------------------------------------------

    @property
    def host(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"127.0.0.1:{self._server.server_address[1]}"

    def environ(self) -> dict[str, str]:
        """Environment for the SDK's requests session: trust our CA, no proxy for loopback."""
        return {
            "REQUESTS_CA_BUNDLE": self.ca_path,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    def start(self) -> FakeVonage:
        ca = trustme.CA()
        ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        server.ssl_context = context
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def close(self) -> None:
        """Stop, and remove the CA file."""
        self.stop()
        self._tmp.cleanup()

    def __enter__(self) -> FakeVonage:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def requests_to(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # --- answering ---------------------------------------------------------------------

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.path in path:
                    fault.seen += 1
                    if fault.seen % fault.every:
                        continue
                    fault.times -= 1
                    return fault
        return None

    def _credentials(self, handler: _Handler) -> tuple[str, str]:
        """Basic auth, or ``api_key`` + ``api_secret`` query parameters (Vonage accepts both)."""
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            query = parse_qs(urlsplit(handler.path).query)
            return query.get("api_key", [""])[0], query.get("api_secret", [""])[0]
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        key, _sep, secret = decoded.partition(":")
        return key, secret

    def handle(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        api_key, secret = self._credentials(handler)
        with self._lock:
            shown = "&".join(p for p in url.query.split("&") if p and not p.startswith(("api_key=", "api_secret=")))
            self.requests.append(Recorded(handler.command, url.path, api_key, shown))
        fault = self._take_fault(url.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                self._error(handler, fault.status, url.path, retry_after=fault.retry_after, body=fault.body)
                return
        account = self.accounts.get(api_key)
        if account is None or not secret or account.secret != secret:
            self._error(handler, 401, url.path)
            return
        if handler.command == "GET" and url.path == "/account/get-balance":
            handler.send_json(200, {"value": float(account.balance), "autoReload": account.auto_reload})
        elif handler.command == "GET" and url.path.startswith("/accounts/") and url.path.endswith("/subaccounts"):
            owner = url.path.split("/")[2]
            if owner != account.api_key or not account.subaccounts_enabled:
                self._error(handler, 403, url.path)
                return
            handler.send_json(200, self._subaccounts_payload(account))
        elif handler.command == "GET" and url.path == "/account/numbers":
            query = parse_qs(url.query)
            size = int(query.get("size", ["10"])[0])
            index = int(query.get("index", ["1"])[0])
            page = account.numbers[(index - 1) * size : index * size]
            payload: dict[str, Any] = {"count": len(account.numbers)}
            if page:
                payload["numbers"] = page
            handler.send_json(200, payload)
        elif handler.command == "GET" and url.path == "/v2/reports/records":
            self._reports(handler, account, parse_qs(url.query))
        else:
            self._error(handler, 404, url.path)

    def _reports(self, handler: _Handler, account: FakeAccount, query: dict[str, list[str]]) -> None:
        path = "/v2/reports/records"
        asked = {name: values[0] for name, values in query.items() if name not in ("cursor", "iv")}

        def refuse(detail: str) -> None:
            self._error(handler, 400, path, detail=detail)

        if asked.get("product") != "SMS":
            return refuse("product is required (SMS here)")
        if asked.get("direction") not in ("outbound", "inbound"):
            return refuse("direction is required for SMS: outbound or inbound")
        owner = asked.get("account_id", "")
        if owner != account.api_key and owner not in {sub.api_key for sub in account.subaccounts}:
            return self._error(handler, 403, path)
        try:
            start = _report_time(asked["date_start"])
            end = _report_time(asked["date_end"])
        except (KeyError, ValueError):
            return refuse("date_start and date_end are required, in ISO 8601")
        if end <= start or end - start > dt.timedelta(hours=24):
            return refuse("date_end must be after date_start and at most 24 hours later")
        offset = 0
        if "cursor" in query:
            try:
                offset = int(base64.urlsafe_b64decode(query["cursor"][0].encode()).decode())
            except (ValueError, binascii.Error):
                return refuse("cursor is not valid")
            if not query.get("iv", [""])[0]:
                return refuse("iv is required with a cursor")
        found = sorted(
            (
                r for r in account.records
                if r.get("account_id") == owner and r.get("direction", "outbound") == asked["direction"]
                and start <= _report_time(r["date_received"]) < end
            ),
            key=lambda r: (_report_time(r["date_received"]), r["message_id"]),
        )
        page = found[offset : offset + self.report_page_size]
        more = offset + len(page) < len(found)
        link = f"https://api.nexmo.com{path}?{urlencode(asked)}"
        payload: dict[str, Any] = {
            "_links": {"self": {"href": link}},
            "request_id": f"fake-{len(self.requests):06d}",
            "request_status": "TRUNCATED" if more else "SUCCESS",
            "received_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "price": 0,
            "currency": "EUR",
            "ids_not_found": "",
            "items_count": len(page),
            "records": page,
        }
        if more:
            cursor = base64.urlsafe_b64encode(str(offset + len(page)).encode()).decode()
            iv = base64.urlsafe_b64encode(os.urandom(12)).decode()
            payload.update(cursor=cursor, iv=iv)
            payload["_links"]["next"] = {"href": f"{link}&{urlencode({'cursor': cursor, 'iv': iv})}"}
        handler.send_json(200, payload)

    def _subaccounts_payload(self, account: FakeAccount) -> dict[str, Any]:
        def account_json(sub: FakeSubaccount) -> dict[str, Any]:
            return {
                "api_key": sub.api_key,
                "name": sub.name,
                "primary_account_api_key": account.api_key,
                "use_primary_account_balance": sub.balance is None,
                "created_at": sub.created_at,
                "suspended": sub.suspended,
                "balance": _number(sub.balance),
                "credit_limit": _number(sub.credit_limit if sub.balance is not None else None),
            }

        subs = [account_json(s) for s in account.subaccounts]
        own = [s for s in account.subaccounts if s.balance is not None]
        return {
            "_links": {"self": {"href": f"/accounts/{account.api_key}/subaccounts"}},
            "total_balance": float(account.balance + sum((s.balance or Decimal(0) for s in own), Decimal(0))),
            "total_credit_limit": float(
                account.credit_limit + sum((s.credit_limit or Decimal(0) for s in own), Decimal(0))
            ),
            "_embedded": {
                "primary_account": {
                    "api_key": account.api_key,
                    "name": account.name,
                    "created_at": "2025-11-05T09:12:00.000Z",
                    "suspended": False,
                    "balance": float(account.balance),
                    "credit_limit": float(account.credit_limit),
                },
                "subaccounts": subs,
            },
        }

    def _error(
        self,
        handler: _Handler,
        status: int,
        path: str,
        *,
        retry_after: str | None = None,
        body: bytes | None = None,
        detail: str = "",
    ) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        if body is not None:
            handler.send_body(status, body, "application/json", headers)
            return
        slug, title, default_detail = ERROR_TITLES.get(status, ("error", "Error", "Something went wrong."))
        payload = {
            "type": f"https://developer.vonage.com/api-errors#{slug}",
            "title": title,
            "detail": detail or default_detail,
            "instance": f"fake-{path.strip('/').replace('/', '-')}",
        }
        handler.send_json(status, payload, headers)


def _report_time(text: str) -> dt.datetime:
    """ISO 8601 as the Reports API takes and writes it (Z, +00:00 or +0000)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def sms_records(
    api_key: str,
    count: int,
    *,
    start: dt.datetime,
    every: dt.timedelta = dt.timedelta(minutes=1),
    first: int = 0,
    country: str = "NG",
    network: str = "62130",
    number_start: str = "2348031",
    status: str = "delivered",
) -> list[dict[str, Any]]:
    """``count`` outbound SMS records in the Reports API's JSON shape, one every ``every`` from
    ``start``, message ids ``{api_key}-m{n}``; the numbers are spread over many prefixes (fictional)."""
    records = []
    for n in range(first, first + count):
        received = start + (n - first) * every
        finalized = received + dt.timedelta(seconds=3)
        delivered = status == "delivered"
        records.append({
            "account_id": api_key,
            "message_id": f"{api_key}-m{n}",
            "client_ref": f"otp-{n}",
            "concatenated": False,
            "direction": "outbound",
            "from": "Starriver",
            "to": f"{number_start}{(n * 7919) % 100_000:05d}",
            "network": network,
            "network_name": "Airtel Nigeria",
            "country": country,
            "country_name": "Nigeria",
            "date_received": received.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "date_finalized": finalized.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "latency": 3000,
            "status": status,
            "error_code": "0" if delivered else "1",
            "error_code_description": "Delivered" if delivered else "Unknown",
            "currency": "EUR",
            "total_price": "0.03800000",
        })
    return records


def numbers_of_every_type() -> list[dict[str, Any]]:
    """One number of each kind the Numbers API lists: a UK mobile long number without ``moHttpUrl``
    (inbound SMS go nowhere), a US toll-free number and a UK landline (voice only)."""
    return [
        {
            "country": "GB",
            "msisdn": "447700900555",
            "type": "mobile-lvn",
            "features": ["SMS", "VOICE"],
        },
        {
            "country": "US",
            "msisdn": "18335550101",
            "moHttpUrl": "https://hooks.example.test/us-inbound",
            "type": "landline-toll-free",
            "features": ["SMS", "VOICE", "MMS"],
            "voiceCallbackType": "tel",
            "voiceCallbackValue": "12025550199",
        },
        {
            "country": "GB",
            "msisdn": "442079460555",
            "type": "landline",
            "features": ["VOICE"],
        },
    ]


def uk_numbers(count: int = 2, *, webhook: str = "https://hooks.example.test/inbound") -> list[dict[str, Any]]:
    """``count`` UK long numbers in the Numbers API's shape (fictional 07700 900xxx range)."""
    return [
        {
            "country": "GB",
            "msisdn": f"447700900{n:03d}",
            "moHttpUrl": webhook,
            "type": "mobile-lvn",
            "features": ["VOICE", "SMS"],
            "messagesCallbackType": "app",
            "messagesCallbackValue": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
            "voiceCallbackType": "app",
            "voiceCallbackValue": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
        }
        for n in range(count)
    ]
