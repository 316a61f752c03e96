"""Where ratings show for the desk: the ticket's panel, the owner's figures, the CSAT list."""

from __future__ import annotations

import pytest

from aftersales.feedback.csat import record_rating
from aftersales.feedback.tests.csat_helpers import (  # noqa: F401 - csat_mail_settings is a fixture
    csat_mail_settings,
    request_of,
    resolved_ticket,
)
from aftersales.testing.factories import make_contact, make_ticket

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_the_ticket_panel_shows_the_rating_and_comment(client, personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    record_rating(request=request_of(ticket), rating=4, comment="Quick fix")
    client.force_login(personas.viewer)

    html = client.get(f"/panels/ticket/feedback-csat/{ticket.ref}/", headers=HTMX).content.decode()

    assert 'data-testid="ticket-csat-rating">4/5<' in html
    assert "Quick fix" in html and "Lin Qiu" in html


def test_the_ticket_panel_says_when_nobody_was_asked(client, personas):
    ticket = make_ticket("No contact here", customer=personas.customer)
    client.force_login(personas.agent)
    html = client.get(f"/panels/ticket/feedback-csat/{ticket.ref}/", headers=HTMX).content.decode()
    assert "ticket-csat-none" in html


def test_the_ticket_page_has_the_satisfaction_panel(client, personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    client.force_login(personas.agent)
    html = client.get(f"/tickets/{ticket.ref}/").content.decode()
    assert f"/panels/ticket/feedback-csat/{ticket.ref}/" in html


def test_an_outsider_gets_no_panel(client, personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    client.force_login(personas.outsider)
    response = client.get(f"/panels/ticket/feedback-csat/{ticket.ref}/", headers=HTMX)
    assert response.status_code in (403, 404)


def test_the_workload_shows_each_owners_csat(client, personas, django_capture_on_commit_callbacks):
    for rating in (5, 4, 2):
        ticket = resolved_ticket(personas, django_capture_on_commit_callbacks, owner=personas.agent)
        record_rating(request=request_of(ticket), rating=rating)
    client.force_login(personas.lead)

    html = client.get("/tickets/workload/").content.decode()

    row = html.split('data-agent="li.heping"')[1].split("</tr>")[0]
    assert '<td data-column="csat-30">3.7 (3)</td>' in row
    assert '<td data-column="csat-90">3.7 (3)</td>' in row
    other = html.split('data-agent="yang.meng"')[1].split("</tr>")[0]
    assert '<td data-column="csat-30">–</td>' in other


def _rated(personas, capture, owner, rating, name):
    contact = make_contact(personas.customer, name, language="en")
    ticket = make_ticket(f"Ticket of {name}", customer=personas.customer, contact=contact, owner=owner)
    from aftersales.feedback.tests.csat_helpers import resolve

    resolve(ticket, owner, capture)
    if rating:
        record_rating(request=request_of(ticket), rating=rating, comment=f"from {name}")
    return ticket


def test_the_list_filters_by_owner_and_rating(client, personas, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    good = _rated(personas, capture, personas.agent, 5, "Ada Tan")
    low = _rated(personas, capture, personas.agent2, 1, "Bo Shen")
    silent = _rated(personas, capture, personas.agent, None, "Cai Wen")
    client.force_login(personas.lead)

    html = client.get("/feedback/csat/").content.decode()
    for ticket in (good, low, silent):
        assert f'data-ticket="{ticket.ref}"' in html
    assert "3.0</strong> / 5" in html  # (5 + 1) / 2 over 30 days

    html = client.get(f"/feedback/csat/?owner={personas.agent2.pk}").content.decode()
    assert f'data-ticket="{low.ref}"' in html and f'data-ticket="{good.ref}"' not in html

    html = client.get("/feedback/csat/?rating=low").content.decode()
    assert f'data-ticket="{low.ref}"' in html and f'data-ticket="{good.ref}"' not in html

    html = client.get("/feedback/csat/?rating=unanswered").content.decode()
    assert f'data-ticket="{silent.ref}"' in html and f'data-ticket="{good.ref}"' not in html


def test_an_agent_sees_only_their_own_ratings(client, personas, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    mine = _rated(personas, capture, personas.agent, 4, "Ada Tan")
    theirs = _rated(personas, capture, personas.agent2, 2, "Bo Shen")
    client.force_login(personas.agent)

    html = client.get(f"/feedback/csat/?owner={personas.agent2.pk}").content.decode()

    assert f'data-ticket="{mine.ref}"' in html and f'data-ticket="{theirs.ref}"' not in html
    assert "4.0</strong> / 5" in html


def test_the_list_is_empty_at_first_and_paginates(client, personas, settings, django_capture_on_commit_callbacks):
    client.force_login(personas.lead)
    assert 'data-testid="csat-empty"' in client.get("/feedback/csat/").content.decode()

    settings.QUEUE_PAGE_SIZE = 2
    for name in ("Ada Tan", "Bo Shen", "Cai Wen"):
        _rated(personas, django_capture_on_commit_callbacks, personas.agent, 3, name)
    first = client.get("/feedback/csat/").content.decode()
    assert first.count('data-testid="csat-row"') == 2 and 'rel="next"' in first
    second = client.get("/feedback/csat/?page=2").content.decode()
    assert second.count('data-testid="csat-row"') == 1


def test_the_list_costs_a_constant_number_of_queries(
    client, personas, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for name in ("Ada Tan", "Bo Shen", "Cai Wen", "Du Fei"):
        _rated(personas, django_capture_on_commit_callbacks, personas.agent, 2, name)
    client.force_login(personas.lead)
    with django_assert_max_num_queries(14):
        assert client.get("/feedback/csat/").status_code == 200


def test_the_list_is_for_staff_only(client, personas):
    client.force_login(personas.outsider)
    assert client.get("/feedback/csat/").status_code == 403
