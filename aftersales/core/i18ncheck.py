"""`python -m aftersales.core.i18ncheck`: fail when zh-Hans misses or fuzzes any message.

Reads the .po catalogue with Babel (no gettext needed) and lists what is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def problems(path: Path = PO) -> list[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"untranslated: {message.id!r}")
    return found


if __name__ == "__main__":
    issues = problems()
    for line in issues:
        print(line)
    if issues:
        print(f"zh-Hans is incomplete: {len(issues)} message(s)")
    sys.exit(1 if issues else 0)
