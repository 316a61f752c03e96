"""The leads' dashboard page: who sees it, that every number lists exactly its tickets, that its
cost does not grow with the data, filters, empty states, bad input and the Chinese page."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.feedback.models import CsatRequest
from aftersales.knowledge import actions as knowledge_actions
from aftersales.sms.models.cases import VendorCase
from aftersales.testing.factories import make_ticket, make_user
from aftersales.tickets.models import Category, Channel, RootCause, Status, Ticket

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
OCTOBER = "/reports/?period=2026-10"
LINK = re.compile(r'href="([^"]+)" data-count="(\d+)"')


def at(day: int, hour: int = 2) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, 0, tzinfo=UTC)


def populate(personas: Any, *, copies: int = 1, tag: str = "") -> None:
    """A month of desk life in every section of the page, ``copies`` times over."""
    routes, _created = Category.objects.get_or_create(
        code="dash-routes", defaults={"name_en": "Routes", "name_zh": "通道路由"})
    cause = RootCause.objects.order_by("pk").first() or RootCause.objects.create(
        code="dash-config", name_en="Configuration", name_zh="配置")
    article = knowledge_actions.create_article(
        actor=personas.lead, language="en", status="published", title=f"Register a Sender ID {tag}",
        problem="Digits instead of a name.", solution="Register first.", category=routes,
    )
    for copy in range(copies):
        for i, (customer, channel, owner) in enumerate((
            (personas.customer, Channel.EMAIL, personas.agent),
            (personas.subaccount, Channel.CHAT, personas.agent2),
            (personas.other_customer, Channel.PHONE, None),
        )):
            with time_machine.travel(at(2 + i + copy), tick=False):
                t = make_ticket(f"Sender ID rejected {tag}", customer=customer, channel=channel, owner=owner,
                                category=routes)
            if i < 2:
                with time_machine.travel(at(20), tick=False):
                    knowledge_actions.mark_solved(ticket=t, article=article, actor=personas.agent)
                Ticket.objects.filter(pk=t.pk).update(
                    status=Status.RESOLVED, resolved_at=at(6 + i + copy), first_response_at=at(2 + i + copy, 3),
                    first_response_seconds=1800 * (i + 1), resolution_seconds=7200 * (i + 1),
                    seconds_with_us=3600, seconds_waiting_customer=1800 * i, seconds_waiting_vendor=900,
                    root_cause=cause, reopen_count=i, resolution_breached=(i == 1),
                )
                CsatRequest.objects.create(ticket=t, language="en", resolved_at=at(6), sent_at=at(6), expires_at=at(20),
                                           rating=5 - 3 * i, created_at=at(6))
        with time_machine.travel(at(25), tick=False):
            make_ticket(f"Balance low {tag} {copy}", customer=personas.customer, channel=Channel.MONITORING)
        case = VendorCase.objects.create(
            vendor="vonage", case_number=f"V{tag}{copy}", subject="DLR missing", opened_at=at(4),
            first_vendor_response_at=at(4, 8), resolved_at=at(6), status=VendorCase.Status.RESOLVED,
            created_at=at(4), updated_at=at(6),
        )
        case.tickets.add(t)


def follow_every_number(client: Any, page: str) -> int:
    """Open every linked number of ``page``; each list must hold exactly that many tickets."""
    links = {(html.unescape(href), int(count)) for href, count in LINK.findall(page)}
    for href, count in links:
        listed = client.get(href)
        assert listed.status_code == 200, href
        assert f'data-testid="report-count" data-count="{count}"' in listed.content.decode(), href
    return len(links)


@pytest.mark.django_db
def test_every_number_on_the_dashboard_lists_exactly_its_tickets(client, personas):
    populate(personas)
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        response = client.get(OCTOBER)
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="tile-in"' in page and 'data-count="4"' in page  # 3 + the monitoring alert
        followed = follow_every_number(client, page)
    assert followed > 30
    for section in ("dash-flow-chart", "dash-times-table", "dash-sla-table", "dash-spent-table",
                    "dash-csat-owners", "dash-recurring-table", "dash-article"):
        assert f'data-testid="{section}"' in page, section
    assert "Routes" in page and "Register a Sender ID" in page
    vendor = page.split('data-testid="vendor-first">')[1].split("</dd>")[0]
    assert vendor.startswith("6.0 h"), vendor  # opened 02:00, answered 08:00


@pytest.mark.django_db
def test_the_times_table_breaks_down_by_the_chosen_dimension(client, personas):
    populate(personas)
    client.force_login(personas.viewer)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"{OCTOBER}&dim=owner").content.decode()
        times = page.split('data-testid="dash-times-table"')[1].split("</table>")[0]
        assert "Li Heping" in times and "Yang Meng" in times
        assert "(no owner)" not in times  # the unowned phone ticket was neither answered nor resolved
        follow_every_number(client, times)
        by_channel = client.get(f"{OCTOBER}&dim=channel").content.decode()
    assert "Chat" in by_channel.split('data-testid="dash-times-table"')[1].split("</table>")[0]


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_queries_with_more_data(client, personas, django_assert_max_num_queries):
    client.force_login(personas.lead)
    populate(personas, tag="a")
    with time_machine.travel(NOW, tick=False):
        client.get(OCTOBER)  # warm caches (content types, sessions)
        with CaptureQueriesContext(connection) as small:
            assert client.get(OCTOBER).status_code == 200
    populate(personas, copies=4, tag="b")
    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connection) as large:
            assert client.get(OCTOBER).status_code == 200
        with django_assert_max_num_queries(len(small)):
            client.get(OCTOBER)
    assert len(large) == len(small)
    assert len(small) < 60


@pytest.mark.django_db
def test_a_customer_filter_includes_its_sub_accounts(client, personas):
    populate(personas)
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"{OCTOBER}&customer={personas.customer.code}").content.decode()
    tile = page.split('data-testid="tile-in"')[1].split("</li>")[0]
    assert 'data-count="3"' in tile  # master + sub-account + the monitoring alert, not Bluewave
    assert "Starriver Tech 星河科技" in page.split('data-testid="dash-scope"')[1].split("</span>")[0]


@pytest.mark.django_db
def test_period_choices_and_custom_range(client, personas):
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        last7 = client.get("/reports/?period=7d").content.decode()
        custom = client.get("/reports/?period=7d&from=2026-10-01&to=2026-10-15").content.decode()
        default = client.get("/reports/").content.decode()
    assert "2026-11-04 to 2026-11-10" in last7
    assert "2026-10-01 to 2026-10-15" in custom  # from/to win over the select
    assert "2026-10-12 to 2026-11-10" in default and '<option value="30d" selected>' in default


@pytest.mark.django_db
def test_a_period_from_a_link_stays_selected(client, personas):
    """A month not among the choices (two months back, as the review's links give) is shown selected,
    not silently replaced by the first choice."""
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/?period=2026-08").content.decode()
    assert '<option value="2026-08" selected>2026-08</option>' in page
    assert re.findall(r"<option value=\"([^\"]*)\"[^>]* selected>", page) == ["en", "2026-08"]  # language, period


@pytest.mark.django_db
def test_an_empty_period_shows_empty_states(client, personas):
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/?period=2026-Q1").content.decode()
    assert "No tickets opened or resolved in this period." in page
    assert "No ratings for tickets resolved in this period." in page
    assert "No problem came back in this period." in page
    assert "No vendor cases in this period." in page
    assert page.count('data-testid="empty-state"') >= 8


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "message"), [
    ("period=2026-13", "2026-13"),
    ("from=2026-10-05", "both"),
    ("customer=no-such", "no-such"),
    ("team=abc", "abc"),
    ("dim=colour", "colour"),
])
def test_bad_filters_get_a_clear_400(client, personas, query, message):
    client.force_login(personas.lead)
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 400
    error = response.content.decode().split('data-testid="report-error">')[1].split("</div>")[0]
    assert message in html.unescape(error)
    assert 'data-testid="dash-filters"' in response.content.decode()  # the form stays to fix it


@pytest.mark.django_db
def test_leads_and_viewers_see_the_dashboard_and_its_sidebar_link_agents_do_not(client, personas):
    for user, status in ((personas.lead, 200), (personas.viewer, 200), (personas.admin, 200), (personas.agent, 403)):
        client.force_login(user)
        assert client.get("/reports/").status_code == status
        queue = client.get("/tickets/").content.decode()
        assert ('data-testid="dashboard-link"' in queue) is (status == 200)


@pytest.mark.django_db
def test_the_dashboard_renders_in_chinese(client, personas):
    populate(personas)
    zh = make_user("zhang.wei", role="lead", language="zh-hans")
    client.force_login(zh)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"{OCTOBER}&dim=category")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert "通道路由" in page  # the category in its Chinese name
    assert ">分类</a>" in page  # the breakdown tabs
    assert "Routes" not in page
    # Counts, not times: the tile and the chart's legend (they read 创建于 and 开启时间 / 解决时间).
    assert '<span class="dash-tile-label">新建</span>' in page
    assert "</span>新建 <span" in page and "</span>已解决 <span" in page
    assert "创建于" not in page and "开启时间" not in page


@pytest.mark.django_db
def test_the_dashboards_merged_passes_give_the_same_figures_as_each_block_alone(client, personas):
    """The page reads volume, reopens, flow and backlog from 4 grouped queries, time spent and root
    causes from one, the SLA tile from the SLA rows and the times with their overall from one pass
    each: every figure must equal the one its own block computes, and its link must list it."""
    from aftersales.reports import figures, periods
    from aftersales.reports.scope import Scope

    populate(personas)
    late = Ticket.objects.filter(status=Status.RESOLVED).order_by("pk").first()
    assert late is not None
    with time_machine.travel(at(28), tick=False):  # opened in October, resolved in November
        still_open_at_end = make_ticket("Resolved after the month", customer=personas.customer)
    Ticket.objects.filter(pk=still_open_at_end.pk).update(
        status=Status.RESOLVED, resolved_at=dt.datetime(2026, 11, 3, 2, 0, tzinfo=UTC), reopen_count=1)
    with time_machine.travel(at(29), tick=False):
        duplicate = make_ticket("A duplicate", customer=personas.customer)
    Ticket.objects.filter(pk=duplicate.pk).update(merged_into=late)
    client.force_login(personas.lead)
    scopes = [Scope(periods.parse("2026-10")), Scope(periods.parse("2026-11")),
              Scope(periods.parse("2026-10"), customer=personas.customer),
              Scope(periods.Period(dt.date(2026, 10, 20), dt.date(2026, 11, 15), "range"))]
    with time_machine.travel(NOW, tick=False):
        for scope in scopes:
            merged = figures.overview(scope)
            assert merged.volume == figures.volume(scope)
            assert merged.reopens == figures.reopens(scope)
            assert merged.flow == figures.flow(scope)
            assert merged.backlog == figures.backlog_age(scope)
            assert figures.spent_and_causes(scope) == (figures.time_spent(scope, "category"),
                                                        figures.root_causes(scope))
            assert [figures.sla_total(scope, figures.sla(scope, "category"))] == figures.sla(scope)
            for dim in ("category", "owner"):
                assert figures.times_and_overall(scope, dim) == (figures.overall_times(scope),
                                                                 figures.times(scope, dim))
        october = figures.overview(scopes[0])
        assert october.volume.open_at_end.count == 3  # the phone ticket, the alert, the one resolved in November
        assert october.reopens.reopened.count == 1
        for figure in (october.volume.created, october.volume.resolved, october.volume.open_at_end,
                       october.reopens.reopened, *(f for _label, f in october.backlog)):
            listed = client.get(figure.link).content.decode()
            assert f'data-testid="report-count" data-count="{figure.count}"' in listed, figure.link
