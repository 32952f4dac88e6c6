"""Reading a spreadsheet as office programs write it: .xlsx (Excel, WPS, LibreOffice)
and .csv (UTF-8 with or without BOM, GB18030/GBK), with limits checked before work.

Decisions:
- The zip's directory is checked before any part is parsed (entries, total
  uncompressed size, the shared-strings part, sheets). The parts are then streamed with
  Python's C expat parser (ten times faster than openpyxl's reading, which goes through
  defusedxml's pure-Python parser); a part with a DTD is refused, so no entity can be
  declared. Only cells that exist are read — openpyxl's read-only worksheet pads every
  row to the declared <dimension> (A1:XFD10000 would make 160 million empty cells) — and
  a value beyond the column limit, a row beyond the row limit and a file beyond the cell
  limit are refused as soon as they are met.
- A number cell whose format shows a percent arrives as `Percent` (its stored value, e.g.
  0.9875 for 98.75 %): the importer, which knows the field, decides what it means.
- Text loses surrounding spaces and an escape apostrophe ('=…, '+86…): older exports
  wrote one and it must not come back into the database.
- .xls/.et (binary formats) are refused with how to save as .xlsx."""
from __future__ import annotations

import csv
import io
import posixpath
import xml.etree.ElementTree as ET  # nosec: C expat; parts with a DTD are refused (see _events)
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

from flask_babel import gettext
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from core.xlsx import FORMULA_PREFIXES, ImportFileError


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may hold. The defaults carry 100,000 members comfortably."""

    max_bytes: int = 32 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 60
    max_cells: int = 4_000_000
    max_sheets: int = 30
    max_zip_entries: int = 1_000
    max_uncompressed: int = 400 * 1024 * 1024
    max_shared_strings: int = 64 * 1024 * 1024


LIMITS = Limits()


@dataclass(frozen=True)
class Percent:
    """A number cell formatted as a percent: `number` is what the cell stores (0.9875),
    `shown` what the user sees (98.75)."""

    number: float | int

    @property
    def shown(self):
        from decimal import Decimal
        return Decimal(str(self.number)) * 100


def clean_text(value: str) -> str | None:
    text = value.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text or None


class TableSheet:
    """One sheet: a title and its rows as (row number, values), empty rows skipped."""

    title: str

    def rows(self) -> Iterator[tuple[int, tuple]]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Book:
    """An opened upload: its sheets in file order, what kind of file it was, and the
    tables already parsed from it (core.imports.table.read_tables fills `memo`)."""

    sheets: list
    kind: str  # "xlsx" / "csv" / "memo"
    close: object = None
    memo: dict = field(default_factory=dict)


def xls_message() -> str:
    return gettext("不支持 .xls/.et 格式：请在 Excel 或 WPS 中打开该文件，选择“文件 → 另存为”，保存类型选"
                   "“Excel 工作簿（*.xlsx）”，再上传保存后的 .xlsx 文件。")


def open_book(data: bytes, filename: str = "", limits: Limits = LIMITS) -> Book:
    """Open an upload; raises ImportFileError with a message for the user."""
    if len(data) > limits.max_bytes:
        raise ImportFileError(gettext("文件过大（超过 %(n)s MB）。", n=limits.max_bytes // (1024 * 1024)))
    suffix = PurePath(filename or "").suffix.lower()
    if data[:4] == b"\xd0\xcf\x11\xe0" or suffix in (".xls", ".et", ".ett"):
        raise ImportFileError(xls_message())
    if data[:4] == b"PK\x03\x04":
        return _open_xlsx(data, limits)
    if suffix in (".xlsx", ".xlsm"):
        raise ImportFileError(gettext("无法读取该文件，请上传 .xlsx 或 .csv 文件。"))
    return _open_csv(data, PurePath(filename or "CSV").stem or "CSV", limits)


# ------------------------------------------------------------------ xlsx

def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(gettext("无法读取该文件，请上传 .xlsx 或 .csv 文件。")) from None
    if len(infos) > limits.max_zip_entries:
        raise ImportFileError(gettext("文件结构异常（部件过多），已拒绝。"))
    if sum(i.file_size for i in infos) > limits.max_uncompressed:
        raise ImportFileError(gettext("文件解压后过大，已拒绝。"))
    for info in infos:
        name = info.filename.lower()
        if name.endswith("sharedstrings.xml") and info.file_size > limits.max_shared_strings:
            raise ImportFileError(gettext("文件中的文本过多（共享字符串超过上限），已拒绝。"))
    sheets = [i for i in infos if i.filename.lower().startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    if len(sheets) > limits.max_sheets:
        raise ImportFileError(gettext("工作表过多（超过 %(n)s 张）。", n=limits.max_sheets))


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _C, _V, _IS, _T, _R, _SI, _RPH = (_NS + t for t in ("row", "c", "v", "is", "t", "r", "si", "rPh"))
_CHUNK = 64 * 1024


def _events(archive: zipfile.ZipFile, name: str, tags: set[str]):
    """Stream the elements of one part whose tag is in `tags` (their subtree complete),
    with Python's C expat parser. A part with a DOCTYPE is refused: xlsx has none, and
    without one no entity can be declared (what defusedxml guards against)."""
    parser = ET.XMLPullParser(events=("end",))
    tail = b""
    with archive.open(name) as src:
        while chunk := src.read(_CHUNK):
            if b"<!DOCTYPE" in (tail + chunk).upper():
                raise ImportFileError(gettext("文件结构异常（含有 DTD），已拒绝。"))
            tail = chunk[-16:]
            parser.feed(chunk)
            for _event, elem in parser.read_events():
                if elem.tag in tags:
                    yield elem
        parser.close()
        for _event, elem in parser.read_events():
            if elem.tag in tags:
                yield elem


def _part(archive, name) -> ET.Element | None:
    try:
        data = archive.read(name)
    except KeyError:
        return None
    if b"<!DOCTYPE" in data.upper():
        raise ImportFileError(gettext("文件结构异常（含有 DTD），已拒绝。"))
    return ET.fromstring(data)


def _is_percent(fmt: str) -> bool:
    # a % inside quotes or after a backslash is literal text, not the percent format
    plain, quoted, escape = [], False, False
    for ch in fmt:
        if escape:
            escape = False
        elif ch == "\\":
            escape = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted:
            plain.append(ch)
    return "%" in "".join(plain)


def _styles(archive) -> tuple[set[int], set[int], set[int]]:
    """Indexes of the cell styles (cellXfs) showing a date, a duration and a percent."""
    root = _part(archive, "xl/styles.xml")
    dates, durations, percents = set(), set(), set()
    if root is None:
        return dates, durations, percents
    custom = {int(f.get("numFmtId", 0)): f.get("formatCode", "") for f in root.iter(_NS + "numFmt")}
    xfs = root.find(_NS + "cellXfs")
    for i, xf in enumerate(xfs if xfs is not None else ()):
        fid = int(xf.get("numFmtId", 0) or 0)
        fmt = custom.get(fid) or BUILTIN_FORMATS.get(fid, "General") if fid < BUILTIN_FORMATS_MAX_SIZE or fid in custom \
            else "General"
        if _is_percent(fmt):
            percents.add(i)
        elif is_timedelta_format(fmt):
            durations.add(i)
        elif is_date_format(fmt):
            dates.add(i)
    return dates, durations, percents


def _sheets(archive) -> list[tuple[str, str]]:
    """(title, part name) of the worksheets in workbook order (chart sheets skipped)."""
    book = _part(archive, "xl/workbook.xml")
    rels = _part(archive, "xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        raise ImportFileError(gettext("无法读取该文件，请上传 .xlsx 或 .csv 文件。"))
    targets = {}
    for rel in rels.iter(_PKG_NS + "Relationship"):
        if rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = []
    for sheet in book.iter(_NS + "sheet"):
        part = targets.get(sheet.get(_REL_NS + "id"))
        if part:
            out.append((sheet.get("name", ""), posixpath.normpath(part)))
    return out


def _shared_strings(archive, names: set[str]) -> list[str]:
    name = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
    if name is None:
        return []
    strings = []
    for si in _events(archive, name, {_SI}):
        strings.append("".join(t.text or "" for part in si if part.tag != _RPH
                               for t in ((part,) if part.tag == _T else part.iter(_T))))
        si.clear()
    return strings


def _open_xlsx(data: bytes, limits: Limits) -> Book:
    _check_zip(data, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        epoch = CALENDAR_MAC_1904 if _date1904(archive) else CALENDAR_WINDOWS_1900
        styles = _styles(archive)
        strings = _shared_strings(archive, names)
        parts = _sheets(archive)
    except ImportFileError:
        raise
    except Exception as exc:  # a broken zip member, malformed XML
        raise ImportFileError(gettext("无法读取该文件，请上传 .xlsx 或 .csv 文件。")) from exc
    budget = _CellBudget(limits.max_cells)
    sheets = [_XlsxSheet(archive, title, part, strings, styles, epoch, limits, budget)
              for title, part in parts if part in names]
    return Book(sheets, "xlsx", close=archive.close)


def _date1904(archive) -> bool:
    root = _part(archive, "xl/workbook.xml")
    pr = root.find(_NS + "workbookPr") if root is not None else None
    return pr is not None and pr.get("date1904") in ("1", "true")


class _CellBudget:
    def __init__(self, cells: int):
        self.limit = self.left = cells

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ImportFileError(gettext("文件中的单元格过多（超过 %(n)s 个），已拒绝。", n=self.limit))


@lru_cache(maxsize=256)
def _column(letters: str) -> int:
    return column_index_from_string(letters)


class _XlsxSheet(TableSheet):
    def __init__(self, archive, title, part, strings, styles, epoch, limits: Limits, budget: _CellBudget):
        self.title, self._archive, self._part, self._strings = title, archive, part, strings
        self._dates, self._durations, self._percents = styles
        self._epoch, self._limits, self._budget = epoch, limits, budget

    def rows(self):
        limits, last = self._limits, 0
        try:
            for row in _events(self._archive, self._part, {_ROW}):
                r = row.get("r")
                number = int(r) if r and r.isdigit() else last + 1
                last = number
                if number > limits.max_rows + 20:  # the header may sit a few rows down
                    raise ImportFileError(gettext("工作表“%(s)s”行数超过上限 %(n)s。", s=self.title,
                                                  n=limits.max_rows))
                cells = list(row)
                row.clear()
                if not cells:
                    continue
                self._budget.spend(len(cells))
                values = self._values(number, cells)
                if values:
                    yield number, values
        except ImportFileError:
            raise
        except Exception as exc:  # malformed XML inside a valid zip
            raise ImportFileError(gettext("工作表“%(s)s”无法读取，文件可能已损坏。", s=self.title)) from exc

    def _values(self, number: int, cells) -> tuple:
        # the hot loop of every import: locals bound once, one pass over the cells
        out: dict[int, object] = {}
        column = 0
        strings, dates, durations, percents = self._strings, self._dates, self._durations, self._percents
        for c in cells:
            get = c.get
            ref = get("r")
            column = _column(ref.rstrip("0123456789")) if ref else column + 1
            kind = get("t", "n")
            if kind == "inlineStr":
                inline = c.find(_IS)
                value = clean_text("".join(t.text or "" for t in inline.iter(_T))) if inline is not None else None
            else:
                v = c.findtext(_V)
                if not v:
                    continue
                if kind == "s":
                    value = clean_text(strings[int(v)])
                elif kind == "n":
                    value = int(v) if v.isdigit() else float(v)
                    style = get("s")
                    if style:
                        style = int(style)
                        if style in dates:
                            value = from_excel(value, self._epoch)
                        elif style in percents:
                            value = Percent(value)
                        elif style in durations:
                            value = from_excel(value, self._epoch, timedelta=True)
                elif kind == "b":
                    value = v == "1"
                else:  # str (a formula's text result), e (an error such as #DIV/0!)
                    value = clean_text(v)
            if value is None:
                continue
            if column > self._limits.max_columns:
                raise ImportFileError(gettext("工作表“%(s)s”第 %(r)s 行有数据超出第 %(n)s 列，已拒绝。", s=self.title,
                                              r=number, n=self._limits.max_columns))
            out[column] = value
        if not out:
            return ()
        return tuple(out.get(i) for i in range(1, max(out) + 1))


# ------------------------------------------------------------------ csv

def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(gettext("无法识别 CSV 文件的编码：请另存为“CSV UTF-8”或 .xlsx 后再上传。")) from None


class _CsvSheet(TableSheet):
    def __init__(self, title: str, text: str, limits: Limits):
        self.title, self._text, self._limits = title, text, limits
        first = text.split("\n", 1)[0]
        self._delimiter = max((",", "\t", ";"), key=first.count) if first else ","

    def rows(self):
        limits = self._limits
        reader = csv.reader(io.StringIO(self._text, newline=""), delimiter=self._delimiter)
        cells = 0
        try:
            for number, raw in enumerate(reader, start=1):
                if number > limits.max_rows + 20:
                    raise ImportFileError(gettext("工作表“%(s)s”行数超过上限 %(n)s。", s=self.title, n=limits.max_rows))
                values = [clean_text(v) for v in raw]
                while values and values[-1] is None:
                    values.pop()
                if len(values) > limits.max_columns:
                    raise ImportFileError(gettext("工作表“%(s)s”第 %(r)s 行有数据超出第 %(n)s 列，已拒绝。", s=self.title,
                                                  r=number, n=limits.max_columns))
                cells += len(values)
                if cells > limits.max_cells:
                    raise ImportFileError(gettext("文件中的单元格过多（超过 %(n)s 个），已拒绝。", n=limits.max_cells))
                if values:
                    yield number, tuple(values)
        except csv.Error as exc:
            raise ImportFileError(gettext("CSV 文件格式有误：%(e)s", e=str(exc))) from None


def _open_csv(data: bytes, title: str, limits: Limits) -> Book:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(gettext("无法读取该文件，请上传 .xlsx 或 .csv 文件。"))
    return Book([_CsvSheet(title[:31], _decode(data), limits)], "csv")
