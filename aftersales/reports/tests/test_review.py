"""The review report (复盘): its facts, the command in every format, the web version whose every
number links to exactly that many tickets, and the downloads."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from aftersales.reports import periods
from aftersales.reports.review import facts
from aftersales.reports.scope import Scope
from aftersales.sla.models import Calendar, Policy
from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import Category, RootCause, Status, Ticket

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
HOUR = 3600


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=dt.UTC)  # hour in Shanghai


def _ticket(when: dt.datetime, *, customer: Any, owner: Any = None, category: Category | None = None,
            channel: str = "email", first_response: int | None = None, resolved_after: dt.timedelta | None = None,
            resolution: int | None = None, breached: bool = False, policy: Policy | None = None,
            with_us: int = 0, waiting_vendor: int = 0, waiting_customer: int = 0, reopened: int = 0,
            root_cause: RootCause | None = None, subject: str = "Delivery to Vietnam failing") -> Ticket:
    with time_machine.travel(when, tick=False):
        ticket = make_ticket(subject, customer=customer, channel=channel, owner=owner, category=category)
    changes: dict[str, Any] = {
        "first_response_seconds": first_response, "sla_policy": policy, "first_response_breached": breached,
        "seconds_with_us": with_us, "seconds_waiting_vendor": waiting_vendor,
        "seconds_waiting_customer": waiting_customer, "reopen_count": reopened, "root_cause": root_cause,
    }
    if resolved_after is not None:
        changes.update(status=Status.RESOLVED, resolved_at=when + resolved_after,
                       resolution_seconds=resolution if resolution is not None else int(resolved_after.total_seconds()))
    Ticket.objects.filter(pk=ticket.pk).update(**changes)
    ticket.refresh_from_db()
    return ticket


def seed(personas: Any) -> dict[str, Any]:
    """October 2026 against September: slower first responses, breaches piled up in Sender ID,
    documentation gaps, long waits on the vendor, a reopening, two proactive tickets (one after the
    customer had already reported)."""
    policy = Policy.objects.create(name="Review SLA", order=0, calendar=Calendar.get_default())
    sender = Category.objects.get(code="sender-id")
    delivery, _ = Category.objects.get_or_create(code="review-delivery",
                                                 defaults={"name_en": "Delivery rate", "name_zh": "送达率"})
    gap = RootCause.objects.get(code="documentation-gap")
    customer, other = personas.customer, personas.other_customer
    oct_days = [dt.date(2026, 10, d) for d in (3, 5, 8, 12, 15, 20, 22, 27)]
    for i, day in enumerate(oct_days[:6]):
        _ticket(_at(day), customer=customer, owner=personas.agent, category=sender, first_response=(5 + i) * HOUR,
                resolved_after=dt.timedelta(days=1), resolution=(20 + i) * HOUR, breached=i < 4, policy=policy,
                with_us=2 * HOUR, waiting_vendor=6 * HOUR, root_cause=gap if i < 3 else None,
                subject=f"Sender ID for Vietnam {i}")
    for i, day in enumerate(oct_days[5:8]):
        _ticket(_at(day), customer=other, owner=personas.agent2, category=delivery, channel="chat",
                first_response=(2 + i) * HOUR, resolved_after=dt.timedelta(hours=5), breached=i == 0, policy=policy,
                with_us=3 * HOUR, waiting_customer=HOUR, reopened=1 if i == 0 else 0)
    # Early warning: one before anybody reported; one two hours after the customer's own ticket.
    _ticket(_at(dt.date(2026, 10, 9)), customer=other, channel="monitoring", subject="DLR rate dropped in Vietnam")
    _ticket(_at(dt.date(2026, 10, 18), 9), customer=customer, channel="email", subject="Messages not arriving")
    _ticket(_at(dt.date(2026, 10, 18), 11), customer=customer, channel="monitoring", subject="DLR rate dropped")
    # September: fewer tickets, faster first responses.
    for i, day in enumerate([dt.date(2026, 9, d) for d in (4, 10, 16, 24)]):
        _ticket(_at(day), customer=customer, owner=personas.agent, category=sender, first_response=(1 + i) * HOUR,
                resolved_after=dt.timedelta(hours=8), breached=False, policy=policy, with_us=4 * HOUR)
    return {"sender": sender, "delivery": delivery}


def build(scope_text: str = "2026-10", **kwargs: Any) -> facts.Review:
    with time_machine.travel(NOW, tick=False):
        return facts.build(Scope(periods.parse(scope_text), **kwargs))


# --- Facts ---------------------------------------------------------------------------------------
def test_the_review_states_the_facts_with_comparisons(personas):
    seed(personas)
    review = build()
    assert [s.number for s in review.sections] == [1, 2, 3, 4, 5, 6, 7]
    text = "\n".join(f.plain() for s in review.sections for f in s.facts)
    assert "Tickets opened: 12, up from 4." in text
    # Medians: October's first responses 2,3,4,5..10 h (9 values) -> 6.0 h; September 1..4 h -> 2.5 h.
    assert "First response median (business hours): 6.0 h, up from 2.5 h." in text
    # 5 breaches, 4 of them in Sender ID (80%).
    assert "80% of SLA breaches (4 of 5) were in Sender ID application." in text
    assert "3 tickets resolved in this period were caused by a documentation gap." in text
    assert "Opened before the customer reported: 1" in text
    well_badly = review.sections[1]
    assert {f.tone for f in well_badly.facts} >= {"bad"}
    owners = review.sections[0].tables[0]
    assert [row[0] for row in owners.rows][:2] == ["Li Heping", "Yang Meng"]


def test_the_review_in_chinese_has_the_seed_steps(personas):
    seed(personas)
    from django.utils import translation

    with translation.override("zh-hans"):
        review = build()
        titles = [s.title for s in review.sections]
    assert titles[0] == "概况与责任分配" and titles[6] == "改进建议"


def test_the_previous_quarter_is_the_comparison(personas):
    seed(personas)
    review = build("2026-Q4")
    assert review.scope.previous().period.code == "2026-Q3"
    text = "\n".join(f.plain() for s in review.sections for f in s.facts)
    assert "Tickets opened: 12, up from 4." in text


def test_an_empty_period_says_so(personas):
    review = build("2025-01")
    text = "\n".join(f.plain() for s in review.sections for f in s.facts)
    assert "First response median (business hours): no data in this period." in text
    assert not review.fired


# --- The web version: every number traced ------------------------------------------------------
_LINK = re.compile(r'<a href="([^"]+)" data-count="(\d+)">')


def test_every_number_of_the_web_version_lists_exactly_its_tickets(client, personas):
    seed(personas)
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/review/?period=2026-10&language=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "First response median (business hours)" in html
    links = set(_LINK.findall(html.replace("&amp;", "&")))
    assert len(links) > 30
    for href, count in links:
        listing = client.get(href)
        assert listing.status_code == 200, href
        shown = re.search(r'data-testid="report-count" data-count="(\d+)"', listing.content.decode())
        assert shown is not None and shown[1] == count, (href, count, shown and shown[1])


def test_the_web_version_in_chinese(client, personas):
    seed(personas)
    client.force_login(personas.viewer)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/review/?period=2026-10&language=zh-hans")
    html = page.content.decode()
    assert page.status_code == 200 and "概况与责任分配" in html and "预警" in html


def test_the_form_and_bad_input(client, personas):
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        form = client.get("/reports/review/")
        assert form.status_code == 200 and 'value="2026-10"' in form.content.decode()
        assert '<option value="en" selected>' in form.content.decode()  # the reader's language first
        bad = client.get("/reports/review/?period=2026-13")
        assert bad.status_code == 400 and "2026-13" in bad.content.decode()
        bad = client.get("/reports/review/?period=2026-10&language=fr")
        assert bad.status_code == 400 and "fr" in bad.content.decode()
        bad = client.get("/reports/review/export/?period=2026-10&format=doc")
        assert bad.status_code == 400 and "doc" in bad.content.decode()
    client.force_login(personas.agent)
    assert client.get("/reports/review/?period=2026-10").status_code == 403


@pytest.mark.parametrize(("fmt", "kind"), [("pdf", "application/pdf"), ("md", "text/markdown"),
                                           ("xlsx", "spreadsheetml"), ("html", "text/html")])
def test_downloads_are_attachments(client, personas, fmt, kind):
    seed(personas)
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/reports/review/export/?period=2026-10&language=en&format={fmt}")
    assert response.status_code == 200 and kind in response["Content-Type"]
    assert response["Content-Disposition"] == f'attachment; filename="review-2026-10-en.{fmt}"'


# --- The command ---------------------------------------------------------------------------------
def test_command_writes_markdown(personas, tmp_path):
    seed(personas)
    out = tmp_path / "review.md"
    with time_machine.travel(NOW, tick=False):
        call_command("review", "--period", "2026-10", "--language", "en", "--format", "md", "--output", str(out))
    text = out.read_text()
    assert text.startswith("# Review of 2026-10")
    assert "## 7. Recommendations" in text
    assert "| Li Heping | 6 | 6 |" in text
    assert "80% of SLA breaches (4 of 5) were in Sender ID application." in text


def test_command_writes_xlsx_with_a_sheet_per_table(personas, tmp_path):
    seed(personas)
    out = tmp_path / "review.xlsx"
    with time_machine.travel(NOW, tick=False):
        call_command("review", "--period", "2026-10", "--language", "en", "--format", "xlsx", "--output", str(out))
    book = load_workbook(out, read_only=True)
    assert {"facts", "owners", "categories", "root_causes", "churn", "rules"} <= set(book.sheetnames)
    rows = list(book["categories"].iter_rows(values_only=True))
    assert rows[1][:3] == ("Category", "Tickets opened", "Previous period")
    assert ("Sender ID application", 6, 4) in [r[:3] for r in rows[2:]]


def test_command_writes_a_chinese_pdf_with_real_text(personas, tmp_path):
    seed(personas)
    out = tmp_path / "review.pdf"
    with time_machine.travel(NOW, tick=False):
        call_command("review", "--period", "2026-10", "--language", "zh-hans", "--format", "pdf",
                     "--output", str(out))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    for title in ("概况与责任分配", "问题分类", "改进建议"):
        assert title in text


def test_command_writes_english_pdf_and_html(personas, tmp_path):
    seed(personas)
    with time_machine.travel(NOW, tick=False):
        call_command("review", "--from", "2026-10-01", "--to", "2026-10-31", "--language", "en", "--format", "pdf",
                     "--output", str(tmp_path / "r.pdf"))
        call_command("review", "--period", "2026-Q4", "--language", "en", "--format", "html",
                     "--output", str(tmp_path / "r.html"))
    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "r.pdf")).pages)
    assert "Overview and responsibilities" in text and "2026-10-01 to 2026-10-31" in text
    assert "Q4 2026" in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("args", [["--period", "2026-13"], ["--from", "2026-10-01"], [],
                                  ["--period", "2026-10", "--customer", "no-such"]])
def test_command_refuses_bad_periods_clearly(personas, args, tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("review", *args, "--output", str(tmp_path / "x.md"), "--format", "md")
    assert str(exc.value)


def test_command_exits_non_zero_on_a_bad_period(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "aftersales", "review", "--period", "2026-13", "--format", "md",
         "--output", str(tmp_path / "x.md")], capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0 and "2026-13" in result.stderr


def test_pdf_without_pango_is_a_clear_503_and_the_other_formats_still_work(client, personas, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    client.force_login(personas.lead)
    response = client.get("/reports/review/export/?period=2026-10&language=en&format=pdf")
    assert response.status_code == 503
    assert "libpango-1.0-0" in response.content.decode() and "other formats work" in response.content.decode()
    assert client.get("/reports/review/export/?period=2026-10&language=en&format=md").status_code == 200
