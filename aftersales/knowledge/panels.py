"""What knowledge adds to the ticket page (core.panels): one lazy-loaded panel with the articles
that solved the ticket, the suggested articles and the most similar resolved tickets; and the
sidebar links (which also load the reply-template picker's script on the ticket page).

Registered from ``KnowledgeConfig.ready()``; tickets never imports this module.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import can_write, is_staff_member
from aftersales.core.panels import Panel, register_panel, register_sidebar
from aftersales.knowledge import queries
from aftersales.tickets.access import get_ticket_for_user


def _agent_language(request: HttpRequest) -> str:
    profile = getattr(request.user, "agent_profile", None)
    return getattr(profile, "language", "") or get_language() or ""


def ticket_knowledge(request: HttpRequest, ref: str) -> dict[str, Any]:
    """Solved-with, suggestions and similar resolved tickets (two ``similar()`` calls, a few small queries)."""
    ticket = get_ticket_for_user(request.user, ref)
    text = queries.ticket_text(ticket)
    # The answer goes to the customer: their language first, then the agent's.
    languages = [queries.ticket_language(ticket), _agent_language(request)]
    solutions = queries.ticket_solutions(ticket)
    solved_ids = {solution.article_id for solution in solutions}
    articles = queries.suggested_articles(text, languages, category_id=ticket.category_id)
    return {
        "ticket": ticket,
        "solutions": solutions,
        "suggested": articles,
        "solved_ids": solved_ids,
        "similar": queries.similar_tickets(ticket, text),
        "can_mark": can_write(request.user),
        "panel_object_label": ticket.ref,
        "panel_back_url": reverse("tickets:detail", args=[ticket.ref]),
    }


def register() -> None:
    register_panel(
        Panel(
            key="knowledge",
            title=_("Knowledge"),
            page="ticket",
            order=20,
            template_name="knowledge/panels/ticket.html",
            allowed=is_staff_member,
            context=ticket_knowledge,
        )
    )
    register_sidebar("knowledge/_sidebar.html", order=30)
