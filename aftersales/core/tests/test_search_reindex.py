"""``aftersales reindex``: rebuilds a kind's documents from its source, removes the ones whose record is gone."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from aftersales.core.models import SearchDoc
from aftersales.core.search import index, query
from aftersales.core.search.registry import SearchSource, register_source, unregister_source

pytestmark = pytest.mark.django_db
KIND = "test-reindexed"


@pytest.fixture
def records() -> Iterator[dict[int, str]]:
    store: dict[int, str] = {}

    def reindex() -> Iterator[dict[str, Any]]:
        for object_id, text in sorted(store.items()):
            yield {
                "kind": KIND,
                "object_id": object_id,
                "title": f"Record {object_id}",
                "text": text,
                "ref": f"R-{object_id}",
                "status": "open",
            }

    register_source(
        SearchSource(
            kind=KIND,
            label="Records",
            url=lambda object_id, ref: f"/r/{object_id}/",
            texts=lambda ids: {i: store[i] for i in ids if i in store},
            allowed=lambda user: True,
            reindex=reindex,
            count=lambda: len(store),
        )
    )
    yield store
    unregister_source(KIND)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("reindex", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_reindex_builds_every_document_with_progress(records: dict[int, str]) -> None:
    for i in range(1, 2501):
        records[i] = f"客户反馈短信发送失败 ticket {i}" if i % 2 else f"Vonage balance low {i}"
    out, err = run("--kind", KIND, "--batch-size", "500")
    assert SearchDoc.objects.filter(kind=KIND).count() == 2500
    assert "Reindexed 2,500 documents" in out
    assert "2,500/2,500" in err and "100.0%" in err
    broad = query.search("短信", kinds=[KIND])  # past the count cap: "more than 1,000", newest first
    assert (broad.count, broad.count_capped) == (query.COUNT_CAP, True)
    assert broad.items[0].object_id == 2499
    assert query.search("vonage balance 2500", kinds=[KIND]).count == 1
    hit = query.search("短信", kinds=[KIND], per_page=1).items[0]
    assert hit.ref.startswith("R-") and hit.url.startswith("/r/") and "<mark>短信</mark>" in hit.snippet


def test_reindex_replaces_changed_and_removes_gone_documents(records: dict[int, str]) -> None:
    records.update({1: "模板被拒", 2: "余额不足", 3: "盗刷"})
    run("--kind", KIND)
    index.put("other-kind", 1, title="keep me", text="模板")  # other kinds are left alone
    records[1] = "模板已通过"
    del records[3]
    _out, err = run("--kind", KIND)
    assert sorted(SearchDoc.objects.filter(kind=KIND).values_list("object_id", flat=True)) == [1, 2]
    assert "removed 1 documents" in err
    assert query.search("通过", kinds=[KIND]).count == 1
    assert query.search("被拒", kinds=[KIND]).count == 0
    assert query.search("盗刷", kinds=[KIND]).count == 0
    assert SearchDoc.objects.filter(kind="other-kind").count() == 1


def test_unknown_kind_is_a_clear_error(records: dict[int, str]) -> None:
    with pytest.raises(CommandError, match="Unknown search kind: nope"):
        run("--kind", "nope")
