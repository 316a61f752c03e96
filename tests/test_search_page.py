"""The agent search page, /search/: one box, filters, highlighted results, jumps to a reference.

Here rather than in core/tests: core imports no app, and these tests need tickets and customers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from aftersales.customers.actions import save_contact, save_customer
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Status

pytestmark = pytest.mark.django_db
SEARCH = "/search/"
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def signed_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def hit_refs(response: Any) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'data-testid="search-hit" data-kind="[a-z]+" data-ref="([^"]*)"', response.content.decode())


def test_results_are_labelled_and_highlighted(client, personas):
    ticket = make_ticket("验证码收不到", customer=personas.customer, contact=personas.contact)
    actions.record_customer_message(ticket=ticket, body="我们怀疑账号被盗刷了", channel="email")
    make_ticket("余额不足", customer=personas.customer)
    response = signed_in(client, personas.agent).get(SEARCH, {"q": "盗刷", "kind": "ticket"})
    html = response.content.decode()
    assert hit_refs(response) == [ticket.ref]
    assert "<mark>盗刷</mark>" in html
    assert f'href="/tickets/{ticket.ref}/"' in html
    assert ">Tickets</span>" in html  # the kind's label
    assert 'data-testid="search-range">1–1 of 1 result<' in html
    assert 'value="盗刷"' in html  # the box keeps the query


def test_a_ticket_reference_goes_straight_to_the_ticket(client, personas):
    ticket = make_ticket("OTP delay", customer=personas.customer)
    client = signed_in(client, personas.viewer)
    for written in (ticket.ref, ticket.ref.lower(), f" as-{ticket.number} "):
        response = client.get(SEARCH, {"q": written})
        assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.ref}/", written


def test_an_unknown_reference_says_nothing_was_found(client, personas):
    response = signed_in(client, personas.agent).get(SEARCH, {"q": "AS-999999"})
    assert response.status_code == 200
    assert 'data-testid="search-no-results"' in response.content.decode()
    assert "Nothing found for “AS-999999”." in response.content.decode()


def test_a_phone_number_in_a_local_format_finds_the_contact_and_its_tickets(client, personas):
    ticket = make_ticket("OTP delay", customer=personas.customer, contact=personas.contact)  # +8613800138000
    save_contact(actor=personas.admin, customer=personas.customer, contact=personas.contact, name="Zhou Min")
    response = signed_in(client, personas.agent).get(SEARCH, {"q": "138-0013-8000"})
    html = response.content.decode()
    exact = html.split('data-testid="search-exact"')[1].split("</section>")[0]
    assert "Zhou Min" in exact and 'data-kind="contact"' in exact
    assert ticket.ref in hit_refs(response)


def test_customers_are_found_by_name(client, personas):
    save_customer(actor=personas.admin, code="kaito", name="Kaito Pay 凯拓支付")
    ticket = make_ticket("Balance", customer=personas.customer)
    response = signed_in(client, personas.agent).get(SEARCH, {"q": "凯拓"})
    assert hit_refs(response) == ["kaito"]
    assert 'href="/customers/kaito/"' in response.content.decode()
    response = client.get(SEARCH, {"q": "星河科技", "kind": "ticket"})
    assert hit_refs(response) == [ticket.ref]


def test_filters_by_kind_status_customer_and_dates(client, personas):
    with time_machine.travel(T0, tick=False):
        closed = make_ticket("Kestrel route rejected", customer=personas.subaccount)
        actions.change_status(ticket=closed, status=Status.CLOSED, actor=personas.agent)
    with time_machine.travel(T0 + dt.timedelta(days=30), tick=False):
        other = make_ticket("Kestrel route for Malaysia", customer=personas.other_customer)
    save_customer(actor=personas.admin, code="kestrel-co", name="Kestrel Co")
    client = signed_in(client, personas.agent)
    assert sorted(hit_refs(client.get(SEARCH, {"q": "kestrel"}))) == sorted([closed.ref, other.ref, "kestrel-co"])
    assert sorted(hit_refs(client.get(SEARCH, {"q": "kestrel", "kind": "ticket"}))) == sorted([closed.ref, other.ref])
    assert hit_refs(client.get(SEARCH, {"q": "kestrel", "status": "closed"})) == [closed.ref]
    assert hit_refs(client.get(SEARCH, {"q": "kestrel", "customer": "starriver"})) == [closed.ref]  # its sub-account
    assert hit_refs(client.get(SEARCH, {"q": "kestrel", "kind": "ticket", "from": "2026-03-15"})) == [other.ref]
    assert hit_refs(client.get(SEARCH, {"q": "kestrel", "kind": "ticket", "to": "2026-03-15"})) == [closed.ref]


def test_bad_filters_are_explained_not_a_500(client, personas):
    make_ticket("Kestrel route rejected", customer=personas.customer)
    client = signed_in(client, personas.agent)
    response = client.get(SEARCH, {"q": "kestrel", "customer": "nope"})
    assert response.status_code == 200 and "No customer with the code “nope”." in response.content.decode()
    response = client.get(SEARCH, {"q": "kestrel", "from": "2026-05-01", "to": "2026-04-01"})
    assert "The end date is before the start date." in response.content.decode()
    response = client.get(SEARCH, {"q": "kestrel", "kind": "spaceship", "page": "x"})
    assert response.status_code == 200 and 'data-testid="search-invalid-filters"' in response.content.decode()
    assert hit_refs(client.get(SEARCH, {"q": "kestrel", "page": "x"})) == hit_refs(client.get(SEARCH, {"q": "kestrel"}))


def test_an_empty_query_asks_what_to_look_for(client, personas):
    response = signed_in(client, personas.agent).get(SEARCH)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="search-empty-query"' in html
    assert "What are you looking for?" in html
    assert 'data-testid="search-empty-query"' in client.get(SEARCH, {"q": "   "}).content.decode()


def test_a_too_short_query_says_so(client, personas):
    response = signed_in(client, personas.agent).get(SEARCH, {"q": "-"})
    assert 'data-testid="search-short-query"' in response.content.decode()


def test_nothing_found_is_an_empty_state(client, personas):
    make_ticket("Sender ID rejected", customer=personas.customer)
    response = signed_in(client, personas.agent).get(SEARCH, {"q": "paypal"})
    html = response.content.decode()
    assert 'data-testid="search-no-results"' in html and "Nothing found for “paypal”." in html


def test_results_are_paginated(client, personas, django_assert_max_num_queries):
    tickets = [make_ticket(f"Zephyr template {n}", customer=personas.customer) for n in range(23)]
    client = signed_in(client, personas.agent)
    with django_assert_max_num_queries(15):
        first = client.get(SEARCH, {"q": "zephyr"})
    assert len(hit_refs(first)) == 20
    assert "1–20 of 23 results" in first.content.decode() and 'rel="next"' in first.content.decode()
    second = client.get(SEARCH, {"q": "zephyr", "page": "2"})
    assert len(hit_refs(second)) == 3 and "21–23 of 23 results" in second.content.decode()
    assert set(hit_refs(first)) | set(hit_refs(second)) == {ticket.ref for ticket in tickets}
    assert hit_refs(client.get(SEARCH, {"q": "zephyr", "page": "99"})) == hit_refs(second)


def test_search_is_for_staff_only(client, personas):
    assert client.get(SEARCH, {"q": "otp"}).status_code == 302
    assert signed_in(client, personas.outsider).get(SEARCH, {"q": "otp"}).status_code == 403


def test_the_topbar_box_searches_everything(client, personas):
    html = signed_in(client, personas.agent).get("/customers/").content.decode()
    form = html.split('class="topbar-search"')[1].split("</form>")[0]
    assert 'action="/search/"' in form and 'name="q"' in form
    # On the search page the page's own box takes the shortcut's id, and the topbar has none.
    page = client.get(SEARCH, {"q": "otp"}).content.decode()
    assert 'class="topbar-search"' not in page and page.count('id="global-search"') == 1


def test_more_matches_than_the_index_counts_says_more_than(client, personas, monkeypatch):
    from aftersales.core.search import query

    monkeypatch.setattr(query, "COUNT_CAP", 21)
    for n in range(25):
        make_ticket(f"Quokka sender {n}", customer=personas.customer)
    page = signed_in(client, personas.agent).get(SEARCH, {"q": "quokka"})
    assert len(hit_refs(page)) == 20
    assert "1–20 of more than 21 results (the newest first)" in page.content.decode()


def hits(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return re.findall(r'data-testid="search-hit" data-kind="([a-z]+)" data-ref="([^"]*)"', response.content.decode())


# A long how-to whose title is the query, and a short article that uses the word once, in
# passing: what the demo's knowledge base holds (送达率下降排查 …, 【内部】定期回访客户 …).
ZH_CODES = [("空号", "清洗号码库"), ("停机", "稍后重试"), ("关机", "等待开机后重发"),
            ("被运营商拦截", "检查签名和模板"), ("进入黑名单", "联系原厂解除"), ("欠费", "提醒终端用户"),
            ("携号转网", "更新号段路由"), ("超出频率限制", "降低发送频率")] * 6  # fmt: skip
EN_CODES = [("unknown", "clean the list"), ("switched off", "retry later"), ("barred", "check the sender"),
            ("blacklisted", "ask the vendor to lift it"), ("ported", "update the prefix routing"),
            ("over the rate limit", "slow the sending down")] * 8  # fmt: skip
RANKING_CASES = {
    "zh": {
        "q": "送达率",
        "language": "zh-hans",
        "titled": "送达率下降排查：按回执错误码（DLR err-code）逐项处理",
        "body": "\n".join(f"回执错误码 {n:03d}：号码{cause}，处理：{fix}。" for n, (cause, fix) in enumerate(ZH_CODES)),
        "passing": "【内部】定期回访客户：频率、话术和记录",
        "passing_body": "每月回访一次重点客户，问问最近的送达率和投诉情况，记录在客户备注里。",
        "ticket": "客户反馈今天的送达率比昨天低，请帮忙看看是哪个通道的问题。批次号 {n}",
    },
    "en": {
        "q": "delivery rate",
        "language": "en",
        "titled": "Delivery rate drops: check the DLR error codes one by one",
        "body": "\n".join(f"DLR error {n:03d}: number {cause}; {fix}." for n, (cause, fix) in enumerate(EN_CODES)),
        "passing": "Internal: regular check-in calls with customers",
        "passing_body": "Call key customers monthly, ask about their delivery rate and complaints, note it.",
        "ticket": "Our delivery rate dropped this morning, can you check which route is failing? Batch {n}",
    },
}


@pytest.mark.parametrize("case", sorted(RANKING_CASES))
def test_an_article_titled_with_the_query_comes_before_the_tickets_that_mention_it(client, personas, case):
    """30 short tickets use the query's words in their text; the article titled with them is
    long (bm25 / ts_rank alone ranked it behind every ticket and behind an article that uses
    the words once). A title match comes first, however long the body, on both databases."""
    from aftersales.core.search import index
    from aftersales.knowledge.actions import create_article

    c = RANKING_CASES[case]
    index.clear(["article"])  # the shipped articles (the seed) hold these words too
    for n in range(30):
        make_ticket(f"Ticket {n}", customer=personas.customer, description=c["ticket"].format(n=n))
    titled = create_article(actor=None, language=c["language"], status="published", key="titled",
                            title=c["titled"], problem=c["body"], solution=c["body"][::-1])  # fmt: skip
    create_article(actor=None, language=c["language"], status="published", key="passing",
                   title=c["passing"], problem=c["passing_body"], solution="-")  # fmt: skip
    assert titled.group.key == "titled"
    client = signed_in(client, personas.agent)

    first = hits(client.get(SEARCH, {"q": c["q"]}))
    assert len(first) == 20 and first[0] == ("article", "titled")
    articles = hits(client.get(SEARCH, {"q": c["q"], "kind": "article"}))
    assert articles == [("article", "titled"), ("article", "passing")]
