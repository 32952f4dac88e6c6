"""Excel in and out, the one way: all-or-nothing reading with a Chinese error per bad
cell (sheet/row/column), writing with Chinese headers, a frozen header row, column
widths and formula-escaped cells; CSV with a UTF-8 BOM for Excel/WPS.

openpyxl parses XML; defusedxml is installed so openpyxl uses it against XML bombs."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import defusedxml  # noqa: F401  (openpyxl picks it up when importable)
from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_IMPORT_ROWS = 50_000


def escape_cell(value):
    """Text starting with = + - @ would run as a formula in Excel/WPS: prefix a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class Column:
    """A column of an import template: Chinese header, key in the row dict, parser
    (raises ValueError with a Chinese message), whether it is required, example value."""

    header: str
    key: str
    parse: Callable = str
    required: bool = True
    example: object = ""


@dataclass
class CellError:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self):
        # the sheet and column names are the template's own (Chinese) headers
        if self.column:
            return gettext("工作表“%(sheet)s”第 %(row)s 行“%(column)s”列：%(message)s", sheet=self.sheet,
                           row=self.row, column=self.column, message=self.message)
        return gettext("工作表“%(sheet)s”第 %(row)s 行：%(message)s", sheet=self.sheet, row=self.row,
                       message=self.message)


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(ValueError):
    """The file itself cannot be read as xlsx."""


def open_workbook(stream):
    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise ImportFileError(gettext("无法读取该文件，请上传由模板填写的 .xlsx 文件。")) from exc


def read_rows(ws, columns: Sequence[Column], sheet_name: str | None = None) -> ImportResult:
    """Parse one worksheet whose first row is the header. Every bad cell is reported;
    the caller writes nothing unless `result.ok`."""
    name = sheet_name or ws.title
    result = ImportResult()
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        result.errors.append(CellError(name, 1, "", gettext("工作表为空，缺少表头。")))
        return result
    header = [str(h).strip() if h is not None else "" for h in header]
    index = {}
    for col in columns:
        if col.header in header:
            index[col.key] = header.index(col.header)
        elif col.required:
            result.errors.append(CellError(name, 1, col.header, gettext("缺少该列（请使用下载的模板）。")))
    if result.errors:
        return result
    for n, values in enumerate(rows, start=2):
        if n > MAX_IMPORT_ROWS + 1:
            result.errors.append(CellError(name, n, "", gettext("行数超过上限 %(n)s。", n=MAX_IMPORT_ROWS)))
            break
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        row = {"_row": n}
        for col in columns:
            i = index.get(col.key)
            raw = values[i] if i is not None and i < len(values) else None
            if raw is None or (isinstance(raw, str) and raw.strip() == ""):
                if col.required:
                    result.errors.append(CellError(name, n, col.header, gettext("不能为空。")))
                row[col.key] = None
                continue
            try:
                row[col.key] = col.parse(raw.strip() if isinstance(raw, str) else raw)
            except (ValueError, InvalidOperation) as exc:
                result.errors.append(CellError(name, n, col.header, str(exc) or gettext("格式不正确。")))
        result.rows.append(row)
    return result


# Parsers for Column.parse --------------------------------------------------

def parse_text(max_len: int = 200):
    def parse(value):
        text = str(value).strip()
        if len(text) > max_len:
            raise ValueError(gettext("不能超过 %(max_len)s 个字。", max_len=max_len))
        return text
    return parse


def parse_choice(choices: dict[str, str]):
    """Accept the code or the Chinese label; return the code."""
    by_label = {label: code for code, label in choices.items()}

    def parse(value):
        text = str(value).strip()
        if text in choices:
            return text
        if text in by_label:
            return by_label[text]
        raise ValueError(gettext("应为以下之一：%(choices)s。", choices="、".join(choices.values())))
    return parse


def parse_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(gettext("日期格式不正确，应为 2026-03-15。"))


def parse_decimal(minimum: Decimal | None = Decimal(0)):
    def parse(value):
        if isinstance(value, bool):
            raise ValueError(gettext("应为数字。"))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(gettext("应为数字。")) from None
        if not number.is_finite():
            raise ValueError(gettext("应为数字。"))
        if minimum is not None and number < minimum:
            raise ValueError(gettext("不能小于 %(minimum)s。", minimum=minimum))
        return number
    return parse


# ---------------------------------------------------------------- writing

@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] | None = None


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value) if value == value.quantize(Decimal("0.01")) else str(value)
    return escape_cell(value)


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An xlsx with one worksheet per Sheet: styled frozen header, widths, escaped text."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append(list(sheet.headers))
        for cell in ws[1]:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        for row in sheet.rows:
            ws.append([_cell_value(v) for v in row])
        ws.freeze_panes = "A2"
        widths = sheet.widths or [max(8, min(40, 2 * len(str(h)) + 4)) for h in sheet.headers]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_workbook(title: str, columns: Sequence[Column]) -> bytes:
    """An import template: the headers and one example row."""
    return write_workbook([Sheet(title, [c.header for c in columns], [[c.example for c in columns]])])


def write_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """CSV in UTF-8 with a BOM (Excel and WPS on Windows misread Chinese without it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([escape_cell(str(v)) if v is not None else "" for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str):
    from flask import Response
    from urllib.parse import quote

    return Response(data, mimetype=XLSX_MIME, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
