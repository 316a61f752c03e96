"""A tiny HTML tree for tests (stdlib ``html.parser``): find elements the way a person reads a page.

Selectors: compound parts (``tag``, ``#id``, ``.class``, ``[attr]``, ``[attr=value]``) joined by
spaces (descendant). Enough for asserting on ``data-testid`` hooks without a parser dependency.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_PART = re.compile(r"([a-zA-Z][\w-]*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:=\"?([^\]\"]*)\"?)?\]")


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)

    def get_text(self, strip: bool = False) -> str:
        parts = [c if isinstance(c, str) else c.get_text() for c in self.children]
        text = "".join(parts)
        return " ".join(text.split()) if strip else text

    @property
    def text(self) -> str:
        return self.get_text()

    def descendants(self) -> list[Node]:
        found: list[Node] = []
        for child in self.children:
            if isinstance(child, Node):
                found.append(child)
                found.extend(child.descendants())
        return found

    def _matches(self, compound: str) -> bool:
        for tag, ident, cls, attr, value in _PART.findall(compound):
            if tag and self.tag != tag.lower():
                return False
            if ident and self.attrs.get("id") != ident:
                return False
            if cls and cls not in (self.attrs.get("class") or "").split():
                return False
            if attr:
                if attr not in self.attrs:
                    return False
                if value and self.attrs[attr] != value:
                    return False
        return True

    def select(self, selector: str) -> list[Node]:
        current: list[Node] = [self]
        for compound in selector.split():
            matched: list[Node] = []
            seen: set[int] = set()
            for node in current:
                for candidate in node.descendants():
                    if id(candidate) not in seen and candidate._matches(compound):
                        seen.add(id(candidate))
                        matched.append(candidate)
            current = matched
        return current

    def select_one(self, selector: str) -> Any:
        """The first match, or None (typed Any so tests can chain without narrowing)."""
        found = self.select(selector)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: (v or "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(content: bytes | str) -> Node:
    builder = _Builder()
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    return builder.root
