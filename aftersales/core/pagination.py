"""A paginator whose count stops at a cap, so a list over a million rows stays fast.

``COUNT(*)`` over a whole large table costs a full scan on every page view. Counting at most
``cap + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``) answers "1–50 of more than
10,000" in milliseconds; pages up to the cap stay reachable, and filters narrow the rest.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator

DEFAULT_CAP = 10_000


class CappedPage(Page):
    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if len(self.object_list) else 0


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap if cap is not None else DEFAULT_CAP

    @cached_property
    def _counted(self) -> int:
        return int(self.object_list[: self.cap + 1].count())  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def is_capped(self) -> bool:
        """More rows exist than were counted: show "of more than N"."""
        return self._counted > self.cap

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.is_capped and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        return CappedPage(*args, **kwargs)
