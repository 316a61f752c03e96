"""The queue: views, counts, filters, pagination and a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from aftersales.testing.factories import make_customer, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Category, Priority, Status

pytestmark = pytest.mark.django_db
QUEUE = reverse("tickets:queue")


def refs_in(response) -> list[str]:
    html = response.content.decode()
    return [part.split('"')[0] for part in html.split('data-testid="queue-row" data-ref="')[1:]]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_signed_in_user_without_a_role_gets_a_clear_403(client, personas):
    client.force_login(personas.outsider)
    response = client.get(QUEUE)
    assert response.status_code == 403
    assert "This account has no access to the desk" in response.content.decode()
    assert "Unassigned" not in response.content.decode()


def test_agent_sees_own_open_tickets_by_default(client, personas):
    mine = make_ticket("SMS to Vietnam failing", customer=personas.customer, owner=personas.agent)
    theirs = make_ticket("Sender ID for Thailand", customer=personas.customer, owner=personas.agent2)
    client.force_login(personas.agent)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert refs_in(response) == [mine.ref]
    html = response.content.decode()
    assert "SMS to Vietnam failing" in html and theirs.subject not in html
    assert "Starriver Tech 星河科技" in html
    assert 'lang="en"' in html


def test_viewer_sees_all_tickets_by_default_and_no_new_ticket_button(client, personas):
    ticket = make_ticket("Balance query", customer=personas.customer)
    client.force_login(personas.viewer)
    response = client.get(QUEUE)
    assert refs_in(response) == [ticket.ref]
    assert reverse("tickets:new") not in response.content.decode()


def test_sidebar_counts_each_view(client, personas):
    make_ticket("one", customer=personas.customer, owner=personas.agent)
    make_ticket("two", customer=personas.customer)
    make_ticket("three")  # no customer, no owner
    done = make_ticket("four", customer=personas.customer, owner=personas.agent)
    actions.change_status(ticket=done, status=Status.RESOLVED, actor=personas.agent)
    client.force_login(personas.agent)
    html = client.get(QUEUE).content.decode()

    def count(view: str) -> str:
        return html.split(f'data-testid="queue-count-{view}">')[1].split("<")[0]

    assert (count("mine"), count("unassigned"), count("needs_customer")) == ("1", "2", "1")
    # "All tickets" has no sidebar number (it would count the whole history on every page).
    assert 'data-testid="queue-count-all"' not in html


def test_needs_customer_view_lists_tickets_without_customer(client, personas):
    unknown = make_ticket("Caller did not give a name")
    make_ticket("Known", customer=personas.customer)
    client.force_login(personas.agent)
    response = client.get(QUEUE, {"view": "needs_customer"})
    assert refs_in(response) == [unknown.ref]
    assert "Needs a customer" in response.content.decode()


def test_customer_filter_includes_sub_accounts(client, personas):
    master = make_ticket("Master account ticket", customer=personas.customer)
    sub = make_ticket("Sub-account ticket", customer=personas.subaccount)
    make_ticket("Other company", customer=personas.other_customer)
    client.force_login(personas.agent)
    response = client.get(QUEUE, {"view": "all", "customer": "starriver"})
    assert sorted(refs_in(response)) == sorted([master.ref, sub.ref])
    assert "Starriver Tech 星河科技 › Starriver Sub-account 2" in response.content.decode()
    sub_only = client.get(QUEUE, {"view": "all", "customer": "starriver-sub2"})
    assert refs_in(sub_only) == [sub.ref]


def test_status_priority_channel_and_category_filters(client, personas):
    delivery = Category.objects.get(code="delivery-conversion")
    urgent = make_ticket("Urgent", customer=personas.customer, priority=Priority.P1, category=delivery, channel="phone")
    make_ticket("Normal", customer=personas.customer, priority=Priority.P3)
    resolved = make_ticket("Done", customer=personas.customer)
    actions.change_status(ticket=resolved, status=Status.RESOLVED, actor=personas.agent)
    client.force_login(personas.agent)
    assert refs_in(client.get(QUEUE, {"view": "all", "status": "resolved"})) == [resolved.ref]
    assert refs_in(client.get(QUEUE, {"view": "all", "priority": "1"})) == [urgent.ref]
    assert refs_in(client.get(QUEUE, {"view": "all", "channel": "phone"})) == [urgent.ref]
    group = delivery.parent
    assert group is not None
    assert refs_in(client.get(QUEUE, {"view": "all", "category": str(group.pk)})) == [urgent.ref]


def test_status_filter_overrides_the_open_only_rule_of_mine(client, personas):
    done = make_ticket("Done", customer=personas.customer, owner=personas.agent)
    actions.change_status(ticket=done, status=Status.CLOSED, actor=personas.agent)
    client.force_login(personas.agent)
    assert refs_in(client.get(QUEUE)) == []
    assert refs_in(client.get(QUEUE, {"view": "mine", "status": "closed"})) == [done.ref]


def test_owner_filter_and_created_range_in_viewer_timezone(client, personas):
    # 2026-03-01 23:30 in Shanghai is 15:30 UTC the same day; 2026-03-02 00:30 Shanghai is 16:30 UTC on the 1st.
    with time_machine.travel(dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC), tick=False):
        first = make_ticket("Late on the 1st", customer=personas.customer, owner=personas.agent2)
    with time_machine.travel(dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC), tick=False):
        second = make_ticket("Early on the 2nd", customer=personas.customer)
    client.force_login(personas.agent)
    on_the_2nd = client.get(QUEUE, {"view": "all", "created_from": "2026-03-02", "created_to": "2026-03-02"})
    assert refs_in(on_the_2nd) == [second.ref]
    assert refs_in(client.get(QUEUE, {"view": "all", "owner": str(personas.agent2.pk)})) == [first.ref]
    assert refs_in(client.get(QUEUE, {"view": "all", "owner": "none"})) == [second.ref]


def test_sort_by_priority(client, personas):
    low = make_ticket("Low", priority=Priority.P4)
    high = make_ticket("High", priority=Priority.P1)
    client.force_login(personas.agent)
    assert refs_in(client.get(QUEUE, {"view": "all", "sort": "priority"})) == [high.ref, low.ref]
    assert refs_in(client.get(QUEUE, {"view": "all", "sort": "-priority"})) == [low.ref, high.ref]


def test_search_by_subject_and_exact_ref_opens_ticket(client, personas):
    ticket = make_ticket("Vietnam delivery receipts missing")
    make_ticket("Something else")
    client.force_login(personas.agent)
    assert refs_in(client.get(QUEUE, {"view": "all", "q": "vietnam"})) == [ticket.ref]
    response = client.get(QUEUE, {"q": ticket.ref.lower()})
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[ticket.ref])


def test_pagination_shows_range_and_next_page(client, personas, settings):
    settings.QUEUE_PAGE_SIZE = 2
    for number in range(5):
        make_ticket(f"Ticket {number}")
    client.force_login(personas.agent)
    first = client.get(QUEUE, {"view": "all"})
    assert "1–2 of 5" in first.content.decode() and len(refs_in(first)) == 2
    last = client.get(QUEUE, {"view": "all", "page": "3"})
    assert "5–5 of 5" in last.content.decode() and len(refs_in(last)) == 1


def test_htmx_request_gets_only_the_list(client, personas):
    make_ticket("Partial please")
    client.force_login(personas.agent)
    response = client.get(QUEUE, {"view": "all"}, headers={"HX-Request": "true", "HX-Target": "queue-list"})
    html = response.content.decode()
    assert "Partial please" in html and "<html" not in html


def test_empty_queue_is_written_for_people(client, personas):
    client.force_login(personas.agent)
    assert "No tickets here — nice work." in client.get(QUEUE).content.decode()
    filtered = client.get(QUEUE, {"view": "all", "priority": "1"}).content.decode()
    assert "No tickets match these filters." in filtered


def test_bad_filter_values_do_not_break_the_page(client, personas):
    client.force_login(personas.agent)
    response = client.get(QUEUE, {"view": "nonsense", "created_from": "yesterday", "category": "999999", "page": "x"})
    assert response.status_code == 200


def test_queue_uses_a_constant_number_of_queries(client, personas, django_assert_max_num_queries):
    client.force_login(personas.agent)
    sub = make_customer("starriver-sub3", "Starriver Sub 3", parent=personas.customer)
    category = Category.objects.get(code="fraud")
    for number in range(5):
        make_ticket(f"Few {number}", customer=sub, owner=personas.agent, category=category, tags=["vn"])
    client.get(QUEUE)  # warm caches (content types etc.)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE, {"view": "all"})
    for number in range(55):
        make_ticket(f"Many {number}", customer=sub, owner=personas.agent2, category=category)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE, {"view": "all"})
    assert len(refs_in(response)) == 50


def test_a_huge_queue_says_more_than_instead_of_counting_everything(client, personas, monkeypatch):
    from aftersales.core import pagination

    monkeypatch.setattr(pagination, "DEFAULT_CAP", 3)
    for number in range(5):
        make_ticket(f"Ticket {number}", customer=personas.customer)
    client.force_login(personas.agent)
    html = client.get(QUEUE, {"view": "all"}).content.decode()
    assert "1–5 of more than 3" in html  # every row of the page shows; the total is not counted
    assert html.count('data-testid="queue-row"') == 5
