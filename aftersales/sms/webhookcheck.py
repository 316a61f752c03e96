"""The inbound-webhook check (the seed's "number not receiving inbound SMS: webhook URL misconfigured").

:func:`check_webhooks` looks at every held, SMS-capable number: without an inbound webhook URL it
is "missing"; otherwise its URL gets one HTTP ``HEAD`` request with a short timeout
(``SMS_WEBHOOK_TIMEOUT_SECONDS``, default 5). Any HTTP answer below 500 counts as answering (a 405
for HEAD, a 401 asking for a signature, a redirect: something is listening); a 5xx, a refused
connection, a timeout, an unknown host or a certificate the desk does not trust is "failing",
with the reason in ``webhook_message`` as a code (``http:502``, ``timeout:5``, ``tls`` …) that each reader
sees in their own language (``PhoneNumber.webhook_reason``). Each URL is probed once per run
however many numbers share it, by a small thread pool (``SMS_WEBHOOK_WORKERS``, default 8); the
database is written from the calling thread only. Runs hourly from the scheduler.

It probes what is configured; it makes no exception for private or loopback addresses (the
tests probe a local server on 127.0.0.1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.db import transaction

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.sms.models import PhoneNumber
from aftersales.sms.numbers import HELD

logger = logging.getLogger(__name__)

USER_AGENT = "aftersales-webhook-check/1"


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    # Why it fails ("" when it answers): a code of ``models.numbers.WEBHOOK_REASONS`` ("http:502"),
    # or any text (a custom probe's), shown as it is.
    reason: str = ""
    status: int | None = None


Probe = Callable[[str, float], ProbeResult]


def timeout_seconds() -> float:
    return float(getattr(settings, "SMS_WEBHOOK_TIMEOUT_SECONDS", 5))


def probe_url(url: str, timeout: float) -> ProbeResult:
    """One HEAD request to ``url``; never raises."""
    try:
        response = requests.head(url, timeout=timeout, allow_redirects=False, headers={"User-Agent": USER_AGENT})
    except requests.exceptions.SSLError:
        return ProbeResult(False, "tls")
    except requests.exceptions.Timeout:
        return ProbeResult(False, f"timeout:{timeout:g}")
    except requests.exceptions.ConnectionError as error:
        text = str(error)
        if "Name or service not known" in text or "getaddrinfo" in text or "NameResolution" in text:
            return ProbeResult(False, "dns")
        if "refused" in text.lower():
            return ProbeResult(False, "refused")
        return ProbeResult(False, "connect")
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema):
        return ProbeResult(False, "invalid_url")
    except requests.RequestException as error:
        return ProbeResult(False, f"error:{type(error).__name__}")
    response.close()
    if response.status_code >= 500:
        return ProbeResult(False, f"http:{response.status_code}", response.status_code)
    return ProbeResult(True, "", response.status_code)


@dataclass
class WebhookReport:
    checked: int = 0
    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failing: dict[str, str] = field(default_factory=dict)  # msisdn → reason
    probes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "ok": len(self.ok),
            "missing": self.missing,
            "failing": self.failing,
            "probes": self.probes,
        }


def check_webhooks(
    *,
    numbers: Iterable[PhoneNumber] | None = None,
    probe: Probe | None = None,
    timeout: float | None = None,
    workers: int | None = None,
) -> WebhookReport:
    """Check the inbound webhooks of ``numbers`` (default: every held number) and stamp each.

    ``probe`` replaces the HTTP request (the demo uses one that makes none); it receives the URL
    and the timeout and must not raise."""
    if numbers is None:
        numbers = PhoneNumber.objects.filter(HELD).order_by("pk")
    candidates = [n for n in numbers if n.status != PhoneNumber.Status.RELEASED and n.receives_sms]
    timeout = timeout if timeout is not None else timeout_seconds()
    probe = probe or probe_url
    urls = sorted({n.inbound_webhook_url for n in candidates if n.inbound_webhook_url})
    results: dict[str, ProbeResult] = {}
    if urls:
        configured: int = workers or int(getattr(settings, "SMS_WEBHOOK_WORKERS", 8))
        pool_size = max(1, min(configured, len(urls)))

        def run(url: str) -> ProbeResult:
            return probe(url, timeout)

        with ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="webhook-check") as pool:
            results = dict(zip(urls, pool.map(run, urls), strict=True))
    report = WebhookReport(checked=len(candidates), probes=len(urls))
    now = clock.now()
    for number in candidates:
        if not number.inbound_webhook_url:
            state, message = PhoneNumber.Webhook.MISSING, ""
            report.missing.append(number.msisdn)
        else:
            result = results[number.inbound_webhook_url]
            state = PhoneNumber.Webhook.OK if result.ok else PhoneNumber.Webhook.FAILING
            message = result.reason[:300]
            if result.ok:
                report.ok.append(number.msisdn)
            else:
                report.failing[number.msisdn] = message
        _store(number, state, message, now)
    return report


def _store(number: PhoneNumber, state: str, message: str, now: Any) -> None:
    with transaction.atomic():
        # Only if the URL is still the one probed (an agent may have changed it meanwhile).
        changed = PhoneNumber.objects.filter(pk=number.pk, inbound_webhook_url=number.inbound_webhook_url).exclude(
            webhook_state=state, webhook_message=message
        )
        before = {"webhook_state": number.webhook_state, "webhook_message": number.webhook_message}
        if changed.update(webhook_state=state, webhook_message=message, webhook_checked_at=now):
            if before["webhook_state"] != state:
                audit(
                    actor=None,
                    action="sms.number.webhook",
                    obj=number,
                    before=before,
                    after={"webhook_state": state, "webhook_message": message},
                )
        else:
            PhoneNumber.objects.filter(pk=number.pk, inbound_webhook_url=number.inbound_webhook_url).update(
                webhook_checked_at=now
            )
    number.webhook_state, number.webhook_message, number.webhook_checked_at = state, message, now
