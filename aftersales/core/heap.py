"""Long runs that make many short-lived objects without paying the collector for the long-lived ones.

Python's cyclic collector walks every tracked object of the oldest generation on a full
collection. A process that has loaded Django, the apps and jieba's dictionary holds a large heap
that will live as long as the process; the import (issue 9) then allocates millions of small
objects, which triggers a collection every 700 of them and a full one every few thousand rows.
On the import bench (20,000 rows) the writer spent a quarter of its CPU time so: 14 full
collections walked the whole heap (~120 ms each), and ~1,850 young ones ran in the middle of
every batch.

``quiet_collector()`` is for such a run:

- the objects alive when it starts are set aside (``gc.freeze``): collections no longer walk them,
  and a child forked during the run (the import's read-ahead reader) does not touch their pages;
- the youngest generation is collected after ``threshold`` (50,000) new objects instead of 700,
  so the run's batches are not walked again and again while they are still being built (garbage
  waits a little longer: a few MB at most);
- on the way out, even after an error, the frozen objects go back to the collector and the
  thresholds are what they were.

Nested or concurrent uses (threads) share one freeze: the last one out undoes it. A heap that was
frozen before (by a server after its start-up) stays frozen. Garbage is still collected during the
run, cycles included; what is set aside is only what was alive before.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

THRESHOLD = 50_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] = (0, 0, 0)
_froze = False


@contextlib.contextmanager
def quiet_collector(threshold: int = THRESHOLD) -> Iterator[None]:
    global _depth, _saved, _froze
    with _lock:
        _depth += 1
        if _depth == 1:
            _saved = gc.get_threshold()
            # Someone else froze the heap before (a server after start-up): theirs to undo, not ours.
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            gc.set_threshold(max(threshold, _saved[0]), _saved[1], _saved[2])
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                if _froze:
                    gc.unfreeze()
