"""The benchmark data generator still runs, on tiny data, and its data looks like a real queue."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter

import pytest

from aftersales.customers.models import Customer
from aftersales.tickets.actions import open_ticket
from aftersales.tickets.models import DONE_STATUSES, OPEN_STATUSES, Message, Ticket, TicketEvent
from bench.generate import generate, main

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
NOW = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


def test_generate_writes_the_counts_it_reports() -> None:
    counts = generate(tickets=200, messages_per_ticket=3, years=1, seed=3, now=NOW)

    assert counts["tickets"] == Ticket.objects.count() == 200
    assert counts["messages"] == Message.objects.count()
    assert counts["events"] == TicketEvent.objects.count()
    assert counts["customers"] == Customer.objects.count() >= 20
    assert 2.5 * 200 <= counts["messages"] <= 3.5 * 200
    assert TicketEvent.objects.filter(kind="created").count() == 200
    assert Customer.objects.filter(parent__isnull=False).exists()


def test_refs_are_unique_and_do_not_collide_with_the_desk() -> None:
    first = open_ticket(subject="A real ticket before the benchmark", channel="email")
    generate(tickets=50, seed=1, now=NOW, batch_size=20)
    after = open_ticket(subject="A real ticket after the benchmark", channel="email")

    refs = list(Ticket.objects.values_list("ref", flat=True))
    assert len(refs) == len(set(refs)) == 52
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(first.number, first.number + 52))
    assert after.number == first.number + 51
    assert all(ref == Ticket.format_ref(n) for n, ref in Ticket.objects.values_list("number", "ref"))


def test_data_is_skewed_like_a_real_queue() -> None:
    generate(tickets=400, seed=2, years=2, now=NOW)

    per_customer = Counter(Ticket.objects.exclude(customer=None).values_list("customer_id", flat=True))
    counts = sorted(per_customer.values(), reverse=True)
    assert counts[0] > 3 * statistics.median(counts), "the top customer should raise far more than the median"
    per_owner = Counter(Ticket.objects.exclude(owner=None).values_list("owner_id", flat=True))
    owners = sorted(per_owner.values(), reverse=True)
    assert owners[0] > owners[-1]
    statuses = Counter(Ticket.objects.values_list("status", flat=True))
    done = sum(statuses[s] for s in DONE_STATUSES)
    assert done > 0.7 * 400
    assert sum(statuses[s] for s in OPEN_STATUSES) > 0, "a realistic backlog is never empty"
    created = list(Ticket.objects.values_list("created_at", flat=True))
    assert min(created) < NOW - dt.timedelta(days=400)
    assert max(created) <= NOW
    weekdays = Counter((c + dt.timedelta(hours=8)).weekday() for c in created)
    assert weekdays[2] > weekdays[6], "more tickets on a Wednesday than on a Sunday"


def test_subjects_mix_chinese_and_english_and_timelines_run_forward() -> None:
    generate(tickets=50, seed=4, now=NOW)

    subjects = list(Ticket.objects.values_list("subject", flat=True))
    assert any(CJK.search(s) for s in subjects)
    assert any(not CJK.search(s) for s in subjects)
    for ticket in Ticket.objects.prefetch_related("messages"):
        stamps = [m.created_at for m in ticket.messages.all()]
        assert stamps and all(ticket.created_at <= s <= NOW for s in stamps)
        if ticket.resolved_at:
            assert ticket.resolved_at >= ticket.created_at
        if ticket.status in DONE_STATUSES:
            assert ticket.resolved_at is not None


def test_same_seed_same_subjects() -> None:
    generate(tickets=30, seed=9, now=NOW)
    first = list(Ticket.objects.order_by("number").values_list("subject", "status", "customer__code"))
    Message.objects.all().delete()
    Ticket.objects.all().delete()

    generate(tickets=30, seed=9, now=NOW)

    assert list(Ticket.objects.order_by("number").values_list("subject", "status", "customer__code")) == first


def test_command_line_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--tickets", "20", "--seed", "5", "--now", "2026-03-02T12:00:00+08:00"])
    captured = capsys.readouterr()
    assert "20 tickets" in captured.out
    assert "rows/s" in captured.err
    assert Ticket.objects.count() == 20
