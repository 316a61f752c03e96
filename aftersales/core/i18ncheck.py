"""`python -m aftersales.core.i18ncheck`: fail when any UI string lacks its zh-Hans translation.

When GNU gettext is on the machine, the strings are first extracted afresh (``makemessages``
in a scratch copy of the package, merged with our catalogue), so a string marked in code but
never added to the catalogue is caught too. Without gettext, the committed catalogue is
checked as it is (and says so). Reading uses Babel, so no gettext is needed for that part.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent.parent
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def problems(path: Path = PO) -> list[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            found.append(f"fuzzy: {msgid!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"untranslated: {msgid!r}")
    return found


def extracted_catalogue(scratch: Path) -> Path | None:
    """Extract the package's strings into a scratch copy of the catalogue; None without gettext."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        return None
    copy = scratch / "aftersales"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests", "testing"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location",
         "--ignore", "migrations/*"],
        cwd=copy, env=env, check=True, capture_output=True,
    )
    return copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        fresh = extracted_catalogue(Path(scratch))
        if fresh is None:
            print("gettext not installed: checking the committed catalogue only")
        issues = problems(fresh or PO)
    for line in issues:
        print(line)
    if issues:
        print(f"zh-Hans is incomplete: {len(issues)} message(s). Run `make translations` and translate them.")
        return 1
    print("zh-Hans: every string translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
