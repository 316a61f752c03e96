"""Resolution notes (issue 8): resolving asks for a summary, a root cause and, optionally, the need."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import RootCause, Status

pytestmark = pytest.mark.django_db

SEEDED = {
    "customer-config": ("Customer configuration", "客户配置问题"),
    "vendor-carrier": ("Vendor / carrier", "供应商 / 运营商"),
    "our-platform": ("Our platform", "我方平台"),
    "documentation-gap": ("Documentation gap", "文档缺失"),
    "fraud": ("Fraud", "盗刷 / 欺诈"),
    "billing": ("Billing", "账单计费"),
    "other": ("Other", "其他"),
}


@pytest.fixture
def ticket(personas):
    return make_ticket(
        "OTP to Vietnam fails", customer=personas.customer, contact=personas.contact, owner=personas.agent
    )


def cause(code: str) -> RootCause:
    return RootCause.objects.get(code=code)


def url(name: str, ticket) -> str:
    return reverse(f"tickets:{name}", args=[ticket.ref])


def test_the_seven_causes_are_seeded_in_both_languages():
    assert {c.code: (c.name_en, c.name_zh) for c in RootCause.objects.all()} == SEEDED
    assert RootCause.objects.values_list("code", flat=True)[0] == "customer-config"  # the order
    with translation.override("zh-hans"):
        assert str(cause("vendor-carrier")) == "供应商 / 运营商"
    with translation.override("en"):
        assert str(cause("vendor-carrier")) == "Vendor / carrier"


def test_resolving_on_the_ticket_page_needs_a_summary_and_a_cause(client: Client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(url("status", ticket), {"status": "resolved", "resolution_summary": "  "})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Write a short resolution summary to resolve the ticket." in html
    assert "Choose the root cause to resolve the ticket." in html
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolved_at is None


def test_other_status_changes_ask_for_nothing(client: Client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(url("status", ticket), {"status": "waiting_customer"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER and ticket.root_cause is None


def test_resolving_saves_the_notes_and_shows_them_on_the_page_and_timeline(client: Client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(
        url("status", ticket),
        {
            "status": "resolved",
            "resolution_summary": "Moved the customer to the backup route.",
            "root_cause": cause("vendor-carrier").pk,
            "underlying_need": "They need warning before a carrier drops, not after.",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Status is now Resolved." in html
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_summary == "Moved the customer to the backup route."
    assert ticket.root_cause == cause("vendor-carrier")
    assert ticket.underlying_need == "They need warning before a carrier drops, not after."
    assert 'data-testid="resolution-panel"' in html
    assert html.count("Moved the customer to the backup route.") == 2  # the panel and the timeline event
    assert html.count("They need warning before a carrier drops, not after.") == 2
    assert "Vendor / carrier" in html
    event = ticket.events.filter(kind="status").latest("id")
    assert event.after["resolution"]["root_cause"]["code"] == "vendor-carrier"


def test_the_timeline_shows_the_cause_in_the_readers_language(client: Client, personas, ticket):
    actions.change_status(
        ticket=ticket,
        status=Status.RESOLVED,
        actor=personas.agent,
        resolution=actions.Resolution.of(summary="Fixed the callback URL", root_cause="customer-config"),
    )
    profile = personas.agent2.agent_profile
    profile.language = "zh-hans"
    profile.save()
    client.force_login(personas.agent2)
    html = client.get(url("detail", ticket)).content.decode()
    assert "客户配置问题" in html and "Fixed the callback URL" in html


def test_the_underlying_need_is_optional(client: Client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(
        url("status", ticket),
        {
            "status": "resolved",
            "resolution_summary": "Explained the DLR codes.",
            "root_cause": cause("documentation-gap").pk,
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.root_cause.code == "documentation-gap" and ticket.underlying_need == ""


def test_an_inactive_cause_cannot_be_chosen(client: Client, personas, ticket):
    RootCause.objects.filter(code="other").update(is_active=False)
    client.force_login(personas.agent)
    page = client.get(url("detail", ticket)).content.decode()
    assert "Documentation gap" in page and ">Other<" not in page
    response = client.post(
        url("status", ticket),
        {
            "status": "resolved",
            "resolution_summary": "x",
            "root_cause": cause("other").pk,
        },
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_reply_that_resolves_needs_the_notes_too(client: Client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(
        url("reply", ticket), {"kind": "reply", "body": "Fixed, please retry.", "status": "resolved"}
    )
    assert response.status_code == 400
    assert "Choose the root cause to resolve the ticket." in response.content.decode()
    assert not ticket.messages.exists()
    response = client.post(
        url("reply", ticket),
        {
            "kind": "reply",
            "body": "Fixed, please retry.",
            "status": "resolved",
            "resolution_summary": "Re-enabled the sender ID.",
            "root_cause": cause("our-platform").pk,
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.root_cause.code == "our-platform"
    assert ticket.resolution_summary == "Re-enabled the sender ID."


def test_a_note_never_asks_for_resolution_notes(client: Client, personas, ticket):
    client.force_login(personas.agent)
    response = client.post(url("reply", ticket), {"kind": "note", "body": "checked", "status": "resolved"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_the_action_stays_compatible_without_notes(personas, ticket):
    """System resolves (monitoring, balance, imports) and older callers pass no notes."""
    actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=None)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.root_cause is None and ticket.resolution_summary == ""
    assert "resolution" not in ticket.events.filter(kind="status").latest("id").after


def test_an_unknown_cause_code_from_a_system_caller_is_dropped(personas, ticket):
    actions.change_status(
        ticket=ticket, status=Status.RESOLVED, actor=None, resolution=actions.Resolution.of(root_cause="no-such-cause")
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.root_cause is None


def test_reopening_keeps_the_last_notes_and_resolving_again_replaces_them(personas, ticket):
    actions.change_status(
        ticket=ticket,
        status=Status.RESOLVED,
        actor=personas.agent,
        resolution=actions.Resolution.of(summary="First fix", root_cause="billing"),
    )
    actions.record_customer_message(ticket=ticket, body="Still broken", channel="email", contact=personas.contact)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.root_cause.code == "billing"
    actions.change_status(
        ticket=ticket,
        status=Status.RESOLVED,
        actor=personas.agent,
        resolution=actions.Resolution.of(summary="Real fix", root_cause="our-platform"),
    )
    ticket.refresh_from_db()
    assert ticket.resolution_summary == "Real fix" and ticket.root_cause.code == "our-platform"


def test_a_cause_in_use_cannot_be_deleted(personas, ticket):
    actions.change_status(
        ticket=ticket,
        status=Status.RESOLVED,
        actor=personas.agent,
        resolution=actions.Resolution.of(summary="x", root_cause="fraud"),
    )
    with pytest.raises(ProtectedError):
        cause("fraud").delete()


def test_an_admin_renames_and_adds_causes_in_the_admin(client: Client, personas):
    admin = personas.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    billing = cause("billing")
    response = client.post(
        f"/admin/tickets/rootcause/{billing.pk}/change/",
        {
            "code": "billing",
            "name_en": "Billing & balance",
            "name_zh": "账单与余额",
            "order": "60",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    billing.refresh_from_db()
    assert (billing.name_en, billing.name_zh) == ("Billing & balance", "账单与余额")
    response = client.post(
        "/admin/tickets/rootcause/add/",
        {
            "code": "training",
            "name_en": "Agent training",
            "name_zh": "客服培训",
            "order": "65",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert "Agent training" in client.get("/admin/tickets/rootcause/").content.decode()
