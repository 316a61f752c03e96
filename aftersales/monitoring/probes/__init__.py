"""Probes (巡检): HTTP(S) checks, heartbeats (a job pings us; silence alerts) and SMS round trips.

- ``checks``: one HTTP(S) request and its verdict (network only);
- ``runner``: running due probes (the minute job), "Run now", heartbeat pings, the results' retention;
- ``alerting``: a probe's alert (fingerprint ``probe:<id>``), fired and resolved with damping;
- ``actions``: creating and changing probes (audited);
- ``jobs``: the scheduler jobs (registered from ``monitoring.tasks``).

See docs/monitoring.md, "Probes (巡检)".
"""
