"""aftersales import-logs: the shared samples end to end, --json, --dry-run, re-import, bad input."""

from __future__ import annotations

import datetime as dt
import json
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from aftersales.core import bulk, clock
from aftersales.customers.models import Customer
from aftersales.feedback.models import Checkin
from aftersales.imports import load as loading
from aftersales.imports.models import AgentAlias, ImportedRow, MappingProfile
from aftersales.imports.tests.conftest import SHANGHAI
from aftersales.sms.models import VendorCase
from aftersales.testing.factories import make_customer
from aftersales.tickets.models import Message, Status, Ticket

pytestmark = pytest.mark.usefixtures("frozen")

LEGACY = Path(__file__).parent / "samples"  # copies of the shared samples in ../shared/data/legacy/
SAMPLES = [str(LEGACY / "ops-log-2025.csv"), str(LEGACY / "customer-notes.md")]


def run(*args: str) -> tuple[dict[str, Any], str]:
    out, err = StringIO(), StringIO()
    call_command("import-logs", *args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def run_text(folder: Path, name: str, text: str, *args: str) -> dict[str, Any]:
    """Write ``text`` to ``folder/name`` (UTF-8) and import it: the summary."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return run(str(path), *args)[0]


@pytest.fixture
def desk(personas: Any) -> dict[str, Any]:
    """The desk before the import: the agents' nicknames and two of the customers."""
    for alias, user in (("小李", personas.agent), ("杨", personas.agent2), ("老韩", personas.lead)):
        AgentAlias.objects.create(alias=alias, key=alias, user=user, created_at=clock.now())
    xinghe = make_customer("xinghe", "星河科技", tier="key")
    return {"xinghe": xinghe, "sub2": make_customer("xinghe-2", "星河科技 子账号2", parent=xinghe),
            "bluewave": personas.other_customer}  # fmt: skip


def test_the_shared_samples_import_with_every_row_accounted_for(personas: Any, desk: dict[str, Any]) -> None:
    summary, progress = run(*SAMPLES)
    assert summary["rows"] == summary["imported"] + summary["duplicates"] + summary["quarantined"]
    assert summary["rows"] == ImportedRow.objects.count() == 39  # 25 CSV records + 14 Markdown bullets
    assert summary["reasons"] == {"no_date": 2}  # the CSV row without a date, the "????" note
    assert summary["outcomes"]["checkin"] == 3  # 月度回访, Monthly check-in call, 5月20日 回访
    assert "rows/s" in progress
    assert sorted(summary["provisional_customers"]) == sorted(
        ["速达物流", "Kaito Pay", "MoonLight Studio", "星河科技-子账号1"]
    )
    # customers: exact, case-insensitive, sub-account of a known master
    assert Ticket.objects.filter(customer=desk["bluewave"]).count() == 6
    # "June 10 — approved!" says only an outcome: it resolves the bullet before it, not a ticket of its own
    waiting = Ticket.objects.get(subject__startswith="still waiting for SA approval")
    assert waiting.status == Status.RESOLVED and waiting.resolved_at == dt.datetime(2025, 6, 10, tzinfo=SHANGHAI)
    assert waiting.messages.filter(body__contains="approved!").exists()
    first = Ticket.objects.get(created_at=dt.datetime(2025, 3, 5, tzinfo=SHANGHAI))
    assert first.customer == desk["xinghe"] and first.owner == personas.agent
    assert first.category is not None and first.category.code == "delivery-conversion"
    assert first.status == Status.RESOLVED and first.resolved_at == dt.datetime(2025, 3, 7, tzinfo=SHANGHAI)
    sub1 = Customer.objects.get(name="星河科技-子账号1")
    assert sub1.provisional and sub1.parent == desk["xinghe"]
    assert Ticket.objects.filter(customer=desk["sub2"]).count() == 1
    # "小李 / 杨": the first owner; the other a participant in the note
    fraud = Ticket.objects.get(created_at=dt.datetime(2025, 3, 8, tzinfo=SHANGHAI))
    assert fraud.owner == personas.agent and "Participants: 杨" in fraud.messages.first().body  # type: ignore[union-attr]
    # the vendor cases named in the notes, linked
    case = VendorCase.objects.get(case_number="04512877")
    assert list(case.tickets.all()) == [first]
    continued = VendorCase.objects.get(case_number="04601122").tickets.get()
    assert continued.messages.filter(body__contains="回复已恢复").exists()
    # no customer at all ("未知客户", an empty cell): tickets without a customer
    assert Ticket.objects.filter(customer__isnull=True).count() == 2
    assert Checkin.objects.filter(source="import").count() == 3
    # every ticket is imported, in March-June 2025
    assert not Ticket.objects.filter(imported=False).exists()
    assert Ticket.objects.filter(created_at__gte=dt.datetime(2025, 3, 1, tzinfo=SHANGHAI),
                                 created_at__lt=dt.datetime(2025, 7, 1, tzinfo=SHANGHAI)).count() == 32  # fmt: skip


@pytest.mark.postgres  # PostgreSQL's planner statistics (deselected in the SQLite run)
def test_a_long_import_keeps_the_planners_statistics_current(personas: Any, desk: dict[str, Any],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables an import grows are analyzed as they double: the planner knows how many notes
    there are (before: a table last analyzed empty made each batch's note lookup scan every note,
    and a million-row import slowed down batch by batch)."""
    monkeypatch.setattr(loading, "ANALYZE_FIRST", 1)
    run(*SAMPLES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname IN ('tickets_ticket', 'tickets_message')")
        estimated = dict(cursor.fetchall())
    assert estimated == {"tickets_ticket": Ticket.objects.count(), "tickets_message": Message.objects.count()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # (the groups the migrations made stay)
def test_a_committing_run_refreshes_the_statistics_beside_its_writes(
    personas: Any, desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real run commits each batch, so the statistics are refreshed on a connection of their own,
    in a thread, while the run writes on (the test above runs inside a transaction: in turn); when
    the run returns they are current, and the thread's connection is closed."""
    seen: list[str] = []
    real = bulk.analyze

    def watched(models_: Any) -> None:
        seen.append(threading.current_thread().name)
        real(models_)

    monkeypatch.setattr(bulk, "analyze", watched)
    monkeypatch.setattr(loading, "ANALYZE_FIRST", 1)
    summary, _progress = run(*SAMPLES)
    assert summary["imported"] == 37 and seen == ["analyze"]
    assert not any(thread.name == "analyze" for thread in threading.enumerate())
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname IN ('tickets_ticket', 'tickets_message')")
        estimated = dict(cursor.fetchall())
    assert estimated == {"tickets_ticket": Ticket.objects.count(), "tickets_message": Message.objects.count()}


def test_reimporting_the_samples_changes_nothing(personas: Any, desk: dict[str, Any]) -> None:
    run(*SAMPLES)
    tickets, customers, checkins = Ticket.objects.count(), Customer.objects.count(), Checkin.objects.count()
    again, _progress = run(*SAMPLES)
    assert (again["imported"], again["duplicates"]) == (0, 37)
    assert again["quarantined"] == 2  # retried, still without a date
    assert (Ticket.objects.count(), Customer.objects.count(), Checkin.objects.count()) == (tickets, customers, checkins)


def test_dry_run_prints_the_result_and_writes_nothing(personas: Any, desk: dict[str, Any]) -> None:
    summary, _progress = run(*SAMPLES, "--dry-run")
    assert summary["dry_run"] and summary["rows"] == 39 and summary["imported"] == 37
    assert not Ticket.objects.exists() and not ImportedRow.objects.exists()
    assert not Customer.objects.filter(provisional=True).exists()


def test_no_create_customers_quarantines_unknown_customers(personas: Any, desk: dict[str, Any]) -> None:
    summary, _progress = run(SAMPLES[0], "--no-create-customers")
    assert summary["reasons"]["no_customer"] == 13  # 速达物流 ×5 (one has no date), Kaito Pay ×4, MoonLight ×3, 子账号1
    assert summary["provisional_customers"] == []
    assert summary["rows"] == summary["imported"] + summary["quarantined"]


def test_the_text_report_adds_up(personas: Any, desk: dict[str, Any]) -> None:
    out = StringIO()
    call_command("import-logs", SAMPLES[0], stdout=out, stderr=StringIO())
    assert "25 rows = 24 imported + 0 duplicates + 1 quarantined" in out.getvalue()
    assert "quarantined, no_date: 1" in out.getvalue()


def test_a_profile_maps_columns_the_detector_would_miss(personas: Any, desk: dict[str, Any], tmp_path: Path) -> None:
    log = tmp_path / "handover.csv"
    log.write_text("when,who,what,done by\n2025-03-05,Bluewave Games,DLR missing,小李\n", encoding="utf-8")
    MappingProfile.objects.create(name="handover", mapping={"when": "date", "who": "customer", "what": "issue",
                                                            "done by": "owner"},
                                  created_at=clock.now(), updated_at=clock.now())  # fmt: skip
    summary, _progress = run(str(log), "--profile", "handover")
    assert summary["imported"] == 1
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.customer, ticket.owner) == ("DLR missing", desk["bluewave"], personas.agent)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/ops.csv"], "no such file"),
        ([str(LEGACY)], "not a file"),
        ([SAMPLES[0], "--profile", "nope"], "No mapping profile named 'nope'"),
        ([SAMPLES[0], "--timezone", "Mars/Olympus"], "Unknown timezone"),
        ([SAMPLES[0], "--year", "25"], "not a plausible year"),
    ],
)
def test_bad_input_stops_with_a_clear_message(db: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("import-logs", *args, stdout=StringIO(), stderr=StringIO())
    assert not ImportedRow.objects.exists()


def test_an_unreadable_file_stops_before_anything_is_written(db: Any, tmp_path: Path) -> None:
    old = tmp_path / "ops.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import-logs", SAMPLES[0], str(old), stdout=StringIO(), stderr=StringIO())
    assert not Ticket.objects.exists()


def test_ctrl_c_stops_with_a_short_message_and_the_exit_code_of_an_interrupt(db: Any, monkeypatch: Any,
                                                                               tmp_path: Path) -> None:  # fmt: skip
    def interrupted(**kwargs: Any) -> Any:
        raise KeyboardInterrupt

    log = tmp_path / "ops.csv"
    log.write_text("日期,客户,问题描述\n2025/3/5,Bluewave Games,送达率下降\n", encoding="utf-8")
    monkeypatch.setattr(loading, "run_files", interrupted)
    with pytest.raises(CommandError, match=r"Interrupted: import run #\d+ is marked failed") as stopped:
        call_command("import-logs", str(log), stdout=StringIO(), stderr=StringIO())
    assert stopped.value.returncode == 130


def test_a_nul_character_in_a_cell_is_shown_and_the_rest_imports(personas: Any, tmp_path: Path) -> None:
    # PostgreSQL's text cannot hold NUL: one in a cell used to fail the whole run there.
    log = tmp_path / "nul.csv"
    log.write_text("日期,客户,问题描述\n2025-03-05,月光\x00农场,送达率\x00下降\n2025-03-06,Kaito Pay,余额不足\n",
                   encoding="utf-8")  # fmt: skip
    summary, _err = run(str(log))
    assert (summary["rows"], summary["imported"]) == (2, 2)
    ticket = Ticket.objects.get(subject__startswith="送达率")
    assert ticket.subject == "送达率\ufffd下降"
    assert ticket.customer is not None and ticket.customer.name == "月光\ufffd农场"
    assert "\ufffd" in ImportedRow.objects.get(ticket=ticket).raw


def test_a_workbook_with_a_broken_sheet_stops_naming_the_sheet(db: Any, tmp_path: Path) -> None:
    import zipfile

    import openpyxl

    good = tmp_path / "good.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["日期", "客户", "问题描述"])
    book.active.append(["2025-03-05", "Kaito Pay", "余额不足"])
    second = book.create_sheet("April")
    second.append(["日期", "客户", "问题描述"])
    second.append(["2025-04-05", "Kaito Pay", "送达率下降"])
    book.save(good)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            target.writestr(entry, data[: len(data) // 2] if entry.filename.endswith("sheet2.xml") else data)
    with pytest.raises(CommandError, match=r"broken\.xlsx: the sheet “April” cannot be read"):
        call_command("import-logs", str(broken), stdout=StringIO(), stderr=StringIO())


def test_a_big5_log_with_traditional_headers_and_statuses_imports_like_a_simplified_one(
    personas: Any, desk: dict[str, Any], tmp_path: Path
) -> None:
    log = tmp_path / "taipei.csv"
    text = ("日期,客戶,問題描述,負責人,狀態,解決時間,備註\n"
            "2025-03-05 10:00,星河科技,越南簡訊送達率下降,小李,已解決,2025-03-06 09:00,已處理\n")
    log.write_bytes(text.encode("big5"))
    summary, _err = run(str(log))
    assert (summary["rows"], summary["imported"]) == (1, 1)
    ticket = Ticket.objects.get()
    assert ticket.customer == desk["xinghe"] and ticket.owner == personas.agent
    assert ticket.status == Status.RESOLVED and ticket.resolved_at == dt.datetime(2025, 3, 6, 1, 0, tzinfo=dt.UTC)


def test_a_row_continues_a_ticket_an_earlier_run_opened_through_its_vendor_case(
    personas: Any, desk: dict[str, Any], tmp_path: Path
) -> None:
    first, later = tmp_path / "may-a.md", tmp_path / "may-b.md"
    first.write_text("## 星河科技\n- 2025-05-06 越南短信失败，已开 case 04601122\n", encoding="utf-8")
    later.write_text("## 星河科技\n- 2025-05-09 case 04601122 vonage 回复已恢复\n"
                     "## Bluewave Games\n- 2025-05-10 case 04601122 asked about it too\n",
                     encoding="utf-8")  # fmt: skip
    assert run(str(first))[0]["outcomes"] == {"ticket": 1}
    summary, _err = run(str(later))
    # 星河科技's row continues its ticket; another customer's row naming the case opens its own.
    assert summary["outcomes"] == {"timeline": 1, "ticket": 1}
    ticket = Ticket.objects.get(customer=desk["xinghe"])
    assert ticket.status == Status.RESOLVED
    assert ticket.messages.filter(body__contains="vonage 回复已恢复").exists()


def test_a_resolution_date_in_the_future_is_taken_for_a_typo(personas: Any, desk: dict[str, Any],
                                                             tmp_path: Path) -> None:
    log = tmp_path / "typo.csv"
    log.write_text("日期,客户,问题描述,状态,解决时间\n2025-03-09 10:00,星河科技,余额不足,已解决,2031-03-01\n",
                   encoding="utf-8")  # fmt: skip
    assert run(str(log))[0]["imported"] == 1
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at == dt.datetime(2025, 3, 9, 2, 0, tzinfo=dt.UTC)


def test_the_same_bullet_under_two_customers_is_two_rows_and_older_imports_stay_imported(
    personas: Any, desk: dict[str, Any], tmp_path: Path
) -> None:
    summary = run_text(tmp_path, "notes.md", "## 星河科技\n- 5月20日 回访: 客户想要每周送达率报表\n"
                       "## Bluewave Games\n- 5月20日 回访: 客户想要每周送达率报表\n", "--year", "2025")  # fmt: skip
    assert summary["outcomes"] == {"checkin": 2}
    assert set(Checkin.objects.values_list("customer__name", flat=True)) == {"星河科技", "Bluewave Games"}
    # A row imported before the heading was part of a bullet's identity is still found.
    from aftersales.imports.read import read

    assert run_text(tmp_path, "old.md", "## 星河科技\n- 2025-05-06 越南短信失败\n")["imported"] == 1
    (source,) = read(tmp_path / "old.md")
    ImportedRow.objects.filter(fingerprint=source.fingerprint()).update(fingerprint=source.legacy_fingerprint())
    again = run_text(tmp_path, "old.md", "## 星河科技\n- 2025-05-06 越南短信失败\n")
    assert again["duplicates"] == 1 and Ticket.objects.count() == 1


@pytest.mark.parametrize("batch_size", ["1", "500"])
def test_a_row_repeated_in_a_file_counts_once_whatever_the_batches(personas: Any, tmp_path: Path,
                                                                   batch_size: str) -> None:
    summary = run_text(tmp_path, "twice.csv", "日期,客户,问题描述\n,Kaito Pay,no date here\n,Kaito Pay,no date here\n",
                       "--batch-size", batch_size)
    assert (summary["quarantined"], summary["duplicates"]) == (1, 1)
    assert list(ImportedRow.objects.values_list("line", "outcome")) == [(2, "quarantined")]


def test_an_outcome_only_bullet_continues_the_bullet_before_it_under_its_heading(
    personas: Any, desk: dict[str, Any], tmp_path: Path
) -> None:
    summary = run_text(tmp_path, "q2.md", "## Bluewave Games\n- 2025-06-02 still waiting for the KSA sender ID\n"
                       "- June 10 — approved!\n## 星河科技\n- 2025-06-11 已恢复。\n")  # fmt: skip
    # Under 星河科技 nothing comes before it: an outcome on its own is a ticket of its own.
    assert summary["outcomes"] == {"ticket": 2, "timeline": 1}
    waiting = Ticket.objects.get(customer=desk["bluewave"])
    assert waiting.status == Status.RESOLVED and waiting.messages.filter(body__contains="approved!").exists()
    assert Ticket.objects.get(customer=desk["xinghe"]).subject.startswith("已恢复")
