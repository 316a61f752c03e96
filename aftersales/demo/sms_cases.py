"""Demo vendor cases: Vonage's support address (invented), one open case about a route to Vietnam
linked to three open customer tickets (paused, waiting on the vendor) with a vendor response and
an update posted to all three, and three older resolved cases so the response-time figures
(/sms/cases/figures/) have months of data. Every write goes through ``sms.cases``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from aftersales.demo.loader import moving_clock
from aftersales.sms import cases
from aftersales.sms.models import VendorCase, VendorSupportAddress
from aftersales.tickets.models import Status, Ticket

SUPPORT_ADDRESS = "support@vonage.example"
OPEN_CASE_NUMBER = "04812345"
OPEN_SUBJECT = "Route to Vietnam (Viettel): OTPs not delivered, DLR err-code 11"
VENDOR_RESPONSE = (
    "Hello,\n\nThank you for the samples. We see the failures on our Viettel route since Monday 09:00 UTC+7 "
    "and have escalated to the carrier. As a workaround we are moving your traffic to a secondary route "
    "while they investigate.\n\nVonage API Support"
)
UPDATE = (
    "Vonage confirmed a problem on their Viettel route and moved our traffic to a secondary route while the "
    "carrier fixes it. Delivery to Vietnam should recover within hours; we are watching the delivery rate."
)
# (case number, subject, opened days ago, first answer after hours, resolved after hours)
RESOLVED = (
    ("04633120", "Indonesia: DLRs arriving hours late", 40, 18, 72),
    ("04570877", "UK long number not receiving inbound SMS", 75, 7, 144),
    ("04502214", "Saudi Arabia sender ID rejected after approval", 130, 52, 264),
)
OPEN_STATUSES = (Status.OPEN, Status.NEW, Status.WAITING_CUSTOMER)


def _open_tickets(customers: dict[str, Any], count: int = 3) -> list[Ticket]:
    """Open tickets of the demo customers, delivery problems first, newest first; when a small demo
    (or the hour it is loaded at) leaves fewer open, the newest resolved ones make up the count
    (linking reopens them: they wait on the vendor)."""
    mine = Ticket.objects.filter(customer__in=list(customers.values()), merged_into=None).select_related("category")
    tickets = list(mine.filter(status__in=OPEN_STATUSES).order_by("-created_at", "-pk")[:200])
    tickets.sort(key=lambda t: 0 if t.category is not None and t.category.code == "delivery-conversion" else 1)
    if len(tickets) < count:
        tickets += list(mine.filter(status=Status.RESOLVED).order_by("-created_at", "-pk")[: count - len(tickets)])
    return tickets[:count]


def load(
    *,
    now: dt.datetime,
    users: dict[str, Any],
    customers: dict[str, Any],
    set_clock: Callable[[dt.datetime], None] | None = None,
) -> VendorCase | None:
    """Write the demo vendor cases. ``users`` by username (``demo-lead`` and ``demo-agent`` act),
    ``customers`` by code (their open tickets are linked). ``set_clock`` is the demo's moving
    clock (without it, one is set up here); it is left at ``now``. Returns the open case, or
    None when there are no demo users. Run after the tickets exist."""
    if set_clock is None:
        with moving_clock(now) as fake:

            def move(at: dt.datetime) -> None:
                fake.at = at

            return _load(now=now, users=users, customers=customers, set_clock=move)
    return _load(now=now, users=users, customers=customers, set_clock=set_clock)


def _load(
    *, now: dt.datetime, users: dict[str, Any], customers: dict[str, Any], set_clock: Callable[[dt.datetime], None]
) -> VendorCase | None:
    lead, agent = users.get("demo-lead"), users.get("demo-agent")
    if lead is None or agent is None:
        return None
    VendorSupportAddress.objects.get_or_create(email=SUPPORT_ADDRESS, defaults={"vendor": "vonage"})

    for number, subject, days_ago, answered_after, resolved_after in RESOLVED:
        opened = now - dt.timedelta(days=days_ago)
        set_clock(opened)
        old = cases.open_case(vendor="vonage", case_number=number, subject=subject, owner=lead, actor=lead)
        set_clock(opened + dt.timedelta(hours=answered_after))
        cases.record_vendor_response(case=old, body="We are looking into this with the carrier.", actor=None)
        set_clock(opened + dt.timedelta(hours=resolved_after))
        cases.record_vendor_response(case=old, body="The carrier has fixed the issue.", actor=None)
        cases.change_case_status(case=old, status=VendorCase.Status.RESOLVED, actor=lead)

    tickets = _open_tickets(customers)
    latest = max((t.updated_at for t in tickets), default=now - dt.timedelta(days=2))
    start = min(max(now - dt.timedelta(hours=30), latest + dt.timedelta(minutes=5)), now - dt.timedelta(minutes=40))
    span = now - start
    set_clock(start)
    case = cases.open_case(
        vendor="vonage",
        case_number=OPEN_CASE_NUMBER,
        subject=OPEN_SUBJECT,
        owner=lead,
        opened_at=start - dt.timedelta(hours=2),
        tickets=tickets,
        actor=lead,
    )
    set_clock(start + span * 0.4)
    cases.record_vendor_response(case=case, body=VENDOR_RESPONSE, actor=None)
    set_clock(start + span * 0.7)
    if tickets:
        cases.post_update(case=case, body=UPDATE, actor=agent)
    set_clock(now)
    return case
