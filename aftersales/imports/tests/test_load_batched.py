"""The batched loader (``tickets.actions.import_tickets``) writes exactly what the per-row path writes.

The shared samples go through the per-row actions (open_ticket, add_note, change_status, one row
at a time) and through the batched path, each inside a transaction rolled back afterwards; the
tickets, notes, timeline events, audit entries, search docs and search results must be the same
field by field (references and primary keys aside: they are matched by the row's fingerprint).
A third file exercises the vendor cases the batch opens, links and resolves (cases, links, case
notes and their audit entries are compared too).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.audit.models import AuditEntry
from aftersales.core import clock
from aftersales.core.models import SearchDoc
from aftersales.core.search import tokens as search_tokens
from aftersales.core.search.query import search
from aftersales.customers.models import Customer
from aftersales.feedback.checkins import save_plan
from aftersales.feedback.models import Checkin, CheckinPlan
from aftersales.imports import load as loading
from aftersales.imports.models import AgentAlias, ImportedRow
from aftersales.sms import cases as case_actions
from aftersales.sms.models import VendorCase, VendorCaseNote
from aftersales.testing.factories import make_customer
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("frozen")

SAMPLES = Path(__file__).parent / "samples"
FILES = [(str(SAMPLES / name), name) for name in ("ops-log-2025.csv", "customer-notes.md")]
# Vendor cases: opened and resolved by one row, linked later (open or resolved), two in a row, one
# twice in a row, one the desk had before, a continuation in the same batch, a check-in naming one;
# check-ins (written with their batch too) and the plan they move.
CASE_ROWS = [
    ("2025/4/1", "Bluewave Games", "越南送达率下降", "小李", "处理中", "", "已开 case 04700001，vonage"),
    ("2025/4/1", "星河科技", "印尼送达率下降", "杨", "已解决", "2025/4/3", "case 04700002 已恢复"),
    ("2025/4/2", "速达物流", "菲律宾延迟", "", "pending", "", "同 case 04700001"),
    ("2025/4/2", "Bluewave Games", "Sender ID rejected", "老韩", "已关闭", "2025/4/4", "case 04700002 / case 04700003"),
    ("2025/4/3", "星河科技 子账号2", "余额不足", "小李", "已解决", "2025/4/3", "case 04700003 case 04700003"),
    ("2025/4/4", "新客户甲", "验证码异常暴增", "杨", "已解决", "2025/4/5", "case 05900001 已回复"),
    ("2025/4/5", "Bluewave Games", "case 04700001 vonage 回复已恢复", "小李", "已解决", "2025/4/6", ""),
    # Continuations of one ticket in a row (written with their batch): reopened, then resolved again.
    ("2025/4/7", "Bluewave Games", "case 04700001 客户反馈又有延迟", "小李", "处理中", "", ""),
    ("2025/4/8", "Bluewave Games", "case 04700001 vonage 二次修复", "老韩", "已解决", "2025/4/9", "换通道"),
    ("2025/4/6", "速达物流", "月度回访 case 04700001", "老韩", "", "", ""),
    ("2025/4/7", "新客户乙", "template rejected", "", "done", "2025/4/8", "case 04700004"),
    # Two check-ins of a customer with a plan, in one batch: the plan ends as the second leaves it.
    ("2025/4/8", "星河科技", "月度回访：客户对送达率满意", "杨", "", "", ""),
    ("2025/4/9", "星河科技", "月度回访 电话沟通", "小李", "", "", ""),
]


@pytest.fixture
def case_file(tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "cases-2025.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["日期", "客户", "问题描述", "处理人", "状态", "解决时间", "备注"])
        out.writerows(CASE_ROWS)
    return str(path), path.name


QUERIES = ["送达率", "vonage", "验证码", "Bluewave", "星河科技", "case", "Imported", "participants", "余额"]


@pytest.fixture
def desk(personas: Any) -> None:
    for alias, user in (("小李", personas.agent), ("杨", personas.agent2), ("老韩", personas.lead)):
        AgentAlias.objects.create(alias=alias, key=alias, user=user, created_at=clock.now())
    xinghe = make_customer("xinghe", "星河科技", tier="key")
    save_plan(customer=xinghe, actor=personas.lead, cadence_days=30, owner=personas.agent)
    make_customer("xinghe-2", "星河科技 子账号2", parent=xinghe)
    with clock.moving(clock.now() - dt.timedelta(days=400)):  # a case the desk had before the import
        case_actions.open_case(vendor="simulator", case_number="05900001", subject="Earlier case", actor=None)


def _snapshot(user: Any) -> dict[str, Any]:
    """Everything the import wrote about tickets, keyed by the rows' fingerprints instead of pks/refs."""
    key = dict(Ticket.objects.values_list("pk", "source_ref"))
    refs = {ref: key[pk] for pk, ref in Ticket.objects.values_list("pk", "ref")}

    def unref(value: Any) -> Any:
        text = str(value)
        for ref, fingerprint in refs.items():
            text = text.replace(ref, f"<{fingerprint}>")
        return text

    customers = dict(Customer.objects.values_list("pk", "name"))  # provisional ones get new pks each time
    skip = {"id", "number", "ref"}
    tickets: dict[str, dict[str, Any]] = {}
    for row in Ticket.objects.values():
        fields = {name: value for name, value in row.items() if name not in skip}
        fields["customer_id"] = customers.get(row["customer_id"] or 0)
        tickets[row["source_ref"]] = fields
    messages = {message.pk: message for message in Message.objects.all()}
    notes = sorted(
        (key[m.ticket_id], m.kind, unref(m.body), m.created_at, m.imported, m.channel, m.author_user_id)
        for m in messages.values()
    )
    timeline = sorted(
        (key[e.ticket_id], e.kind, e.at, unref(e.before), unref(e.after), e.reason, e.actor_id)
        for e in TicketEvent.objects.all()
    )

    def audit_after(entry: AuditEntry) -> str:
        after = dict(entry.after)
        if "message" in after:  # a pk: the note's text instead
            after["message"] = unref(messages[after["message"]].body)
        return unref(after)

    audit = sorted(
        (entry.action, entry.at, entry.actor_label, entry.object_type,
         key.get(int(entry.object_id), entry.object_id) if entry.object_type == "tickets.ticket" else "",
         unref(entry.object_label) if entry.object_type == "tickets.ticket" else "", unref(entry.before),
         audit_after(entry))
        for entry in AuditEntry.objects.filter(action__startswith="ticket.").exclude(action="ticket.import")
    )  # fmt: skip
    imports = [  # the batched path's one entry a batch
        {**entry.after, "tickets": [refs[ref] for ref in entry.after["tickets"]], "actor": entry.actor_label}
        for entry in AuditEntry.objects.filter(action="ticket.import")
    ]
    docs = {
        key[doc.object_id]: (doc.title, doc.tokens, doc.status, customers.get(doc.customer_id or 0), doc.language,
                             doc.happened_at, doc.updated_at, unref(doc.ref))
        for doc in SearchDoc.objects.filter(kind="ticket")
    }  # fmt: skip
    numbers = dict(VendorCase.objects.values_list("pk", "case_number"))
    cases = {
        row["case_number"]: {name: value for name, value in row.items() if name not in ("id", "case_number")}
        for row in VendorCase.objects.values()
    }
    links = sorted((numbers[row.vendorcase_id], key[row.ticket_id]) for row in VendorCase.tickets.through.objects.all())
    case_notes = sorted((numbers[n.case_id], n.kind, n.body, n.at, n.author_id) for n in VendorCaseNote.objects.all())
    case_audit = sorted(
        (entry.action, entry.at, entry.actor_label, entry.object_label, unref(entry.before), unref(entry.after))
        for entry in AuditEntry.objects.filter(action__startswith="sms.")
    )
    checkins = {
        c.source_ref: (customers[c.customer_id], c.owner_id, c.occurred_at, c.kind, c.notes, c.logged_by_id,
                       c.logged_at, c.source)
        for c in Checkin.objects.all()
    }  # fmt: skip
    plans = sorted((customers[p.customer_id], p.last_checkin_at, p.next_due_on, p.updated_at)
                   for p in CheckinPlan.objects.all())  # fmt: skip
    rows = {  # what each row produced: its ticket and the note that holds its text
        row.fingerprint: (row.outcome, row.reason, key.get(row.ticket_id or 0),
                          unref(messages[row.message_id].body) if row.message_id else None)
        for row in ImportedRow.objects.all()
    }  # fmt: skip
    found = {
        q: sorted(key[hit.object_id] for hit in search(q, kinds=["ticket"], per_page=100, user=user).items)
        for q in QUERIES
    }
    return {
        "tickets": tickets,
        "notes": notes,
        "timeline": timeline,
        "audit": audit,
        "imports": imports,
        "docs": docs,
        "found": found,
        "cases": cases,
        "links": links,
        "case_notes": case_notes,
        "case_audit": case_audit,
        "checkins": checkins,
        "rows": rows,
        "plans": plans,
    }


def _import(*, batched: bool, user: Any, files: list[tuple[str, str]]) -> tuple[dict[str, Any], loading.Summary]:
    if connection.vendor == "postgresql":  # the same case pks both times: the notes link to /sms/cases/<pk>/
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('sms_vendorcase', 'id'), 1000, false)")
    with transaction.atomic():
        run = loading.start_run(actor=None, files=[{"name": name, "path": path, "size": 0} for path, name in files])
        items = loading.interpreted(files)
        if batched:  # as the command reads: the reading process hands over the lines' search tokens
            items = loading.with_line_tokens(items)
        summary = loading.load(items, run=run, batched=batched, batch_size=10)
        snapshot = _snapshot(user)
        transaction.set_rollback(True)
    return snapshot, summary


def test_the_batched_path_writes_what_the_per_row_path_writes(personas: Any, desk: None, case_file: tuple[str, str],
                                                              monkeypatch: Any) -> None:  # fmt: skip
    calls: list[int] = []
    real = ticket_actions.import_tickets

    linked: list[int] = []

    def counted(items: Any, **kwargs: Any) -> Any:
        calls.append(len(items))
        linked.append(sum(1 for item in items if item.steps))  # tickets whose vendor cases went with the batch
        return real(items, **kwargs)

    monkeypatch.setattr(ticket_actions, "import_tickets", counted)
    continued: list[list[int]] = []  # each batch of continuations: its tickets' pks
    real_notes = ticket_actions.import_notes

    def counted_notes(items: Any, **kwargs: Any) -> Any:
        continued.append([item.ticket.pk for item in items])
        return real_notes(items, **kwargs)

    monkeypatch.setattr(ticket_actions, "import_notes", counted_notes)
    handed: list[int] = []  # lines whose tokens the writer took as handed over
    real_known = search_tokens.known_lines

    @contextlib.contextmanager
    def counted_known(known: dict[str, str]) -> Iterator[None]:
        class Counting(dict[str, str]):
            def get(self, key: str, default: Any = None) -> Any:
                value = super().get(key, default)
                handed.append(value is not None)
                return value

        with real_known(Counting(known)):
            yield

    monkeypatch.setattr(search_tokens, "known_lines", counted_known)
    files = [*FILES, case_file]
    one_by_one, per_row_summary = _import(batched=False, user=personas.agent, files=files)
    assert calls == [] and continued == []
    batched, batched_summary = _import(batched=True, user=personas.agent, files=files)
    assert sum(calls) >= 20 and max(calls) > 1  # most tickets went through the batch
    assert sum(handed) > 100  # the search docs' lines, mostly tokenized by the "reading process"
    assert sum(linked) >= 5
    # Every continuation went with its batch, two of one ticket in one batch at least once.
    assert sum(map(len, continued)) == batched_summary.outcomes["timeline"] >= 4
    assert any(len(set(pks)) < len(pks) for pks in continued)
    assert batched_summary.as_dict() == per_row_summary.as_dict()
    assert len(batched["tickets"]) == len(one_by_one["tickets"]) > 20
    for fingerprint, ticket in one_by_one["tickets"].items():
        assert batched["tickets"][fingerprint] == ticket, fingerprint
    parts = ("notes", "timeline", "docs", "cases", "links", "case_notes", "case_audit", "checkins", "plans", "rows")
    for part in parts:
        assert batched[part] == one_by_one[part], part
    # The audit: each batch writes one entry naming its tickets, where the per-row path writes the
    # entries of each action (open, notes, statuses); the rest (continuations, check-ins) is the same.
    assert one_by_one["imports"] == []
    rest, per_row = Counter(batched["audit"]), Counter(one_by_one["audit"])
    assert not rest - per_row
    stood_for = list((per_row - rest).elements())
    imported = [fingerprint for entry in batched["imports"] for fingerprint in entry["tickets"]]
    assert len(imported) == len(set(imported)) == sum(calls)
    assert sorted(entry[4] for entry in stood_for if entry[0] == "ticket.open") == sorted(imported)
    assert {entry[4] for entry in stood_for} == set(imported)
    assert sum(entry["notes"] for entry in batched["imports"]) == sum(
        1 for entry in stood_for if entry[0] == "ticket.message.note"
    )
    assert sum(entry["status_changes"] for entry in batched["imports"]) == sum(
        1 for entry in stood_for if entry[0] == "ticket.status"
    )
    assert {entry["actor"] for entry in batched["imports"]} == {"system"}
    assert {"04700001", "04700002", "04700003", "04700004", "05900001"} <= set(one_by_one["cases"])
    assert len([link for link in one_by_one["links"] if link[0].startswith("047")]) >= 6
    assert {case["status"] for case in one_by_one["cases"].values()} == {"waiting_vendor", "resolved"}
    assert any(kind == "timeline" for kind in per_row_summary.outcomes)
    assert per_row_summary.outcomes["checkin"] >= 3
    assert len(one_by_one["checkins"]) == per_row_summary.outcomes["checkin"]
    xinghe = sorted(checkin[2] for checkin in one_by_one["checkins"].values() if checkin[0] == "星河科技")
    assert len(xinghe) >= 2 and [plan[:2] for plan in one_by_one["plans"]] == [("星河科技", xinghe[-1])]
    assert any(batched["found"].values())
    assert batched["found"] == one_by_one["found"]


def test_a_batch_costs_the_same_queries_whatever_its_size(personas: Any) -> None:
    def items(count: int) -> list[ticket_actions.ImportedTicket]:
        return [
            ticket_actions.ImportedTicket(subject=f"送达率下降 {n}", opened_at=clock.now(), note=f"Imported: row {n}",
                                          owner=personas.agent, status="resolved", customer=personas.customer)
            for n in range(count)
        ]  # fmt: skip

    ticket_actions.import_tickets(items(1), actor=personas.lead)  # the sequence's row, the actor's groups
    with CaptureQueriesContext(connection) as small:
        ticket_actions.import_tickets(items(2), actor=personas.lead)
    notes: list[Message] = []
    with CaptureQueriesContext(connection) as large:
        tickets = ticket_actions.import_tickets(items(300), actor=personas.lead, first_notes=notes)
    assert len(small) <= 12
    if connection.vendor == "postgresql":  # one INSERT per table (SQLite splits big INSERTs by its variable limit)
        assert len(large) == len(small)
    assert len(large) < 60  # not one query per ticket
    assert len(tickets) == 300 and tickets[0].ref != tickets[-1].ref
    assert [(note.pk, note.body) for note in notes] == [  # each ticket's imported note, no query to find them
        (Message.objects.get(ticket=ticket).pk, f"Imported: row {n}") for n, ticket in enumerate(tickets)
    ]
    assert Ticket.objects.filter(imported=True, status="resolved", owner=personas.agent).count() == 303
    assert Message.objects.filter(imported=True, author_user=personas.lead).count() == 303
    entries = list(AuditEntry.objects.filter(action="ticket.import", actor=personas.lead).order_by("pk"))
    assert [len(entry.after["tickets"]) for entry in entries] == [1, 2, 300]
    assert [entry.after["status_changes"] for entry in entries] == [1, 2, 300]
    assert entries[-1].after["tickets"] == [ticket.ref for ticket in tickets]
    assert not AuditEntry.objects.filter(action="ticket.status").exists()
