"""Demo probes (巡检): the desk's own login page checked over HTTP, and the platform's nightly billing
job as a heartbeat that stopped pinging two days ago — so it is late, has failed twice, and its alert
has opened one proactive ticket without a customer.

``load_probes(*, now: dt.datetime) -> dict`` — needs nothing else from the demo (no customer, no
vendor account). The HTTP probe points at ``SITE_URL``'s ``/login/`` and is only created, not run
(the demo web server may not be up while loading); the minute job checks it once the desk runs.
The heartbeat's two late checks go through ``probes.runner.run_probe`` with the desk's clock moved,
as the minute job would run them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from aftersales.core import clock
from aftersales.monitoring.models import Probe, ProbeKind
from aftersales.monitoring.probes.actions import save_probe
from aftersales.monitoring.probes.runner import RunReport, run_probe

BILLING_JOB = "Platform nightly billing job"
LOGIN_PAGE = "Support desk login page"


def load_probes(*, now: dt.datetime) -> dict:
    if Probe.objects.filter(name__in=[BILLING_JOB, LOGIN_PAGE]).exists():
        return {"skipped": True}
    day = dt.timedelta(days=1)
    start = now - 3 * day
    report = RunReport()
    with clock.moving(start) as moving:
        billing = save_probe(
            actor=None,
            name=BILLING_JOB,
            kind=ProbeKind.HEARTBEAT,
            interval_minutes=24 * 60,
            grace_minutes=60,
            severity="critical",
            failures_before_alert=2,
            successes_before_resolve=1,
        )
        # It pinged on the first night, then never again. Two checks past the deadline, the second at
        # ``now`` (it fires the alert, and its ticket is the demo's newest, as the timeline expects).
        Probe.objects.filter(pk=billing.pk).update(last_ping_at=start + dt.timedelta(hours=1))
        billing.refresh_from_db()
        for minutes in (5, 0):
            moving.at = max(billing.heartbeat_deadline(), now - dt.timedelta(minutes=minutes))
            run_probe(billing, now=moving.at, report=report)
    login = save_probe(
        actor=None,
        name=LOGIN_PAGE,
        kind=ProbeKind.HTTP,
        url=f"{settings.SITE_URL.rstrip('/')}/login/",
        expected_status=200,
        timeout_seconds=10,
        interval_minutes=5,
    )
    return {"probes": [login.pk, billing.pk], "alerts": report.fired}
