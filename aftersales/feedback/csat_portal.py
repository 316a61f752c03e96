"""CSAT in the customer portal: what the ticket page shows, and rating while signed in.

The portal imports this module (never the reverse). A contact of the ticket's own account rates
a resolved ticket that has a request; the answer follows the same rules as the emailed link
(one answer per ticket, changeable for ``FEEDBACK_CSAT_CHANGE_DAYS``), without the link expiry.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from aftersales.customers.models import Contact
from aftersales.feedback import csat
from aftersales.feedback.csat_mail import rating_label
from aftersales.feedback.models.csat import CsatChannel, CsatRequest
from aftersales.tickets.models import DONE_STATUSES, Ticket


def portal_request(contact: Contact, ticket: Ticket) -> CsatRequest | None:
    """The request the contact may answer in the portal, or None."""
    if ticket.status not in DONE_STATUSES or ticket.customer_id != contact.customer_id:
        return None
    return CsatRequest.objects.filter(ticket=ticket).first()


def portal_context(contact: Contact, ticket: Ticket) -> dict[str, Any]:
    """Context for ``feedback/csat/_portal.html`` on the portal's ticket page."""
    found = portal_request(contact, ticket)
    return {
        "csat": found,
        "csat_can_change": found is not None and csat.can_change(found),
        "csat_change_until": csat.change_until(found) if found is not None else None,
        "csat_choices": [(rating, rating_label(rating)) for rating in csat.RATINGS],
    }


def rate_in_portal(*, contact: Contact, ticket: Ticket, rating: Any, comment: str = "") -> CsatRequest:
    found = portal_request(contact, ticket)
    if found is None:
        raise csat.CsatError(_("This ticket cannot be rated."))
    return csat.record_rating(
        request=found, rating=rating, comment=comment, via=CsatChannel.PORTAL, actor=contact.portal_user
    )
