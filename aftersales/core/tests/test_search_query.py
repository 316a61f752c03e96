"""Search over the index: matching, filters, pagination and counts, ranking, snippets, exact lookups, similar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from aftersales.core.models import SearchDoc
from aftersales.core.search import index, query
from aftersales.core.search.registry import (
    Hit,
    SearchSource,
    register_lookup,
    register_source,
    unregister_lookup,
    unregister_source,
)

pytestmark = pytest.mark.django_db
KIND = "test-note"


class Notes:
    """A test-only search source over an in-memory dict of texts."""

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}

    def add(self, object_id: int, title: str, text: str, **meta: Any) -> None:
        self.texts[object_id] = f"{title}\n{text}"
        index.put(KIND, object_id, title=title, text=text, ref=f"N-{object_id}", **meta)


@pytest.fixture
def notes() -> Iterator[Notes]:
    store = Notes()
    register_source(
        SearchSource(
            kind=KIND,
            label="Notes",
            url=lambda object_id, ref: f"/notes/{object_id}/",
            texts=lambda ids: {i: store.texts[i] for i in ids if i in store.texts},
            allowed=lambda user: getattr(user, "may_read_notes", True),
            reindex=lambda: iter(()),
            count=lambda: len(store.texts),
        )
    )
    yield store
    unregister_source(KIND)


def search(q: str, **options: Any) -> query.SearchPage:
    """Search this test's kind only (other apps' docs, e.g. seeded articles, may exist)."""
    options.setdefault("kinds", [KIND])
    return query.search(q, **options)


def ids(page: query.SearchPage) -> list[int]:
    return [hit.object_id for hit in page.items]


def test_chinese_two_character_words_are_found_inside_longer_text(notes: Notes) -> None:
    notes.add(1, "短信问题", "客户反馈短信发送失败")
    notes.add(2, "送达率", "越南送达率下降到 40%")
    notes.add(3, "安全", "怀疑被盗刷，请尽快处理")
    notes.add(4, "Balance", "Vonage 账户余额不足")
    notes.add(5, "Other", "Nothing related here")
    assert ids(search("短信")) == [1]
    assert ids(search("送达率")) == [2]
    assert ids(search("盗刷")) == [3]
    assert ids(search("Vonage 余额")) == [4]
    assert ids(search("餘額")) == [4]  # Traditional query, Simplified text
    assert ids(search("ＶＯＮＡＧＥ")) == [4]  # full-width query
    assert ids(search("vonage 送达率")) == []  # every term must match


def test_traditional_text_is_found_by_simplified_query(notes: Notes) -> None:
    notes.add(1, "簡訊發送失敗", "帳戶餘額不足")
    assert ids(search("短信")) == [] and ids(search("简讯")) == [1]
    assert ids(search("余额")) == [1]


def test_pagination_and_total_count(notes: Notes) -> None:
    for i in range(1, 26):
        notes.add(i, f"OTP issue {i}", "验证码收不到")
    notes.add(99, "Unrelated", "other words")
    first = search("验证码", per_page=10)
    assert first.count == 25 and len(first.items) == 10 and first.num_pages == 3 and first.has_next
    third = search("验证码", page=3, per_page=10)
    assert third.count == 25 and len(third.items) == 5 and not third.has_next and third.has_previous
    seen = ids(first) + ids(search("验证码", page=2, per_page=10)) + ids(third)
    assert sorted(seen) == list(range(1, 26))
    assert search("验证码", page=9, per_page=10).items == []


def test_past_the_count_cap_the_count_is_capped_and_the_newest_come_first(
    notes: Notes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "COUNT_CAP", 10)
    for i in range(1, 16):
        notes.add(i, f"OTP {i}", "验证码")
    page = search("验证码", per_page=5)
    assert (page.count, page.count_capped) == (10, True)
    assert ids(page) == [15, 14, 13, 12, 11]
    assert not search("验证码 15").count_capped


def test_filters(notes: Notes) -> None:
    notes.add(
        1,
        "OTP a",
        "text",
        status="open",
        customer_id=7,
        scope="internal",
        language="en",
        happened_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
    )
    notes.add(
        2,
        "OTP b",
        "text",
        status="closed",
        customer_id=8,
        scope="public",
        language="zh-hans",
        happened_at=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC),
    )
    assert ids(search("otp", status=["open"])) == [1]
    assert ids(search("otp", customer_ids=[8])) == [2]
    assert ids(search("otp", scope="public")) == [2]
    assert ids(search("otp", language="en")) == [1]
    assert ids(search("otp", date_from=dt.date(2026, 5, 1))) == [2]
    assert ids(search("otp", date_to=dt.date(2026, 3, 1))) == [1]
    assert ids(search("otp", exclude=[(KIND, 1)])) == [2]
    assert ids(search("otp", kinds=["no-such-kind"])) == []
    assert search("otp", status=["open"], per_page=1).count == 1


def test_user_who_may_not_search_a_kind_gets_nothing_from_it(notes: Notes) -> None:
    notes.add(1, "OTP", "text")

    class Reader:  # what the other sources' checks ask of a user: nobody signed in
        may_read_notes = True
        is_authenticated = False
        is_active = False

    class Outsider(Reader):
        may_read_notes = False

    assert ids(search("otp", user=Reader(), kinds=[KIND])) == [1]
    assert search("otp", user=Outsider(), kinds=[KIND]).count == 0
    assert KIND not in {hit.kind for hit in search("otp", user=Outsider(), kinds=None).items}


def test_put_replaces_append_adds_update_meta_and_remove(notes: Notes) -> None:
    notes.add(1, "Template rejected", "模板被拒")
    notes.add(1, "Template approved", "模板通过")
    assert SearchDoc.objects.filter(kind=KIND, object_id=1).count() == 1
    assert ids(search("rejected")) == [] and ids(search("approved")) == [1]
    index.append(KIND, 1, "客户补充：签名也要改")
    assert ids(search("签名")) == [1] and ids(search("模板")) == [1]
    index.append(KIND, 404, "no doc: nothing happens")
    index.update_meta(KIND, 1, status="closed", title="Sender ID 已批准")
    doc = SearchDoc.objects.get(kind=KIND, object_id=1)
    assert doc.status == "closed" and doc.title == "Sender ID 已批准"
    assert ids(search("批准")) == [1] and ids(search("otp", status=["closed"])) == []
    with pytest.raises(TypeError):
        index.update_meta(KIND, 1, tokens="x")
    index.remove(KIND, 1)
    assert search("模板").count == 0


def test_hits_have_url_ref_title_and_ranking(notes: Notes) -> None:
    notes.add(1, "余额", "余额 余额 low balance top up")
    notes.add(2, "long", "余额 " + " ".join(f"word{i}" for i in range(200)))
    page = search("余额")
    assert ids(page) == [1, 2]  # the short, focused document first
    hit = page.items[0]
    assert (hit.kind, hit.ref, hit.title, hit.url) == (KIND, "N-1", "余额", "/notes/1/")
    assert hit.score > page.items[1].score


def test_a_title_match_ranks_first_however_long_the_body(notes: Notes) -> None:
    """Tokens are stored once each, so the database's rank alone only prefers shorter documents:
    a long article titled with the query came after every short note that mentions it once."""
    body = "\n".join(f"回执错误码 {n:03d}：号码状态异常，处理方法 {n}，参考通道 route{n}" for n in range(80))
    notes.add(1, "送达率下降排查：按回执错误码逐项处理", body)
    for i in range(2, 32):
        notes.add(i, f"客户反馈 {i}", f"今天的送达率比昨天低 {i}")
    page = search("送达率")
    assert page.count == 31 and ids(page)[0] == 1
    assert page.items[0].score > page.items[1].score >= page.items[-1].score
    # Without a title match the same order as before: the shortest first.
    assert ids(search("号码状态")) == [1]
    notes.add(40, "x", "号码状态 short")
    assert ids(search("号码状态")) == [40, 1]


def test_the_more_of_the_query_the_title_holds_the_higher(notes: Notes) -> None:
    notes.add(1, "Low balance", "Vonage says the 余额 is low")
    notes.add(2, "余额不足", "Vonage 余额 low")
    notes.add(3, "Vonage 余额不足", "please top up " * 40)
    notes.add(4, "Other", "vonage 余额")
    assert ids(search("vonage 余额")) == [3, 2, 4, 1]  # 2 words, 1, then 0 (shortest first)
    assert ids(search("余额 vona")) == [3, 2, 4, 1]  # the half-typed last word is a prefix in the title too
    notes.add(5, "Vodafone outage", "vodafone routes down " + "detail " * 50)
    notes.add(6, "Outage", "vodafone down")
    assert ids(search("voda")) == [5, 6]
    assert ids(search("余")) == [2, 3, 4, 1]  # one character: a prefix of a title token (both titles: shorter first)


def test_a_new_title_moves_a_document(notes: Notes) -> None:
    notes.add(1, "模板被拒", "营销短信模板被运营商拒绝，需要修改签名" * 5)
    notes.add(2, "Other", "模板")
    assert ids(search("模板")) == [1, 2]
    index.update_meta(KIND, 1, title="签名问题")
    index.update_meta(KIND, 2, title="模板审核")
    assert ids(search("模板")) == [2, 1]
    assert SearchDoc.objects.get(kind=KIND, object_id=1).title_tokens.split() == ["签名", "问题", "名问", "题"]


def test_migration_0004_fills_existing_title_tokens(notes: Notes, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from django.db import connection

    migration = importlib.import_module("aftersales.core.migrations.0004_searchdoc_title_tokens")
    notes.add(1, "余额不足", "text")
    notes.add(2, "", "余额")
    notes.add(3, "Vonage 余额", "text")
    made = dict(SearchDoc.objects.filter(kind=KIND).values_list("object_id", "title_tokens"))
    SearchDoc.objects.filter(kind=KIND).update(title_tokens="")  # as the upgrade finds them
    monkeypatch.setattr(migration, "BATCH", 2)
    migration.fill_title_tokens(None, type("Editor", (), {"connection": connection})())
    assert dict(SearchDoc.objects.filter(kind=KIND).values_list("object_id", "title_tokens")) == made
    assert made[1] and made[2] == "" and ids(search("余额")) == [3, 1, 2]


def test_snippet_marks_matches_and_escapes_html(notes: Notes) -> None:
    notes.add(1, "<script>alert(1)</script>", "客户说 <b>短信</b> 发送失败 & 余额不足")
    hit = search("短信").items[0]
    assert "<script>" not in hit.snippet and "</script>" not in hit.snippet and "&lt;/script&gt;" in hit.snippet
    assert "&lt;b&gt;<mark>短信</mark>&lt;/b&gt;" in hit.snippet
    assert "&amp;" in hit.snippet
    assert hit.snippet.count("<mark>") == 1


def test_snippet_marks_only_query_matches_in_a_window(notes: Notes) -> None:
    long_text = "前言" * 300 + " The Vonage balance is low, please top up. " + "结尾" * 300
    notes.add(1, "Balance", long_text)
    snippet = search("vonage bal").items[0].snippet
    assert "<mark>Vonage</mark>" in snippet and "<mark>balance</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) < 300
    assert "<mark>low</mark>" not in snippet


def test_snippet_marks_traditional_and_full_width_text(notes: Notes) -> None:
    notes.add(1, "x", "簡訊發送失敗 ＯＴＰ")
    assert "<mark>簡訊</mark>" in search("简讯").items[0].snippet
    assert "<mark>ＯＴＰ</mark>" in search("otp").items[0].snippet


def test_exact_lookups_go_to_exact(notes: Notes) -> None:
    notes.add(1, "T-000123", "text")

    def by_ref(q: str, user: Any) -> list[Hit]:
        return [Hit(kind=KIND, object_id=1, ref="T-000123", title="x", url="/notes/1/")] if q == "T-000123" else []

    def broken(q: str, user: Any) -> list[Hit]:
        raise RuntimeError("a lookup's bug is logged, the search goes on")

    register_lookup(by_ref)
    register_lookup(broken)
    try:
        page = search("T-000123")
        assert [h.object_id for h in page.exact] == [1]
        assert search("other").exact == []
    finally:
        unregister_lookup(by_ref)
        unregister_lookup(broken)


def test_empty_query_finds_nothing(notes: Notes) -> None:
    notes.add(1, "x", "text")
    page = search("  ")
    assert page.count == 0 and page.items == [] and page.exact == []
    assert search("!!!").count == 0


def test_similar_finds_documents_sharing_distinctive_words(notes: Notes) -> None:
    notes.add(1, "模板被拒", "营销短信模板被运营商拒绝，需要修改签名")
    notes.add(2, "Template rejected", "The carrier rejected our marketing template, signature missing")
    notes.add(3, "余额不足", "账户余额不足，请充值")
    notes.add(4, "Top-up", "Balance is low, please top up")
    zh = query.similar("我们的短信模板又被拒绝了，签名有问题吗？", kinds=[KIND])
    assert zh and zh[0].object_id == 1 and 3 not in [h.object_id for h in zh]
    en = query.similar("Why was my template rejected by the carrier?", kinds=[KIND])
    assert en and en[0].object_id == 2
    assert 2 not in [h.object_id for h in query.similar("My template rejected?", kinds=[KIND], exclude=[(KIND, 2)])]
    assert query.similar("", kinds=[KIND]) == []
    assert query.similar("balance", kinds=["no-such-kind"]) == []


def test_large_index_planner_settings_give_the_same_answers(notes: Notes, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL a large index runs each statement with seq/index scans off (see backends); same results."""
    monkeypatch.setattr(query, "PLAN_SETTINGS_FROM", 0)
    monkeypatch.setattr(query, "_size_cache", {})
    monkeypatch.setattr(query, "COUNT_CAP", 3)
    monkeypatch.setattr(query, "RECENT_WINDOW", 2)
    for i in range(1, 8):
        notes.add(i, f"Balance {i}", "余额不足，请充值" if i < 7 else "模板")
    page = search("余额", per_page=2, page=2)
    assert (page.count, page.count_capped) == (3, True)
    assert ids(page) == [4, 3]
    assert ids(search("模板")) == [7]
    assert [h.object_id for h in query.similar("余额不足怎么充值", kinds=[KIND], limit=2)] == [6, 5]
