"""The knowledge-gaps page: busy categories and recurring topics with no article, overdue reviews."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.knowledge.tests.conftest import make_article
from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import Category

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)


def _tickets(n, subject, category, **kwargs):
    for i in range(n):
        make_ticket(f"{subject} {i}", category=category, **kwargs)


def test_a_busy_category_without_an_article_is_listed(client, no_seed, personas):
    fraud = Category.objects.get(code="fraud")
    billing = Category.objects.get(code="billing-balance")
    with time_machine.travel(NOW, tick=False):
        _tickets(5, "怀疑被盗刷", fraud)
        _tickets(5, "余额不足", billing)
        _tickets(2, "Sender ID", Category.objects.get(code="sender-id"))
        make_article(
            personas.lead, language="zh-hans", category=billing, title="余额不足", problem="余额不足", solution="充值"
        )
        client.force_login(personas.lead)
        page = client.get("/knowledge/gaps/").content.decode()
    categories = page.split('data-testid="gaps-categories"')[1].split("</section>")[0]
    assert 'data-code="fraud"' in categories
    assert 'data-code="billing-balance"' not in categories  # it has a published article
    assert 'data-code="sender-id"' not in categories  # only 2 tickets, under the threshold
    with time_machine.travel(NOW, tick=False):
        lower = client.get("/knowledge/gaps/?threshold=2").content.decode()
    assert 'data-code="sender-id"' in lower


def test_old_tickets_do_not_count(client, no_seed, personas):
    fraud = Category.objects.get(code="fraud")
    with time_machine.travel(NOW - dt.timedelta(days=120), tick=False):
        _tickets(6, "怀疑被盗刷", fraud)
    with time_machine.travel(NOW, tick=False):
        client.force_login(personas.lead)
        page = client.get("/knowledge/gaps/").content.decode()
    assert 'data-code="fraud"' not in page
    assert "Every busy category has a published article." in page


def test_recurring_topics_without_an_article(client, no_seed, personas):
    with time_machine.travel(NOW, tick=False):
        for i in range(5):
            make_ticket(f"验证码收不到 {i}号客户")
        client.force_login(personas.lead)
        page = client.get("/knowledge/gaps/").content.decode()
    topics = page.split('data-testid="gaps-topics"')[1].split("</section>")[0]
    assert "验证码" in topics
    with time_machine.travel(NOW, tick=False):
        make_article(
            personas.lead, language="zh-hans", title="验证码收不到怎么办", problem="验证码收不到", solution="检查号码"
        )
        page = client.get("/knowledge/gaps/").content.decode()
    assert "验证码" not in page.split('data-testid="gaps-topics"')[1].split("</section>")[0]


def test_articles_past_their_review_date(client, no_seed, personas):
    with time_machine.travel(NOW, tick=False):
        stale = make_article(personas.lead, review_by=dt.date(2027, 1, 1))
        make_article(personas.lead, language="zh-hans", review_by=dt.date(2027, 6, 1))
        client.force_login(personas.lead)
        page = client.get("/knowledge/gaps/").content.decode()
    review = page.split('data-testid="gaps-review"')[1]
    assert stale.title in review and "2027-01-01" in review
    assert "2027-06-01" not in review


def test_gaps_are_for_leads(client, personas):
    client.force_login(personas.agent)
    assert client.get("/knowledge/gaps/").status_code == 403
