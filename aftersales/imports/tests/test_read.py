"""The legacy readers: every encoding, CSV/TSV, XLSX, Markdown notes, chat exports, in constant memory."""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from aftersales.imports.interpret import interpret
from aftersales.imports.read import UnreadableFile, detect_encoding, read
from aftersales.imports.records import Reason

SAMPLES = Path(__file__).parent / "samples"  # copies of the shared samples in ../shared/data/legacy/
TABLE = (
    '日期,客户,问题描述,处理人\n2025/3/5,星河科技,送达率下降,小李\n2025/3/6,Bluewave Games,Sender ID "BLUEWAVE",老韩\n'
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("gb18030", b""),
        ("gbk", b""),
        ("big5", b""),
    ],
)
def test_every_encoding_reads_to_the_same_cells(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = (
        TABLE
        if encoding != "big5"
        else TABLE.replace("星河科技", "星河科技").replace("送达率下降", "送達率下降").replace("处理人", "處理人")
    )
    text = text.replace("小李", "小李").replace("老韩", "老韓") if encoding == "big5" else text
    text = text.replace("问题描述", "問題描述").replace("客户", "客戶") if encoding == "big5" else text
    path = write(tmp_path, "log.csv", prefix + text.encode(encoding))
    rows = list(read(path))
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].cells[list(rows[0].cells)[1]] == "星河科技"
    assert rows[1].cells[list(rows[1].cells)[2]] == 'Sender ID "BLUEWAVE"'
    assert all(row.error == "" and row.file == "log.csv" for row in rows)


def test_cp1252_is_detected(tmp_path: Path) -> None:
    path = write(
        tmp_path, "log.csv", "Date,Customer,Issue\n2025-03-05,Café Müller,Délivrance échouée — naïve\n".encode("cp1252")
    )
    assert detect_encoding(path.read_bytes()) == "cp1252"
    (row,) = read(path)
    assert row.cells == {"Date": "2025-03-05", "Customer": "Café Müller", "Issue": "Délivrance échouée — naïve"}


def test_the_gb18030_sample_is_read_as_gb18030() -> None:
    sample = (SAMPLES / "ops-log-2025.csv").read_bytes()
    assert detect_encoding(sample) == "gb18030"


def test_a_gb18030_file_whose_first_rows_are_ascii_is_read_by_its_later_chinese(tmp_path: Path) -> None:
    english = "".join(f"2025-04-01,Bluewave Games,DLR report {n} missing\n" for n in range(3000))  # > 64 KB
    text = "Date,Customer,Issue\n" + english + "2025-04-02,星河科技,越南短信送达率下降\n"
    path = write(tmp_path, "late.csv", text.encode("gb18030"))
    rows = list(read(path))
    assert len(rows) == 3001 and not any(row.error for row in rows)
    assert rows[-1].cells == {"Date": "2025-04-02", "Customer": "星河科技", "Issue": "越南短信送达率下降"}


def test_undecodable_bytes_become_a_bad_encoding_row_not_a_crash(tmp_path: Path) -> None:
    good = "".join(f"2025/3/{i % 28 + 1},星河科技,第{i}行 送达率\n" for i in range(2000))  # > 64 KB of clean UTF-8
    data = (
        ("日期,客户,问题\n" + good).encode()
        + b"2025/4/1,\xff\xfe\xfa broken,text\n"
        + "2025/4/2,星河科技,最后一行\n".encode()
    )
    path = write(tmp_path, "log.csv", data)
    assert len(data) > 64 * 1024
    rows = list(read(path))
    assert len(rows) == 2002
    bad = rows[-2]
    assert bad.error == "bad_encoding" and bad.line == 2002 and "\\xff\\xfe\\xfa" in bad.raw
    assert rows[-1].cells["问题"] == "最后一行"
    results = list(interpret(rows))
    assert len(results) == 2002
    assert results[-2].reason == Reason.BAD_ENCODING
    assert results[-1].reason is None


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = ["Date", "Customer", "Issue"], ["2025-03-05", "Kaito Pay", "Template rejected"], ["2025-03-06", "Acme", "x"]
    path = write(tmp_path, "log.txt", "\n".join(delimiter.join(cells) for cells in lines).encode())
    rows = list(read(path))
    assert [row.cells["Customer"] for row in rows] == ["Kaito Pay", "Acme"]


def test_tsv_from_excel_in_utf16(tmp_path: Path) -> None:
    text = '日期\t客户\t问题描述\r\n2025/3/5\t速达物流\t"客户问能否开通子账号\r\n并分别计费"\r\n'
    path = write(tmp_path, "export.tsv", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (row,) = read(path)
    assert row.cells["问题描述"] == "客户问能否开通子账号\r\n并分别计费"
    assert row.line == 2


def test_quoted_multiline_cells_title_rows_and_line_numbers(tmp_path: Path) -> None:
    text = (
        "运维日志 2025\n"
        ",,\n"
        "日期,客户,问题描述,备注\n"
        '2025/3/5,速达物流,"第一行\n第二行\n第三行",ok\n'
        "\n"
        "2025/3/6,星河科技,下一条,\n"
        ",,,\n"
        "2025/3/7,Acme,extra cells,n,surplus\n"
    )
    path = write(tmp_path, "log.csv", text.encode())
    rows = list(read(path))
    assert [row.line for row in rows] == [4, 8, 9, 10]
    assert rows[0].cells["问题描述"] == "第一行\n第二行\n第三行"
    assert rows[0].raw == '2025/3/5,速达物流,"第一行\n第二行\n第三行",ok'
    assert not any(rows[2].cells.values())  # an empty row is a row (the interpreter says "empty")
    assert rows[3].cells["column 5"] == "surplus"
    assert [r.reason for r in interpret(rows)] == [None, None, Reason.EMPTY, None]


def test_a_quote_never_closed_quarantines_the_rows_it_swallowed_with_their_text(tmp_path: Path) -> None:
    later = "".join(f"2025-03-0{n},Kaito Pay,余额不足 {n},小李,已解决\n" for n in range(4, 9))
    text = ("日期,客户,问题描述,处理人,状态\n2025-03-02,Kaito Pay,送达率下降,小李,已解决\n"
            '2025-03-03,星河科技,"未闭合的引号开头,小李,已解决\n' + later)  # fmt: skip
    rows = list(read(write(tmp_path, "quote.csv", text.encode("utf-8"))))
    assert [row.error for row in rows] == ["", "unclosed_quote"]
    assert rows[1].line == 3 and "余额不足 8" in rows[1].raw  # the swallowed rows stay visible in its text
    (quarantined,) = [item for item in interpret(rows[1:], mapping=None, timezone="Asia/Shanghai") if item.reason]
    assert quarantined.reason == Reason.UNCLOSED_QUOTE and "5 lines" in quarantined.detail_text


def test_a_csv_without_known_headers_takes_the_first_wide_text_row(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", b"Quarterly log\nWhen,Who,What\n2025-03-05,Acme,down\n")
    (row,) = read(path)
    assert row.cells == {"When": "2025-03-05", "Who": "Acme", "What": "down"}


# --- XLSX ------------------------------------------------------------------------------------


def make_workbook(path: Path, *, epoch_1904: bool = False) -> None:
    workbook = openpyxl.Workbook()
    if epoch_1904:
        workbook.epoch = CALENDAR_MAC_1904
    first = workbook.active
    assert first is not None
    first.title = "三月"
    first.append(["运维日志"])
    first.append(["日期", "客户", "问题描述", "处理人", "状态"])
    first.append([dt.datetime(2025, 3, 5), "星河科技", "送达率下降", "小李", "已解决"])
    first.append([dt.datetime(2025, 3, 6, 14, 20), None, "印尼延迟", None, "处理中"])
    first.append([dt.datetime(2025, 3, 7), None, "余额不足", None, "已解决"])
    first.merge_cells("B3:B5")  # one customer for three rows
    first.merge_cells("D3:D5")
    second = workbook.create_sheet("April")
    second.append(["Date", "Customer", "Issue"])
    second.append([45757, "Kaito Pay", "DLT template"])  # a serial number, no date format
    second.append(["4/10", "Acme", "text date"])
    second.append([None, None, None])
    second.append(["2025-04-12", "Acme", "after an empty row"])
    workbook.save(path)


def test_xlsx_two_sheets_merged_cells_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "log.xlsx"
    make_workbook(path)
    rows = list(read(path))
    assert [(row.sheet, row.line) for row in rows] == [
        ("三月", 3),
        ("三月", 4),
        ("三月", 5),
        ("April", 2),
        ("April", 3),
        ("April", 5),
    ]
    assert [row.cells["客户"] for row in rows[:3]] == ["星河科技"] * 3
    assert [row.cells["处理人"] for row in rows[:3]] == ["小李"] * 3
    assert [row.cells["日期"] for row in rows[:3]] == ["2025-03-05", "2025-03-06 14:20", "2025-03-07"]
    assert rows[3].cells == {"Date": "2025-04-10", "Customer": "Kaito Pay", "Issue": "DLT template"}
    assert rows[4].cells["Date"] == "4/10"
    results = list(interpret(rows))
    assert [r.occurred_at.date() for r in results if r.occurred_at] == [
        dt.date(2025, 3, 5),
        dt.date(2025, 3, 6),
        dt.date(2025, 3, 7),
        dt.date(2025, 4, 10),
        dt.date(2025, 4, 10),
        dt.date(2025, 4, 12),
    ]
    assert results[1].customer_name == "星河科技"


def test_xlsx_1904_workbook(tmp_path: Path) -> None:
    path = tmp_path / "mac.xlsx"
    make_workbook(path, epoch_1904=True)
    rows = list(read(path))
    assert rows[0].cells["日期"] == "2025-03-05"  # a date cell, stored relative to 1904
    assert rows[3].cells["Date"] == (dt.date(1904, 1, 1) + dt.timedelta(days=45757)).isoformat()


def test_a_broken_workbook_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableFile, match=r"broken\.xlsx"):
        list(read(path))
    with pytest.raises(UnreadableFile, match="no such file"):
        read(tmp_path / "missing.csv")
    with pytest.raises(UnreadableFile, match="xlsx"):
        read(write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0"))


def test_a_workbook_missing_a_sheet_it_lists_is_a_clear_error_not_a_shorter_import(tmp_path: Path) -> None:
    whole = tmp_path / "whole.xlsx"
    make_workbook(whole)
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(cut, "w") as target:
        for entry in source.infolist():
            if not entry.filename.endswith("sheet2.xml"):
                target.writestr(entry, source.read(entry))
    with pytest.raises(UnreadableFile, match=r"cut\.xlsx: the sheet “.+” is listed in the workbook but missing"):
        list(read(cut))


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_headings_bullets_and_continuations(tmp_path: Path) -> None:
    text = (
        "# 客户日志 (2025 Q2)\n\n"
        "Intro paragraph\nstill intro\n\n"
        "## 星河科技 (主账号 key: a1b2c3d4)\n"
        "- 5.6 第一条\n"
        "  接着第一条\n"
        "\n"
        "    还是第一条\n"
        "* 5/9 第二条\n"
        "+ 5/10 第三条\n"
        "1. 5/11 第四条\n"
        "2) 5/12 第五条\n"
        "## Bluewave Games\n"
        "- May 3: asked\n"
    )
    path = write(tmp_path, "notes.md", text.encode())
    rows = list(read(path))
    assert [row.kind for row in rows] == ["markdown"] * 7
    assert rows[0].cells == {
        "heading": "客户日志 (2025 Q2)",
        "title": "客户日志 (2025 Q2)",
        "text": "Intro paragraph\nstill intro",
    }
    assert rows[1].cells == {
        "heading": "星河科技 (主账号 key: a1b2c3d4)",
        "title": "客户日志 (2025 Q2)",
        "text": "5.6 第一条\n接着第一条\n还是第一条",
    }
    assert rows[1].line == 7
    assert [row.cells["text"] for row in rows[2:6]] == ["5/9 第二条", "5/10 第三条", "5/11 第四条", "5/12 第五条"]
    assert rows[6].cells["heading"] == "Bluewave Games" and rows[6].line == 16


# --- chat ------------------------------------------------------------------------------------


def test_chat_exports_in_three_styles(tmp_path: Path) -> None:
    text = (
        "Exported chat\n"
        "2025-04-01 10:23 Anna Chen: delivery to Thailand is slow\n"
        "second line of Anna\n"
        "[2025-04-01 10:30] 小李: 已开 case 04601122\n"
        "老韩 2025-04-01 11:02\n"
        "vonage 回复已恢复\n"
        "通知客户\n"
    )
    path = write(tmp_path, "chat.txt", text.encode())
    rows = list(read(path))
    assert [row.kind for row in rows] == ["chat"] * 4
    assert rows[0].cells == {"date": "", "author": "", "text": "Exported chat"}
    assert rows[1].cells == {
        "date": "2025-04-01 10:23",
        "author": "Anna Chen",
        "text": "delivery to Thailand is slow\nsecond line of Anna",
    }
    assert rows[2].cells == {"date": "2025-04-01 10:30", "author": "小李", "text": "已开 case 04601122"}
    assert rows[3].cells == {"date": "2025-04-01 11:02", "author": "老韩", "text": "vonage 回复已恢复\n通知客户"}
    assert [row.line for row in rows] == [1, 2, 4, 5]


# --- the shared samples, constant memory -------------------------------------------------------


def test_the_shared_samples_read_every_record() -> None:
    csv_rows = list(read(SAMPLES / "ops-log-2025.csv"))
    assert len(csv_rows) == 25  # 26 lines below the header, one record spans two
    assert csv_rows[0].cells["客户"] == "星河科技"
    md_rows = list(read(SAMPLES / "customer-notes.md"))
    assert len(md_rows) == 14  # 14 bullets; the title heading is no row


def _peak(function: object) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = function()  # type: ignore[operator]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_memory_stays_flat_on_a_large_csv(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("日期,客户,问题描述,处理人,状态,解决时间,备注\n")
        for i in range(200_000):
            handle.write(
                f"2025/{i % 12 + 1}/{i % 28 + 1},客户{i % 50},送达率下降 第{i}条,小李 / 杨,已解决,,余额 {i % 90} EUR\n"
            )
    assert path.stat().st_size > 10_000_000
    # Reading all 200,000 rows holds one record at a time.
    count, peak = _peak(lambda: sum(1 for _ in read(path)))
    assert count == 200_000
    assert peak < 5_000_000, peak
    # Interpreting holds the first rows of a file (to decide its day/month order), then streams:
    # the peak over 8,000 rows is the peak over 16,000.
    small_count, small_peak = _peak(lambda: sum(1 for _ in interpret(itertools.islice(read(path), 8_000))))
    large_count, large_peak = _peak(lambda: sum(1 for _ in interpret(itertools.islice(read(path), 16_000))))
    assert (small_count, large_count) == (8_000, 16_000)
    assert large_peak < 30_000_000, large_peak
    assert large_peak < small_peak * 1.2, (small_peak, large_peak)
