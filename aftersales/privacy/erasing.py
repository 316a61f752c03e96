"""A customer's personal data, erased on request (anonymised where rows must stay).

For the customer and, for a master account, its sub-accounts: contacts keep their rows (tickets
point at them) but lose name, e-mail, phone, IM handles and their portal sign-in; message bodies
and ticket descriptions become ``ERASED``; attachments are deleted (files once the transaction has
committed); raw mail and chat requests of those tickets are emptied, the outbox's copies too;
rating comments, check-in notes and survey invitations' addresses are blanked. The customer keeps its
code and becomes "Erased customer". One transaction: all of it or nothing. One audit entry with
the counts is written and kept (the audit log is append-only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from aftersales.audit.log import record as audit
from aftersales.chat.models import ChatInbound
from aftersales.customers import search as customer_search
from aftersales.customers.models import Contact, Customer
from aftersales.feedback.models import Checkin, CsatEmail, CsatRequest, SurveyInvitation
from aftersales.mail.models import InboundEmail, OutboundEmail
from aftersales.privacy.exporting import customer_family
from aftersales.tickets import search as ticket_search
from aftersales.tickets.models import Attachment, Message, Ticket

ERASED = "[erased on request]"


@dataclass
class Erasure:
    customers: int = 0
    contacts: int = 0
    portal_users: int = 0
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    raw_emails: int = 0
    raw_chats: int = 0
    outbound_emails: int = 0
    checkins: int = 0
    ratings: int = 0


def plan(code: str) -> tuple[Customer, Erasure]:
    """What ``erase`` would change, counted; nothing is changed."""
    customer, family = customer_family(code)
    ids = [c.pk for c in family]
    tickets = Ticket.objects.filter(customer_id__in=ids)
    messages = Message.objects.filter(ticket__in=tickets)
    return customer, Erasure(
        customers=len(family),
        contacts=Contact.objects.filter(customer_id__in=ids).count(),
        portal_users=Contact.objects.filter(customer_id__in=ids, portal_user__isnull=False).count(),
        tickets=tickets.count(),
        messages=messages.count(),
        attachments=Attachment.objects.filter(message__in=messages).count(),
        raw_emails=InboundEmail.objects.filter(ticket__in=tickets).count(),
        raw_chats=ChatInbound.objects.filter(ticket__in=tickets).count(),
        outbound_emails=OutboundEmail.objects.filter(ticket_message__in=messages).count(),
        checkins=Checkin.objects.filter(customer_id__in=ids).count(),
        ratings=CsatRequest.objects.filter(ticket__in=tickets).count(),
    )


def erase(code: str, *, actor: Any = None) -> Erasure:
    customer, counts = plan(code)
    _customer, family = customer_family(code)
    ids = [c.pk for c in family]
    with transaction.atomic():
        tickets = Ticket.objects.filter(customer_id__in=ids)
        messages = Message.objects.filter(ticket__in=tickets)
        files = [a.file.name for a in Attachment.objects.filter(message__in=messages) if a.file]
        Attachment.objects.filter(message__in=messages).delete()
        messages.update(body=ERASED, body_html="")
        tickets.update(description=ERASED)
        InboundEmail.objects.filter(ticket__in=tickets).update(raw=b"", sender="", subject="")
        ChatInbound.objects.filter(ticket__in=tickets).update(raw=b"", sender_id="")
        OutboundEmail.objects.filter(ticket_message__in=messages).update(to="", body_text=ERASED, body_html="")
        requests = CsatRequest.objects.filter(ticket__in=tickets)
        CsatEmail.objects.filter(request__in=requests).update(to="", body_text=ERASED, body_html="")
        requests.update(comment="")
        Checkin.objects.filter(customer_id__in=ids).update(notes="")
        SurveyInvitation.objects.filter(customer_id__in=ids).update(email="")
        for contact in Contact.objects.filter(customer_id__in=ids).select_related("portal_user"):
            user = contact.portal_user
            if user is not None:
                user.username = f"erased-contact-{contact.pk}"
                user.email = ""
                user.first_name = user.last_name = ""
                user.is_active = False
                user.set_unusable_password()
                user.save()
            contact.name = f"Erased contact {contact.pk}"
            contact.email = ""
            contact.phone = ""
            contact.im_handles = {}
            contact.portal_user = None
            contact.save()
            customer_search.index_contact(contact)
        for member in family:
            member.name = "Erased customer" if member.pk == customer.pk else f"Erased customer {member.pk}"
            member.notes = ""
            member.mail_domains = []
            member.save(update_fields=["name", "notes", "mail_domains"])
            customer_search.index_customer(member, name_changed=True)
        ticket_search.rewrite(*tickets)
        audit(actor=actor, action="privacy.customer_erase", obj=customer,
              after={"code": customer.code, **asdict(counts)})

        def remove_files() -> None:
            from django.core.files.storage import default_storage

            for name in files:
                default_storage.delete(name)

        transaction.on_commit(remove_files)
    return counts
