"""Excel in and out, the one way: the columns of an import and their parsers, the
errors they report by sheet/row/column (reading itself is core.imports), and writing
— typed cells with Chinese headers, a frozen header row, column widths, drop-downs and
formats (core.xlsxwrite), templates with an instruction sheet; CSV with a UTF-8 BOM
for Excel/WPS, escaping formula-like text (CSV has no cell types)."""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext

from core.formatting import sep
from core.xlsxwrite import Writer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """CSV only: text starting with = + - @ would run as a formula when Excel/WPS opens
    the file, so it gets an escape quote (xlsx writes typed text cells instead, and the
    importer strips such a quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# ---------------------------------------------------------------- reading (see core.imports)

@dataclass(frozen=True)
class Column:
    """A column of an import template: Chinese header, key in the row dict, parser
    (raises ValueError with a Chinese message, or returns core.imports.table.Noted),
    whether it is required, an example value (on the instruction sheet), other headers
    accepted for it, a drop-down list and a number format for the template."""

    header: str
    key: str
    parse: Callable = str
    required: bool = True
    example: object = ""
    aliases: tuple = ()
    choices: tuple = ()
    number_format: str | None = None
    hint: str = ""


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


class ImportFileError(ValueError):
    """The file itself cannot be read (or is refused by a limit)."""


# Parsers for Column.parse --------------------------------------------------

def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_text(max_len: int = 200):
    def parse(value):
        text = _text(value)
        if len(text) > max_len:
            raise ValueError(gettext("不能超过 %(max_len)s 个字。", max_len=max_len))
        return text
    return parse


def parse_choice(choices: dict[str, str]):
    """Accept the code or the Chinese label (full-width or not); return the code."""
    by_label = {unicodedata.normalize("NFKC", label): code for code, label in choices.items()}

    def parse(value):
        text = unicodedata.normalize("NFKC", _text(value))
        if text in choices:
            return text
        if text in by_label:
            return by_label[text]
        raise ValueError(gettext("应为以下之一：%(choices)s。", choices=sep("list").join(choices.values())))
    return parse


def parse_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(gettext("日期格式不正确，应为 2026-03-15（或设置为日期格式的单元格）。"))
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
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
            number = Decimal(unicodedata.normalize("NFKC", str(value)).strip().replace(",", ""))
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
    """A sheet to write. `formats`/`choices`: by 0-based column, a number format and a
    drop-down list for the data rows (templates); `rows` may be a generator."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] | None = None
    formats: dict[int, str] = field(default_factory=dict)
    choices: dict[int, Sequence[str]] = field(default_factory=dict)
    #: rows the drop-downs and formats cover in a template (beyond the written rows)
    blank_rows: int = 0
    header: bool = True


DATE_FORMAT = "yyyy-mm-dd"
#: A date cell shown as 2026年7月1日 (still a date: sorts, filters and computes).
CN_DATE_FORMAT = 'yyyy"年"m"月"d"日"'


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An xlsx with one worksheet per Sheet: styled frozen header, widths, typed cells,
    drop-downs and formats (core.xlsxwrite streams it: 100,000 rows in bounded memory)."""
    writer = Writer()
    try:
        for sheet in sheets:
            widths = sheet.widths or [max(8, min(40, 2 * len(str(h)) + 4)) for h in sheet.headers]
            writer.sheet(sheet.title, [str(h) for h in sheet.headers] if sheet.header else [], sheet.rows,
                         widths=widths, formats=sheet.formats, choices=sheet.choices, blank_rows=sheet.blank_rows,
                         header=sheet.header, choice_error=(gettext("输入有误"), gettext("请从下拉列表中选择。")))
    except BaseException:
        writer.discard()  # a row generator that failed (a query refused) leaves no half-open zip behind
        raise
    return writer.close()


def instruction_sheet(title: str, columns: Sequence[Column], lines: Sequence[str] = ()) -> Sheet:
    """The 说明 sheet of a template: how to fill it in, then one line per column with
    whether it is required, what it accepts and an example (examples live here, never
    on the data sheet, so they cannot be imported)."""
    rows = [[line, "", "", ""] for line in lines]
    if rows:
        rows.append(["", "", "", ""])
    rows.append([gettext("列名"), gettext("是否必填"), gettext("填写要求"), gettext("示例")])
    for c in columns:
        hint = str(c.hint) if c.hint else "、".join(c.choices)
        rows.append([c.header, gettext("必填") if c.required else gettext("选填"), hint,
                     "" if c.example in (None, "") else str(c.example)])
    return Sheet(title, [gettext("填写说明")], rows, widths=[28, 10, 60, 24])


def template_workbook(title: str, columns: Sequence[Column], *, lines: Sequence[str] = (),
                      rows: Iterable[Sequence] = (), blank_rows: int = 500) -> bytes:
    """An import template: the data sheet (headers, drop-downs, formats, optional
    pre-filled rows) and an instruction sheet with the examples."""
    data = Sheet(title, [c.header for c in columns], rows,
                 formats={i: c.number_format for i, c in enumerate(columns) if c.number_format},
                 choices={i: c.choices for i, c in enumerate(columns) if c.choices},
                 blank_rows=blank_rows)
    return write_workbook([data, instruction_sheet(gettext("填写说明"), columns, lines)])


def write_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """CSV in UTF-8 with a BOM (Excel and WPS on Windows misread Chinese without it).
    CSV has no cell types, so text that would run as a formula keeps an escape quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([escape_cell(_csv_text(v)) if v is not None else "" for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_text(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def xlsx_response(data: bytes, filename: str):
    from urllib.parse import quote

    from flask import Response

    mime = CSV_MIME if filename.endswith(".csv") else XLSX_MIME
    return Response(data, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
