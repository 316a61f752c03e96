"""The customer portal: signing in, the ticket list, a ticket, opening, replying, closing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.core import clock
from aftersales.portal.access import portal_tickets_for
from aftersales.portal.tests.conftest import sign_in
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Channel, Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+/portal/(?:link|password)/\S+/")


def _link_from_mail(index: int = -1) -> str:
    match = LINK.search(str(mail.outbox[index].body))
    assert match, mail.outbox[index].body
    return match.group(0).split("testserver", 1)[1]


# --- Signing in ------------------------------------------------------------------------------
def test_one_time_link_signs_in_once(client, world):
    response = client.post("/portal/link/", {"link-email": "Zhou.Min@starriver.example"})
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhou.min@starriver.example"]
    assert "sign-in link" in mail.outbox[0].subject
    link = _link_from_mail()

    page = client.get(link)  # opening the link (or a mail scanner doing so) spends nothing
    assert page.status_code == 200
    assert "Continue as Zhou Min" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/portal/tickets/"
    listing = client.get("/portal/tickets/").content.decode()
    assert world.master_ticket.ref in listing

    client.logout()
    again = client.post(link)
    assert again.status_code == 400
    assert "This link no longer works" in again.content.decode()
    assert client.get("/portal/tickets/").status_code == 302  # still signed out


def test_link_expires_after_15_minutes(client, world):
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.post("/portal/link/", {"link-email": "zhou.min@starriver.example"})
        link = _link_from_mail()
        traveller.shift(dt.timedelta(minutes=14))
        assert client.get(link).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        assert client.get(link).status_code == 400
        assert client.post(link).status_code == 400


def test_forged_link_is_refused(client, world):
    assert client.get("/portal/link/not-a-token/").status_code == 400
    client.post("/portal/link/", {"link-email": "zhou.min@starriver.example"})
    link = _link_from_mail()
    # A sign-in link is not a password link, and a tampered one is nobody's.
    assert client.get(link.replace("/link/", "/password/")).status_code == 400
    assert client.post(link[:-6] + "AAAAA/").status_code == 400


def test_unknown_address_gets_the_same_answer_and_no_mail(client, world):
    response = client.post("/portal/link/", {"link-email": "nobody@nowhere.example"})
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_password_set_through_a_verified_link_then_sign_in(client, world):
    response = client.post("/portal/password/", {"pw-request-email": "qin.lan@sub2.starriver.example"})
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and "password" in mail.outbox[0].subject
    link = _link_from_mail()
    assert client.get(link).status_code == 200
    mismatch = client.post(link, {"new_password1": "blue-lantern-harbour", "new_password2": "other-thing-entirely"})
    assert mismatch.status_code == 400
    short = client.post(link, {"new_password1": "short", "new_password2": "short"})
    assert short.status_code == 400
    done = client.post(link, {"new_password1": "blue-lantern-harbour", "new_password2": "blue-lantern-harbour"})
    assert done.status_code == 302
    assert client.get("/portal/tickets/").status_code == 200
    client.logout()
    spent = client.post(link, {"new_password1": "x-other-pass-99", "new_password2": "x-other-pass-99"})
    assert spent.status_code == 400

    wrong = client.post("/portal/", {"pw-email": "qin.lan@sub2.starriver.example", "pw-password": "nope-nope-nope"})
    assert wrong.status_code == 400
    assert "do not match" in wrong.content.decode()
    right = client.post(
        "/portal/", {"pw-email": "QIN.LAN@sub2.starriver.example", "pw-password": "blue-lantern-harbour"}
    )
    assert right.status_code == 302
    listing = client.get("/portal/tickets/").content.decode()
    assert world.sub_ticket.ref in listing


def test_contact_without_a_password_cannot_sign_in_with_one(client, world):
    sign_in(client, world.master_contact)
    client.logout()
    response = client.post("/portal/", {"pw-email": "zhou.min@starriver.example", "pw-password": ""})
    assert response.status_code == 400


def test_next_only_leads_inside_the_portal(client, world):
    client.post("/portal/link/", {"link-email": "zhou.min@starriver.example"})
    link = _link_from_mail()
    response = client.post(link + "?next=https://evil.example/")
    assert response["Location"] == "/portal/tickets/"


def test_signed_out_visitor_is_sent_to_sign_in(client, world):
    response = client.get(f"/portal/tickets/{world.master_ticket.ref}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/?next=%2Fportal%2Ftickets%2F")


# --- The list --------------------------------------------------------------------------------
def test_master_contact_sees_own_and_subaccount_tickets(client, world):
    sign_in(client, world.master_contact)
    page = client.get("/portal/tickets/").content.decode()
    assert world.master_ticket.ref in page and world.sub_ticket.ref in page
    assert world.other_ticket.ref not in page
    assert "Starriver Sub-account 2" in page  # the account column shows whose ticket it is
    assert "Last update" in page and "New" in page


def test_sub_contact_sees_only_their_account(client, world):
    sign_in(client, world.sub_contact)
    page = client.get("/portal/tickets/").content.decode()
    assert world.sub_ticket.ref in page
    assert world.master_ticket.ref not in page and world.other_ticket.ref not in page
    assert set(portal_tickets_for(world.sub_contact)) == {world.sub_ticket}
    assert set(portal_tickets_for(world.master_contact)) == {world.master_ticket, world.sub_ticket}


def test_empty_state_and_pagination(client, world, personas):
    lonely = world.other_contact
    Ticket.objects.filter(customer=personas.other_customer).delete()
    sign_in(client, lonely)
    assert "No tickets yet." in client.get("/portal/tickets/").content.decode()
    for i in range(23):
        make_ticket(f"Question {i:02d}", customer=personas.other_customer, contact=lonely)
    first = client.get("/portal/tickets/").content.decode()
    assert first.count('data-testid="portal-ticket-row"') == 20
    assert "Page 1 of 2" in first
    second = client.get("/portal/tickets/?page=2").content.decode()
    assert second.count('data-testid="portal-ticket-row"') == 3
    assert "Question 00" in second  # oldest last
    assert "No tickets here." in client.get("/portal/tickets/?show=done").content.decode()


# --- A ticket --------------------------------------------------------------------------------
def test_ticket_page_shows_public_messages_only(client, world, personas):
    ticket = world.master_ticket
    actions.add_note(
        ticket=ticket, body="Internal: vendor owes us a credit note", actor=personas.agent,
        attachments=[SimpleUploadedFile("internal.txt", b"secret")],
    )
    reply = actions.record_reply(
        ticket=ticket, body="We are checking the DLR callback.", actor=personas.agent,
        attachments=[SimpleUploadedFile("dlr.csv", b"id,status\n")],
    )
    actions.assign_ticket(ticket=ticket, owner=personas.agent2, actor=personas.lead)
    sign_in(client, world.master_contact)
    page = client.get(f"/portal/tickets/{ticket.ref}/").content.decode()
    assert "Since Monday no delivery reports arrive." in page
    assert "We are checking the DLR callback." in page
    assert "Li Heping" in page  # who answered
    assert "dlr.csv" in page
    for hidden in ("vendor owes us a credit note", "internal.txt", "Internal note", "Yang Meng", "Han Pengshuai"):
        assert hidden not in page, hidden
    file_pk = reply.attachments.get().pk
    download = client.get(f"/portal/tickets/{ticket.ref}/attachments/{file_pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"id,status\n"
    note_file = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE).attachments.get()
    assert client.get(f"/portal/tickets/{ticket.ref}/attachments/{note_file.pk}/").status_code == 404


@pytest.mark.parametrize("channel", [Channel.MONITORING, Channel.PHONE, Channel.API, Channel.IMPORT])
def test_a_description_the_desk_wrote_for_itself_stays_in(client, world, personas, channel):
    ticket = make_ticket(
        "Suspected SMS pumping", customer=personas.customer, channel=channel,
        description="Triage: see /monitoring/alerts/4/ and the internal article fraud-alert-triage",
    )
    actions.record_reply(ticket=ticket, body="We paused traffic to NG while we check.", actor=personas.agent)
    sign_in(client, world.master_contact)
    page = client.get(f"/portal/tickets/{ticket.ref}/").content.decode()
    assert "Suspected SMS pumping" in page and "We paused traffic to NG while we check." in page
    assert "Triage" not in page and "/monitoring/alerts/" not in page


def test_open_a_ticket_with_a_file(client, world, personas):
    sign_in(client, world.sub_contact)
    response = client.post(
        "/portal/tickets/new/",
        {
            "subject": "Sender ID rejected",
            "body": "Our sender ID STARRIVER is rejected in Thailand.",
            "attachments": [SimpleUploadedFile("error.png", b"\x89PNG fake", content_type="image/png")],
            "customer": personas.other_customer.pk,  # ignored: a contact opens tickets for their own account
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Sender ID rejected")
    assert response["Location"] == f"/portal/tickets/{ticket.ref}/"
    assert ticket.channel == Channel.PORTAL
    assert ticket.customer == personas.subaccount and ticket.contact == world.sub_contact
    assert ticket.description == "Our sender ID STARRIVER is rejected in Thailand."
    message = ticket.messages.get()
    assert message.kind == MessageKind.INBOUND and message.author_contact == world.sub_contact
    assert message.attachments.get().filename == "error.png"
    page = client.get(response["Location"]).content.decode()
    assert "We have your request" in page and "error.png" in page


def test_a_program_file_is_refused_and_nothing_is_opened(client, world):
    sign_in(client, world.master_contact)
    response = client.post(
        "/portal/tickets/new/",
        {"subject": "See tool", "body": "run this", "attachments": [SimpleUploadedFile("fix.exe", b"MZ")]},
    )
    assert response.status_code == 400
    assert "cannot be attached" in response.content.decode()
    assert not Ticket.objects.filter(subject="See tool").exists()


def test_new_ticket_needs_subject_and_text(client, world):
    sign_in(client, world.master_contact)
    response = client.post("/portal/tickets/new/", {"subject": "", "body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_reply_with_attachment_reopens_a_resolved_ticket(client, world, personas):
    ticket = world.master_ticket
    actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=personas.agent)
    sign_in(client, world.master_contact)
    response = client.post(
        f"/portal/tickets/{ticket.ref}/reply/",
        {"body": "Still broken, log attached.", "attachments": [SimpleUploadedFile("log.txt", b"ERR 42")]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    message = ticket.messages.get(kind=MessageKind.INBOUND)
    assert message.channel == Channel.PORTAL and message.author_contact == world.master_contact
    assert message.attachments.get().filename == "log.txt"
    page = client.get(f"/portal/tickets/{ticket.ref}/").content.decode()
    assert "Still broken, log attached." in page and "log.txt" in page


def test_empty_reply_is_refused(client, world):
    sign_in(client, world.master_contact)
    response = client.post(f"/portal/tickets/{world.master_ticket.ref}/reply/", {"body": "  "})
    assert response.status_code == 400
    assert "Write something or attach a file." in response.content.decode()


def test_close_own_ticket(client, world):
    ticket = world.master_ticket
    sign_in(client, world.master_contact)
    assert 'data-testid="portal-close"' in client.get(f"/portal/tickets/{ticket.ref}/").content.decode()
    response = client.post(f"/portal/tickets/{ticket.ref}/close/")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.events.filter(kind="status", reason="closed by the customer in the portal").exists()
    page = client.get(f"/portal/tickets/{ticket.ref}/").content.decode()
    assert "This ticket is closed." in page and 'data-testid="portal-reply-form"' not in page
    refused = client.post(f"/portal/tickets/{ticket.ref}/reply/", {"body": "one more thing"})
    assert refused.status_code == 400
    assert not ticket.messages.filter(kind=MessageKind.INBOUND).exists()


def test_master_contact_cannot_close_a_subaccount_ticket(client, world):
    sign_in(client, world.master_contact)
    ref = world.sub_ticket.ref
    assert 'data-testid="portal-close"' not in client.get(f"/portal/tickets/{ref}/").content.decode()
    response = client.post(f"/portal/tickets/{ref}/close/", follow=True)
    assert "You cannot close this ticket." in response.content.decode()
    world.sub_ticket.refresh_from_db()
    assert world.sub_ticket.status == Status.NEW


# --- Boundaries with the desk ------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/tickets/", "/tickets/new/", "/customers/", "/customers/starriver/", "/me/", "/sla/calendars/"]
)
def test_contact_never_reaches_agent_pages(client, world, path):
    sign_in(client, world.master_contact)
    assert client.get(path).status_code in (403, 404)


def test_the_desk_home_sends_a_contact_to_the_portal(client, world):
    sign_in(client, world.master_contact)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/portal/tickets/"


def test_contact_cannot_open_an_agent_ticket_page(client, world):
    sign_in(client, world.master_contact)
    assert client.get(f"/tickets/{world.master_ticket.ref}/").status_code == 404


def test_desk_user_is_not_a_contact(client, world, personas):
    client.force_login(personas.agent)
    assert client.get("/portal/tickets/").status_code == 403
    assert client.get(f"/portal/tickets/{world.master_ticket.ref}/").status_code == 403
    assert "not as a customer contact" in client.get("/portal/").content.decode()


# --- Languages ---------------------------------------------------------------------------------
def test_language_switch(client, world):
    sign_in(client, world.master_contact)
    assert '<html lang="en">' in client.get("/portal/tickets/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/tickets/"})
    assert response["Location"] == "/portal/tickets/"
    page = client.get("/portal/tickets/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "新建" in page and "退出登录" in page  # the status badge and the sign-out button in Chinese
    assert "Sign out" not in page
    assert 'data-testid="language-switch"' in page


def test_first_sign_in_uses_the_contacts_language(client, world):
    world.master_contact.language = "zh-hans"
    world.master_contact.save(update_fields=["language"])
    client.post("/portal/link/", {"link-email": "zhou.min@starriver.example"})
    link = _link_from_mail()
    response = client.post(link)
    assert response.cookies["django_language"].value == "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/portal/tickets/").content.decode()


def test_link_mail_for_a_shared_address_reaches_each_contact(client, world, personas):
    from aftersales.testing.factories import make_contact

    make_contact(personas.other_customer, "Zhou Min (Bluewave)", email="zhou.min@starriver.example")
    client.post("/portal/link/", {"link-email": "zhou.min@starriver.example"})
    assert len(mail.outbox) == 2


def test_merged_ticket_points_to_where_the_conversation_went(client, world, personas):
    target = make_ticket("Master: DLR follow-up", customer=personas.customer, contact=world.master_contact)
    actions.merge_tickets(source=world.master_ticket, target=target, actor=personas.agent)
    sign_in(client, world.master_contact)
    page = client.get(f"/portal/tickets/{world.master_ticket.ref}/").content.decode()
    assert "This conversation continues in" in page and target.ref in page
    # Merged into another customer's ticket: no pointer to something the contact cannot open.
    stranger = make_ticket("Bluewave thing", customer=personas.other_customer)
    actions.merge_tickets(source=world.sub_ticket, target=stranger, actor=personas.agent)
    page = client.get(f"/portal/tickets/{world.sub_ticket.ref}/").content.decode()
    assert "continues in" not in page and stranger.ref not in page


def test_times_are_shown_in_the_customers_timezone(client, world, personas):
    personas.customer.timezone = "Europe/Berlin"
    personas.customer.save(update_fields=["timezone"])
    created = world.master_ticket.created_at
    sign_in(client, world.master_contact)
    page = client.get(f"/portal/tickets/{world.master_ticket.ref}/").content.decode()
    from zoneinfo import ZoneInfo

    assert created.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M") in page
