"""Reading a spreadsheet as office programs write it: .xlsx (Excel, WPS, LibreOffice)
and .csv (UTF-8 with or without BOM, GB18030/GBK), with limits checked before work.

Decisions:
- The zip's directory is checked before openpyxl opens anything (entries, total
  uncompressed size, the shared-strings part, sheets), because openpyxl loads the shared
  strings whole. Rows are then streamed with openpyxl's own sheet parser, not through its
  read-only worksheet: that one pads every row to the declared <dimension> (a sheet
  declaring A1:XFD10000 would make 160 million empty cells); we use only the cells that
  exist and refuse a value beyond the column limit, a row beyond the row limit and a
  file beyond the cell limit as soon as they are met.
- A number cell whose format shows a percent arrives as `Percent` (its stored value, e.g.
  0.9875 for 98.75 %): the importer, which knows the field, decides what it means.
- Text loses surrounding spaces and an escape apostrophe ('=…, '+86…): older exports
  wrote one and it must not come back into the database.
- .xls/.et (binary formats) are refused with how to save as .xlsx."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

import defusedxml  # noqa: F401  (openpyxl parses with it when importable)
from flask_babel import gettext
from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.worksheet._reader import WorkSheetParser

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
    """An opened upload: its sheets in file order, and what kind of file it was."""

    sheets: list
    kind: str  # "xlsx" / "csv"
    close: object = None


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


def _number_format(wb, style) -> str:
    fid = style.numFmtId
    if fid < BUILTIN_FORMATS_MAX_SIZE:
        return BUILTIN_FORMATS.get(fid, "General")
    try:
        return wb._number_formats[fid - BUILTIN_FORMATS_MAX_SIZE]
    except IndexError:
        return "General"


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


def _open_xlsx(data: bytes, limits: Limits) -> Book:
    _check_zip(data, limits)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise ImportFileError(gettext("无法读取该文件，请上传 .xlsx 或 .csv 文件。")) from exc
    percent = {i for i, style in enumerate(wb._cell_styles) if _is_percent(_number_format(wb, style))}
    budget = _CellBudget(limits.max_cells)
    sheets = [_XlsxSheet(wb, ws, percent, limits, budget) for ws in wb.worksheets]
    return Book(sheets, "xlsx", close=wb.close)


class _CellBudget:
    def __init__(self, cells: int):
        self.left = cells

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ImportFileError(gettext("文件中的单元格过多（超过 %(n)s 个），已拒绝。", n=LIMITS.max_cells))


class _XlsxSheet(TableSheet):
    def __init__(self, wb, ws, percent: set[int], limits: Limits, budget: _CellBudget):
        self.title = ws.title
        self._wb, self._path, self._strings = wb, ws._worksheet_path, ws._shared_strings
        self._percent, self._limits, self._budget = percent, limits, budget

    def rows(self):
        wb, limits = self._wb, self._limits
        with wb._archive.open(self._path) as src:
            parser = WorkSheetParser(src, self._strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            try:
                for number, cells in parser.parse():
                    if not cells:
                        continue
                    if number > limits.max_rows + 20:  # the header may sit a few rows down
                        raise ImportFileError(gettext("工作表“%(s)s”行数超过上限 %(n)s。", s=self.title,
                                                      n=limits.max_rows))
                    self._budget.spend(len(cells))
                    values = self._values(cells)
                    if values:
                        yield number, values
            except ImportFileError:
                raise
            except Exception as exc:  # malformed XML inside a valid zip
                raise ImportFileError(gettext("工作表“%(s)s”无法读取，文件可能已损坏。", s=self.title)) from exc

    def _values(self, cells) -> tuple:
        width = 0
        out: dict[int, object] = {}
        for cell in cells:
            value = cell["value"]
            if value is None:
                continue
            column = cell["column"]
            if column > self._limits.max_columns:
                raise ImportFileError(gettext("工作表“%(s)s”第 %(r)s 行有数据超出第 %(n)s 列，已拒绝。", s=self.title,
                                              r=cell["row"], n=self._limits.max_columns))
            if isinstance(value, str):
                value = clean_text(value)
                if value is None:
                    continue
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and cell["style_id"] in self._percent:
                value = Percent(value)
            out[column] = value
            width = max(width, column)
        if not width:
            return ()
        return tuple(out.get(c) for c in range(1, width + 1))


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
