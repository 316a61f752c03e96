"""Reading legacy files (issue 9): CSV/TSV, XLSX, Markdown notes and chat exports → ``SourceRow``.

Pure Python, no database. Every reader streams: it holds one record (plus, for tables, the first
``HEADER_WINDOW`` rows while it looks for the header row), never the whole file, so files of
hundreds of megabytes read in constant memory.

Encodings: a BOM decides (UTF-8, UTF-16 LE/BE); else strict UTF-8 on the first 64 KB; else
charset-normalizer among GB18030, Big5, UTF-16 and cp1252 (GBK and GB2312 are read as GB18030,
their superset). First 64 KB of plain ASCII decide nothing: then the 64 KB from the first byte
that is not ASCII do. Bytes the chosen encoding cannot decode do not stop the file: the row that holds
them becomes a ``SourceRow`` with ``error="bad_encoding"`` (its ``raw`` shows them as ``\\xNN``),
and the interpreter quarantines it.

XLSX: openpyxl in read-only mode (streaming). Read-only worksheets do not know their merged cells,
so the ``<mergeCell ref="A2:A4"/>`` elements are scanned from the sheet's XML in the zip, in chunks
(constant memory, one extra pass over the XML); the value of a merged range's first cell is
carried to every cell of the range. Date cells come out as ISO text; numbers in a date column of a
workbook are read as Excel serial days in the workbook's own epoch (1900 or 1904).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import charset_normalizer
from django.utils.translation import gettext as _

from aftersales.imports.interpret import header_field
from aftersales.imports.records import Field, Reason, SourceRow

__all__ = ["UnreadableFile", "detect_encoding", "read", "read_chat", "read_csv", "read_markdown", "read_xlsx"]

SAMPLE_BYTES = 64 * 1024
HEADER_WINDOW = 20  # rows looked at for the header row
CANDIDATE_ENCODINGS = ["gb18030", "big5", "utf_16", "cp1252"]
DELIMITERS = [",", ";", "\t", "|"]
FIELD_LIMIT = 10 * 1024 * 1024  # a CSV field larger than this is a runaway quote: the record is too_long
MARK_ERRORS = "aftersales-imports-mark"
_MARKED = re.compile("[\udc00-\udcff]")


class UnreadableFile(ValueError):
    """The file cannot be read at all (missing, a format we do not read, a broken workbook)."""


def _mark_undecodable(error: UnicodeError) -> tuple[str, int]:
    """Decode error handler: each bad byte becomes a lone surrogate U+DCxx (found again later)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), error.end


codecs.register_error(MARK_ERRORS, _mark_undecodable)


def _unmark(text: str) -> str:
    return _MARKED.sub(lambda m: f"\\x{ord(m.group(0)) - 0xDC00:02x}", text)


# --------------------------------------------------------------------------------------------
# Encodings


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file from its first bytes (see the module docstring for the order)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the BOM and the byte order from it
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
            return "utf-16-le"
        if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = charset_normalizer.from_bytes(sample, cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is None:
        return "gb18030"
    encoding = best.encoding.lower().replace("-", "_")
    if encoding in ("gbk", "gb2312", "cp936", "hz", "gb18030"):
        return "gb18030"
    if encoding.startswith("utf_16"):
        return "utf-16"
    return encoding


def _open_text(path: Path) -> tuple[IO[str], str]:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        encoding = detect_encoding(sample)
        if encoding == "utf-8" and sample.isascii():
            # Plain ASCII says nothing of the encoding (an export whose first rows are English): the
            # first bytes that are not ASCII decide, wherever they are.
            later = _first_non_ascii(handle)
            if later:
                encoding = detect_encoding(later)
    binary = path.open("rb")
    return io.TextIOWrapper(binary, encoding=encoding, errors=MARK_ERRORS, newline=""), encoding


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _first_non_ascii(handle: IO[bytes], chunk: int = 1 << 20) -> bytes:
    """From the file's position on: ``SAMPLE_BYTES`` from its first byte that is not ASCII, or b"".
    (A scan at the speed of ``bytes.isascii``: a second or so for 500 MB of ASCII.)"""
    while block := handle.read(chunk):
        if not block.isascii():
            start = _NON_ASCII.search(block).start()  # type: ignore[union-attr]
            return (block[start:] + handle.read(SAMPLE_BYTES))[:SAMPLE_BYTES]
    return b""


# --------------------------------------------------------------------------------------------
# Tables: CSV, TSV


def _sniff_delimiter(lines: list[str], default: str = ",") -> str:
    """The delimiter that splits the sample into the most rows of the same (>1) width."""
    best, best_score = default, 0.0
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        score = widths.count(common) + 0.01 * common + (0.5 if delimiter == default else 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _looks_like_value(cell: str) -> bool:
    """A cell that is data, not a header: a number or a date-ish string."""
    return bool(re.fullmatch(r"[\d\s/.:\-年月日T+]+", cell.strip())) and any(ch.isdigit() for ch in cell)


def _header_index(rows: list[list[str]]) -> int:
    """Which of the first rows is the header: the first with two or more known header words, else
    the first of the widest rows whose cells are not values (title rows above it are skipped)."""
    for index, row in enumerate(rows):
        known = sum(1 for cell in row if cell.strip() and header_field(cell)[0] != Field.IGNORE)
        if known >= 2:
            return index
    widths = [sum(1 for cell in row if cell.strip()) for row in rows]
    if not widths:
        return 0
    widest = max(widths)
    for index, row in enumerate(rows):
        if widths[index] == widest and not any(_looks_like_value(cell) for cell in row if cell.strip()):
            return index
    return next((i for i, w in enumerate(widths) if w), 0)


def _headers(row: list[str]) -> list[str]:
    headers: list[str] = []
    for index, cell in enumerate(row):
        name = " ".join(cell.split()) or f"column {index + 1}"
        base, n = name, 2
        while name in headers:
            name, n = f"{base} ({n})", n + 1
        headers.append(name)
    return headers


def _cells(headers: list[str], values: list[str]) -> dict[str, str]:
    cells = dict(zip(headers, values, strict=False))
    for index in range(len(headers), len(values)):
        if values[index].strip():
            cells[f"column {index + 1}"] = values[index]
    for header in headers[len(values) :]:
        cells[header] = ""
    return cells


class _LineTap:
    """Feeds csv.reader physical lines and remembers them, so each record's raw text is known."""

    def __init__(self, stream: Iterable[str]) -> None:
        self.stream = iter(stream)
        self.lines: list[str] = []
        self.count = 0

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self.stream)
        self.lines.append(line)
        self.count += 1
        return line

    def take(self) -> str:
        raw = "".join(self.lines).rstrip("\r\n")
        self.lines = []
        return raw


def _records(stream: Iterable[str], delimiter: str) -> Iterator[tuple[int, str, list[str] | None]]:
    """(first physical line, raw text, cells or None when the record broke the field limit)."""
    tap = _LineTap(stream)
    reader = csv.reader(tap, delimiter=delimiter)
    csv.field_size_limit(FIELD_LIMIT)
    while True:
        start = tap.count + 1
        try:
            values: list[str] | None = next(reader)
        except StopIteration:
            return
        except csv.Error:
            values = None
        raw = tap.take()
        if values == []:
            continue  # a blank line
        yield start, raw, values


def read_csv(path: Path, *, name: str | None = None, delimiter: str | None = None) -> Iterator[SourceRow]:
    """A CSV or TSV file, row by row (quoted cells may span lines; ``line`` is a record's first)."""
    file = name or path.name
    text, _encoding = _open_text(path)
    with text:
        sample_lines = []
        for line in text:
            sample_lines.append(line)
            if len(sample_lines) >= 50:
                break
        text.seek(0)
        if delimiter is None:
            default = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
            delimiter = _sniff_delimiter(sample_lines, default)
        records = _records(text, delimiter)
        window = []
        for record in records:
            window.append(record)
            if len(window) >= HEADER_WINDOW:
                break
        index = _header_index([values or [] for _line, _raw, values in window])
        headers = _headers(window[index][2] or []) if window else []
        for line, raw, values in _chain(window[index + 1 :], records):
            if values is not None and _swallowed_rows(raw, delimiter, len(headers)):
                yield SourceRow(file, "", line, raw, {}, "table", error=Reason.UNCLOSED_QUOTE.value)
                continue
            yield _table_row(file, "", line, raw, headers, values)


def _swallowed_rows(raw: str, delimiter: str, width: int) -> bool:
    """Whether a record that spans lines holds rows of its own: a quote opened and never closed
    (``"未闭合的引号开头,小李`` …) makes the csv reader take every later line into that one cell, up to
    the next quote or the end of the file. A cell with line breaks of its own (a note of several
    lines) has few delimiters on its lines; two or more lines with a whole row's are rows."""
    if raw.count("\n") < 3:
        return False
    wanted = max(2, width - 1)
    rows = 0
    for physical in raw.splitlines()[1:]:
        if physical.count(delimiter) >= wanted:
            rows += 1
            if rows >= 2:
                return True
    return False


def _chain(first: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from first
    yield from rest


def _table_row(file: str, sheet: str, line: int, raw: str, headers: list[str], values: list[str] | None) -> SourceRow:
    if values is None:
        return SourceRow(file, sheet, line, _unmark(raw[:2000]), {}, "table", error=Reason.TOO_LONG.value)
    if _MARKED.search(raw):
        return SourceRow(file, sheet, line, _unmark(raw), {}, "table", error=Reason.BAD_ENCODING.value)
    return SourceRow(file, sheet, line, raw, _cells(headers, values), "table")


# --------------------------------------------------------------------------------------------
# XLSX

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?\"")
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


def _col_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def _ref(ref: str) -> tuple[int, int]:
    match = _CELL_REF.fullmatch(ref)
    if not match:
        raise ValueError(ref)
    return int(match.group(2)), _col_index(match.group(1))


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML inside the workbook zip."""
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 (a small part)
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts: dict[str, str] = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            target = targets.get(sheet.get(ns_rel), "")
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            parts[sheet.get("name", "")] = posixpath.normpath(part)
    return parts


def _merged_ranges(path: Path, file: str) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet name → merged ranges (min_row, min_col, max_row, max_col), scanned from the XML in chunks.
    A sheet the workbook lists but the file lacks stops it (openpyxl would leave the sheet out)."""
    result: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        for sheet, part in _sheet_parts(archive).items():
            ranges = []
            try:
                handle = archive.open(part)
            except KeyError:
                raise UnreadableFile(
                    _("%(file)s: the sheet “%(sheet)s” is listed in the workbook but missing from the file.")
                    % {"file": file, "sheet": sheet}
                ) from None
            with handle:
                tail = b""
                while chunk := handle.read(1 << 20):
                    data = tail + chunk
                    last = 0
                    for match in _MERGE.finditer(data):
                        first = _ref(match.group(1).decode())
                        second = _ref(match.group(2).decode()) if match.group(2) else first
                        ranges.append((first[0], first[1], second[0], second[1]))
                        last = match.end()
                    tail = data[max(last, len(data) - 200) :]
            result[sheet] = sorted(set(ranges))
    return result


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, *, name: str | None = None) -> Iterator[SourceRow]:
    """Every sheet of a workbook, each with its own header row; merged cells carried."""
    import openpyxl
    from openpyxl.utils.datetime import from_excel

    file = name or path.name
    try:
        merged = _merged_ranges(path, file)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(
            _("%(file)s is not a readable XLSX workbook (%(error)s).") % {"file": file, "error": error}
        ) from error
    try:
        epoch = workbook.epoch
        for sheet in workbook.worksheets:
            yield from _read_sheet(file, sheet, merged.get(sheet.title, []), epoch, from_excel)
    finally:
        workbook.close()


def _read_sheet(file: str, sheet: Any, ranges: list[tuple[int, int, int, int]], epoch: Any,
                from_excel: Any) -> Iterator[SourceRow]:  # fmt: skip
    """One sheet's rows; a sheet whose XML or compressed data is broken (the workbook opened, but
    this part of it cannot be read) stops the file with its name, like a workbook that cannot be
    opened: the rows before it were read, the rest would be lost without a word."""
    try:
        yield from _sheet_records(file, sheet, ranges, epoch, from_excel)
    except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError) as error:
        raise UnreadableFile(
            _("%(file)s: the sheet “%(sheet)s” cannot be read (%(error)s).")
            % {"file": file, "sheet": sheet.title, "error": error}
        ) from error


def _sheet_records(file: str, sheet: Any, ranges: list[tuple[int, int, int, int]], epoch: Any,
                   from_excel: Any) -> Iterator[SourceRow]:  # fmt: skip
    stream = _sheet_rows(sheet, ranges)
    window: list[tuple[int, list[Any]]] = []
    for item in stream:
        window.append(item)
        if len(window) >= HEADER_WINDOW:
            break
    texts = [[_cell_text(v) for v in values] for _n, values in window]
    nonempty = [i for i, row in enumerate(texts) if any(cell.strip() for cell in row)]
    if not nonempty:
        return
    index = _header_index(texts)
    headers = _headers(_trim(texts[index]))
    date_columns = {
        i for i, header in enumerate(headers) if header_field(header)[0] in (Field.DATE, Field.RESOLVED)
    }
    for number, values in _chain(window[index + 1 :], stream):
        cells_text = []
        for column, value in enumerate(values):
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            if column in date_columns and is_number and 1 <= value < 2958466:
                value = from_excel(value, epoch)
            cells_text.append(_cell_text(value))
        cells_text = _trim(cells_text)
        if not any(cell.strip() for cell in cells_text):
            continue  # an empty spreadsheet row is not a record
        raw = "\t".join(cells_text)
        yield SourceRow(file, sheet.title, number, raw, _cells(headers, cells_text), "table")


def _sheet_rows(sheet: Any, ranges: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) for every row of a sheet, merged ranges filled with their first value."""
    pending = list(ranges)  # ranges not started yet (sorted by first row)
    active: dict[tuple[int, int, int, int], Any] = {}
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = list(row)
        while pending and pending[0][0] <= number:
            rng = pending.pop(0)
            active[rng] = values[rng[1] - 1] if rng[1] - 1 < len(values) else None
        for rng, value in list(active.items()):
            if rng[2] < number:
                del active[rng]
                continue
            if len(values) < rng[3]:
                values.extend([None] * (rng[3] - len(values)))
            for col in range(rng[1], rng[3] + 1):
                values[col - 1] = value
        yield number, values


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


# --------------------------------------------------------------------------------------------
# Markdown notes

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^([-*+]|\d{1,3}[.)])\s+(.*)$")


def read_markdown(path: Path, *, name: str | None = None) -> Iterator[SourceRow]:
    """One row per bullet (continuation lines indented under it belong to it) and per paragraph
    outside bullets; ``cells`` = heading (the nearest heading), title (the first-level heading)
    and text."""
    file = name or path.name
    text, _encoding = _open_text(path)
    headings: dict[int, str] = {}
    current: list[str] = []
    current_line = 0
    item_kind = ""

    def flush() -> Iterator[SourceRow]:
        nonlocal current, item_kind
        if current:
            raw = "".join(current).rstrip("\r\n")
            heading = headings[max(headings)] if headings else ""
            title = headings.get(1, "")
            if _MARKED.search(raw):
                yield SourceRow(file, "", current_line, _unmark(raw), {}, "markdown", error=Reason.BAD_ENCODING.value)
            else:
                first, *more = current
                bullet = _BULLET.match(first.strip())
                body = bullet.group(2) if bullet and item_kind == "bullet" else first.strip()
                lines = [body.strip(), *(line.strip() for line in more)]
                cells = {"heading": heading, "title": title, "text": "\n".join(line for line in lines if line)}
                yield SourceRow(file, "", current_line, raw, cells, "markdown")
        current, item_kind = [], ""

    with text:
        for number, line in enumerate(text, start=1):
            stripped = line.strip()
            heading = _HEADING.match(stripped) if not line[:1].isspace() else None
            bullet = _BULLET.match(stripped) if not line[:1].isspace() or item_kind != "bullet" else None
            if heading:
                yield from flush()
                level = len(heading.group(1))
                headings = {k: v for k, v in headings.items() if k < level}
                headings[level] = heading.group(2)
                continue
            if not stripped:
                if item_kind == "paragraph":
                    yield from flush()
                elif current:
                    current.append(line)  # a blank line inside a bullet: kept if indented text follows
                continue
            if bullet:
                yield from flush()
                current, current_line, item_kind = [line], number, "bullet"
                continue
            if item_kind == "bullet" and line[:1].isspace():
                current.append(line)
                continue
            if item_kind == "paragraph":
                current.append(line)
                continue
            yield from flush()
            current, current_line, item_kind = [line], number, "paragraph"
        yield from flush()


# --------------------------------------------------------------------------------------------
# Chat exports

_STAMP = r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?)"
_CHAT_INLINE = re.compile(rf"^\[?{_STAMP}\]?\s+([^:：\n]{{1,40}}?)\s*[:：]\s?(.*)$")
_CHAT_WECHAT = re.compile(rf"^(\S.{{0,39}}?)\s+{_STAMP}\s*$")


def _chat_header(line: str) -> tuple[str, str, str] | None:
    """(date, author, text on the same line) when the line starts a message."""
    stripped = line.strip()
    if match := _CHAT_INLINE.match(stripped):
        return match.group(1), match.group(2).strip(), match.group(3)
    if match := _CHAT_WECHAT.match(stripped):
        return match.group(2), match.group(1).strip(), ""
    return None


def read_chat(path: Path, *, name: str | None = None) -> Iterator[SourceRow]:
    """One row per message: ``2025-04-01 10:23 Name: text``, ``[2025-04-01 10:23] Name: text`` or
    WeChat's ``Name 2025-04-01 10:23`` followed by the text; a message runs to the next header."""
    file = name or path.name
    text, _encoding = _open_text(path)
    current: list[str] = []
    start = 0
    header: tuple[str, str, str] | None = None

    def flush() -> Iterator[SourceRow]:
        nonlocal current, header
        raw = "".join(current).rstrip("\r\n")
        if current and raw.strip():
            if _MARKED.search(raw):
                yield SourceRow(file, "", start, _unmark(raw), {}, "chat", error=Reason.BAD_ENCODING.value)
            else:
                date, author, first = header or ("", "", "")
                body_lines = ([first] if first else []) + [
                    line.rstrip("\r\n") for line in current[1 if header else 0 :]
                ]
                body = "\n".join(body_lines).strip()
                yield SourceRow(file, "", start, raw, {"date": date, "author": author, "text": body}, "chat")
        current, header = [], None

    with text:
        for number, line in enumerate(text, start=1):
            found = _chat_header(line)
            if found:
                yield from flush()
                current, start, header = [line], number, found
            elif current:
                current.append(line)
            elif line.strip():
                current, start, header = [line], number, None
        yield from flush()


# --------------------------------------------------------------------------------------------
# Choosing a reader


def _kind_by_content(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(b"PK\x03\x04"):
        return "xlsx"
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return "table"
    chat = sum(1 for line in lines if _chat_header(line))
    markdown = sum(1 for line in lines if _HEADING.match(line.strip()) or _BULLET.match(line.strip()))
    if chat and chat >= len(lines) * 0.2:
        return "chat"
    if markdown and markdown >= len(lines) * 0.3:
        return "markdown"
    return "table"


def read(path: str | Path, *, name: str | None = None) -> Iterator[SourceRow]:
    """The rows of one file, by its extension and, for .txt or unknown ones, its content."""
    path = Path(path)
    display = name or path.name
    if not path.is_file():
        raise UnreadableFile(_("%(file)s: no such file.") % {"file": display})
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile(
            _("%(file)s: old .xls workbooks cannot be read; save it as .xlsx or CSV.") % {"file": display}
        )
    if suffix in (".xlsx", ".xlsm"):
        kind = "xlsx"
    elif suffix in (".md", ".markdown"):
        kind = "markdown"
    elif suffix in (".csv", ".tsv", ".tab"):
        kind = "table"
    else:
        kind = _kind_by_content(path)
    if kind == "xlsx":
        return read_xlsx(path, name=display)
    if kind == "markdown":
        return read_markdown(path, name=display)
    if kind == "chat":
        return read_chat(path, name=display)
    return read_csv(path, name=display)
