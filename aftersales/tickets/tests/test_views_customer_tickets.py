"""What tickets shows on the customer pages, through core.panels (customers imports no tickets):
the "Tickets" panel of the customer page and the "Open tickets" column of the customer list."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.testing.factories import make_contact, make_customer, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Status

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")
HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(code: str) -> str:
    return reverse("customers:detail", args=[code])


def panel(code: str) -> str:
    return reverse("core:panel", args=["customer", "tickets", code])


def tickets_panel(client, code: str) -> str:
    """Load the customer page, then the Tickets panel the way htmx does (from the placeholder's hx-get)."""
    page = client.get(detail(code)).content.decode()
    section = page.split('data-testid="panel-tickets"')[1].split("</section>")[0]
    hx_get = re.search(r'hx-get="([^"]+)"', section)
    assert hx_get and 'hx-trigger="load"' in section and "Loading…" in section
    assert hx_get.group(1) == panel(code) and f'<noscript><p><a href="{panel(code)}">' in section
    response = client.get(hx_get.group(1), **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_customer_list_counts_open_tickets_per_account(client, personas):
    make_ticket("one", customer=personas.customer)
    make_ticket("two", customer=personas.subaccount)
    done = make_ticket("three", customer=personas.subaccount)
    actions.change_status(ticket=done, status=Status.CLOSED, actor=personas.agent)
    client.force_login(personas.agent)
    html = client.get(LIST).content.decode()
    assert '<th scope="col">Open tickets</th>' in html
    rows = html.split('data-testid="customer-row"')[1:]
    counts = [row.split('data-column="open_tickets">')[1].split("<")[0] for row in rows]
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
    page = client.get(detail("starriver")).content.decode()
    assert master_ticket.ref not in page  # the tickets come with the panel, not with the page
    assert "Open tickets: 1" in page.split('data-testid="subaccounts"')[1]  # the sub-account line
    html = tickets_panel(client, "starriver")
    assert master_ticket.ref in html and sub_ticket.ref in html and "Bluewave issue" not in html
    assert "2 open · 3 in all" in html
    assert "Starriver Sub-account 2" in html and "Closed" in html  # account column and status
    sub_html = tickets_panel(client, "starriver-sub2")
    assert sub_ticket.ref in sub_html and master_ticket.ref not in sub_html
    assert "1 open · 2 in all" in sub_html


def test_panel_shows_the_latest_25_and_links_to_the_queue(client, personas):
    for number in range(27):
        make_ticket(f"Load test {number:02d}", customer=personas.subaccount)
    client.force_login(personas.viewer)
    html = tickets_panel(client, "starriver")
    assert html.count('class="ref"') == 25 and "Load test 26" in html and "Load test 01" not in html
    assert "27 open · 27 in all" in html and "See all 27 tickets in the queue" in html


def test_empty_account_says_so(client, personas):
    client.force_login(personas.agent)
    assert "No tickets for this account yet." in tickets_panel(client, "starriver")


def test_panel_access(client, personas):
    make_ticket("Secret", customer=personas.customer)
    response = client.get(panel("starriver"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))
    client.force_login(personas.outsider)
    assert client.get(panel("starriver"), **HTMX).status_code == 403
    assert "panel-tickets" not in client.get(detail("starriver")).content.decode()  # 404 page, no placeholder
    client.force_login(personas.viewer)
    assert client.get(panel("no-such-account"), **HTMX).status_code == 404
    assert client.get(reverse("core:panel", args=["customer", "no-such-panel", "starriver"])).status_code == 404
    assert "Secret" in client.get(panel("starriver"), **HTMX).content.decode()


def test_noscript_link_opens_the_panel_as_a_page(client, personas):
    make_ticket("Printer jam", customer=personas.customer)
    client.force_login(personas.viewer)
    html = client.get(panel("starriver")).content.decode()
    assert "<html" in html and "Printer jam" in html and "Starriver Tech 星河科技" in html
    assert f'href="{detail("starriver")}"' in html


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


def test_tickets_panel_queries_stay_constant(client, personas, django_assert_max_num_queries):
    client.force_login(personas.agent)
    make_ticket("first", customer=personas.customer)
    with CaptureQueriesContext(connection) as few:
        client.get(panel("starriver"), **HTMX)
    for number in range(30):
        make_ticket(f"t{number}", customer=personas.subaccount, owner=personas.agent if number % 2 else personas.agent2)
        make_customer(f"starriver-s{number}", f"Sub {number}", parent=personas.customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(panel("starriver"), **HTMX)
    # session, user, agent profile, roles; then the customer, the counts, the latest tickets
    assert len(few.captured_queries) <= 7
