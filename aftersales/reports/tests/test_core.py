from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.reports import periods, sets, stats
from aftersales.reports.periods import PeriodError
from aftersales.reports.scope import Scope, ScopeError, from_params
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Status, Ticket

NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)


def test_periods_parse_and_step_back():
    oct_ = periods.parse("2026-10")
    assert (oct_.start, oct_.end, oct_.days) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31), 31)
    assert oct_.start_at.isoformat() == "2026-10-01T00:00:00+08:00"
    assert oct_.end_at.isoformat() == "2026-11-01T00:00:00+08:00"
    assert periods.parse("2026-01").previous().code == "2025-12"
    q3 = periods.parse("2026-Q3")
    assert (q3.start, q3.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert periods.parse("2026-q1").previous().code == "2025-Q4"
    week = periods.parse("2026-W40")
    assert week.start.isoweekday() == 1 and week.days == 7 and week.previous().code == "2026-W39"
    span = periods.between("2026-10-01", "2026-10-15")
    assert span.previous() == periods.between("2026-09-16", "2026-09-30")
    assert periods.parse(span.code) == span


@pytest.mark.parametrize("text", ["", "2026-13", "2026-Q5", "October", "2026-W60", "2026-10-05..2026-10-01"])
def test_bad_periods_say_what_is_expected(text):
    with pytest.raises(PeriodError) as exc:
        periods.parse(text)
    assert str(exc.value)


def test_a_range_needs_both_days_and_three_years_at_most():
    with pytest.raises(PeriodError, match="both"):
        periods.from_params({"from": "2026-10-01"})
    with pytest.raises(PeriodError, match="three years"):
        periods.between("2020-01-01", "2026-01-01")


@pytest.mark.django_db
def test_scope_reads_customer_and_refuses_unknown_names(personas):
    scope = from_params({"period": "2026-10", "customer": personas.customer.code})
    assert scope.customer == personas.customer and scope.params()["customer"] == personas.customer.code
    with pytest.raises(ScopeError, match="no-such"):
        from_params({"customer": "no-such"})
    with pytest.raises(ScopeError):
        from_params({"team": "999999"})


@pytest.mark.django_db
def test_percentiles_match_python_on_random_values(personas):
    rng = random.Random(7)  # noqa: S311 - test data
    values: dict[str, list[int]] = {"email": [], "chat": []}
    with time_machine.travel(NOW, tick=False):
        for channel, count in (("email", 37), ("chat", 8)):
            for _ in range(count):
                value = rng.randint(0, 50_000)
                values[channel].append(value)
                ticket = make_ticket(customer=personas.customer, channel=channel)
                Ticket.objects.filter(pk=ticket.pk).update(first_response_seconds=value)
        make_ticket(customer=personas.customer, channel="phone")  # no value: left out
    found = stats.percentiles(Ticket.objects.all(), "first_response_seconds", "channel")
    assert set(found) == {"email", "chat"}
    for channel, vals in values.items():
        ordered = sorted(vals)
        spread = found[channel]
        assert spread.count == len(vals)
        assert spread.median == pytest.approx(statistics.median(vals))
        assert spread.p90 == ordered[-(-9 * len(vals) // 10) - 1]  # nearest rank
    assert stats.overall(Ticket.objects.all(), "first_response_seconds").count == 45
    assert stats.overall(Ticket.objects.none(), "first_response_seconds") == stats.EMPTY


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40))
def test_median_and_p90_sql_agree_with_the_definition(values):
    spread = _spread_in_db(values)
    ordered = sorted(values)
    assert spread.median == pytest.approx(statistics.median(values))
    assert spread.p90 == ordered[-(-9 * len(values) // 10) - 1]


def _spread_in_db(values):
    """Run the SQL over literal rows (no table needed): UNION ALL of the values as ``v``."""
    from django.db import connection

    from aftersales.reports.stats import Spread

    rows = " UNION ALL ".join("SELECT %s AS v" for _ in values)
    query = f"""SELECT n, AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN v END),
                MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN v END)
                FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS n FROM ({rows}) AS b) AS r
                GROUP BY n"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, values)
        n, median, p90 = cursor.fetchone()
    return Spread(n, float(median), float(p90))


@pytest.mark.django_db
def test_each_set_and_its_link_list_the_same_tickets(client, personas):
    sub = personas.subaccount
    with time_machine.travel(dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC), tick=False):
        mine = make_ticket(customer=sub, channel="email")
        other = make_ticket(customer=personas.other_customer, channel="chat")
        make_ticket(customer=personas.customer, channel="chat")
    with time_machine.travel(dt.datetime(2026, 10, 13, 2, 0, tzinfo=dt.UTC), tick=False):
        actions.change_status(ticket=mine, status=Status.RESOLVED, actor=personas.agent)
    with time_machine.travel(dt.datetime(2026, 10, 14, 2, 0, tzinfo=dt.UTC), tick=False):
        actions.change_status(ticket=mine, status=Status.OPEN, actor=personas.agent)
    with time_machine.travel(dt.datetime(2026, 10, 15, 2, 0, tzinfo=dt.UTC), tick=False):
        actions.change_status(ticket=mine, status=Status.RESOLVED, actor=personas.agent)
    scope = Scope(periods.parse("2026-10"), customer=personas.customer)
    assert sets.tickets(scope, "created").count() == 2  # the master and its sub-account, not Orchid
    assert list(sets.tickets(scope, "reopened")) == [mine]
    assert sets.tickets(Scope(periods.parse("2026-10")), "created", channel="chat").count() == 2
    assert other not in sets.tickets(scope, "created")
    client.force_login(personas.lead)
    for key, dims, expected in (("created", {}, 2), ("reopened", {}, 1), ("created", {"channel": "email"}, 1),
                                ("created", {"owner": None}, 2)):
        response = client.get(sets.link(scope, key, **dims))
        assert response.status_code == 200
        assert f'data-count="{expected}"' in response.content.decode()


@pytest.mark.django_db
def test_the_list_refuses_bad_filters_clearly(client, personas):
    client.force_login(personas.lead)
    response = client.get("/reports/tickets/?set=nope")
    assert response.status_code == 400 and "nope" in response.content.decode()
    response = client.get("/reports/tickets/?set=created&period=2026-13")
    assert response.status_code == 400 and "2026-13" in response.content.decode()
    response = client.get("/reports/tickets/?set=created&priority=high")
    assert response.status_code == 400
    client.force_login(personas.agent)
    assert client.get("/reports/tickets/?set=created").status_code == 403
