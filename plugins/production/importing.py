"""Excel import of plans and actuals: one worksheet per month, named like 2026-03;
all-or-nothing with a Chinese error per bad cell (core.xlsx)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext

from core.plugins.api import CellError, Column, ImportFileError, open_workbook, parse_text, read_rows, template_workbook
from plugins.production.services import Entry, parse_month, parse_quantity, save_entries

COLUMNS = [
    Column("支部编码", "branch", parse_text(32), example="B0001"),
    Column("支部名称", "branch_name", parse_text(120), required=False, example="炼钢一车间党支部"),
    Column("指标", "measure", parse_text(40), example="产量"),
    Column("计划", "plan", parse_quantity, required=False, example="12000"),
    Column("实绩", "actual", parse_quantity, required=False, example="12500.5"),
]
FIELDS = {"branch": "支部编码", "measure": "指标", "month": "工作表", "plan": "计划", "actual": "实绩"}


class ImportRefused(ValueError):
    """The workbook was refused; `errors` lists every bad cell (nothing was written)."""

    def __init__(self, errors: list[CellError]):
        super().__init__(f"导入失败，共 {len(errors)} 处错误，未写入任何数据。")
        self.errors = errors


def template(month: date | None = None) -> bytes:
    """The import template: a sheet named after the month with the headers and one example row."""
    month = month or date.today()
    return template_workbook(f"{month.year}-{month.month:02d}", COLUMNS)


def read_entries(stream) -> tuple[list[Entry], list[CellError]]:
    wb = open_workbook(stream)
    entries, errors = [], []
    for ws in wb.worksheets:
        try:
            month = parse_month(ws.title)
        except ValueError:
            errors.append(CellError(ws.title, 1, "", gettext("工作表名称应为月份，如 2026-03（每月一张工作表）。")))
            continue
        result = read_rows(ws, COLUMNS, ws.title)
        errors.extend(result.errors)
        for row in result.rows:
            if row.get("plan") is None and row.get("actual") is None and not _row_errors(result.errors, row):
                errors.append(CellError(ws.title, row["_row"], "实绩", gettext("计划和实绩至少填写一项。")))
                continue
            if row.get("branch") and row.get("measure"):
                entries.append(Entry(ref=(ws.title, row["_row"]), branch=row["branch"], measure=row["measure"],
                                     month=month, plan=row.get("plan"), actual=row.get("actual")))
    if not wb.worksheets:
        errors.append(CellError("", 1, "", gettext("文件中没有工作表。")))
    return entries, errors


def _row_errors(errors, row) -> bool:
    return any(e.row == row["_row"] for e in errors)


def import_workbook(session, actor, stream):
    """Import a workbook; returns the BatchResult or raises ImportRefused / ImportFileError.
    Nothing is written unless every row of every sheet is valid."""
    entries, errors = read_entries(stream)
    if errors:
        raise ImportRefused(errors)
    if not entries:
        raise ImportRefused([CellError("", 1, "", gettext("文件中没有数据行。"))])
    result, problems = save_entries(session, actor, entries, source="import", field_names=FIELDS)
    if problems:
        raise ImportRefused([CellError(p.ref[0], p.ref[1], "" if p.field == "工作表" else p.field, p.message)
                             for p in problems])
    return result


__all__ = ["COLUMNS", "ImportFileError", "ImportRefused", "import_workbook", "template"]
