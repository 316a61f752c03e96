"""Produce an iterator's items in another process, a few chunks ahead of the consumer.

``ahead(make, *args)`` runs ``make(*args)`` in a forked child and yields its items, in order, in
this process. For a pipeline of two CPU-bound halves, e.g. the importer (issue 9): reading and
interpreting a file (pure Python, no database) in the child while this process writes the rows
before. On a machine with two cores the halves overlap instead of taking turns.

- **Bounded.** Items travel pickled in chunks of ``chunk``; at most ``depth`` chunks wait in the
  pipe, so memory stays flat whatever the file's size.
- **Ready when asked.** The child pickles each chunk itself as it puts it, and lets its queue's
  feeder thread take the interpreter often (``FEEDER_SWITCH``): otherwise the feeder pickles a
  chunk only once the pipe has room, and waits up to 5 ms for the interpreter each time, while the
  consumer waits for it (the importer's writer waited ~70 ms for each 2,000-row batch: a tenth of
  its time).
- **Errors cross over.** An exception in the child is raised here, the same type with the same
  message (or a ``RuntimeError`` carrying its text when it cannot be pickled); a child that dies
  without a word (killed) raises ``RuntimeError``.
- **Stopping early** (the consumer raises or stops iterating): the child is terminated and reaped.
- **The child leaves the parent's database alone.** It inherits this process's connections, open
  sockets shared with the parent: it sets them aside unused (a query in ``make`` would open its
  own) and leaves with ``os._exit`` (as multiprocessing's fork children do), so nothing closes
  them behind the parent's back.
- Where ``fork`` is not available (not Linux/BSD), or with ``enabled=False``, the items are simply
  produced here.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import queue
import signal
import sys
import traceback
from collections.abc import Callable, Generator, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

CHUNK = 250
DEPTH = 8
POLL_SECONDS = 1.0
FEEDER_SWITCH = 0.0002  # seconds: the child's thread switch interval (Python's default: 0.005)


def ahead(make: Callable[..., Iterable[T]], *args: Any, chunk: int = CHUNK, depth: int = DEPTH,
          enabled: bool = True) -> Generator[T, None, None]:  # fmt: skip
    if not enabled or "fork" not in multiprocessing.get_all_start_methods():
        yield from make(*args)
        return
    context = multiprocessing.get_context("fork")
    channel: Any = context.Queue(maxsize=depth)
    child = context.Process(target=_produce, args=(channel, make, args, chunk), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive() and channel.empty():
                    raise RuntimeError(
                        f"the reading process stopped without a word (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "items":
                yield from pickle.loads(payload)  # noqa: S301 — our own child's bytes
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)
            if child.is_alive():
                child.kill()
        child.join()
        channel.close()


def _send(channel: Any, items: list[Any]) -> None:
    """Put a chunk pickled here, by the producer, ahead of time: the queue's feeder thread would
    pickle it only once the pipe has room, i.e. while the consumer waits for it."""
    channel.put(("items", pickle.dumps(items, pickle.HIGHEST_PROTOCOL)))


def _produce(channel: Any, make: Callable[..., Iterable[Any]], args: tuple[Any, ...], chunk: int) -> None:
    # The parent's signal handlers (a worker's graceful stop, a test runner's) are not the child's:
    # SIGTERM from the parent stops it, Ctrl-C is the parent's to handle.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.setswitchinterval(FEEDER_SWITCH)
    _detach_database()
    items: list[Any] = []
    try:
        for item in make(*args):
            items.append(item)
            if len(items) >= chunk:
                _send(channel, items)
                items = []
    except BaseException as exc:  # every failure is the parent's to raise
        if items:  # what came before the failure arrives first, as it would in one process
            with contextlib.suppress(Exception):  # (unless the chunk is what failed to pickle)
                _send(channel, items)
        channel.put(("error", _portable(exc)))
    else:
        if items:
            _send(channel, items)
        channel.put(("done", None))


_INHERITED: list[Any] = []  # the parent's connections, held so they are never closed from here


def _detach_database() -> None:
    """Forget the parent's database connections without closing them (closing would end the
    parent's sessions: the sockets are shared). Should ``make`` query after all, Django opens a
    connection of the child's own."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _INHERITED.append(connection.connection)
            connection.connection = None


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError with its text and traceback."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 — our own bytes, made one line above
    except Exception:
        text = "".join(traceback.format_exception(exc)).strip()
        return RuntimeError(f"{type(exc).__name__}: {exc}\n{text}")
    return exc
