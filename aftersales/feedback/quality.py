"""Quality review (issue 8): the sample of resolved tickets a lead reviews, the scorecard write,
and the per-agent figures. Every figure is one grouped query (the review report reuses them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import is_lead
from aftersales.core.panels import register_sidebar
from aftersales.feedback.models import QualityReview
from aftersales.tickets.actions import TicketActionError
from aftersales.tickets.models import DONE_STATUSES, Ticket

SAMPLE_SIZE = 10
SAMPLE_DAYS = 14


def reviewable_tickets(*, now: dt.datetime, days: int = SAMPLE_DAYS, agent: Any = None) -> QuerySet[Ticket]:
    """Tickets resolved in the last ``days`` days that nobody has reviewed yet (merged ones excluded:
    their work is on the target)."""
    queryset = Ticket.objects.filter(
        status__in=DONE_STATUSES,
        resolved_at__gte=now - dt.timedelta(days=days),
        resolved_at__lte=now,
        merged_into__isnull=True,
        owner__isnull=False,
    ).exclude(quality_reviews__isnull=False)
    if agent is not None:
        queryset = queryset.filter(owner=agent)
    return queryset


def sample(*, now: dt.datetime, size: int = SAMPLE_SIZE, days: int = SAMPLE_DAYS, agent: Any = None) -> list[Ticket]:
    """``size`` random tickets from :func:`reviewable_tickets` (the database picks; one query)."""
    return list(
        reviewable_tickets(now=now, days=days, agent=agent)
        .select_related("customer", "owner__agent_profile", "root_cause", "category")
        .order_by("?")[:size]
    )


def record_review(
    *,
    ticket: Ticket,
    reviewer: Any,
    correct: bool,
    complete: bool,
    tone: int,
    root_cause_found: bool,
    notes: str = "",
) -> QualityReview:
    """Save ``reviewer``'s scorecard for ``ticket`` (a second one by the same lead replaces the first).

    Preconditions: ``reviewer`` is a lead; the ticket is resolved or closed."""
    if not is_lead(reviewer):
        raise TicketActionError(_("Only leads review tickets."))
    if ticket.status not in DONE_STATUSES:
        raise TicketActionError(_("Only resolved tickets can be reviewed."))
    if tone not in range(1, 6):
        raise TicketActionError(_("Tone is scored from 1 to 5."))
    now = clock.now()
    with transaction.atomic():
        review, created = QualityReview.objects.update_or_create(
            ticket=ticket,
            reviewer=reviewer,
            defaults={
                "agent": ticket.owner,
                "correct": correct,
                "complete": complete,
                "tone": tone,
                "root_cause_found": root_cause_found,
                "notes": (notes or "").strip(),
                "ticket_resolved_at": ticket.resolved_at,
                "updated_at": now,
            },
            create_defaults={
                "agent": ticket.owner,
                "correct": correct,
                "complete": complete,
                "tone": tone,
                "root_cause_found": root_cause_found,
                "notes": (notes or "").strip(),
                "ticket_resolved_at": ticket.resolved_at,
                "created_at": now,
                "updated_at": now,
            },
        )
        audit(
            actor=reviewer,
            action="feedback.quality_review" if created else "feedback.quality_review.change",
            obj=review,
            after={
                "ticket": ticket.ref,
                "agent": review.agent_id,
                "correct": correct,
                "complete": complete,
                "tone": tone,
                "root_cause_found": root_cause_found,
            },
        )
    return review


@dataclass(frozen=True)
class AgentScore:
    agent: Any
    reviews: int
    correct: int
    complete: int
    root_cause_found: int
    average_tone: float | None

    def _percent(self, count: int) -> float | None:
        return round(100 * count / self.reviews, 1) if self.reviews else None

    @property
    def correct_percent(self) -> float | None:
        return self._percent(self.correct)

    @property
    def complete_percent(self) -> float | None:
        return self._percent(self.complete)

    @property
    def root_cause_percent(self) -> float | None:
        return self._percent(self.root_cause_found)


def agent_summary(*, start: dt.datetime, end: dt.datetime) -> list[AgentScore]:
    """Per agent, the reviews written in [start, end): counts, yes-counts and average tone, grouped in SQL
    (two queries: the figures, then the agents' names)."""
    rows = list(
        QualityReview.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("agent")
        .annotate(
            reviews=Count("pk"),
            correct_yes=Count("pk", filter=Q(correct=True)),
            complete_yes=Count("pk", filter=Q(complete=True)),
            cause_yes=Count("pk", filter=Q(root_cause_found=True)),
            tone_avg=Avg("tone"),
        )
        .order_by("agent")
    )
    users = (
        get_user_model()
        .objects.select_related("agent_profile")
        .in_bulk([row["agent"] for row in rows if row["agent"] is not None])
    )
    scores = [
        AgentScore(
            agent=users.get(row["agent"]),
            reviews=row["reviews"],
            correct=row["correct_yes"],
            complete=row["complete_yes"],
            root_cause_found=row["cause_yes"],
            average_tone=round(float(row["tone_avg"]), 2) if row["tone_avg"] is not None else None,
        )
        for row in rows
    ]
    return sorted(scores, key=lambda score: (-score.reviews, str(score.agent or "")))


def register() -> None:
    """Called from ``FeedbackConfig.ready()``: the sidebar link for leads."""
    register_sidebar("feedback/_sidebar_quality.html", order=62)
