"""Panels: context from other apps on the customer and ticket pages (domain model, seam 3).

A page never imports the apps that add to it. Each app registers, in its ``AppConfig.ready()``:

- a :class:`Panel` for a page ("customer" or "ticket"): the page renders a placeholder per
  registered panel, and htmx loads each one from ``core:panel`` so one slow panel never slows
  the page. The panel's ``context`` function receives the page object's code or reference
  and must look it up through its app's access helper (404 when the user may not see it);
- a :class:`Column` for a list ("customer_list"): one value per row, computed for a whole
  page of rows at once (one query, not one per row);
- a sidebar template (:func:`register_sidebar`), included in the agent sidebar.

core imports no app: it only keeps what apps hand it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.http import HttpRequest
from django.utils.functional import Promise

PanelPage = Literal["customer", "ticket"]
PANEL_PAGES: tuple[str, ...] = ("customer", "ticket")


def _anyone(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Panel:
    """A section of a page filled by another app, loaded on its own."""

    key: str
    title: str | Promise
    page: PanelPage
    template_name: str
    context: Callable[[HttpRequest, str], dict[str, Any]]
    allowed: Callable[[Any], bool] = _anyone
    order: int = 100


@dataclass(frozen=True)
class Column:
    """An extra column of a list page; ``values`` maps row primary keys to what the cell shows."""

    key: str
    title: str | Promise
    page: str
    values: Callable[[HttpRequest, list[Any]], Mapping[Any, Any]]
    allowed: Callable[[Any], bool] = _anyone
    default: Any = 0
    order: int = 100


_Item = TypeVar("_Item", Panel, Column)

_panels: dict[tuple[str, str], Panel] = {}
_columns: dict[tuple[str, str], Column] = {}
_sidebar: dict[str, int] = {}


def register_panel(panel: Panel) -> Panel:
    """Add (or replace, by page and key) a panel. Call from ``AppConfig.ready()``."""
    if panel.page not in PANEL_PAGES:
        raise ValueError(f"Unknown panel page {panel.page!r}; expected one of {PANEL_PAGES}")
    _panels[(panel.page, panel.key)] = panel
    return panel


def register_column(column: Column) -> Column:
    _columns[(column.page, column.key)] = column
    return column


def register_sidebar(template_name: str, order: int = 100) -> None:
    """Include ``template_name`` in the agent sidebar (it gets the page's whole context)."""
    _sidebar[template_name] = order


def _sorted(items: Iterable[_Item]) -> list[_Item]:
    return sorted(items, key=lambda item: (item.order, item.key))


def panels_for(page: str, user: Any) -> list[Panel]:
    """The panels of ``page`` that ``user`` may see, in display order."""
    return _sorted(p for p in _panels.values() if p.page == page and p.allowed(user))


def get_panel(page: str, key: str) -> Panel | None:
    return _panels.get((page, key))


def columns_for(page: str, user: Any) -> list[Column]:
    return _sorted(c for c in _columns.values() if c.page == page and c.allowed(user))


def column_rows(request: HttpRequest, page: str, objects: list[Any]) -> list[tuple[Any, list[tuple[Column, Any]]]]:
    """Pair each object with its (column, value) cells: one ``values`` call per column, not per row."""
    columns = columns_for(page, request.user)
    found = [(column, column.values(request, objects)) for column in columns]
    return [(obj, [(column, values.get(obj.pk, column.default)) for column, values in found]) for obj in objects]


def sidebar_templates() -> list[str]:
    return [name for name, _order in sorted(_sidebar.items(), key=lambda item: (item[1], item[0]))]
