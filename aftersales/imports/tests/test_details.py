"""What the importer says about a row is kept as messages and values, and shown in the reader's
language: the worker that imports and the lead who reads the quarantine need not share one."""

from __future__ import annotations

from django.utils import translation

from aftersales.imports import details
from aftersales.imports.records import Interpreted, SourceRow


def test_a_detail_is_worded_in_the_language_it_is_shown_in() -> None:
    with translation.override("en"):
        detail = details.say("Cannot read the date %(text)r.", text="日期不记得了")
        assert details.show(detail) == "Cannot read the date '日期不记得了'."
    with translation.override("zh-hans"):
        shown = details.show(detail)
    assert "日期不记得了" in shown and "Cannot read" not in shown


def test_details_join_in_order_and_text_written_before_shows_as_it_is() -> None:
    joined = details.join("", details.say("No year in the file: %(year)s assumed.", year=2025), "an old detail")
    with translation.override("en"):
        assert details.show(joined) == "No year in the file: 2025 assumed. an old detail"
        assert details.show("Refused for the test.") == "Refused for the test."
        assert details.show("[[not json") == "[[not json"
        assert details.show("") == details.join("", "") == ""


def test_a_long_value_is_cut_so_a_detail_stays_short() -> None:
    detail = details.say("Cannot read the date %(text)r.", text="x" * 10_000)
    assert len(detail) < details.VALUE_CHARS + 100


def test_an_interpreted_row_shows_its_detail_in_the_active_language() -> None:
    row = Interpreted(source=SourceRow(file="a.csv", sheet="", line=2, raw="", cells={}, kind="table"),
                      detail=details.say("The row is empty."))  # fmt: skip
    with translation.override("zh-hans"):
        assert row.detail_text != "The row is empty." and row.detail_text
    with translation.override("en"):
        assert row.detail_text == "The row is empty."
