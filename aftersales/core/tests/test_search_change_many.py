"""``index.change_many``: many documents changed in order leave what ``append`` then ``update_meta``
at each change's time leave, with one locking query and one UPDATE."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.core.models import SearchDoc
from aftersales.core.search import index

pytestmark = pytest.mark.django_db
KIND = "test-changed"
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)

# (object_id, text, fields, at): two changes of one document in order, a text with nothing new,
# a status alone, new words alone, and a document that does not exist.
CHANGES: list[tuple[int, str, dict[str, Any], dt.datetime]] = [
    (1, "越南送达率恢复 vonage", {"status": "resolved"}, T0 + dt.timedelta(hours=1)),
    (2, "sender id 注册", {}, T0 + dt.timedelta(hours=2)),
    (1, "重新跟进", {"status": "open", "scope": None}, T0 + dt.timedelta(hours=3)),
    (3, "", {"status": "closed"}, T0 + dt.timedelta(hours=4)),
    (2, "注册", {}, T0 + dt.timedelta(hours=5)),  # no word it lacks: left as it was
    (99, "nobody", {"status": "open"}, T0 + dt.timedelta(hours=6)),
]


def _documents() -> None:
    with time_machine.travel(T0, tick=False):
        for object_id in (1, 2, 3):
            index.put(KIND, object_id, title=f"工单 {object_id}", text="客户反馈送达率下降", status="new",
                      scope="team-a")  # fmt: skip


def _state() -> list[tuple[Any, ...]]:
    return list(SearchDoc.objects.filter(kind=KIND).order_by("object_id")
                .values_list("object_id", "tokens", "status", "scope", "updated_at"))  # fmt: skip


def _written(write: Any) -> list[tuple[Any, ...]]:
    with transaction.atomic():
        _documents()
        write()
        state = _state()
        transaction.set_rollback(True)
    return state


def _one_by_one() -> None:
    for object_id, text, fields, at in CHANGES:
        with time_machine.travel(at, tick=False):
            index.append(KIND, object_id, text)
            if fields:
                index.update_meta(KIND, object_id, **fields)


def test_change_many_leaves_what_append_and_update_meta_leave() -> None:
    one_by_one = _written(_one_by_one)
    together = _written(lambda: index.change_many(KIND, CHANGES))
    assert together == one_by_one
    first, second, third = one_by_one
    assert first[2:] == ("open", "", T0 + dt.timedelta(hours=3)) and "重新" in first[1].split()
    assert second[2] == "new" and second[4] == T0 + dt.timedelta(hours=2) and "senderid" in second[1].split()
    assert third[2:] == ("closed", "team-a", T0 + dt.timedelta(hours=4))
    assert not SearchDoc.objects.filter(kind=KIND, object_id=99).exists()


def test_change_many_costs_the_same_queries_for_few_and_many() -> None:
    _documents()
    with CaptureQueriesContext(connection) as few:
        index.change_many(KIND, CHANGES[:2])
    with CaptureQueriesContext(connection) as many:
        index.change_many(KIND, CHANGES * 5)
    assert len(many) == len(few)


def test_an_unknown_field_is_refused_before_anything_is_written() -> None:
    _documents()
    before = _state()
    with pytest.raises(TypeError, match="change_many\\(\\) got unexpected fields: title"):
        index.change_many(KIND, [(1, "新词", {"status": "open"}, T0), (2, "", {"title": "x"}, T0)])
    assert _state() == before
