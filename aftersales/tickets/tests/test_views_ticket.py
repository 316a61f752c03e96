"""The ticket page and its small POST views."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Attachment, Category, MessageKind, Priority, RootCause, Status, TicketLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas):
    return make_ticket("Delivery to Vietnam failing", customer=personas.customer, contact=personas.contact,
                       description="Since 9:00 every OTP to +84 fails.")


def url(name: str, ticket, *args) -> str:
    return reverse(f"tickets:{name}", args=[ticket.ref, *args])


POST_VIEWS = [
    ("reply", {"kind": "reply", "body": "hello"}),
    ("status", {"status": "resolved"}),
    ("assign", {"owner": ""}),
    ("assign_to_me", {}),
    ("properties", {"subject": "x", "priority": "1"}),
    ("set_customer", {"customer": ""}),
    ("merge", {"merge-ref": "AS-999999"}),
    ("link", {"link-ref": "AS-999999"}),
]


def test_anonymous_is_sent_to_sign_in(client, ticket):
    response = client.get(url("detail", ticket))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))
    for name, data in POST_VIEWS:
        response = client.post(url(name, ticket), data)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("core:login")), name


def test_outsider_gets_404_everywhere(client, personas, ticket):
    client.force_login(personas.outsider)
    assert client.get(url("detail", ticket)).status_code == 404
    for name, data in POST_VIEWS:
        assert client.post(url(name, ticket), data).status_code == 404, name


def test_unknown_ticket_is_a_friendly_404(client, personas):
    client.force_login(personas.agent)
    response = client.get(reverse("tickets:detail", args=["AS-999999"]))
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_viewer_reads_everything_but_gets_no_forms_and_cannot_post(client, personas, ticket):
    actions.add_note(ticket=ticket, body="Checked the route, vendor issue.", actor=personas.agent)
    client.force_login(personas.viewer)
    response = client.get(url("detail", ticket))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Checked the route, vendor issue." in html
    assert 'data-testid="reply-box"' not in html and 'data-testid="status-select"' not in html
    for name, data in POST_VIEWS:
        assert client.post(url(name, ticket), data).status_code == 403, name
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.messages.count() == 1


def test_agent_sees_timeline_with_messages_notes_and_events(client, personas, ticket):
    actions.record_customer_message(ticket=ticket, body="Still failing!", channel="email", contact=personas.contact)
    actions.record_reply(ticket=ticket, body="We switched the route.", actor=personas.agent)
    actions.add_note(ticket=ticket, body="Vendor case opened", actor=personas.agent)
    actions.change_status(ticket=ticket, status=Status.WAITING_CUSTOMER, actor=personas.agent)
    client.force_login(personas.agent)
    html = client.get(url("detail", ticket)).content.decode()
    assert ticket.ref in html and "Delivery to Vietnam failing" in html
    assert "Since 9:00 every OTP to +84 fails." in html
    assert 'data-kind="in"' in html and 'data-kind="out"' in html and 'data-kind="note"' in html
    assert "Li Heping changed status from Open to Waiting on customer" in html
    assert html.index("Still failing!") < html.index("We switched the route.") < html.index("Vendor case opened")
    # customer panel: account, master/sub, masked phone of the contact
    assert "Zhou Min" in html and "+86 138****8000" in html and "+8613800138000" not in html


def test_reply_with_attachment_and_status_after_sending(client, personas, ticket):
    client.force_login(personas.agent)
    upload = SimpleUploadedFile("route.txt", b"route log", content_type="text/plain")
    response = client.post(url("reply", ticket), {"kind": "reply", "body": "Fixed, please retry.",
                                                   "status": "waiting_customer", "attachments": [upload]})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Reply added to the ticket." in page and "Fixed, please retry." in page and "route.txt" in page
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER
    message = ticket.messages.get()
    assert message.kind == MessageKind.OUTBOUND and message.attachments.count() == 1


def test_note_is_stored_as_internal(client, personas, ticket):
    client.force_login(personas.agent)
    client.post(url("reply", ticket), {"kind": "note", "body": "Only for us"})
    assert ticket.messages.get().kind == MessageKind.NOTE


def test_empty_reply_shows_the_error_next_to_the_box_and_keeps_the_page(client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(url("reply", ticket), {"kind": "reply", "body": "  "})
    assert response.status_code == 400
    assert "Write something or attach a file." in response.content.decode()


def test_dangerous_attachment_is_refused_with_a_message(client, personas, ticket):
    client.force_login(personas.agent)
    upload = SimpleUploadedFile("invoice.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(url("reply", ticket), {"kind": "reply", "body": "see file", "attachments": [upload]})
    assert response.status_code == 400
    assert "is a program file and cannot be attached" in response.content.decode()
    assert not ticket.messages.exists()


def test_status_change_and_refusing_new(client, personas, ticket):
    client.force_login(personas.agent)
    cause = RootCause.objects.get(code="vendor-carrier")
    data = {"status": "resolved", "resolution_summary": "Vendor fixed the route.", "root_cause": cause.pk}
    response = client.post(url("status", ticket), data, follow=True)
    assert "Status is now Resolved." in response.content.decode()
    assert "Li Heping changed status from New to Resolved" in response.content.decode()
    response = client.post(url("status", ticket), {"status": "new"})
    assert response.status_code == 400 and "A ticket cannot go back to New." in response.content.decode()


def test_assign_to_me_and_to_someone_else(client, personas, ticket):
    client.force_login(personas.agent)
    page = client.get(url("detail", ticket)).content.decode()
    assert 'data-testid="assign-to-me"' in page
    response = client.post(url("assign_to_me", ticket), follow=True)
    assert "The ticket is yours now." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner == personas.agent and ticket.status == Status.OPEN
    client.post(url("assign", ticket), {"owner": personas.agent2.pk, "team": ""})
    ticket.refresh_from_db()
    assert ticket.owner == personas.agent2
    page = client.get(url("detail", ticket)).content.decode()
    assert "Li Heping handed the ticket from Li Heping to Yang Meng" in page


def test_assigning_a_viewer_is_refused_by_the_form(client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(url("assign", ticket), {"owner": personas.viewer.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_properties_update(client, personas, ticket):
    fraud = Category.objects.get(code="fraud")
    client.force_login(personas.agent)
    response = client.post(url("properties", ticket), {
        "subject": "OTP to Vietnam failing", "priority": "1", "category": str(fraud.pk), "tags": "VN, otp，urgent",
    }, follow=True)
    html = response.content.decode()
    assert "Ticket updated." in html and "changed priority from P3 · normal to P1 · urgent" in html
    ticket.refresh_from_db()
    assert ticket.subject == "OTP to Vietnam failing" and ticket.priority == Priority.P1 and ticket.category == fraud
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["otp", "urgent", "vn"]


def test_set_customer_takes_the_ticket_out_of_needs_customer(client, personas):
    unknown = make_ticket("Caller from an unknown number")
    client.force_login(personas.agent)
    page = client.get(url("detail", unknown)).content.decode()
    assert 'data-testid="set-customer-form"' in page and "Starriver Tech 星河科技 › Starriver Sub-account 2" in page
    response = client.post(url("set_customer", unknown), {"customer": personas.subaccount.pk}, follow=True)
    assert "Customer set to Starriver Sub-account 2." in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.customer == personas.subaccount


def test_bad_merge_ref_shows_an_error_not_a_500(client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(url("merge", ticket), {"merge-ref": "AS-424242"})
    assert response.status_code == 400
    assert "There is no ticket AS-424242." in response.content.decode()
    response = client.post(url("merge", ticket), {"merge-ref": ticket.ref})
    assert response.status_code == 400
    assert "A ticket cannot be merged into itself." in response.content.decode()


def test_merge_moves_to_target_and_shows_notice(client, personas, ticket):
    target = make_ticket("Vietnam OTP (duplicate)", customer=personas.customer)
    client.force_login(personas.agent)
    response = client.post(url("merge", ticket), {"merge-ref": target.ref.lower()})
    assert response.status_code == 302 and response["Location"] == url("detail", target)
    target_page = client.get(response["Location"]).content.decode()
    assert f"{ticket.ref} was merged into this ticket." in target_page
    source_page = client.get(url("detail", ticket)).content.decode()
    assert 'data-testid="merged-notice"' in source_page and target.ref in source_page
    assert 'id="composer"' not in source_page  # (writing there is refused: the notice says where to write)
    assert 'id="composer"' in target_page


def test_link_shows_on_both_tickets(client, personas, ticket):
    other = make_ticket("Thailand also failing", customer=personas.other_customer)
    client.force_login(personas.agent)
    response = client.post(url("link", ticket), {"link-ref": other.ref}, follow=True)
    assert f"Linked to {other.ref}." in response.content.decode()
    assert TicketLink.objects.count() == 1
    assert ticket.ref in client.get(url("detail", other)).content.decode()


def test_other_open_tickets_of_the_customer_are_listed(client, personas, ticket):
    sibling = make_ticket("Sender ID request", customer=personas.subaccount)
    client.force_login(personas.agent)
    html = client.get(url("detail", ticket)).content.decode()
    panel = html.split('data-testid="other-open-tickets"')[1].split("</ul>")[0]
    assert sibling.ref in panel and ticket.ref not in panel


def _attachment(ticket, actor) -> Attachment:
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    message = actions.add_note(ticket=ticket, body="see report", actor=actor, attachments=[upload])
    return message.attachments.get()


def test_attachment_download_is_served_as_a_download_to_staff(client, personas, ticket):
    attachment = _attachment(ticket, personas.agent)
    client.force_login(personas.viewer)
    response = client.get(url("attachment", ticket, attachment.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "report.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 report"


def test_attachment_download_is_refused_to_outsiders_and_wrong_tickets(client, personas, ticket):
    attachment = _attachment(ticket, personas.agent)
    other = make_ticket("Another")
    client.force_login(personas.outsider)
    assert client.get(url("attachment", ticket, attachment.pk)).status_code == 404
    client.force_login(personas.agent)
    assert client.get(url("attachment", other, attachment.pk)).status_code == 404
    client.logout()
    assert client.get(url("attachment", ticket, attachment.pk)).status_code == 302


def test_page_shows_in_chinese_for_a_chinese_speaking_agent(client, personas, ticket):
    profile = personas.agent.agent_profile
    profile.language = "zh-hans"
    profile.save()
    client.force_login(personas.agent)
    html = client.get(url("detail", ticket)).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "负责人：" in html and "负责人:" not in html  # a full-width colon, no space (labels.colon)


def test_description_is_not_shown_twice_when_the_first_message_repeats_it(client, personas):
    ticket = make_ticket("OTP to Vietnam fails", customer=personas.customer, description="All OTPs to +84 fail")
    actions.record_customer_message(ticket=ticket, body="All OTPs to +84 fail", channel="email")
    phone = make_ticket("Caller asks about prices", customer=personas.customer, description="Wants a quote for UK")
    client.force_login(personas.agent)
    emailed = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert 'data-testid="ticket-description"' not in emailed and emailed.count("All OTPs to +84 fail") == 1
    called = client.get(reverse("tickets:detail", args=[phone.ref])).content.decode()
    assert 'data-testid="ticket-description"' in called
