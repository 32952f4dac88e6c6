"""Excel/CSV import of plans and actuals, with a preview (core.imports): one worksheet
per month named like 2026-03 (or a 月份 column, as a CSV needs).

Decisions (README "Excel 导入与导出"):
- Identity of a figure: (branch, measure, month). Equal values are unchanged, others
  updated (old → new in the preview); nothing is ever deleted.
- Empty sheets and sheets whose title contains 说明 are ignored; a sheet that is not a
  month and holds data is refused, by name.
- A percent-formatted cell is read as the percent it shows (98.75 %, stored 0.9875, is
  98.75) for a measure whose unit is %; for any other measure it is an error.
- A number with more than 4 decimals (a formula result) is rounded half-up with a note.
- Branch codes and measure names are compared after NFKC, trimmed, codes case-insensitive.
- Cell errors and branch/measure/scope/lock errors are reported together, in one pass.
- A row with neither plan nor actual is skipped: the template lists every branch ×
  measure of the month, and the rows a user leaves empty mean "nothing to report"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select

from core.plugins.api import (Branch, CellChange, CellError, Column, ImportFileError, ImportPlan as Plan,
                              ImportRefused as BaseRefused,
                              Noted, Percent, Problems, RowChange, Sheet, code_key, data_sheets, gc_paused,
                              instruction_sheet, normalise, open_book, parse_text, read_table, round_note,
                              write_workbook)
from plugins.production.models import QUANTITY_PLACES, SLOTS, Actual
from plugins.production.models import Plan as PlanRow
from plugins.production.services import (Entry, _existing, check_entries, month_key, parse_month, save_entries,
                                         within_bounds)


@dataclass(frozen=True)
class Figure:
    """A plan or actual as read: the number, and whether the cell was a percent."""

    value: Decimal
    percent: bool = False


def parse_figure(value):
    """A non-negative number; a percent cell or text '98.75%' is flagged (see Figure)."""
    percent = isinstance(value, Percent)
    if percent:
        number = value.shown
    else:
        if isinstance(value, (bool, datetime, date)):
            raise ValueError(gettext("应为数字。"))
        text = normalise(value).replace(",", "")
        if text.endswith("%"):
            percent, text = True, text[:-1].strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(gettext("应为数字。")) from None
    rounded = round_note(within_bounds(number), QUANTITY_PLACES)
    if isinstance(rounded, Noted):
        return Noted(Figure(rounded.value, percent), rounded.note)
    return Figure(rounded, percent)


def parse_month_cell(value):
    if isinstance(value, (datetime, date)):
        return parse_month(value if isinstance(value, date) and not isinstance(value, datetime) else value.date())
    text = normalise(value).replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
    parts = text.split("-")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        text = f"{parts[0]}-{int(parts[1]):02d}"
    return parse_month(text)


QUANTITY_FORMAT = "#,##0.####"
COLUMNS = [
    Column("支部编码", "branch", parse_text(32), example="B0001"),
    Column("支部名称", "branch_name", parse_text(120), required=False, example="炼钢一车间党支部",
           hint=lazy_gettext("仅供核对，不导入")),
    Column("指标", "measure", parse_text(40), example="产量", choices=tuple(SLOTS.values()),
           hint=lazy_gettext("产量、成本、质量、安全，或指标编码/名称")),
    Column("计划", "plan", parse_figure, required=False, example="12000", number_format=QUANTITY_FORMAT,
           hint=lazy_gettext("最多 4 位小数，多余的四舍五入；单位为 % 的指标可填 98.75 或设为百分比格式")),
    Column("实绩", "actual", parse_figure, required=False, example="12500.5", number_format=QUANTITY_FORMAT),
    Column("月份", "month", parse_month_cell, required=False, example="2026-03",
           hint=lazy_gettext("工作表名称为月份（如 2026-03）时可省略；CSV 文件必填")),
]
FIELDS = {"branch": "支部编码", "measure": "指标", "month": "月份", "plan": "计划", "actual": "实绩"}


class ImportRefused(BaseRefused):
    """The workbook was refused; `errors` lists every bad cell (nothing was written)."""


# ------------------------------------------------------------------ reading

def _sheet_rows(book, problems: Problems):
    """(row, month) of every data sheet; a non-month sheet holding data is refused by name."""
    for sheet in data_sheets(book):
        try:
            month = parse_month(sheet.title)
        except ValueError:
            month = None
        local = Problems()
        table = read_table(sheet, COLUMNS, local)
        if table is None:
            continue  # an empty Sheet2
        rows = list(table)
        if month is None and (not local.ok and not rows or rows and "month" not in _present(rows[0])):
            problems.error(sheet.title, 1, "", gettext("工作表“%(s)s”不是月份工作表（名称应为 2026-03）却有内容：请删除该表、"
                                                       "改名为月份，或在名称中加“说明”。", s=sheet.title))
            continue
        _merge(problems, local)
        for row in rows:
            yield row, month


def _present(row) -> set:
    return {k for k, v in row.items() if v is not None} | set(row.get("_bad", ()))


def _merge(into: Problems, local: Problems) -> None:
    for e in local.errors:
        into.error(e.sheet, e.row, e.column, e.message)
    into.error_count += local.error_count - len(local.errors)
    for n in local.notes:
        into.note(n.sheet, n.row, n.column, n.message)


@dataclass
class Payload:
    entries: list[Entry]


@gc_paused
def plan_import(session, book, *, actor) -> Plan:
    """The preview of a production import (nothing written)."""
    problems = Problems()
    raw = list(_sheet_rows(book, problems))
    codes = {code_key(r["branch"]) for r, _ in raw if r.get("branch")}
    real = {code_key(c): c for c in session.scalars(select(Branch.code).where(func.upper(Branch.code).in_(codes)))} \
        if codes else {}
    entries, figures, from_title = [], {}, set()
    for row, sheet_month in raw:
        sheet, n, bad = row["_sheet"], row["_row"], row.get("_bad", set())
        month = row.get("month") or sheet_month
        if month is None and "month" not in bad:
            problems.error(sheet, n, FIELDS["month"], gettext("请填写月份（如 2026-03），或把工作表名称改为月份。"))
        plan, actual = row.get("plan"), row.get("actual")
        if plan is None and actual is None and not bad & {"plan", "actual"}:
            continue  # a pre-filled template row the user left empty
        if not row.get("branch") or not row.get("measure") or month is None:
            continue
        ref = (sheet, n)
        figures[ref] = (plan, actual)
        if not row.get("month"):
            from_title.add(ref)
        # a bad figure cell stands in as 0 so the row's other checks still run (nothing
        # is written while any error remains)
        entries.append(Entry(ref=ref, branch=real.get(code_key(row["branch"]), normalise(row["branch"])),
                             measure=normalise(row["measure"]), month=month,
                             plan=_value(plan, "plan" in bad), actual=_value(actual, "actual" in bad)))
    resolved, errors = check_entries(session, actor, entries, field_names=FIELDS)
    for e in errors:  # a month given by the sheet's title has no cell to point at
        column = "" if e.field == FIELDS["month"] and e.ref in from_title else e.field
        problems.error(e.ref[0], e.ref[1], column, e.message)
    for e, _branch, measure in resolved:
        for fig, header in zip(figures[e.ref], (FIELDS["plan"], FIELDS["actual"])):
            if fig is not None and fig.percent and measure.unit != "%":
                problems.error(e.ref[0], e.ref[1], header,
                               gettext("“%(m)s”的单位是“%(u)s”，单元格却是百分比格式：请改为常规数字格式。", m=measure.name,
                                       u=measure.unit or "—"))
    result = Plan("production", problems=problems, payload=Payload(entries))
    if problems.ok:
        _compare(session, resolved, result)
    return result


def _value(fig, bad):
    if bad:
        return Decimal(0)
    return fig.value if fig is not None else None


def _compare(session, resolved, result: Plan) -> None:
    plans = _existing(session, PlanRow, [(b.id, m.id, e.month) for e, b, m in resolved if e.plan is not None])
    actuals = _existing(session, Actual, [(b.id, m.id, e.month) for e, b, m in resolved if e.actual is not None])
    for e, branch, measure in resolved:
        key = (branch.id, measure.id, e.month)
        label = f"{branch.code} {measure.slot_label} {month_key(e.month)}"
        cells, fresh = [], True
        for header, value, rows in ((FIELDS["plan"], e.plan, plans), (FIELDS["actual"], e.actual, actuals)):
            if value is None:
                continue
            old = rows.get(key)
            if old is not None:
                fresh = False
                if Decimal(old.value) == value:
                    continue
            cells.append(CellChange(header, None if old is None else Decimal(old.value), value))
        change = RowChange(e.ref[0], e.ref[1], label, cells)
        if fresh:
            result.new.append(change)
        elif cells:
            result.changed.append(change)
        else:
            result.unchanged += 1


def apply_import(session, plan: Plan, *, actor) -> dict:
    """Write a checked plan through the one batch path (services.save_entries)."""
    result, problems = save_entries(session, actor, plan.payload.entries, source="import", field_names=FIELDS)
    if problems:
        raise ImportRefused([CellError(p.ref[0], p.ref[1], "" if p.field == "工作表" else p.field, p.message)
                             for p in problems])
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "result": result}


def import_workbook(session, actor, stream, filename: str = ""):
    """Import a file at once (the CLI); returns the BatchResult or raises ImportRefused /
    ImportFileError. Nothing is written unless every row of every sheet is valid."""
    book = open_book(stream.read(), filename or getattr(stream, "name", ""))
    plan = plan_import(session, book, actor=actor)
    if not plan.ok:
        raise ImportRefused(plan.problems.ordered())
    if not plan.payload.entries:
        raise ImportRefused([CellError("", 1, "", gettext("文件中没有数据行。"))])
    return apply_import(session, plan, actor=actor)["result"]


# ------------------------------------------------------------------ template

def template(session=None, actor=None, month: date | None = None, *, export: bool = False) -> bytes:
    """The import template for a month: a sheet named after it, pre-filled (with a
    session) with the branches the user may fill × their measures and the plans and
    actuals already known, so only numbers are typed; drop-downs, number formats and a
    说明 sheet. `export`: the same sheet for every branch the user may see (the export
    of plans and actuals, which reads back through the import)."""
    month = (month or date.today()).replace(day=1)
    rows = list(_prefill(session, actor, month, writable_only=not export)) if session is not None else []
    data = Sheet(month_key(month), [c.header for c in COLUMNS], rows,
                 widths=[12, 28, 10, 14, 14, 10],
                 formats={3: QUANTITY_FORMAT, 4: QUANTITY_FORMAT},
                 choices={2: tuple(SLOTS.values())}, blank_rows=0 if export else 200)
    lines = [gettext("每月一张工作表，名称为月份（如 2026-03）；也可用“月份”列。"),
             gettext("按“支部编码 + 指标 + 月份”识别：已有的数值显示为修改（原值 → 新值），相同的为未变。"),
             gettext("导入前会先显示预览；确认后才写入，任何一处错误都不写入。")]
    return write_workbook([data, instruction_sheet(gettext("填写说明"), COLUMNS, lines)])


def _prefill(session, actor, month, *, writable_only: bool = True):
    from core.plugins.api import UnitPlugin, can_keep_ledger, visible_branches
    from plugins.production.measures import PLUGIN, all_measures

    enabled = select(UnitPlugin.unit_id).where(UnitPlugin.plugin == PLUGIN)
    stmt = (visible_branches(actor) if actor is not None else select(Branch))
    branches = [b for b in session.scalars(stmt.where(Branch.active.is_(True), Branch.unit_id.in_(enabled))
                                           .order_by(Branch.code))
                if actor is None or not writable_only or can_keep_ledger(actor, b)]
    measures = [m for m in all_measures(session) if m.active]
    keys = [(b.id, m.id, month) for b in branches for m in measures if m.category == b.category]
    plans, actuals = _existing(session, PlanRow, keys), _existing(session, Actual, keys)
    for b in branches:
        for m in measures:
            if m.category != b.category:
                continue
            key = (b.id, m.id, month)
            plan, actual = plans.get(key), actuals.get(key)
            yield [b.code, b.name, m.slot_label, Decimal(plan.value) if plan else None,
                   Decimal(actual.value) if actual else None, month_key(month)]


__all__ = ["COLUMNS", "ImportFileError", "ImportRefused", "apply_import", "import_workbook", "plan_import", "template"]
