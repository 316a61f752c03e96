"""One HTTP(S) check: network only (no database), safe in a worker thread.

``requests`` with a connect and read timeout, a total deadline on top (a server that dribbles its body
slowly still times out), redirects not followed unless asked (a 301 is then just a status), at most
``MAX_BODY`` bytes read when looking for a text. Every failure gets a reason code: ``timeout``,
``ssl``, ``dns``, ``connection``, ``status``, ``body`` or ``error``.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from aftersales.monitoring.models import ProbeReason

MAX_BODY = 1024 * 1024
USER_AGENT = "aftersales-probe/1 (+monitoring)"


@dataclass
class Outcome:
    """What one run found: passed or not, why (a ``ProbeReason``), and the numbers behind it."""

    ok: bool
    reason: str
    detail: str = ""
    latency_ms: int | None = None
    status_code: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


def _chain(error: BaseException) -> list[BaseException]:
    """The error, its causes and contexts, and exceptions wrapped in their args (urllib3 nests them)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo:
        item = todo.pop()
        if item in seen or len(seen) > 20:
            continue
        seen.append(item)
        todo += [e for e in (item.__cause__, item.__context__) if e is not None]
        todo += [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(item, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return seen


def classify(error: BaseException) -> tuple[str, str]:
    """A reason code and a short detail for a failed request."""
    chain = _chain(error)
    if any(isinstance(e, requests.exceptions.SSLError | urllib3.exceptions.SSLError) for e in chain):
        return ProbeReason.SSL, _short(error)
    if any(isinstance(e, socket.gaierror | urllib3.exceptions.NameResolutionError) for e in chain):
        return ProbeReason.DNS, "host name not found"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return ProbeReason.CONNECTION, "connection refused"
    # (urllib3's NewConnectionError is a ConnectTimeoutError by inheritance: not a timeout.)
    if any(isinstance(e, urllib3.exceptions.NewConnectionError | ConnectionResetError) for e in chain):
        return ProbeReason.CONNECTION, _short(error)
    if any(
        isinstance(e, requests.exceptions.Timeout | urllib3.exceptions.TimeoutError | socket.timeout | TimeoutError)
        for e in chain
    ):
        return ProbeReason.TIMEOUT, "timed out"
    if isinstance(error, requests.exceptions.ConnectionError):
        return ProbeReason.CONNECTION, _short(error)
    return ProbeReason.ERROR, _short(error)


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    # urllib3 repeats the pool and the URL: keep the end, where the cause is.
    if "Caused by" in text:
        text = text.split("Caused by", 1)[1].strip(" ()'\"")
    return text[:200]


def http_check(
    *,
    url: str,
    method: str = "GET",
    expected_status: int = 200,
    body_contains: str = "",
    timeout: float = 10,
    follow_redirects: bool = False,
) -> Outcome:
    """Request ``url`` and judge the answer. Never raises for a network problem."""
    params: dict[str, Any] = {
        "url": url,
        "host": urlsplit(url).hostname or "",
        "expected": expected_status,
        "timeout": timeout,
        "text": body_contains,
    }
    start = time.monotonic()
    deadline = start + timeout

    def elapsed_ms() -> int:
        return int((time.monotonic() - start) * 1000)

    try:
        with requests.Session() as session:
            response = session.request(
                method,
                url,
                timeout=(timeout, timeout),
                allow_redirects=follow_redirects,
                stream=True,
                headers={"User-Agent": USER_AGENT},
            )
            with response:
                found = not body_contains
                if body_contains and method != "HEAD" and response.status_code == expected_status:
                    needle = body_contains.encode("utf-8")
                    body = b""
                    for chunk in response.iter_content(64 * 1024):
                        body += chunk
                        if needle in body:
                            found = True
                            break
                        if len(body) > MAX_BODY or time.monotonic() > deadline:
                            break
                    if not found and response.encoding and response.encoding.lower() not in ("utf-8", "utf8"):
                        found = body_contains in body.decode(response.encoding, errors="replace")
                status = response.status_code
    except Exception as error:  # every failure is a result, never a crash of the run
        reason, detail = classify(error)
        return Outcome(False, reason, detail, latency_ms=elapsed_ms(), params={**params, "detail": detail})
    latency = elapsed_ms()
    params["status"] = status
    if time.monotonic() > deadline:
        return Outcome(
            False,
            ProbeReason.TIMEOUT,
            f"answer took over {timeout:g} s",
            latency,
            status,
            {**params, "detail": "timed out"},
        )
    if status != expected_status:
        return Outcome(
            False,
            ProbeReason.STATUS,
            f"HTTP {status}, expected {expected_status}",
            latency,
            status,
            {**params, "detail": f"HTTP {status}"},
        )
    if not found:
        return Outcome(
            False,
            ProbeReason.BODY,
            f"body lacks {body_contains!r}"[:300],
            latency,
            status,
            {**params, "detail": "text missing"},
        )
    return Outcome(True, ProbeReason.OK, f"HTTP {status}", latency, status, params)
