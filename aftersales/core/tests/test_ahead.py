"""``core.ahead``: items produced in a child process arrive in order, errors cross over, an early
stop reaps the child, and the parent's database connection survives the child."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from aftersales.core.ahead import ahead


def _numbers(count: int) -> Iterator[tuple[int, int]]:
    for number in range(count):
        yield number, os.getpid()


def test_items_arrive_in_order_from_another_process() -> None:
    items = list(ahead(_numbers, 1000, chunk=7, depth=2))
    assert [number for number, _pid in items] == list(range(1000))
    assert {pid for _number, pid in items} != {os.getpid()}  # made elsewhere


def test_disabled_it_runs_here() -> None:
    assert {pid for _number, pid in ahead(_numbers, 5, enabled=False)} == {os.getpid()}


def _fails_after(count: int) -> Iterator[int]:
    yield from range(count)
    raise UnicodeDecodeError("gb18030", b"\xff", 0, 1, "illegal multibyte sequence")


def test_an_error_in_the_child_is_raised_here_after_the_items_before_it() -> None:
    seen: list[int] = []
    with pytest.raises(UnicodeDecodeError, match="illegal multibyte sequence"):
        for item in ahead(_fails_after, 30, chunk=4):
            seen.append(item)
    assert seen == list(range(30))


class _Unpicklable(Exception):
    def __init__(self, handle: object) -> None:
        super().__init__("cannot travel")
        self.handle = handle

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("no pickling")


def _fails_oddly() -> Iterator[int]:
    yield 1
    raise _Unpicklable(lambda: None)


def _with_a_lock(count: int) -> Iterator[object]:
    import threading

    yield from range(count)
    yield threading.Lock()  # (no pickling a lock)
    yield count


def test_an_item_that_cannot_travel_is_an_error_here_not_a_lost_item() -> None:
    seen: list[object] = []
    with pytest.raises(TypeError, match=r"cannot pickle '_thread\.lock' object"):
        for item in ahead(_with_a_lock, 10, chunk=4):
            seen.append(item)
    assert seen == list(range(8))  # the chunks before the one that could not be sent


def test_an_error_that_cannot_travel_arrives_as_its_text() -> None:
    with pytest.raises(RuntimeError, match="_Unpicklable: cannot travel"):
        list(ahead(_fails_oddly))


def _dies() -> Iterator[int]:
    yield 1
    os._exit(3)


def test_a_child_that_dies_without_a_word_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="exit code 3"):
        list(ahead(_dies, chunk=1))


def test_stopping_early_reaps_the_child() -> None:
    produced = ahead(_numbers, 10**9, chunk=10, depth=1)
    assert next(produced)[0] == 0
    produced.close()  # the consumer stops: the child would otherwise go on forever
    assert not [child for child in _children() if child]


def _children() -> list[str]:
    import multiprocessing

    return [process.name for process in multiprocessing.active_children()]


def _query_twice() -> Iterator[int]:
    from django.db import connection

    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            yield cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_query_in_the_child_uses_its_own_connection_and_the_parents_survives() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 41")
    assert list(ahead(_query_twice)) == [1, 1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)
