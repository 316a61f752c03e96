"""What every monitor is: a key, default parameters (from ``sms-domain.md`` §2 and §5; ours marked †
in the docs) and ``evaluate(context) -> list[Finding]``.

A monitor is pure: it reads the :class:`~aftersales.monitoring.monitors.context.Context` built once
per pass (rollup sums fetched in a few SQL aggregates) and returns findings. It never writes;
``monitoring.alerts.evaluate_all`` turns findings into alerts, incidents and tickets.

A :class:`Finding` carries what identifies it (its fingerprint parts), a severity, a message code
with its numbers (the sentence is rendered in the reader's language when shown, see
``monitoring.messages``), and what to suggest: knowledge articles and, for fraud, actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise

from aftersales.monitoring.models import Severity

if TYPE_CHECKING:
    from aftersales.monitoring.monitors.context import Context, Counts

SEVERITY_RANK: dict[str, int] = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
# Consecutive healthy evaluations before a firing alert resolves (damps flapping).
DEFAULT_HOLD_RUNS = 3


@dataclass(frozen=True)
class Finding:
    """One thing a monitor found wrong in this pass.

    ``network`` is "" for a finding about a whole country (all its networks); ``detail`` is an extra
    fingerprint part when one account/country can have several (e.g. "content" and "route").
    """

    monitor: str
    account_id: int
    customer_id: int
    country: str
    code: str
    params: dict[str, Any]
    severity: str = Severity.WARNING
    network: str = ""
    detail: str = ""
    per_network: bool = False  # the chart follows this network only (else the whole country)

    @property
    def fingerprint(self) -> str:
        parts = [self.monitor, str(self.account_id), self.country or "-", self.network or "-"]
        if self.detail:
            parts.append(self.detail)
        return ":".join(parts)


class Monitor:
    """A monitor: subclass, set the class attributes, implement ``evaluate``."""

    key: ClassVar[str] = ""
    title: ClassVar[str | Promise] = ""
    # "delivery-conversion" or "fraud": the ticket category, and whether fraud actions are offered.
    category: ClassVar[str] = "delivery-conversion"
    # Incidents group by customer + country ("country") or customer + vendor account ("balance").
    group: ClassVar[str] = "country"
    defaults: ClassVar[dict[str, Any]] = {}
    # Slugs of shipped knowledge articles (aftersales/knowledge/seed/articles/<slug>.toml).
    articles: ClassVar[tuple[str, ...]] = ()
    # What the chart of an alert shows: a metric of one hour's counts, and its unit.
    series_unit: ClassVar[str] = "%"  # "%", "messages" or "EUR"

    @property
    def is_fraud(self) -> bool:
        return self.category == "fraud"

    def all_defaults(self) -> dict[str, Any]:
        return {"hold_runs": DEFAULT_HOLD_RUNS, **self.defaults}

    def series_value(self, counts: Counts) -> float | None:
        """The chart's value for one hour (None: nothing to plot that hour)."""
        return counts.delivery_rate

    def evaluate(self, context: Context) -> list[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError


def where(country: str, network: str = "") -> str:
    """How a finding names its place: "NG / 62130", or "NG" for a whole country."""
    if network:
        return f"{country or '?'} / {network}"
    return country or "?"
