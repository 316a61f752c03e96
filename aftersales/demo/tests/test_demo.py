"""`aftersales demo`: what a person sees after `make run` on a fresh machine."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from aftersales.core import clock
from aftersales.customers.models import Contact, Customer
from aftersales.demo import data
from aftersales.demo.loader import moving_clock
from aftersales.people.models import Team
from aftersales.tickets.models import Category, Message, MessageKind, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

SMALL = 30
CJK = re.compile(r"[\u4e00-\u9fff]")


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--tickets", str(SMALL), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def story_tickets():
    """The demo's ticket stories (``--tickets``); the balance check adds its proactive tickets on top,
    and a low satisfaction rating its follow-up for the lead."""
    from aftersales.feedback.csat import FOLLOWUP_SOURCE
    from aftersales.monitoring.alerts import SOURCE_KIND as ALERT_SOURCE
    from aftersales.sms.incidents import SOURCE_KIND as BALANCE_SOURCE

    # A story may itself be an alert the desk raised (channel "monitoring"), so the proactive tickets of
    # the checks are told apart by their source, not by the channel.
    return Ticket.objects.exclude(source_kind__in=(BALANCE_SOURCE, ALERT_SOURCE, FOLLOWUP_SOURCE))


def subjects_by_ref() -> list[tuple[str, str]]:
    return list(Ticket.objects.order_by("number").values_list("ref", "subject"))


def test_demo_loads_customers_with_subaccounts_and_valid_contacts() -> None:
    run_demo()

    masters = Customer.objects.filter(parent__isnull=True)
    assert masters.count() == 10
    with_subs = [c for c in masters if c.subaccounts.exists()]
    assert len(with_subs) >= 2
    assert Customer.objects.get(code="starriver").subaccounts.count() == 3
    assert {c.status for c in masters} == {"active", "suspended", "churned"}
    assert len({c.tier for c in masters}) == 3
    assert len({c.timezone for c in Customer.objects.all()}) >= 5
    assert all(c.products.exists() for c in Customer.objects.all())
    contacts = Contact.objects.all()
    assert contacts.count() >= 10
    assert all(c.phone.startswith("+") and c.email.endswith(".example") for c in contacts)
    for contact in contacts:
        contact.full_clean()  # E.164 and e-mail validation, as a form would do it
    assert Contact.objects.filter(customer__code="starriver", is_primary=True).count() == 1


def test_demo_agents_have_roles_profiles_and_the_published_password() -> None:
    output = run_demo()

    roles = {}
    for seed in data.AGENTS:
        user = User.objects.get(username=seed.username)
        assert user.check_password(data.DEMO_PASSWORD)
        assert user.agent_profile.display_name == seed.display_name
        roles[seed.username] = set(user.groups.values_list("name", flat=True))
        assert f"{seed.username}" in output
    assert {"agent", "lead", "viewer", "admin"} <= set().union(*roles.values())
    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff and admin.is_superuser, "Django admin must show something to the demo admin"
    assert not User.objects.filter(username__in=["demo-agent", "demo-lead", "demo-viewer"], is_staff=True).exists()
    assert {p.agent_profile.language for p in User.objects.filter(username__startswith="demo-")} == {"en", "zh-hans"}
    team = Team.objects.get(name=data.TEAM_NAME)
    assert set(team.members.values_list("username", flat=True)) == {"demo-agent", "demo-lead", "demo-assistant"}
    assert data.DEMO_PASSWORD in output
    assert "Demo logins" in output


def test_demo_tickets_cover_languages_categories_channels_and_the_timeline() -> None:
    before = clock.now()
    run_demo()

    tickets = list(story_tickets())
    assert len(tickets) == SMALL
    subjects = [t.subject for t in tickets]
    assert any(CJK.search(s) for s in subjects), "no Chinese subjects"
    assert any(not CJK.search(s) for s in subjects), "no English subjects"
    leaf_codes = set(Category.objects.filter(parent__isnull=False).values_list("code", flat=True))
    assert {t.category.code for t in tickets if t.category} == leaf_codes
    assert Ticket.objects.filter(customer__isnull=True).exists(), "the needs-a-customer queue is empty"
    assert Ticket.objects.filter(customer__parent__isnull=False).exists(), "no tickets of sub-accounts"
    assert len({t.channel for t in tickets}) >= 4
    assert {Status.CLOSED, Status.RESOLVED} <= {t.status for t in tickets}
    assert Ticket.objects.filter(owner__isnull=False).count() > SMALL // 2

    kinds = set(Message.objects.values_list("kind", flat=True))
    assert kinds == {MessageKind.INBOUND, MessageKind.OUTBOUND, MessageKind.NOTE}
    assert TicketEvent.objects.filter(kind="owner").exists()
    assert TicketEvent.objects.filter(kind="status").exists()

    # Times are spread over the past months, and each timeline runs forward.
    created = sorted(t.created_at for t in tickets)
    assert created[0] < before - dt.timedelta(days=60)
    assert created[-1] <= before
    assert (created[-1] - created[0]) > dt.timedelta(days=90)
    assert clock.now() >= before, "the real clock is back after the demo"
    for ticket in tickets:
        assert ticket.updated_at >= ticket.created_at
        if ticket.first_response_at:
            assert ticket.first_response_at > ticket.created_at
        if ticket.resolved_at:
            assert ticket.resolved_at > ticket.created_at
        stamps = [m.created_at for m in ticket.messages.all()]
        assert stamps == sorted(stamps)
        assert all(ticket.created_at <= s <= before for s in stamps)
    # Older tickets got their numbers first: refs grow with time, as in a real desk.
    by_number = list(Ticket.objects.order_by("number").values_list("created_at", flat=True))
    assert by_number == sorted(by_number)


def test_same_seed_gives_the_same_tickets_and_another_seed_does_not() -> None:
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            run_demo("--seed", "7")
            first = subjects_by_ref()
            raise Rollback
    except Rollback:
        pass
    assert not Ticket.objects.exists()

    try:
        with transaction.atomic():
            run_demo("--seed", "8")
            other = subjects_by_ref()
            raise Rollback
    except Rollback:
        pass

    run_demo("--seed", "7")
    assert subjects_by_ref() == first
    assert other != first


def test_if_empty_second_run_adds_nothing_and_says_so() -> None:
    run_demo()
    counts = (Ticket.objects.count(), Customer.objects.count(), User.objects.count(), Message.objects.count())

    output = run_demo("--if-empty")

    assert "already has data" in output
    assert "demo-agent" in output  # the logins are shown again for `make run`
    assert (Ticket.objects.count(), Customer.objects.count(), User.objects.count(), Message.objects.count()) == counts


def test_second_run_without_if_empty_refuses_with_a_clear_message() -> None:
    run_demo()
    with pytest.raises(CommandError, match="already has data"):
        run_demo()
    assert story_tickets().count() == SMALL


def test_if_empty_loads_into_an_empty_desk() -> None:
    output = run_demo("--if-empty")
    assert "Demo data loaded" in output
    assert story_tickets().count() == SMALL


def test_moving_clock_is_restored_even_after_an_error() -> None:
    original = clock.now
    moment = dt.datetime(2025, 5, 6, 9, 30, tzinfo=dt.UTC)
    with pytest.raises(RuntimeError), moving_clock(moment) as fake:
        assert clock.now() == moment
        fake.at = moment + dt.timedelta(hours=1)
        assert clock.now() == moment + dt.timedelta(hours=1)
        raise RuntimeError("boom")
    assert clock.now is original


def test_demo_admin_reaches_the_configuration_in_django_admin(client: Client) -> None:
    run_demo()
    client.force_login(User.objects.get(username="demo-admin"))

    page = client.get("/admin/")

    assert page.status_code == 200
    assert "Customers" in page.content.decode() or "customers" in page.content.decode()


def test_demo_contacts_can_sign_in_to_the_portal(db):
    from io import StringIO

    from django.core.management import call_command
    from django.test import Client

    out = StringIO()
    call_command("demo", tickets=10, stdout=out)
    assert "zhou.min@starriver.example" in out.getvalue()
    client = Client()
    response = client.post("/portal/", {"pw-email": "zhou.min@starriver.example", "pw-password": "demo-pass-2026"},
                           follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0] == "/portal/tickets/"
