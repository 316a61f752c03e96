"""Demo satisfaction (CSAT): the demo's resolved tickets get their survey (the ``tickets`` listener
usually asked already while the tickets were written; any still missing are asked here at their
resolution time), and about two thirds are answered a few hours later — ratings mostly good, with
comments in each contact's language — plus one recent 2/5 whose follow-up ticket goes to the team
lead. Every write goes through ``feedback.csat``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aftersales.core import clock
from aftersales.feedback import csat
from aftersales.feedback.models import CsatRequest
from aftersales.tickets.models import DONE_STATUSES, Ticket

LIMIT = 60
# (rating, English comment, Chinese comment); cycled over the answered requests, oldest first.
ANSWERS = (
    (5, "Quick and clear, thank you.", "处理很快，说明清楚，谢谢。"),
    (4, "Solved, though it took a day longer than we hoped.", "问题解决了，只是比预期多花了一天。"),
    (5, "", ""),
    (3, "The fix works, but we had to ask twice for an update.", "问题已修复，但我们催了两次进展。"),
    (4, "Good help from the engineer.", "工程师很专业。"),
    (5, "Thanks for checking the delivery reports with us.", "感谢协助核对送达报告。"),
)
LOW_COMMENT = {
    "en": "It took a week and three emails before anyone looked at the delivery reports.",
    "zh-hans": "等了一周、发了三封邮件才有人查看送达报告，影响了我们的验证码业务。",
}


def _resolved(customers: dict[str, Any]) -> list[Ticket]:
    found = (
        Ticket.objects.filter(
            customer__in=list(customers.values()),
            status__in=DONE_STATUSES,
            merged_into=None,
            resolved_at__isnull=False,
            contact__isnull=False,
        )
        .exclude(contact__email="")
        .exclude(source_kind=csat.FOLLOWUP_SOURCE)
        .select_related("contact__customer", "owner", "team", "category")
        .order_by("-resolved_at", "-pk")
    )
    return list(found[:LIMIT])


def load(*, now: dt.datetime, users: dict[str, Any], customers: dict[str, Any]) -> dict[str, Any]:
    """Write the demo CSAT answers. Returns counts and the low-rated ticket with its follow-up."""
    tickets = _resolved(customers)
    for ticket in tickets:
        if not CsatRequest.objects.filter(ticket=ticket).exists():
            with clock.moving(ticket.resolved_at or now):
                csat.ask(ticket=ticket)
    requests = list(
        CsatRequest.objects.filter(ticket__in=tickets).select_related("ticket", "contact").order_by("sent_at", "pk")
    )
    # The low rating: the most recent request, so its follow-up is open on the lead's queue today.
    low = requests[-1] if requests else None
    answered = 0
    for index, request in enumerate(requests[:-1]):
        if request.is_answered or index % 3 == 2:  # a third stay unanswered, as in life
            continue
        rating, english, chinese = ANSWERS[answered % len(ANSWERS)]
        at = min(request.sent_at + dt.timedelta(hours=2 + index % 20), now)
        with clock.moving(at):
            csat.record_rating(
                request=request, rating=rating, comment=chinese if request.language == "zh-hans" else english
            )
        answered += 1
    result: dict[str, Any] = {"requests": len(requests), "answered": answered, "low_ticket": "", "followup": ""}
    if low is not None and not low.is_answered:
        # Answered now: its follow-up is the demo's newest ticket (ticket numbers follow creation time).
        with clock.moving(now):
            low = csat.record_rating(request=low, rating=2, comment=LOW_COMMENT.get(low.language, LOW_COMMENT["en"]))
        result["answered"] = answered + 1
        result["low_ticket"] = low.ticket.ref
        result["followup"] = low.followup_ticket.ref if low.followup_ticket else ""
    return result
