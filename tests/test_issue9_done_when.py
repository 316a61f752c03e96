"""Issue 9, "done when": both shared samples import with every row accounted for, sensible
customers, owners, categories, times and vendor-case links; re-importing changes nothing; the
review report for March–June 2025 then shows those tickets.

(Row-by-row expectations for each sample: ``aftersales/imports/tests/test_command.py`` and
``test_interpret.py``; this test walks the whole path a lead takes, command then review.)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from aftersales.core import clock
from aftersales.imports.models import AgentAlias, ImportedRow
from aftersales.sms.models import VendorCase
from aftersales.testing.factories import make_customer
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "aftersales" / "imports" / "tests" / "samples"
FILES = [str(SAMPLES / "ops-log-2025.csv"), str(SAMPLES / "customer-notes.md")]


def _import() -> dict:
    out = StringIO()
    call_command("import-logs", *FILES, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_issue9_done_when(personas, tmp_path):
    with time_machine.travel(dt.datetime(2025, 7, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        for alias, user in (("小李", personas.agent), ("杨", personas.agent2), ("老韩", personas.lead)):
            AgentAlias.objects.create(alias=alias, key=alias, user=user, created_at=clock.now())
        make_customer("xinghe", "星河科技", tier="key")
        first = _import()
        tickets = Ticket.objects.count()
        assert first["rows"] == first["imported"] + first["duplicates"] + first["quarantined"] == 39
        assert first["duplicates"] == 0 and ImportedRow.objects.count() == 39
        assert Ticket.objects.filter(imported=True).count() == tickets == first["outcomes"]["ticket"]
        assert Ticket.objects.filter(owner__isnull=False).count() >= tickets * 2 // 3  # owners from the aliases
        assert Ticket.objects.filter(category__isnull=False).count() >= tickets * 2 // 3
        assert VendorCase.objects.filter(case_number="04601122").get().tickets.count() == 1  # two rows, one ticket

        again = _import()
        assert again["duplicates"] == again["rows"] - again["quarantined"] and again["imported"] == 0
        assert Ticket.objects.count() == tickets and ImportedRow.objects.count() == 39

    out = tmp_path / "review.md"
    call_command("review", "--from", "2025-03-01", "--to", "2025-06-30", "--language", "en", "--format", "md",
                 "--output", str(out), stdout=StringIO())
    text = out.read_text()
    opened = Ticket.objects.filter(created_at__gte=dt.datetime(2025, 3, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8),
                                   created_at__lt=dt.datetime(2025, 7, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8))
    assert opened.count() >= tickets - 2
    assert re.search(rf"\b{opened.count()}\b tickets? opened|opened[^\n]*\b{opened.count()}\b", text), text[:1500]
