"""``core.heap.quiet_collector``: the long-lived heap set aside for a run, and everything put back."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from aftersales.core.heap import THRESHOLD, quiet_collector


@pytest.fixture(autouse=True)
def _clean_collector() -> Iterator[None]:
    assert gc.get_freeze_count() == 0, "the heap was frozen before the test"
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_sets_the_heap_aside_and_puts_it_back() -> None:
    before = gc.get_threshold()
    alive = Node()
    with quiet_collector():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (THRESHOLD, before[1], before[2])
        # What was alive before is not walked: it is not in any generation the collector looks at.
        assert not any(obj is alive for obj in gc.get_objects())
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert any(obj is alive for obj in gc.get_objects())


def test_cycles_made_during_the_run_are_still_collected() -> None:
    collected = threading.Event()
    with quiet_collector():
        first, second = Node(), Node()
        first.other, second.other = second, first
        weakref.finalize(first, collected.set)
        del first, second
        gc.collect()
        assert collected.is_set()


def test_an_error_puts_everything_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError, match="the run failed"), quiet_collector():
        raise RuntimeError("the run failed")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_nested_runs_share_one_freeze_the_last_one_out_undoes_it() -> None:
    before = gc.get_threshold()
    alive = Node()
    with quiet_collector():
        with quiet_collector(threshold=2 * THRESHOLD):
            pass
        # Still set aside after the inner run (frozen objects can be freed meanwhile: no exact count).
        assert gc.get_freeze_count() > 0
        assert not any(obj is alive for obj in gc.get_objects())
        assert gc.get_threshold() == (THRESHOLD, before[1], before[2])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_heap_frozen_before_stays_frozen() -> None:
    theirs = Node()
    gc.freeze()
    with quiet_collector():
        pass
    assert gc.get_freeze_count() > 0
    assert not any(obj is theirs for obj in gc.get_objects())


def test_a_higher_threshold_is_kept() -> None:
    gc.set_threshold(2 * THRESHOLD, 10, 10)
    with quiet_collector():
        assert gc.get_threshold() == (2 * THRESHOLD, 10, 10)
    assert gc.get_threshold() == (2 * THRESHOLD, 10, 10)
