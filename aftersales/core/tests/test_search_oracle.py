"""The oracle: search results compared with a raw substring scan of the original texts (not the tokens).

Generated zh/en texts (desk sentences with random fill-ins, plus word salad drawn from jieba's
own dictionary, which stresses the segmentation the bigrams must make up for) are indexed as a
test-only kind. Random two-character Chinese substrings and English words are drawn from the
texts; each query's expected documents are those whose original text contains it (Chinese: as
a substring; English: case-insensitively at the start of a word, since a query word is a word).
Recall over all queries must be at least 95 %, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator

import pytest

from aftersales.core.search import index, query
from aftersales.core.search.registry import SearchSource, register_source, unregister_source

pytestmark = pytest.mark.django_db
KIND = "test-oracle"
DOCS = 400
QUERIES = 150  # of each language

ZH_SENTENCES = (
    "今天上午开始发往{country}的验证码大量失败，送达率从 95% 掉到 {n}%，请尽快排查。",
    "最近一周{country}的验证码回填率只有 {n}%，是不是被拦截了？",
    "怀疑被盗刷，凌晨发送量暴涨，已加黑名单。",
    "客户反馈短信发送失败，回执显示运营商拒绝。",
    "主账号余额不足，子账号全部停发，请尽快充值 {n} 元。",
    "营销短信模板被驳回，签名需要和营业执照一致。",
    "{sender} 在{country}显示成随机号码，用户以为是诈骗短信。",
    "原厂确认是{country}运营商维护，现已恢复。",
    "请帮忙开通国际短信通道，并设置每日发送上限 {n} 条。",
    "退订回复 T，通知短信不受影响。",
    "号段异常，频率限制已经打开，建议在注册页加图形验证码。",
    "账单和对账单不一致，差额 {n} 欧元。",
)
EN_SENTENCES = (
    "Since this morning most OTP messages to {country} fail with error code {n}.",
    "The vendor confirmed a carrier outage in {country}; traffic is back to normal.",
    "We need the alphanumeric sender ID {sender} registered for {country}.",
    "Our balance is low, please top up {n} EUR before the weekend.",
    "The marketing template was rejected because the signature is missing.",
    "Suspicious traffic spike: thousands of verification requests, looks like SMS pumping.",
    "Delivery receipts arrive late and the webhook retries every minute.",
    "Please enable a daily cap of {n} messages on all sub-accounts.",
    "Invoice totals differ from the usage report by {n} dollars.",
    "Conversion dropped after the route change; latency is above ten seconds.",
)
COUNTRIES_ZH = ("越南", "印度尼西亚", "沙特阿拉伯", "阿联酋", "印度", "泰国", "菲律宾", "巴西", "尼日利亚", "墨西哥")
COUNTRIES_EN = ("Vietnam", "Indonesia", "Saudi Arabia", "India", "Thailand", "Philippines", "Brazil", "Mexico")
SENDERS = ("STARRIVER", "BLUEWAVE", "KAITOPAY", "MOONLIGHT", "VERIFY")
EN_SALAD = (
    "account",
    "approval",
    "billing",
    "carrier",
    "credential",
    "customer",
    "dashboard",
    "deadline",
    "delivery",
    "document",
    "encoding",
    "failover",
    "gateway",
    "invoice",
    "keyword",
    "licence",
    "mobile",
    "number",
    "operator",
    "portal",
    "priority",
    "quota",
    "refund",
    "region",
    "report",
    "routing",
    "schedule",
    "shortcode",
    "statement",
    "support",
    "throughput",
    "unicode",
    "upgrade",
    "vendor",
    "verification",
    "whitelist",
    "Vonage",
    "Twilio",
)
_CJK2 = re.compile(r"[\u4e00-\u9fff]{2}")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _salad_words(rng: random.Random) -> list[str]:
    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    words = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word, freq, _tag = line.split()
            if int(freq) >= 2000 and re.fullmatch(r"[\u4e00-\u9fff]{1,4}", word):
                words.append(word)
    rng.shuffle(words)
    return words[:6000]


def corpus(seed: int = 5) -> dict[int, str]:
    rng = random.Random(seed)  # noqa: S311 - test data
    salad = _salad_words(rng)
    texts: dict[int, str] = {}
    for object_id in range(1, DOCS + 1):
        zh = rng.random() < 0.6
        parts: list[str] = []
        for _ in range(rng.randint(1, 4)):
            if zh:
                parts.append(
                    rng.choice(ZH_SENTENCES).format(
                        country=rng.choice(COUNTRIES_ZH), sender=rng.choice(SENDERS), n=rng.randint(1, 999)
                    )
                )
                parts.append("".join(rng.choice(salad) for _ in range(rng.randint(3, 12))) + "。")
            else:
                parts.append(
                    rng.choice(EN_SENTENCES).format(
                        country=rng.choice(COUNTRIES_EN), sender=rng.choice(SENDERS), n=rng.randint(1, 999)
                    )
                )
                parts.append(" ".join(rng.choice(EN_SALAD) for _ in range(rng.randint(3, 10))) + ".")
        if rng.random() < 0.2:  # some mixed-language texts
            parts.append(rng.choice(EN_SENTENCES if zh else ZH_SENTENCES).format(country="Vietnam", sender="SUDA", n=7))
        texts[object_id] = "".join(parts) if zh else " ".join(parts)
    return texts


@pytest.fixture
def indexed() -> Iterator[dict[int, str]]:
    texts = corpus()
    register_source(
        SearchSource(
            kind=KIND,
            label="Oracle",
            url=lambda object_id, ref: "",
            texts=lambda ids: {i: texts[i] for i in ids},
            allowed=lambda user: True,
            reindex=lambda: iter(()),
            count=lambda: len(texts),
        )
    )
    index.put_many({"kind": KIND, "object_id": i, "title": "", "text": t} for i, t in texts.items())
    yield texts
    unregister_source(KIND)


def found(q: str) -> set[int]:
    ids: set[int] = set()
    page = 1
    while True:
        result = query.search(q, kinds=[KIND], page=page, per_page=100)
        ids.update(hit.object_id for hit in result.items)
        if not result.has_next:
            return ids
        page += 1


def test_recall_against_raw_substring_scan(indexed: dict[int, str]) -> None:
    rng = random.Random(11)  # noqa: S311 - test data
    texts = indexed
    ids = sorted(texts)
    zh_queries: set[str] = set()
    en_queries: set[str] = set()
    for _attempt in range(20 * QUERIES):  # the English vocabulary is smaller than QUERIES words
        if len(zh_queries) >= QUERIES and len(en_queries) >= QUERIES:
            break
        text = texts[rng.choice(ids)]
        pairs = [m.group() for m in _CJK2.finditer(text[rng.randrange(len(text)) :])]
        if pairs and len(zh_queries) < QUERIES:
            zh_queries.add(pairs[0])
        words = _WORD.findall(text)
        if words and len(en_queries) < QUERIES:
            en_queries.add(rng.choice(words).lower())
    totals: dict[str, list[int]] = {}
    misses: list[str] = []
    for language, queries in (("zh", zh_queries), ("en", en_queries)):
        expected_total = hit_total = extra_total = 0
        for q in sorted(queries):
            if language == "zh":
                expected = {i for i, t in texts.items() if q in t}
            else:
                pattern = re.compile(rf"(?<![a-z0-9]){re.escape(q)}", re.IGNORECASE)
                expected = {i for i, t in texts.items() if pattern.search(t)}
            got = found(q)
            expected_total += len(expected)
            hit_total += len(expected & got)
            extra_total += len(got - expected)
            if expected - got:
                misses.append(f"{q}: {len(expected - got)} of {len(expected)}")
        totals[language] = [expected_total, hit_total, extra_total]
    report = ", ".join(
        f"{language}: recall {hit / wanted:.1%} ({hit}/{wanted}), {extra} found beyond the scan"
        for language, (wanted, hit, extra) in totals.items()
    )
    print(
        f"\nsearch oracle ({len(zh_queries)} zh and {len(en_queries)} en queries, {DOCS} docs): {report}; "
        f"misses: {misses[:10]}"
    )
    for language, (wanted, hit, _extra) in totals.items():
        assert wanted > 0
        assert hit / wanted >= 0.95, f"{language} recall too low: {report}; misses: {misses[:20]}"
