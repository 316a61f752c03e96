"""The review's recommendations, each derived by an explicit rule from the facts (section 7).

A rule is a small named object: an ``id``, the ``Metrics`` fields it ``reads``, a ``fires``
condition, the numbers it read (``describe``: the evidence when it fires) and the recommendation. The
review shows every rule, fired or not, with the numbers it read. Thresholds are the constants
below (documented in docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from aftersales.reports.review.facts import Metrics
from aftersales.reports.templatetags.reports import hours, percent

FIRST_RESPONSE_RISE_PERCENT = 20
BREACH_CONCENTRATION_PERCENT = 30
BREACH_CONCENTRATION_MIN = 3
DOCUMENTATION_GAPS_MIN = 3
VENDOR_WAIT_PERCENT = 40
REOPEN_RATE_PERCENT = 10
REOPEN_MIN_RESOLVED = 10
CSAT_AVERAGE_BELOW = 4
CSAT_MIN_RESPONSES = 3
CSAT_LOW_MIN = 3
CHECKINS_OVERDUE_MIN = 3
PROACTIVE_SHARE_BELOW = 5
PROACTIVE_MIN_CREATED = 20


@dataclass(frozen=True)
class Rule:
    id: str
    reads: tuple[str, ...]
    fires: Callable[[Metrics], bool]
    recommendation: Callable[[Metrics], str]
    describe: Callable[[Metrics], str]  # the numbers it read: the evidence when it fires

    def evaluate(self, metrics: Metrics) -> Outcome:
        fired = self.fires(metrics)
        return Outcome(self, fired, self.describe(metrics), self.recommendation(metrics) if fired else "")


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    fired: bool
    evidence: str
    recommendation: str


def _n(value: float | int | None) -> str:
    if value is None:
        return "—"
    return number_format(value, 1) if isinstance(value, float) and not value.is_integer() else number_format(int(value))


# 1. First response slower -------------------------------------------------------------------
def _first_response_rise(m: Metrics) -> float | None:
    a, b = m.first_response_median, m.first_response_median_before
    if a is None or not b:
        return None
    return 100.0 * (a - b) / b


def _staffing_fires(m: Metrics) -> bool:
    rise = _first_response_rise(m)
    return rise is not None and rise > FIRST_RESPONSE_RISE_PERCENT


def _staffing_describe(m: Metrics) -> str:
    return _("First response median %(now)s, previous period %(before)s (rule: a rise of more than %(limit)d%%).") % {
        "now": hours(m.first_response_median), "before": hours(m.first_response_median_before),
        "limit": FIRST_RESPONSE_RISE_PERCENT,
    }


# 2. Breaches concentrated in one category ---------------------------------------------------
def _breaches_fires(m: Metrics) -> bool:
    return m.breaches >= BREACH_CONCENTRATION_MIN and (m.top_breach_share or 0) >= BREACH_CONCENTRATION_PERCENT


def _breaches_describe(m: Metrics) -> str:
    return _("%(count)s of %(total)s SLA breaches (%(share)s) in “%(category)s” (rule: at least %(limit)d%% of "
             "at least %(min)d breaches).") % {
        "count": m.top_breach_count, "total": m.breaches, "share": percent(m.top_breach_share),
        "category": m.top_breach_category or "—", "limit": BREACH_CONCENTRATION_PERCENT,
        "min": BREACH_CONCENTRATION_MIN,
    }


# 3. Documentation gaps ---------------------------------------------------------------------
def _docs_fires(m: Metrics) -> bool:
    return m.documentation_gaps >= DOCUMENTATION_GAPS_MIN


def _docs_describe(m: Metrics) -> str:
    return _("%(count)s tickets with the root cause “documentation gap” (rule: at least %(min)d).") % {
        "count": m.documentation_gaps, "min": DOCUMENTATION_GAPS_MIN,
    }


# 4. Waiting on the vendor ------------------------------------------------------------------
def _vendor_fires(m: Metrics) -> bool:
    return m.vendor_wait_share is not None and m.vendor_wait_share >= VENDOR_WAIT_PERCENT


def _vendor_describe(m: Metrics) -> str:
    return _("Largest share of time waiting on the vendor: %(share)s in “%(category)s” "
             "(rule: at least %(limit)d%%).") % {
        "share": percent(m.vendor_wait_share), "category": m.vendor_wait_category or "—", "limit": VENDOR_WAIT_PERCENT,
    }


# 5. Reopenings -------------------------------------------------------------------------------
def _reopen_fires(m: Metrics) -> bool:
    return m.resolved >= REOPEN_MIN_RESOLVED and (m.reopen_rate or 0) >= REOPEN_RATE_PERCENT


def _reopen_describe(m: Metrics) -> str:
    return _("%(reopened)s of %(resolved)s resolved tickets reopened (%(rate)s; rule: at least %(limit)d%% of at "
             "least %(min)d).") % {
        "reopened": m.reopened, "resolved": m.resolved, "rate": percent(m.reopen_rate),
        "limit": REOPEN_RATE_PERCENT, "min": REOPEN_MIN_RESOLVED,
    }


# 6. Satisfaction -----------------------------------------------------------------------------
def _csat_fires(m: Metrics) -> bool:
    low_average = m.csat_responses >= CSAT_MIN_RESPONSES and m.csat_average is not None and \
        m.csat_average < CSAT_AVERAGE_BELOW
    return low_average or m.csat_low >= CSAT_LOW_MIN


def _csat_describe(m: Metrics) -> str:
    return _("CSAT average %(average)s over %(responses)s ratings, %(low)s low ratings (rule: an average under "
             "%(below)d over at least %(min)d ratings, or at least %(low_min)d low ratings).") % {
        "average": _n(m.csat_average), "responses": m.csat_responses, "low": m.csat_low,
        "below": CSAT_AVERAGE_BELOW, "min": CSAT_MIN_RESPONSES, "low_min": CSAT_LOW_MIN,
    }


# 7. Overdue check-ins -----------------------------------------------------------------------
def _checkins_fires(m: Metrics) -> bool:
    return m.checkins_overdue >= CHECKINS_OVERDUE_MIN


def _checkins_describe(m: Metrics) -> str:
    return _("%(count)s check-ins overdue (rule: at least %(min)d).") % {
        "count": m.checkins_overdue, "min": CHECKINS_OVERDUE_MIN,
    }


# 8. Churn risk -------------------------------------------------------------------------------
def _churn_fires(m: Metrics) -> bool:
    return bool(m.churn_high)


def _churn_describe(m: Metrics) -> str:
    return _("%(count)s customers at high risk of leaving%(names)s (rule: at least one).") % {
        "count": len(m.churn_high), "names": (": " + ", ".join(m.churn_high[:5])) if m.churn_high else "",
    }


# 9. Little early warning ---------------------------------------------------------------------
def _proactive_fires(m: Metrics) -> bool:
    return m.created >= PROACTIVE_MIN_CREATED and (m.proactive_share or 0) < PROACTIVE_SHARE_BELOW


def _proactive_describe(m: Metrics) -> str:
    return _("%(proactive)s of %(created)s tickets opened by early warning (%(share)s; rule: under %(limit)d%% of "
             "at least %(min)d).") % {
        "proactive": m.proactive, "created": m.created, "share": percent(m.proactive_share),
        "limit": PROACTIVE_SHARE_BELOW, "min": PROACTIVE_MIN_CREATED,
    }


RULES: tuple[Rule, ...] = (
    Rule("first_response_slower", ("first_response_median", "first_response_median_before"), _staffing_fires,
         lambda m: _("Review staffing and routing: the first response got slower."), _staffing_describe),
    Rule("breaches_in_one_category", ("breaches", "top_breach_category", "top_breach_count"), _breaches_fires,
         lambda m: _("Write or refresh the knowledge article for “%(category)s” and check its SLA targets.")
         % {"category": m.top_breach_category}, _breaches_describe),
    Rule("documentation_gaps", ("documentation_gaps",), _docs_fires,
         lambda m: _("Plan knowledge work: write the missing documents behind these tickets."), _docs_describe),
    Rule("waiting_on_vendor", ("vendor_wait_category", "vendor_wait_share"), _vendor_fires,
         lambda m: _("Escalate with the vendor about “%(category)s”: agree response times for its cases.")
         % {"category": m.vendor_wait_category}, _vendor_describe),
    Rule("reopen_rate", ("resolved", "reopened"), _reopen_fires,
         lambda m: _("Check how tickets are resolved: confirm the fix with the customer before closing."),
         _reopen_describe),
    Rule("satisfaction_low", ("csat_average", "csat_responses", "csat_low"), _csat_fires,
         lambda m: _("Call back the customers who rated low and look for what the ratings have in common."),
         _csat_describe),
    Rule("checkins_overdue", ("checkins_overdue",), _checkins_fires,
         lambda m: _("Schedule the overdue check-ins: regular contact keeps the relationship."), _checkins_describe),
    Rule("churn_risk", ("churn_high",), _churn_fires,
         lambda m: _("Make a plan for each customer at high risk: a call from the account manager this week."),
         _churn_describe),
    Rule("early_warning_low", ("created", "proactive"), _proactive_fires,
         lambda m: _("Extend monitoring: most problems still reach us from the customer first."),
         _proactive_describe),
)


def evaluate(metrics: Metrics) -> list[Outcome]:
    """Every rule's outcome, fired first (in rule order), then the others."""
    outcomes = [rule.evaluate(metrics) for rule in RULES]
    return [o for o in outcomes if o.fired] + [o for o in outcomes if not o.fired]
