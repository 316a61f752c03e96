"""The periodic review (复盘): the facts of a period, in the seed retrospective's steps.

``build(scope)`` returns a :class:`Review`: seven sections, each a few sentences (``Fact``) and
data tables (``Table``), plus the ``Metrics`` the recommendation rules read and the rules'
outcomes. Every ticket number is a ``Num`` made from a ``figures.Figure``: it carries the link to
the list of exactly the tickets it counted (``count``); the web version links it, the test follows
every link. Numbers that are not ticket counts (check-ins, alerts, customers at risk) have
``count=None`` and link to their own page.

Every headline compares with ``scope.previous()`` (the month before, the quarter before, …).
The whole review runs a fixed number of grouped queries, whatever the number of tickets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.reports import daily, figures, sets
from aftersales.reports.figures import Figure, share
from aftersales.reports.scope import Scope
from aftersales.reports.templatetags.reports import hours, percent

GOOD, BAD, NEUTRAL = "good", "bad", "neutral"
DOCUMENTATION_GAP = "documentation-gap"  # the root cause code the knowledge rule counts
CHURN_LIST_LIMIT = 10


# --- Building blocks --------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    """A number as shown. ``count`` is the number of tickets behind ``link`` (None: not tickets)."""

    display: str
    value: float | int | None
    link: str = ""
    count: int | None = None

    def __str__(self) -> str:
        return self.display


Cell = str | Num | None


def num(figure: Figure, display: str | None = None, value: float | int | None = None) -> Num:
    """A ticket figure as shown: its value (or ``display``) linked to the tickets it counted."""
    shown = display if display is not None else _count_text(figure.value)
    return Num(shown, figure.value if value is None else value, figure.link, figure.count)


def hours_num(figure: Figure) -> Num:
    """A median of business seconds, shown in hours, linked to the tickets it was taken over."""
    value = round(float(figure.value) / 3600, 1) if figure.value is not None else None
    return Num(hours(figure.value), value, figure.link, figure.count)


def plain(value: float | int | None, link: str = "", display: str | None = None) -> Num:
    """A number that is not a count of tickets (check-ins, alerts, customers)."""
    return Num(display if display is not None else _count_text(value), value, link, None)


def _count_text(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, 1)
    return number_format(int(value))


@dataclass(frozen=True)
class Fact:
    """A sentence with numbers: ``text`` has ``%(name)s`` placeholders filled from ``nums``
    (a ``Num`` is linked in the web version; a ``str`` is a word, a category's name)."""

    text: str
    nums: dict[str, Num | str] = field(default_factory=dict)
    tone: str = NEUTRAL

    def plain(self) -> str:
        return self.text % {k: str(n) for k, n in self.nums.items()}


@dataclass(frozen=True)
class Table:
    key: str  # the XLSX sheet name (short, ASCII)
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    empty: str = ""


@dataclass
class Section:
    key: str
    number: int
    title: str
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Metrics:
    """What the recommendation rules read (plain values, so a rule can be tested on its own)."""

    first_response_median: float | None = None  # business seconds
    first_response_median_before: float | None = None
    breaches: int = 0
    top_breach_category: str = ""
    top_breach_count: int = 0
    documentation_gaps: int = 0
    vendor_wait_category: str = ""
    vendor_wait_share: float | None = None  # percent of the category's time
    resolved: int = 0
    reopened: int = 0
    csat_responses: int = 0
    csat_average: float | None = None
    csat_low: int = 0
    checkins_overdue: int = 0
    churn_high: list[str] = field(default_factory=list)
    created: int = 0
    proactive: int = 0

    @property
    def reopen_rate(self) -> float | None:
        return share(self.reopened, self.resolved)

    @property
    def proactive_share(self) -> float | None:
        return share(self.proactive, self.created)

    @property
    def top_breach_share(self) -> float | None:
        return share(self.top_breach_count, self.breaches)


@dataclass
class Review:
    scope: Scope
    generated_at: dt.datetime
    sections: list[Section]
    metrics: Metrics
    outcomes: list[Any]  # rules.Outcome, every rule (fired or not)

    @property
    def title(self) -> str:
        return _("Review of %(period)s") % {"period": self.scope.period.label()}

    @property
    def fired(self) -> list[Any]:
        return [o for o in self.outcomes if o.fired]

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


# --- Comparisons -------------------------------------------------------------------------------
def compare(what: str, now: Num, before: Num, *, lower_is_better: bool) -> Fact:
    """"First response median: 3.2 h, down from 5.1 h" with the tone it deserves."""
    nums: dict[str, Num | str] = {"what": what, "now": now, "before": before}
    a, b = now.value, before.value
    if a is None:
        return Fact(_("%(what)s: no data in this period."), {"what": what}, NEUTRAL)
    if b is None:
        text, tone = _("%(what)s: %(now)s (no data in the previous period)."), NEUTRAL
    elif a == b:
        text, tone = _("%(what)s: %(now)s, the same as in the previous period (%(before)s)."), NEUTRAL
    elif a < b:
        text, tone = _("%(what)s: %(now)s, down from %(before)s."), (GOOD if lower_is_better else BAD)
    else:
        text, tone = _("%(what)s: %(now)s, up from %(before)s."), (BAD if lower_is_better else GOOD)
    if text.count("%(before)s") == 0:
        nums.pop("before")
    return Fact(text, nums, tone)


# --- The sections ------------------------------------------------------------------------------
def build(scope: Scope, *, now: dt.datetime | None = None) -> Review:
    with daily.reading():  # the stored daily figures brought up to date once for the whole review
        return _build(scope, now=now)


def _build(scope: Scope, *, now: dt.datetime | None = None) -> Review:
    from aftersales.reports.review import rules

    now = now or clock.now()
    before = scope.previous()
    metrics = Metrics()
    overview, headline = _overview(scope, before, metrics)
    problems = _problems(scope, before, metrics)
    sections = [
        overview,
        _well_and_badly(headline),
        problems,
        _knowledge(scope, metrics),
        _customers(scope, before, metrics, now),
        _early_warning(scope, before, metrics),
    ]
    outcomes = rules.evaluate(metrics)
    sections.append(_recommendations(outcomes))
    return Review(scope=scope, generated_at=now, sections=sections, metrics=metrics, outcomes=outcomes)


def _overview(scope: Scope, before: Scope, metrics: Metrics) -> tuple[Section, list[Fact]]:
    section = Section("overview", 1, _("Overview and responsibilities"))
    vol, vol_before = figures.volume(scope), figures.volume(before)
    metrics.created, metrics.proactive = vol.created.count, vol.proactive.count
    section.facts += [
        compare(_("Tickets opened"), num(vol.created), num(vol_before.created), lower_is_better=True),
        compare(_("Tickets resolved"), num(vol.resolved), num(vol_before.resolved), lower_is_better=False),
        compare(_("Open at the end of the period"), num(vol.open_at_end), num(vol_before.open_at_end),
                lower_is_better=True),
    ]
    # Headline facts for section 2 (what went well, what went badly).
    t, t_before = figures.overall_times(scope), figures.overall_times(before)
    metrics.first_response_median = t.first_response.value
    metrics.first_response_median_before = t_before.first_response.value
    headline = [
        compare(_("First response median (business hours)"), hours_num(t.first_response),
                hours_num(t_before.first_response), lower_is_better=True),
        compare(_("Resolution median (business hours)"), hours_num(t.resolution), hours_num(t_before.resolution),
                lower_is_better=True),
    ]
    s, s_before = _sla_overall(scope), _sla_overall(before)
    if s is not None and s.with_sla.count:
        headline.append(compare(
            _("SLA compliance"),
            num(s.with_sla, percent(s.compliance), s.compliance),
            num(s_before.with_sla, percent(s_before.compliance), s_before.compliance) if s_before
            else plain(None),
            lower_is_better=False,
        ))
    r, r_before = figures.reopens(scope), figures.reopens(before)
    metrics.resolved, metrics.reopened = r.resolved.count, r.reopened.count
    if r.resolved.count:
        headline.append(compare(
            _("Reopen rate"), num(r.reopened, percent(r.rate), r.rate),
            num(r_before.reopened, percent(r_before.rate), r_before.rate), lower_is_better=True,
        ))
    section.tables.append(_responsibilities(scope))
    rows: list[list[Cell]] = [[str(label), num(fig)] for label, fig in figures.backlog_age(scope)]
    section.tables.append(Table("backlog", _("Age of the open backlog at the end of the period"),
                                [_("Age"), _("Tickets")], rows, _("Nothing was open.")))
    return section, headline


def _sla_overall(scope: Scope) -> figures.SlaRow | None:
    rows = figures.sla(scope)
    return rows[0] if rows else None


def _responsibilities(scope: Scope) -> Table:
    """Who handled what: per owner, tickets opened and resolved, their medians (the seed's 责任分配)."""
    created = {k: (label, f) for k, label, f in figures.counts_by(scope, "created", "owner")}
    resolved = {k: (label, f) for k, label, f in figures.counts_by(scope, "resolved", "owner")}
    times = {row.key: row for row in figures.times(scope, "owner")}
    top = {k: label for k, label, _f in figures.counts_by(scope, "resolved", "owner")}
    categories = _top_category_per_owner(scope)
    keys = list(dict.fromkeys([*resolved, *created]))
    rows: list[list[Cell]] = []
    for key in keys:
        label = (resolved.get(key) or created.get(key) or (top.get(key, str(key)), None))[0]
        row_times = times.get(key)
        rows.append([
            label,
            num(created[key][1]) if key in created else "0",
            num(resolved[key][1]) if key in resolved else "0",
            hours_num(row_times.first_response) if row_times and row_times.first_response.count else "—",
            hours_num(row_times.resolution) if row_times and row_times.resolution.count else "—",
            categories.get(key, ""),
        ])
    return Table("owners", _("Who handled what"),
                 [_("Owner"), _("Tickets opened"), _("Tickets resolved"), _("First response median"),
                  _("Resolution median"), _("Main category")], rows, _("No tickets in this period."))


def _top_category_per_owner(scope: Scope) -> dict[Any, str]:
    """The category each owner resolved most of (1 grouped query + labels)."""
    found = (
        sets.tickets(scope, "resolved").order_by().values_list("owner_id", "category_id")
        .annotate(n=Count("pk")).order_by("owner_id", "-n", "category_id")
    )
    best: dict[Any, Any] = {}
    for owner_id, category_id, _n in found:
        best.setdefault(owner_id, category_id)
    names = figures.labels("category", list(best.values()))
    return {owner: names.get(cat, str(cat)) for owner, cat in best.items()}


def _well_and_badly(headline: list[Fact]) -> Section:
    section = Section("well_badly", 2, _("What went well and what went badly"))
    section.facts = [f for f in headline if f.tone == GOOD] + [f for f in headline if f.tone != GOOD]
    return section


def _problems(scope: Scope, before: Scope, metrics: Metrics) -> Section:
    section = Section("problems", 3, _("Problems by category"))
    now_rows = figures.counts_by(scope, "created", "category")
    before_counts = {k: f for k, _label, f in figures.counts_by(before, "created", "category")}
    sla_rows = {row.key: row for row in figures.sla(scope, "category")}
    spent = {row.key: row for row in figures.time_spent(scope, "category")}
    rows: list[list[Cell]] = []
    for key, label, fig in now_rows:
        prev = before_counts.get(key)
        s = sla_rows.get(key)
        t = spent.get(key)
        rows.append([
            label, num(fig), num(prev) if prev else "0", _trend(fig.count, prev.count if prev else 0),
            num(s.breached) if s else "0",
            hours(t.with_us) if t else "—", hours(t.waiting_customer) if t else "—",
            hours(t.waiting_vendor) if t else "—",
            percent(t.part("waiting_vendor")) if t else "—",
        ])
    section.tables.append(Table(
        "categories", _("Tickets by category"),
        [_("Category"), _("Tickets opened"), _("Previous period"), _("Trend"), _("Breached SLA"),
         _("Time with us"), _("Waiting on customer"), _("Waiting on vendor"), _("Vendor share")],
        rows, _("No tickets were opened in this period."),
    ))
    # Where the breaches were ("41% of breaches were in Sender ID registration").
    breached = sorted(sla_rows.values(), key=lambda r: -r.breached.count)
    total = sum(r.breached.count for r in breached)
    metrics.breaches = total
    if total and breached[0].breached.count:
        top = breached[0]
        metrics.top_breach_category, metrics.top_breach_count = top.label, top.breached.count
        section.facts.append(Fact(
            _("%(share)s of SLA breaches (%(count)s of %(total)s) were in %(category)s."),
            {"share": num(top.breached, percent(share(top.breached.count, total)), share(top.breached.count, total)),
             "count": num(top.breached), "total": num(figures.count_of(scope, "breached")),
             "category": top.label},
            BAD,
        ))
    # The category whose resolved tickets waited longest on the vendor, as a share of their time.
    vendor = [r for r in spent.values() if r.total and r.waiting_vendor]
    if vendor:
        worst = max(vendor, key=lambda r: (r.part("waiting_vendor") or 0, r.waiting_vendor))
        metrics.vendor_wait_category, metrics.vendor_wait_share = worst.label, worst.part("waiting_vendor")
        section.facts.append(Fact(
            _("Tickets in %(category)s spent %(share)s of their time waiting on the vendor."),
            {"category": worst.label,
             "share": num(worst.tickets, percent(worst.part("waiting_vendor")), worst.part("waiting_vendor"))},
            NEUTRAL,
        ))
    causes = figures.root_causes(scope)
    section.tables.append(Table(
        "root_causes", _("Root causes of the tickets resolved"), [_("Root cause"), _("Tickets")],
        [[label, num(fig)] for _k, label, fig in causes], _("No ticket was resolved in this period."),
    ))
    rec_rows: list[list[Cell]] = [
        [item.label, item.category, num(item.tickets), _count_text(item.customers),
         " ".join(t.ref for t in item.examples[:3])]
        for item in figures.recurring(scope, limit=10)
    ]
    section.tables.append(Table(
        "recurring", _("Top recurring problems"),
        [_("Problem"), _("Category"), _("Tickets"), _("Customers"), _("Example tickets")],
        rec_rows, _("No problem came back in this period."),
    ))
    cases, cases_before = figures.vendor_cases(scope), figures.vendor_cases(before)
    cases_url = reverse("sms:case_list")
    section.facts.append(compare(_("Cases opened with SMS vendors"), plain(cases.opened, cases_url),
                                 plain(cases_before.opened, cases_url), lower_is_better=True))
    if cases.first_response_median_hours is not None:
        section.facts.append(compare(
            _("Vendors' first answer, median (hours)"),
            plain(cases.first_response_median_hours, display=_hours_text(cases.first_response_median_hours)),
            plain(cases_before.first_response_median_hours,
                  display=_hours_text(cases_before.first_response_median_hours)),
            lower_is_better=True,
        ))
    return section


def _hours_text(value: float | None) -> str:
    return hours(value * 3600) if value is not None else "—"


def _trend(now: int, before: int) -> str:
    if not before:
        return _("new") if now else "—"
    change = share(now - before, before)
    return ("+" if now >= before else "") + percent(change)


def _knowledge(scope: Scope, metrics: Metrics) -> Section:
    section = Section("knowledge", 4, _("Knowledge: articles used and gaps"))
    from aftersales.tickets.models import RootCause

    gap = RootCause.objects.filter(code=DOCUMENTATION_GAP).first()
    if gap is not None:
        fig = figures.count_of(scope, "resolved", root_cause=gap.pk)
        metrics.documentation_gaps = fig.count
        section.facts.append(Fact(
            _("%(count)s tickets resolved in this period were caused by a documentation gap."), {"count": num(fig)},
            BAD if fig.count else GOOD,
        ))
    found = figures.knowledge(scope)
    section.tables.append(Table("articles", _("Articles used"), [_("Article"), _("Tickets")],
                                [[use.title, num(use.tickets)] for use in found.used],
                                _("No article was used in this period.")))
    section.tables.append(Table("gaps", _("Knowledge gaps: categories without a published article"),
                                [_("Category"), _("Tickets opened")],
                                [[gap.label, num(gap.tickets)] for gap in found.gaps],
                                _("No gap found in this period.")))
    return section


def _customers(scope: Scope, before: Scope, metrics: Metrics, now: dt.datetime) -> Section:
    section = Section("customers", 5, _("Customers: satisfaction, check-ins and churn risk"))
    c, c_before = figures.csat(scope), figures.csat(before)
    metrics.csat_responses, metrics.csat_low = c.responses.count, c.low.count
    metrics.csat_average = c.average
    avg_text = number_format(c.average, 2) if c.average is not None else "—"
    before_text = number_format(c_before.average, 2) if c_before.average is not None else "—"
    section.facts.append(compare(_("Satisfaction (CSAT) average"),
                                 num(c.responses, avg_text, c.average),
                                 num(c_before.responses, before_text, c_before.average),
                                 lower_is_better=False))
    section.facts.append(Fact(_("%(responses)s ratings answered, %(low)s of them low (1 or 2)."),
                              {"responses": num(c.responses), "low": num(c.low)},
                              BAD if c.low.count else NEUTRAL))
    done, done_before, overdue = _checkins(scope, before)
    metrics.checkins_overdue = overdue
    checkins_url = reverse("feedback:checkins")
    section.facts.append(compare(_("Check-ins done"), plain(done, checkins_url), plain(done_before, checkins_url),
                                 lower_is_better=False))
    section.facts.append(Fact(_("%(overdue)s check-ins are overdue today."),
                              {"overdue": plain(overdue, checkins_url)}, BAD if overdue else GOOD))
    risks = _churn(scope, now)
    metrics.churn_high = [r.customer.name for r in risks if r.level == "high"]
    churn_url = reverse("feedback:churn")
    section.tables.append(Table(
        "churn", _("Customers at risk of leaving"), [_("Customer"), _("Risk"), _("Score"), _("Reasons")],
        [[r.customer.name, str(r.level_label), plain(r.score, churn_url), "; ".join(x.text for x in r.reasons)]
         for r in risks[:CHURN_LIST_LIMIT]],
        _("No customer shows a risk of leaving."),
    ))
    return section


def _checkins(scope: Scope, before: Scope) -> tuple[int, int, int]:
    """Check-ins logged in the period and the one before, and the plans overdue today (1 query each)."""
    from aftersales.feedback.checkins import desk_today
    from aftersales.feedback.models import Checkin, CheckinPlan

    def logged(s: Scope) -> int:
        qs = Checkin.objects.filter(occurred_at__gte=s.period.start_at, occurred_at__lt=s.period.end_at)
        if s.customer is not None:
            qs = qs.filter(s.customer_q())
        return qs.count()

    plans = CheckinPlan.objects.filter(active=True, next_due_on__lt=desk_today())
    if scope.customer is not None:
        plans = plans.filter(scope.customer_q())
    return logged(scope), logged(before), plans.count()


def _churn(scope: Scope, now: dt.datetime) -> list[Any]:
    try:
        from aftersales.feedback import churn
    except ImportError:  # pragma: no cover - the churn module lands with issue 8's feedback part
        return []
    from aftersales.customers.models import Customer

    customers = None
    if scope.customer is not None:
        customers = Customer.objects.filter(pk=scope.customer.pk)
    return [r for r in churn.assess(now=now, customers=customers) if r.score > 0 and r.level != "low"]


def _early_warning(scope: Scope, before: Scope, metrics: Metrics) -> Section:
    section = Section("early_warning", 6, _("Early warning"))
    from aftersales.monitoring.models import Alert

    def alerts(s: Scope) -> int:
        qs = Alert.objects.filter(first_seen__gte=s.period.start_at, first_seen__lt=s.period.end_at)
        if s.customer is not None:
            qs = qs.filter(s.customer_q())
        return qs.count()

    section.facts.append(compare(_("Alerts raised"), plain(alerts(scope)), plain(alerts(before)),
                                 lower_is_better=True))
    proactive, proactive_before = figures.count_of(scope, "proactive"), figures.count_of(before, "proactive")
    first, first_before = figures.count_of(scope, "proactive_first"), figures.count_of(before, "proactive_first")
    created = figures.count_of(scope, "created")
    section.facts.append(compare(_("Tickets opened by early warning"), num(proactive), num(proactive_before),
                                 lower_is_better=False))
    section.facts.append(compare(_("Opened before the customer reported"), num(first), num(first_before),
                                 lower_is_better=False))
    if created.count:
        ratio = share(proactive.count, created.count)
        section.facts.append(Fact(
            _("%(share)s of the tickets opened came from early warning (%(count)s of %(total)s)."),
            {"share": num(proactive, percent(ratio), ratio), "count": num(proactive), "total": num(created)},
            NEUTRAL,
        ))
    section.notes.append(_("“Before the customer reported”: a proactive ticket with no ticket from the same customer "
                           "opened through another channel in the %(hours)d hours before it.")
                         % {"hours": sets.PROACTIVE_LOOKBACK_HOURS})
    return section


def _recommendations(outcomes: Sequence[Any]) -> Section:
    section = Section("recommendations", 7, _("Recommendations"))
    rows: list[list[Cell]] = [
        [o.rule.id, _("fired") if o.fired else _("not fired"), o.evidence, o.recommendation if o.fired else ""]
        for o in outcomes
    ]
    section.tables.append(Table("rules", _("Rules checked"),
                                [_("Rule"), _("Result"), _("Facts read"), _("Recommendation")], rows))
    return section


Builder = Callable[[Scope], Review]
