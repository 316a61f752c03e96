"""Ticket numbers on the customer pages (kept here: customers may not import tickets)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.testing.factories import make_contact, make_customer, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Status

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def detail(code: str) -> str:
    return reverse("customers:detail", args=[code])


def test_customer_list_counts_open_tickets_per_account(client, personas):
    make_ticket("one", customer=personas.customer)
    make_ticket("two", customer=personas.subaccount)
    done = make_ticket("three", customer=personas.subaccount)
    actions.change_status(ticket=done, status=Status.CLOSED, actor=personas.agent)
    client.force_login(personas.agent)
    rows = client.get(LIST).content.decode().split('data-testid="customer-row"')[1:]
    counts = [row.split('data-testid="open-count">')[1].split("<")[0] for row in rows]
    assert counts == ["0", "1", "1"]  # Bluewave, Starriver, its sub-account


def test_customer_list_queries_stay_constant_with_tickets(client, personas, django_assert_max_num_queries):
    client.force_login(personas.agent)
    make_ticket("t", customer=personas.customer)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for number in range(20):
        master = make_customer(f"acme-{number}", f"Acme {number}", account_manager=personas.agent)
        make_customer(f"acme-{number}-sub", f"Acme {number} Sub", parent=master)
        make_ticket("t", customer=master)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_customer_page_lists_tickets_of_the_account_and_its_subs(client, personas):
    master_ticket = make_ticket("Master ticket", customer=personas.customer)
    sub_ticket = make_ticket("Sub ticket", customer=personas.subaccount)
    closed = make_ticket("Closed one", customer=personas.subaccount)
    actions.change_status(ticket=closed, status=Status.CLOSED, actor=personas.agent)
    make_ticket("Bluewave issue", customer=personas.other_customer)
    client.force_login(personas.agent)
    html = client.get(detail("starriver")).content.decode()
    assert master_ticket.ref in html and sub_ticket.ref in html and "Bluewave issue" not in html
    assert "2 open · 3 in all" in html
    assert "1 open ticket" in html  # the sub-account line in the side panel
    sub_html = client.get(detail("starriver-sub2")).content.decode()
    assert sub_ticket.ref in sub_html and master_ticket.ref not in sub_html


def test_customer_page_queries_stay_constant(client, personas, django_assert_max_num_queries):
    client.force_login(personas.agent)
    make_ticket("first", customer=personas.customer)
    with CaptureQueriesContext(connection) as few:
        client.get(detail("starriver"))
    for number in range(10):
        make_ticket(f"t{number}", customer=personas.subaccount, owner=personas.agent)
        make_contact(personas.customer, f"Contact {number}")
        make_customer(f"starriver-s{number}", f"Sub {number}", parent=personas.customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(detail("starriver"))
