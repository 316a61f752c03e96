"""Monitoring records, one module per aggregate:

- ``events``: every telemetry request as received (``RawEvent``), the feeds that may post it
  (``TrafficFeed``), and one row per message part (``MessageRecord``);
- ``rollups``: hourly counters per account × country × network (``TrafficRollup``) and per number
  prefix (``PrefixRollup``), which monitors and reports read;
- ``alerts``: monitor settings per customer, alerts and the incidents they group into;
- ``notices``: whether and how a customer is told when a monitor opens a proactive ticket;
- ``pulls``: the periodic Reports API pulls, one per account, direction and 24-hour window;
- ``probes``: HTTP, heartbeat and SMS round-trip probes (巡检) and their results.
"""

from aftersales.monitoring.models.alerts import Alert, AlertIncident, AlertState, MonitorSetting, Severity
from aftersales.monitoring.models.events import EventSource, EventState, MessageRecord, RawEvent, TrafficFeed
from aftersales.monitoring.models.notices import AlertNotice
from aftersales.monitoring.models.probes import Probe, ProbeKind, ProbeReason, ProbeResult, ProbeStatus
from aftersales.monitoring.models.pulls import PullState, ReportPull
from aftersales.monitoring.models.rollups import PrefixRollup, TrafficRollup

__all__ = [
    "Alert",
    "AlertIncident",
    "AlertNotice",
    "AlertState",
    "EventSource",
    "EventState",
    "MessageRecord",
    "MonitorSetting",
    "PrefixRollup",
    "Probe",
    "ProbeKind",
    "ProbeReason",
    "ProbeResult",
    "ProbeStatus",
    "PullState",
    "RawEvent",
    "ReportPull",
    "Severity",
    "TrafficFeed",
    "TrafficRollup",
]
