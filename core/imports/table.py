"""From sheets to checked rows: find the header row, skip notes sheets and template
examples, parse every cell, and collect every error and note of the file in one pass.

Decisions:
- The header is looked for in the first 10 rows (a merged title row above it is common);
  when none of them holds the required headers the user is told which row to delete.
- Sheets whose title contains 说明 (or 选项, our templates' list sheet), and empty sheets
  (WPS and Excel add Sheet2/Sheet3), are ignored; every other sheet is read.
- A row equal to the template's example row is skipped with a note (older templates had
  one on the data sheet).
- At most `Problems.cap` errors are kept (all are counted), so a file with a million bad
  cells costs bounded memory; each error is recorded once, in file order."""
from __future__ import annotations

import functools
import gc
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext

from core.xlsx import CellError, Column

HEADER_ROWS = 10
NOTE_TITLES = ("说明", "选项")


def gc_paused(fn):
    """Run an import step with Python's cyclic garbage collector paused. A plan builds
    hundreds of thousands of small acyclic containers (rows, dicts, tuples); each batch of
    allocations triggers a collection that rescans all of them, which measured as half
    the time of a 50,000-row plan. Reference counting still frees everything; the
    collector is resumed (and catches up) when the step returns."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return wrapper


def normalise(text) -> str:
    """NFKC (full-width → half-width), trimmed: how codes and names are compared."""
    text = str(text)
    if text.isascii():  # NFKC leaves ASCII as it is: the common case, 100,000 times an import
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def code_key(text) -> str:
    """A code as matched: NFKC, trimmed, case-insensitive (ＬＴ－０２ = lt-02 = LT-02)."""
    return normalise(text).upper()


def is_note_sheet(title: str) -> bool:
    t = normalise(title).lower()
    return any(word in t for word in NOTE_TITLES) or t in ("instructions", "notes", "readme")


@dataclass
class Noted:
    """A parser's value with a note for the preview (e.g. a number that was rounded)."""

    value: object
    note: str


@dataclass
class Problems:
    """Every error and note of one import, in file order (at most `cap` of each kept)."""

    errors: list[CellError] = field(default_factory=list)
    notes: list[CellError] = field(default_factory=list)
    error_count: int = 0
    note_count: int = 0
    cap: int = 1000

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.cap:
            self.errors.append(CellError(sheet, row, column, message))

    def note(self, sheet: str, row: int, column: str, message: str) -> None:
        self.note_count += 1
        if len(self.notes) < self.cap:
            self.notes.append(CellError(sheet, row, column, message))

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def absorb(self, other: "Problems") -> None:
        """Add another collection's errors and notes (and their full counts)."""
        room = max(0, self.cap - len(self.errors))
        self.errors.extend(other.errors[:room])
        self.error_count += other.error_count
        room = max(0, self.cap - len(self.notes))
        self.notes.extend(other.notes[:room])
        self.note_count += other.note_count

    def ordered(self) -> list[CellError]:
        return sorted(self.errors, key=lambda e: (e.sheet, e.row))


def _header_text(value) -> str:
    text = normalise(value) if value is not None else ""
    for mark in ("*", "＊", "（必填）", "(必填)", "（选填）", "(选填)"):
        text = text.replace(mark, "")
    return text.strip()


def _match_header(values: tuple, columns: Sequence[Column]) -> dict[str, int]:
    texts = [_header_text(v) for v in values]
    index = {}
    for col in columns:
        for name in (col.header, *col.aliases):
            name = _header_text(name)
            if name in texts:
                index[col.key] = texts.index(name)
                break
    return index


def data_sheets(book) -> list:
    return [s for s in book.sheets if not is_note_sheet(s.title)]


def read_table(sheet, columns: Sequence[Column], problems: Problems) -> Iterable[dict] | None:
    """Rows of `sheet` as dicts (keys of `columns`, plus _sheet and _row), parsed; bad cells
    go to `problems` (the row is still returned, with None for the bad cell). None when
    the sheet holds nothing (an empty Sheet2)."""
    rows = sheet.rows()
    head: list[tuple[int, tuple]] = []
    index = None
    for number, values in rows:
        head.append((number, values))
        found = _match_header(values, columns)
        if all(c.key in found for c in columns if c.required):
            index = found
            break
        if number >= HEADER_ROWS:
            break
    if not head:
        return None
    if index is None:
        _no_header(sheet.title, head, columns, problems)
        return []
    return _parse_rows(sheet.title, rows, index, columns, problems)


def _no_header(title, head, columns, problems) -> None:
    best_n, best = max(((n, _match_header(v, columns)) for n, v in head), key=lambda t: len(t[1]))
    first = head[0][0]
    if not best:
        problems.error(title, first, "", gettext("第 %(n)s 行不是表头：请删除标题行，第一行应为列名（如“%(h)s”），"
                                                 "或使用下载的模板。", n=first, h=columns[0].header))
        return
    for col in columns:
        if col.required and col.key not in best:
            problems.error(title, best_n, col.header, gettext("缺少该列（请使用下载的模板）。"))


def _is_example(values, index, columns) -> bool:
    """Every required column holds the template's example, and no other column differs."""
    checked = 0
    for c in columns:
        if c.example in ("", None):
            continue
        i = index.get(c.key)
        value = values[i] if i is not None and i < len(values) else None
        if value is None and not c.required:
            continue
        if value is None or normalise(value) != normalise(c.example):
            return False
        checked += 1
    return checked > 0


def _parse_rows(title, rows, index, columns, problems):
    for number, values in rows:
        if _is_example(values, index, columns):
            problems.note(title, number, "", gettext("该行是模板的示例行，已跳过。"))
            continue
        row = {"_sheet": title, "_row": number}
        for col in columns:
            i = index.get(col.key)
            if i is None:
                continue  # a column the sheet does not have: its key stays absent from the row
            raw = values[i] if i < len(values) else None
            if raw is None:
                if col.required:
                    problems.error(title, number, col.header, gettext("不能为空。"))
                row[col.key] = None
                continue
            try:
                value = col.parse(raw)
            except (ValueError, InvalidOperation, TypeError) as exc:
                problems.error(title, number, col.header, str(exc) or gettext("格式不正确。"))
                row[col.key] = None
                row.setdefault("_bad", set()).add(col.key)
                continue
            if isinstance(value, Noted):
                problems.note(title, number, col.header, value.note)
                value = value.value
            row[col.key] = value
        yield row


def read_tables(book, columns: Sequence[Column], problems: Problems) -> list[dict]:
    """Rows of every data sheet of `book` (notes and empty sheets skipped), in order.
    Kept in `book.memo`, so an apply can reuse what its preview parsed (core.imports.web)."""
    key = tuple(c.key for c in columns)
    memo = getattr(book, "memo", None)
    if memo is not None and key in memo:
        rows, found = memo[key]
    else:
        found = Problems(cap=problems.cap)
        rows = [row for sheet in data_sheets(book) for row in (read_table(sheet, columns, found) or ())]
        if memo is not None:
            memo[key] = (rows, found)
    problems.absorb(found)
    return rows


def round_note(value: Decimal, places: int) -> Noted | Decimal:
    """Round half-up to `places`; a note says so when it changed the value."""
    from decimal import ROUND_HALF_UP
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == value:
        return value
    return Noted(rounded, gettext("%(v)s 已按四舍五入保留 %(n)s 位小数：%(r)s。", v=_plain(value), n=places, r=rounded))


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
