"""Interpreting legacy rows: mapping, customers, owners, statuses, categories, facts, continuations,
quarantine reasons, and the two shared samples end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.imports.interpret import (
    Mapping,
    detect_mapping,
    extract_facts,
    infer_category,
    interpret,
    map_status,
    split_owners,
    take_owners,
)
from aftersales.imports.read import read
from aftersales.imports.records import Fact, Field, Reason, SourceRow

SAMPLES = Path(__file__).parent / "samples"  # copies of the shared samples in ../shared/data/legacy/
SHANGHAI = ZoneInfo("Asia/Shanghai")


def day(month: int, d: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, d, hour, minute, tzinfo=SHANGHAI)


# --- mapping ----------------------------------------------------------------------------------


def test_headers_in_chinese_and_english_are_mapped() -> None:
    mapping = detect_mapping(["日期", "客户", "问题描述", "处理人", "状态", "解决时间", "备注"])
    assert mapping.columns == {
        "日期": Field.DATE,
        "客户": Field.CUSTOMER,
        "问题描述": Field.ISSUE,
        "处理人": Field.OWNER,
        "状态": Field.STATUS,
        "解决时间": Field.RESOLVED,
        "备注": Field.NOTES,
    }
    assert all(value == 1.0 for value in mapping.confidence.values())
    english = detect_mapping(
        ["Reported Date", "Customer Name", "Subject", "Assignee", "STATUS", "Closed at", "Remark", "Category", "Foo"]
    )
    assert english.columns == {
        "Reported Date": Field.DATE,
        "Customer Name": Field.CUSTOMER,
        "Subject": Field.ISSUE,
        "Assignee": Field.OWNER,
        "STATUS": Field.STATUS,
        "Closed at": Field.RESOLVED,
        "Remark": Field.NOTES,
        "Category": Field.CATEGORY,
        "Foo": Field.IGNORE,
    }
    assert 0.5 <= english.confidence["Reported Date"] < 1.0
    assert english.confidence["Foo"] == 0.0
    fullwidth = detect_mapping(["ＤＡＴＥ", "客户名称", "完成时间", "报告时间"])
    assert fullwidth.columns["ＤＡＴＥ"] == Field.DATE
    assert fullwidth.columns["完成时间"] == Field.RESOLVED
    assert fullwidth.columns["报告时间"] == Field.IGNORE  # the date is taken by the surer column


def test_a_mapping_round_trips_through_a_dict() -> None:
    mapping = detect_mapping(["日期", "客户", "问题"])
    data = mapping.to_dict()
    assert data == {"日期": "date", "客户": "customer", "问题": "issue"}
    assert Mapping.from_dict(data).columns == mapping.columns
    with pytest.raises(ValueError, match="Unknown field"):
        Mapping.from_dict({"日期": "when"})


def test_a_given_mapping_wins_over_detection() -> None:
    rows = [SourceRow("a.csv", "", 2, "x", {"When": "2025/3/5", "Who": "Acme", "What": "down", "备注": "n"}, "table")]
    mapping = Mapping.from_dict({"When": "date", "Who": "customer", "What": "issue"})
    (result,) = interpret(rows, mapping=mapping, timezone="Asia/Shanghai", year=None)
    assert (result.occurred_at, result.customer_name, result.subject, result.notes) == (day(3, 5), "Acme", "down", "n")


# --- pieces -----------------------------------------------------------------------------------


def test_owners_are_split_and_kept_as_written() -> None:
    assert split_owners("小李 / 杨") == ["小李", "杨"]
    assert split_owners("小李、杨") == ["小李", "杨"]
    assert split_owners("Anna, Bo") == ["Anna", "Bo"]
    assert split_owners("Anna and Bo") == ["Anna", "Bo"]
    assert take_owners("已开 case 04601122。 —小李") == (["小李"], "已开 case 04601122。")
    assert take_owners("回复已恢复，通知客户 (老韩)") == (["老韩"], "回复已恢复，通知客户")
    assert take_owners("Docs sent. owner: 老韩") == (["老韩"], "Docs sent")
    assert take_owners("yes, per segment (杨)") == (["杨"], "yes, per segment")
    assert take_owners("customer unhappy (3rd follow-up)") == ([], "customer unhappy (3rd follow-up)")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("已解决", "resolved"),
        ("解决", "resolved"),
        ("已完成", "resolved"),
        ("完成", "resolved"),
        ("Done", "resolved"),
        ("resolved", "resolved"),
        ("closed", "closed"),
        ("已关闭", "closed"),
        ("处理中", "open"),
        ("进行中", "open"),
        ("pending", "open"),
        ("Open", "open"),
        ("待处理", "open"),
        ("跟进中", "open"),
        ("等待供应商", "waiting_vendor"),
        ("等 vonage 回复", "waiting_vendor"),
        ("等待客户", "waiting_customer"),
        ("", ""),
        ("???", ""),
    ],
)
def test_status_words(word: str, status: str) -> None:
    assert map_status(word) == status


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("客户反馈印尼送达率下降到60%左右", "delivery-conversion"),
        ("Sender ID application for UAE", "sender-id"),
        ("发件人 审核", "sender-id"),
        ("余额低于 50 EUR", "billing-balance"),
        ("验证码回填率低，怀疑被盗刷", "fraud"),
        ("尼日利亚流量异常暴增", "fraud"),
        ("SMS pumping suspected", "fraud"),
        ("印度 DLT 模板 ID 不匹配", "sender-id"),
        ("Template rejected", "sender-id"),
        ("月度回访", "regular-contact"),
        ("Monthly check-in call", "regular-contact"),
        ("子账号无法登录后台", "accounts"),
        ("客户投诉技术支持回复慢", "support-quality"),
    ],
)
def test_categories_from_keywords(text: str, code: str) -> None:
    inferred, confidence = infer_category(text)
    assert inferred == code
    assert 0.3 <= confidence <= 0.95
    assert infer_category("hello there") == ("", 0.0)


def test_facts_in_text() -> None:
    facts = extract_facts(
        "开case给vonage，case号 04512877; 号码 447700900123 +44 7700 900124; 转账 200 EUR, 余额 €12; "
        'sender ID "BLUEWAVE"; err-code 6, error 630, status 9; 送达率 60%'
    )
    assert facts == [
        Fact("case_number", "04512877"),
        Fact("phone", "+447700900123"),
        Fact("phone", "+447700900124"),
        Fact("amount", "200 EUR"),
        Fact("amount", "12 EUR"),
        Fact("sender_id", "BLUEWAVE"),
        Fact("error_code", "err-code 6"),
        Fact("error_code", "error 630"),
        Fact("error_code", "status 9"),
        Fact("percent", "60%"),
    ]
    assert extract_facts("sender id 'lowercase' 20250308 12h") == []


# --- quarantine reasons -----------------------------------------------------------------------


def table(*cells: dict[str, str]) -> list[SourceRow]:
    return [SourceRow("t.csv", "", i + 2, ",".join(c.values()), c, "table") for i, c in enumerate(cells)]


def test_quarantine_reasons() -> None:
    base = {"日期": "", "客户": "Acme", "问题": "", "备注": ""}
    rows = table(
        {**base, "客户": ""},  # empty
        {**base, "问题": "something"},  # no date
        {**base, "日期": "日期不记得了", "问题": "x"},  # unparseable
        {**base, "日期": "2025/3/5"},  # no text
        {**base, "问题": "看 2025年3月9日 的记录"},  # a date in the text
        {**base, "日期": "2025/3/5", "备注": "only a note"},  # notes say what happened
        {**base, "日期": "2025/3/5", "问题": "x" * 100_001},
    )
    results = list(interpret(rows, mapping=None, timezone="Asia/Shanghai", year=None))
    assert [r.reason for r in results] == [
        Reason.EMPTY,
        Reason.NO_DATE,
        Reason.UNPARSEABLE_DATE,
        Reason.NO_TEXT,
        None,
        None,
        Reason.TOO_LONG,
    ]
    assert "日期不记得了" in results[2].detail
    assert results[4].occurred_at == day(3, 9)
    assert results[5].subject == "only a note"


def test_subject_is_the_first_line_and_at_most_120_characters() -> None:
    (result,) = interpret(table({"日期": "2025/3/5", "问题": "第一行\n第二行"}), mapping=None, timezone=None, year=None)
    assert (result.subject, result.description) == ("第一行", "第一行\n第二行")
    (long_one,) = interpret(table({"日期": "2025/3/5", "问题": "a" * 300}), mapping=None, timezone=None, year=None)
    assert len(long_one.subject) == 120 and long_one.description == "a" * 300


def test_a_resolved_date_before_the_report_is_ignored_with_a_note() -> None:
    (result,) = interpret(
        table({"日期": "2025/3/5 14:00", "问题": "x", "解决时间": "2025/3/1"}), mapping=None, timezone=None, year=None
    )
    assert result.resolved_at is None and "2025/3/1" in result.detail
    (same_day,) = interpret(
        table({"日期": "2025/3/5 14:00", "问题": "x", "解决时间": "2025/3/5"}), mapping=None, timezone=None, year=None
    )
    assert same_day.resolved_at == day(3, 5, 14)


def test_day_first_files_and_the_year_option() -> None:
    rows = table({"日期": "25/3", "问题": "a"}, {"日期": "4/8", "问题": "b"})
    results = list(interpret(rows, mapping=None, timezone="Asia/Shanghai", year=2024))
    assert [r.occurred_at for r in results] == [
        dt.datetime(2024, 3, 25, tzinfo=SHANGHAI),
        dt.datetime(2024, 8, 4, tzinfo=SHANGHAI),
    ]
    assert "day/month" in results[1].detail


# --- the shared CSV sample, by hand -------------------------------------------------------------

# line: (occurred_at, resolved_at, customer, owners, status, category, check-in, reason)
OPS_LOG = {
    2: (day(3, 5), day(3, 7), "星河科技", ["小李"], "resolved", "delivery-conversion", False, None),
    3: (day(3, 6, 14, 20), None, "Bluewave Games", ["老韩"], "open", "sender-id", False, None),
    4: (day(3, 7), day(3, 7), "星河科技-子账号2", ["老韩"], "resolved", "billing-balance", False, None),
    5: (day(3, 8), day(3, 11), "速达物流", ["小李", "杨"], "resolved", "fraud", False, None),
    6: (day(3, 10), day(3, 10), "速达物流", ["杨"], "resolved", "accounts", False, None),
    8: (day(3, 12, 9, 5), day(3, 12, 11, 30), "Kaito Pay", ["小李"], "resolved", "sender-id", False, None),
    9: (day(3, 14), day(3, 14), "", ["老韩"], "resolved", "billing-balance", False, None),
    10: (day(3, 15), None, "星河科技", ["小李"], "open", "delivery-conversion", False, None),
    11: (day(3, 18), day(3, 18), "bluewave games", ["杨"], "resolved", "documents", False, None),
    12: (day(3, 20), day(3, 25), "Kaito Pay", ["老韩"], "resolved", "sender-id", False, None),
    13: (day(3, 21), None, "速达物流", ["小李"], "closed", "support-quality", False, None),
    14: (day(3, 25), None, "星河科技", ["小李"], "resolved", "regular-contact", True, None),
    15: (day(3, 28), day(4, 2), "MoonLight Studio", ["老韩"], "resolved", "sender-id", False, None),
    16: (day(4, 1), day(4, 3), "MoonLight Studio", ["老韩"], "resolved", None, False, None),
    17: (day(4, 3), day(4, 3), "Bluewave Games", ["老韩"], "resolved", "sender-id", False, None),
    18: (day(4, 8), None, "速达物流", ["小李"], "open", "delivery-conversion", False, None),
    19: (day(4, 9), day(4, 9), "星河科技-子账号1", ["杨"], "resolved", "accounts", False, None),
    20: (day(4, 10), day(4, 10), "Kaito Pay", ["小李"], "resolved", "platform-logic", False, None),
    21: (day(4, 15), None, "", ["杨"], "closed", None, False, None),
    22: (day(4, 16), day(4, 16), "星河科技", ["老韩"], "resolved", "billing-balance", False, None),
    23: (None, None, "速达物流", ["小李"], "resolved", "fraud", False, Reason.NO_DATE),
    24: (day(4, 20), None, "Kaito Pay", ["杨"], "open", "platform-logic", False, None),
    25: (day(4, 22, 10), None, "bluewave games", ["小李"], "resolved", "regular-contact", True, None),
    26: (day(4, 25), day(4, 26), "速达物流", ["老韩"], "resolved", "billing-balance", False, None),
    27: (day(4, 30), day(5, 2), "MoonLight Studio", ["小李"], "resolved", "delivery-conversion", False, None),
}


def test_the_ops_log_sample_end_to_end() -> None:
    results = list(interpret(read(SAMPLES / "ops-log-2025.csv"), mapping=None, timezone="Asia/Shanghai", year=None))
    assert sorted(r.source.line for r in results) == sorted(OPS_LOG)  # every record accounted for
    for result in results:
        occurred, resolved, customer, owners, status, category, checkin, reason = OPS_LOG[result.source.line]
        line = result.source.line
        assert result.occurred_at == occurred, line
        assert result.resolved_at == resolved, line
        assert result.customer_name == customer, line
        assert result.owners == owners, line
        assert result.status == status, line
        if category is not None:
            assert result.category_code == category, line
        assert result.is_checkin is checkin, line
        assert result.reason == reason, line
    by_line = {r.source.line: r for r in results}
    assert Fact("case_number", "04512877") in by_line[2].facts
    assert Fact("phone", "+447700900123") in by_line[15].facts
    assert Fact("phone", "+447700900124") in by_line[16].facts
    assert Fact("sender_id", "BLUEWAVE") in by_line[3].facts
    assert Fact("amount", "200 EUR") in by_line[4].facts
    assert Fact("error_code", "error 630") in by_line[12].facts
    assert Fact("case_number", "04577310") in by_line[27].facts
    assert by_line[6].subject == "客户问能否开通子账号" and by_line[6].description == "客户问能否开通子账号\n并分别计费"
    assert by_line[2].notes == "开case给vonage，case号 04512877"
    assert "month/day" in by_line[18].detail
    assert not any(r.continues for r in results)


# --- the shared Markdown sample -----------------------------------------------------------------

# line: (occurred_at, customer, owners, continues, reason)
NOTES = {
    4: (day(5, 6), "星河科技", ["小李"], "", None),
    5: (day(5, 9), "星河科技", ["老韩"], "04601122", None),
    6: (day(5, 12), "星河科技", [], "", None),
    7: (day(5, 20), "星河科技", [], "", None),
    10: (day(5, 3), "Bluewave Games", ["老韩"], "", None),
    11: (day(5, 14), "Bluewave Games", [], "", None),
    12: (day(6, 2), "Bluewave Games", [], "", None),
    13: (day(6, 10), "Bluewave Games", [], "", None),
    16: (day(5, 5), "速达物流", [], "", None),
    17: (day(5, 18), "速达物流", [], "", None),
    18: (day(6, 1), "速达物流", [], "", None),
    19: (None, "速达物流", [], "", Reason.NO_DATE),
    22: (day(5, 8, 11), "Kaito Pay", ["杨"], "", None),
    23: (day(5, 21, 15, 40), "Kaito Pay", [], "", None),
}


def test_the_customer_notes_sample_end_to_end() -> None:
    results = list(interpret(read(SAMPLES / "customer-notes.md"), mapping=None, timezone="Asia/Shanghai", year=None))
    assert sorted(r.source.line for r in results) == sorted(NOTES)
    for result in results:
        occurred, customer, owners, continues, reason = NOTES[result.source.line]
        line = result.source.line
        assert (result.occurred_at, result.customer_name, result.owners, result.continues, result.reason) == (
            occurred,
            customer,
            owners,
            continues,
            reason,
        ), line
    by_line = {r.source.line: r for r in results}
    assert Fact("account_key", "a1b2c3d4") in by_line[4].facts
    assert Fact("case_number", "04601122") in by_line[4].facts
    assert by_line[4].subject == "客户反馈：越南短信发送失败率高。已开 case 04601122，vonage 说是运营商维护。"
    assert by_line[7].is_checkin
    assert Fact("sender_id", "BLUEWAVE") in by_line[10].facts
    assert by_line[10].subject == 'customer asked to register sender ID "BLUEWAVE" in Saudi Arabia. Docs sent'
    assert by_line[13].subject == "approved!"
    assert by_line[12].status == "waiting_vendor"
    assert Fact("amount", "12 EUR") in by_line[18].facts


def test_a_case_number_continues_only_the_same_customer() -> None:
    rows = [
        SourceRow(
            "n.md", "", 1, "a", {"heading": "Acme", "title": "", "text": "2025/5/1 opened case 11112222"}, "markdown"
        ),
        SourceRow(
            "n.md", "", 2, "b", {"heading": "Other", "title": "", "text": "2025/5/2 case 11112222 too"}, "markdown"
        ),
        SourceRow(
            "n.md", "", 3, "c", {"heading": "acme", "title": "", "text": "2025/5/3 case 11112222 closed"}, "markdown"
        ),
    ]
    assert [r.continues for r in interpret(rows)] == ["", "", "11112222"]


def test_chat_lines() -> None:
    rows = [
        SourceRow("c.txt", "", 1, "x", {"date": "", "author": "", "text": "Exported"}, "chat"),
        SourceRow("c.txt", "", 2, "y", {"date": "2025-04-01 10:23", "author": "Anna", "text": "送达率下降"}, "chat"),
    ]
    first, second = interpret(rows)
    assert first.reason == Reason.NO_DATE
    assert second.occurred_at == day(4, 1, 10, 23)
    assert second.owners == [] and "Anna" in second.notes
    assert second.category_code == "delivery-conversion"


# --- rows add up --------------------------------------------------------------------------------

junk_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
junk_rows = st.lists(
    st.one_of(
        st.builds(
            lambda cells, line: SourceRow("j.csv", "", line, "|".join(cells.values()), cells, "table"),
            st.dictionaries(
                st.sampled_from(["日期", "客户", "问题", "处理人", "状态", "解决时间", "备注", "x"]),
                junk_text,
                max_size=8,
            ),
            st.integers(1, 10**6),
        ),
        st.builds(
            lambda text, heading: SourceRow(
                "j.md", "", 1, text, {"heading": heading, "title": "", "text": text}, "markdown"
            ),
            junk_text,
            junk_text,
        ),
        st.builds(
            lambda date, text: SourceRow("j.txt", "", 1, text, {"date": date, "author": "a", "text": text}, "chat"),
            st.one_of(junk_text, st.just("2025-04-01 10:23")),
            junk_text,
        ),
        st.builds(lambda raw: SourceRow("j.csv", "", 1, raw, {}, "table", error="bad_encoding"), junk_text),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(rows=junk_rows)
def test_every_row_yields_exactly_one_interpreted(rows: list[SourceRow]) -> None:
    results = list(interpret(rows, mapping=None, timezone="Asia/Shanghai", year=2025))
    assert [r.source for r in results] == rows
    for result in results:
        if result.reason is None:
            assert result.occurred_at is not None and result.occurred_at.tzinfo is not None
            assert result.subject


@pytest.mark.parametrize(("text", "only"), [
    ("— approved!", True), ("已恢复。", True), ("resolved", True),
    ("still waiting for SA approval, customer unhappy", False), ("approved the KSA template", False), ("", True),
])  # fmt: skip
def test_a_text_that_only_states_an_outcome(text: str, only: bool) -> None:
    from aftersales.imports.interpret import _only_status

    assert _only_status(text) is only
