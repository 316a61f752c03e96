"""Alerts and incidents: one monitor pass and what it changes (the actions of early warning).

``evaluate_all`` runs every five minutes (``monitoring.tasks``):

1. build the pass's :class:`~aftersales.monitoring.monitors.context.Context` (a few SQL aggregates
   over the hourly rollups) and run every monitor on it;
2. upsert alerts by fingerprint: a finding whose alert is firing updates it (last seen, severity,
   evidence); a new one creates it. The partial unique constraint keeps one firing alert per
   fingerprint. A firing alert without a finding counts a healthy run; it resolves only after the
   monitor's ``hold_runs`` (default 3) consecutive healthy runs, so a flapping metric does not
   open and close tickets every five minutes;
3. group firing alerts into incidents, one open per customer + key ("country:NG" for traffic
   monitors, "account:<id>" for balance-type ones). An incident with a warning or critical alert
   opens ONE proactive ticket (channel "monitoring", owner by the routing rules) written in the
   customer's language with all the evidence; alerts that join later, or a rising severity, add a
   note (and raise the priority); when all its alerts have resolved, a note and the ticket resolves
   itself. Balance-type incidents go to the account's balance incident ticket
   (``sms.incidents.raise_incident``) instead of a second ticket.

Alerts of other sources (probes, ``monitoring.probes``: monitor "probe") are raised and resolved by
their source; a pass only ever touches the alerts of the monitors it ran. Their incident key is the
alert's fingerprint. An alert without a customer is about the team's own services: its ticket has
no customer and is written in the desk's default language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.knowledge.models import Article, ArticleStatus
from aftersales.monitoring import notices
from aftersales.monitoring.messages import explain, source_title
from aftersales.monitoring.models import Alert, AlertIncident, AlertState, Severity
from aftersales.monitoring.monitors import MONITORS, Context, Finding, Monitor
from aftersales.monitoring.monitors.base import SEVERITY_RANK, where
from aftersales.monitoring.monitors.context import HOUR, Counts
from aftersales.sms import incidents as balance_incidents
from aftersales.sms.models import VendorAccount
from aftersales.tickets import actions as tickets
from aftersales.tickets.models import Category, Channel, Priority, Status, Ticket

logger = logging.getLogger(__name__)

SOURCE_KIND = "monitoring.incident"
SERIES_HOURS = 24
PRIORITY = {Severity.CRITICAL: Priority.P1, Severity.WARNING: Priority.P2, Severity.INFO: Priority.P3}
CATEGORY = {"fraud": "fraud", "delivery-conversion": "delivery-conversion"}


@dataclass
class PassReport:
    findings: int = 0
    alerts_opened: int = 0
    alerts_updated: int = 0
    alerts_resolved: int = 0
    incidents_opened: int = 0
    incidents_updated: int = 0
    incidents_resolved: int = 0
    tickets: list[str] = field(default_factory=list)
    queries: int = 0


# --- Findings → evidence -------------------------------------------------------------------------
def run_monitors(context: Context, monitors: Iterable[Monitor]) -> list[Finding]:
    """Every monitor's findings, the most severe per fingerprint."""
    best: dict[str, Finding] = {}
    for monitor in monitors:
        try:
            found = monitor.evaluate(context)
        except Exception:
            logger.exception("monitor %s failed", monitor.key)
            continue
        for finding in found:
            kept = best.get(finding.fingerprint)
            if kept is None or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[kept.severity]:  # type: ignore[index]
                best[finding.fingerprint] = finding
    return list(best.values())


def _series(context: Context, findings: list[Finding]) -> dict[str, list[list[Any]]]:
    """Each finding's chart: its monitor's metric per hour over the last day (one query for all)."""
    since = context.top - dt.timedelta(hours=SERIES_HOURS - 1)
    hourly = context.hourly({(f.account_id, f.country) for f in findings}, since=since)
    by_country: dict[tuple[int, str], dict[str, dict[dt.datetime, Counts]]] = defaultdict(dict)
    for (account_id, country, network), hours in hourly.items():
        by_country[(account_id, country)][network] = hours
    result = {}
    for finding in findings:
        monitor = MONITORS[finding.monitor]
        networks = by_country.get((finding.account_id, finding.country), {})
        if finding.per_network:
            networks = {finding.network: networks.get(finding.network, {})}
        points = []
        for n in range(SERIES_HOURS):
            hour = since + n * HOUR
            total = Counts()
            for hours in networks.values():
                if hour in hours:
                    total.add(hours[hour])
            value = monitor.series_value(total) if total.submitted or total.final else None
            points.append([hour.isoformat(), None if value is None else round(value, 6)])
        result[finding.fingerprint] = points
    return result


def evidence_of(finding: Finding, series: list[list[Any]]) -> dict[str, Any]:
    monitor = MONITORS[finding.monitor]
    return {
        "code": finding.code,
        "params": finding.params,
        "where": where(finding.country, finding.network),
        "series": series,
        "unit": monitor.series_unit,
        "articles": list(monitor.articles),
    }


# --- The pass ------------------------------------------------------------------------------------
def evaluate_all(now: dt.datetime | None = None, *, monitors: Iterable[Monitor] | None = None) -> PassReport:
    """One monitor pass at ``now`` (default: the clock): alerts upserted, incidents and tickets synced."""
    now = now or clock.now()
    context = Context.load(now)
    chosen = list(monitors) if monitors is not None else list(MONITORS.values())
    findings = run_monitors(context, chosen)
    series = _series(context, findings) if findings else {}
    report = PassReport(findings=len(findings))
    _apply_findings(context, findings, series, now=now, report=report, monitors={m.key for m in chosen})
    sync_incidents(now=now, report=report)
    report.queries = context.queries
    return report


def _hold_runs(context: Context, alert: Alert) -> int:
    monitor = MONITORS.get(alert.monitor)
    if monitor is None:
        return 1
    params = context.params(monitor, alert.customer_id)
    return 1 if params is None else max(1, int(params["hold_runs"]))


def _apply_findings(
    context: Context, findings: list[Finding], series: dict[str, list[list[Any]]], *, now: dt.datetime,
    report: PassReport, monitors: set[str],
) -> None:
    """Upsert the findings' alerts; the firing alerts of ``monitors`` (those that ran) without a finding
    count a healthy run. Alerts of other monitors and sources (probes) are left alone."""
    with transaction.atomic():
        firing = {
            a.fingerprint: a
            for a in Alert.objects.select_for_update().filter(state=AlertState.FIRING, monitor__in=monitors)
        }
        new: list[Alert] = []
        changed: list[Alert] = []
        for finding in findings:
            evidence = evidence_of(finding, series.get(finding.fingerprint, []))
            alert = firing.pop(finding.fingerprint, None)
            if alert is None:
                new.append(Alert(
                    fingerprint=finding.fingerprint, monitor=finding.monitor, customer_id=finding.customer_id,
                    account_id=finding.account_id, country=finding.country, network=finding.network,
                    severity=finding.severity, state=AlertState.FIRING, first_seen=now, last_seen=now,
                    evidence=evidence,
                ))
                continue
            alert.last_seen, alert.severity, alert.evidence, alert.healthy_runs = now, finding.severity, evidence, 0
            changed.append(alert)
            report.alerts_updated += 1
        for alert in firing.values():  # firing, but healthy this pass
            alert.healthy_runs += 1
            if alert.healthy_runs >= _hold_runs(context, alert):
                alert.state, alert.resolved_at = AlertState.RESOLVED, now
                report.alerts_resolved += 1
            changed.append(alert)
        Alert.objects.bulk_create(new, batch_size=500)
        Alert.objects.bulk_update(
            changed, ["last_seen", "severity", "evidence", "healthy_runs", "state", "resolved_at"], batch_size=500
        )
        report.alerts_opened = len(new)


# --- Incidents and their tickets ---------------------------------------------------------------
def incident_key(alert: Alert) -> str:
    monitor = MONITORS.get(alert.monitor)
    if monitor is None:  # another source (a probe): its own incident
        return alert.fingerprint
    if monitor.group == "balance":
        return f"account:{alert.account_id}"
    return f"country:{alert.country or '-'}"


def _max_severity(alerts: Iterable[Alert]) -> str:
    return max((a.severity for a in alerts), key=lambda s: SEVERITY_RANK.get(s, 0), default=Severity.INFO)  # type: ignore[call-overload]


def sync_incidents(*, now: dt.datetime | None = None, report: PassReport | None = None) -> PassReport:
    """Bring every incident in line with the firing alerts: open, update or resolve (each in its own
    transaction, so one failure never stops the others)."""
    now = now or clock.now()
    report = report or PassReport()
    groups: dict[tuple[int | None, str], list[Alert]] = defaultdict(list)
    for alert in Alert.objects.filter(state=AlertState.FIRING).select_related("customer", "account"):
        groups[(alert.customer_id, incident_key(alert))].append(alert)
    open_incidents = {
        (i.customer_id, i.key): i
        for i in AlertIncident.objects.filter(resolved_at__isnull=True).select_related("customer", "ticket")
    }
    for group, alerts in groups.items():
        incident = open_incidents.pop(group, None)
        try:
            if incident is None:
                if SEVERITY_RANK.get(_max_severity(alerts), 0) < SEVERITY_RANK[Severity.WARNING]:  # type: ignore[call-overload]
                    continue  # info only: listed, no ticket
                incident = open_incident(customer=alerts[0].customer, key=group[1], alerts=alerts, now=now)
                report.incidents_opened += 1
                if incident.ticket is not None:
                    report.tickets.append(incident.ticket.ref)
            elif update_incident(incident=incident, alerts=alerts, now=now):
                report.incidents_updated += 1
        except Exception:
            logger.exception("monitoring incident %s failed", group)
    for incident in open_incidents.values():
        try:
            resolve_incident(incident=incident, now=now)
            report.incidents_resolved += 1
        except Exception:
            logger.exception("resolving monitoring incident %s failed", incident.pk)
    return report


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _article_lines(slugs: list[str], language: str) -> list[str]:
    titles = dict(
        Article.objects.filter(group__key__in=slugs, language=language, status=ArticleStatus.PUBLISHED)
        .values_list("group__key", "title")
    )
    return [f"- {titles.get(slug, slug)} ({slug})" for slug in slugs]


def monitor_title(key: str) -> str:
    monitor = MONITORS.get(key)
    return str(monitor.title) if monitor else source_title(key)


def _customer_name(customer: Any) -> str:
    return customer.name if customer is not None else _("our own services")


def _from_monitors(alerts: list[Alert]) -> bool:
    """Whether any alert comes from the rollup monitors (else: probes only)."""
    return any(a.monitor in MONITORS for a in alerts)


def alert_line(alert: Alert) -> str:
    title = monitor_title(alert.monitor)
    return f"- [{alert.get_severity_display()}] {title}: {explain({**alert.evidence})}"


def _links_for(alerts: list[Alert], ticket_ref: str | None) -> list[str]:
    lines = []
    codes = {a.evidence.get("code") for a in alerts}
    if "error_content" in codes:
        lines.append(_("Check the message template: %(url)s") % {"url": _link(reverse("sms:template_check"))})
    if "error_route" in codes:
        path = reverse("sms:case_new") + (f"?ticket={ticket_ref}" if ticket_ref else "")
        lines.append(_("Open a vendor case for the route: %(url)s") % {"url": _link(path)})
    if any(MONITORS[a.monitor].is_fraud for a in alerts if a.monitor in MONITORS):
        fraud = next(a for a in alerts if a.monitor in MONITORS and MONITORS[a.monitor].is_fraud)
        lines.append(
            _("Possible SMS pumping: see the suggested actions (block prefix, restrict country, suspend "
              "sub-account) at %(url)s") % {"url": _link(reverse("monitoring:alert_detail", args=[fraud.pk]))}
        )
    for alert in alerts:
        if alert.evidence.get("link"):
            lines.append(_("Details: %(url)s") % {"url": _link(alert.evidence["link"])})
    return lines


def ticket_subject(customer: Any, key: str, alerts: list[Alert]) -> str:
    place = key.split(":", 1)[1]
    if any(MONITORS[a.monitor].is_fraud for a in alerts if a.monitor in MONITORS):
        return _("Possible SMS pumping: %(customer)s, %(place)s") % {"customer": _customer_name(customer),
                                                                    "place": place}
    main = max(alerts, key=lambda a: SEVERITY_RANK.get(a.severity, 0))  # type: ignore[call-overload]
    if main.monitor not in MONITORS:  # a probe: its name is the place
        place = str(main.evidence.get("where") or place)
    return _("%(monitor)s: %(customer)s, %(place)s") % {
        "monitor": monitor_title(main.monitor), "customer": _customer_name(customer), "place": place,
    }


def ticket_description(customer: Any, alerts: list[Alert], *, ticket_ref: str | None = None) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    slugs: list[str] = []
    for alert in alerts:
        for slug in alert.evidence.get("articles", []):
            if slug not in slugs:
                slugs.append(slug)
    if _from_monitors(alerts) and customer is not None:
        intro = _("The early-warning monitors found a problem in %(customer)s's traffic before the customer told "
                  "us:") % {"customer": customer.name}
    elif customer is not None:
        intro = _("A probe of %(customer)s's service failed before the customer told us:") % {
            "customer": customer.name}
    else:
        intro = _("A probe of our own services failed:")
    lines = [intro, *[alert_line(a) for a in alerts], "", *_links_for(alerts, ticket_ref)]
    if _from_monitors(alerts):
        query = f"?customer={customer.code}&state=firing" if customer is not None else "?state=firing"
        lines.append(_("Charts and details: %(url)s") % {"url": _link(reverse("monitoring:alerts") + query)})
    if slugs:
        lines += ["", _("Suggested knowledge articles:"), *_article_lines(slugs, language)]
    lines += ["", _("This ticket gets a note when more alerts join, and resolves itself when every alert has "
                    "recovered.")]
    return "\n".join(lines)


def _category(alerts: list[Alert]) -> Category | None:
    if not _from_monitors(alerts):
        return None  # probes: left to the routing rules
    fraud = any(MONITORS[a.monitor].is_fraud for a in alerts if a.monitor in MONITORS)
    return Category.objects.filter(code="fraud" if fraud else "delivery-conversion").first()


def open_incident(*, customer: Any, key: str, alerts: list[Alert], now: dt.datetime) -> AlertIncident:
    """Open the incident for ``customer`` + ``key`` and its one proactive ticket (or, for a balance
    key, the account's balance ticket)."""
    with transaction.atomic():
        incident = AlertIncident.objects.create(customer=customer, key=key, opened_at=now, updated_at=now)
        with translation.override(balance_incidents.desk_language(customer)):
            subject = ticket_subject(customer, key, alerts)
            description = ticket_description(customer, alerts)
        if key.startswith("account:"):
            account = VendorAccount.objects.select_related("customer").get(pk=int(key.split(":", 1)[1]))
            balance = balance_incidents.raise_incident(account=account, summary=f"{subject}\n\n{description}")
            ticket = balance.ticket
            notice = None
        else:
            notice = notices.applicable(customer, alerts)
            ticket = tickets.open_ticket(
                subject=subject, description=description, channel=Channel.MONITORING, customer=customer,
                category=_category(alerts), priority=PRIORITY.get(_max_severity(alerts), Priority.P2),  # type: ignore[call-overload]
                owner=None, from_customer=False, source_kind=SOURCE_KIND, source_ref=f"incident:{incident.pk}",
                tags=["monitoring", *sorted({a.monitor for a in alerts})],
                contact=notice.contact if notice is not None else None,
            )
        incident.ticket = ticket
        incident.save(update_fields=["ticket"])
        Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(incident=incident)
        audit(actor=None, action="monitoring.incident.open", obj=incident,
              after={"key": key, "ticket": ticket.ref, "alerts": [a.fingerprint for a in alerts]})
        if notice is not None:  # the customer asked to be told (monitoring.notices)
            notices.send(notice=notice, ticket=ticket, alerts=alerts)
    return incident


def update_incident(*, incident: AlertIncident, alerts: list[Alert], now: dt.datetime) -> bool:
    """Attach alerts that joined; note them on the ticket, raise its priority when the severity rose.
    Returns whether anything changed."""
    joined = [a for a in alerts if a.incident_id != incident.pk]
    ticket = incident.ticket
    wanted = PRIORITY.get(_max_severity(alerts), Priority.P2)  # type: ignore[call-overload]
    rose = ticket is not None and wanted < ticket.priority
    if not joined and not rose:
        return False
    with transaction.atomic():
        if joined:
            Alert.objects.filter(pk__in=[a.pk for a in joined]).update(incident=incident)
        if ticket is not None:
            with translation.override(balance_incidents.desk_language(incident.customer)):
                lines = [_("More evidence from the monitors:"), *[alert_line(a) for a in joined or alerts]]
                lines += _links_for(joined, ticket.ref)
            if incident.key.startswith("account:"):
                account = VendorAccount.objects.get(pk=int(incident.key.split(":", 1)[1]))
                balance_incidents.raise_incident(account=account, summary="\n".join(lines))
            else:
                tickets.add_note(ticket=ticket, body="\n".join(lines), actor=None)
                if rose and ticket.merged_into_id is None:
                    tickets.update_ticket(ticket=ticket, actor=None, priority=wanted,
                                          reason=gettext_noop("a monitoring alert became more severe"))
        incident.updated_at = now
        incident.save(update_fields=["updated_at"])
    return True


def resolve_incident(*, incident: AlertIncident, now: dt.datetime) -> None:
    """Every alert of the incident has recovered: a note, the ticket resolved, the incident closed."""
    with transaction.atomic():
        alerts = list(incident.alerts.all())
        incident.resolved_at = now
        incident.updated_at = now
        incident.save(update_fields=["resolved_at", "updated_at"])
        ticket = Ticket.objects.filter(pk=incident.ticket_id).first() if incident.ticket_id else None
        if ticket is not None:
            with translation.override(balance_incidents.desk_language(incident.customer)):
                note = "\n".join([
                    _("Recovered: every monitoring alert of this incident has been healthy for several checks in a "
                      "row."),
                    *[alert_line(a) for a in alerts],
                ])
            tickets.add_note(ticket=ticket, body=note, actor=None)
            if not incident.key.startswith("account:") and ticket.is_open() and ticket.merged_into_id is None:
                fraud = ticket.category is not None and ticket.category.code == "fraud"  # set by _category
                tickets.change_status(ticket=ticket, status=Status.RESOLVED, actor=None,
                                      reason=gettext_noop("the monitoring alerts recovered"),
                                      resolution=tickets.Resolution.of(root_cause="fraud" if fraud else None))
        audit(actor=None, action="monitoring.incident.resolve", obj=incident,
              after={"key": incident.key, "ticket": ticket.ref if ticket else None})
