"""The search tokenizer: what a Chinese or English query must find, identically on both databases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.core.search import tokens


def finds(query: str, text: str) -> bool:
    """Does every term of ``query`` meet a token of ``text`` (as the databases match them)?"""
    have = set(tokens.index_tokens(text).split())
    for term in tokens.query_terms(query):
        if term.endswith("*"):
            if not any(t.startswith(term[:-1]) for t in have):
                return False
        elif term not in have:
            return False
    return True


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("短信", "客户反馈短信发送失败"),
        ("送达率", "送达率下降"),
        ("盗刷", "怀疑被盗刷"),
        ("Vonage 余额", "Vonage 账户余额不足，请尽快充值"),
        ("vonage余额", "Vonage 账户余额不足"),
        ("簡訊", "简讯发送失败"),  # Traditional query, Simplified text
        ("简讯", "簡訊發送失敗"),  # and the other way round
        ("餘額", "余额不足"),
        ("ＯＴＰ", "OTP conversion is low"),  # full-width query
        ("otp", "ＯＴＰ回填率"),  # full-width text
        ("回填率", "OTP 回填率只有 30%"),
        ("子账号", "请给子帐号充值"),  # 帐 and 账 are one character for search
        ("sender id", "Register sender-ID STARRIVER"),
        ("senderid", "Register Sender ID STARRIVER"),
        ("Tomas", "Tomás Reyes"),
        ("voda", "Vodafone route"),  # the last word is a prefix while typing
        ("盗", "怀疑被盗刷"),  # one character: a prefix of a token
        ("刷", "怀疑被盗刷"),  # even the last character of a run
    ],
)
def test_query_finds_text(query: str, text: str) -> None:
    assert finds(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("短信", "短期信用"),  # the characters, but not next to each other
        ("vonage 余额", "Vonage 送达率下降"),  # every term must match
        ("voda ", "Vodafone route"),  # a finished word is a whole word
        ("otp ", "otpx"),
    ],
)
def test_query_does_not_find_text(query: str, text: str) -> None:
    assert not finds(query, text)


def test_only_latin_digit_runs_and_cjk_tokens_are_emitted() -> None:
    emitted = tokens.index_tokens("Hello, 世界! <b>e-mail</b> ☎ +86 138-0013-8000 ＡＢＣ 😀 ひらがな")
    for token in emitted.split():
        assert (token.isascii() and token.isalnum()) or all("\u4e00" <= c <= "\u9fff" for c in token), token
    assert "hello" in emitted.split() and "世界" in emitted.split() and "abc" in emitted.split()
    assert "ひ" not in emitted


def test_tokens_are_distinct_and_space_separated() -> None:
    emitted = tokens.index_tokens("短信 短信 SMS sms Sms").split()
    assert len(emitted) == len(set(emitted))
    assert emitted.count("sms") == 1


def test_jieba_words_and_bigrams_both_present() -> None:
    emitted = tokens.index_tokens("怀疑被盗刷").split()
    assert "怀疑" in emitted  # jieba's word
    assert "盗刷" in emitted  # the bigram jieba does not cut
    assert "送达率" in tokens.index_tokens("送达率下降").split()  # a domain word kept whole


def test_query_terms() -> None:
    assert tokens.query_terms("送达率") == ["送达", "达率"]
    assert tokens.query_terms("Vonage 余额") == ["vonage", "余额"]
    assert tokens.query_terms("voda") == ["voda*"]
    assert tokens.query_terms("voda ") == ["voda"]
    assert tokens.query_terms("盗") == ["盗*"]
    assert tokens.query_terms("  ,.!  ") == []
    assert tokens.query_terms("sms SMS") == ["sms*"] or tokens.query_terms("sms SMS") == ["sms"]


def test_merge_tokens_keeps_order_and_adds_only_new() -> None:
    assert tokens.merge_tokens("a b", "b c") == "a b c"


# --- A text's tokens are its lines' tokens: what the importer's reading process hands over --------
_PIECES = ["sender", "id", " ", "-", "\r", "Σ", "σ", "ς", "星河科技", "送达率下降", "被盗刷", "vonage", "04601122", "É",
           "Ａ１", "，", "：", "e\u0301", "\u0301", "ﬁ", "x" * 70]  # fmt: skip
_LINE = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=5))
def test_a_texts_tokens_are_its_lines_tokens_in_order(lines: list[str]) -> None:
    merged = ""
    for line in lines:
        merged = tokens.merge_tokens(merged, tokens.index_tokens(line))
    assert tokens.index_tokens("\n".join(lines)) == merged
    assert tokens.index_tokens(*lines) == merged  # several texts at once: each merged in turn


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=5), st.lists(_LINE, max_size=3))
def test_known_lines_give_the_tokens_they_would_have_made(lines: list[str], others: list[str]) -> None:
    text = "\n".join(lines + others)
    with tokens.known_lines(tokens.line_tokens("\n".join(lines))):
        handed_over = tokens.index_tokens(text)
    assert handed_over == tokens.index_tokens(text)


def test_sender_and_id_meet_on_one_line_only() -> None:
    assert "senderid" in tokens.index_tokens("Register sender\tID now").split()
    assert "senderid" not in tokens.index_tokens("the sender\nid card").split()


def test_a_known_line_is_taken_as_given() -> None:
    with tokens.known_lines({"客户反馈短信发送失败": "handed over"}):
        handed_over = tokens.index_tokens("Imported from a.csv:3:\n客户反馈短信发送失败")
    assert handed_over == "imported from a csv 3 handed over"
