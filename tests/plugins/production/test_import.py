"""Excel import of plans and actuals: one sheet per month, all-or-nothing."""
import io
from datetime import date
from decimal import Decimal as D

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.periods.models import Period
from plugins.production.importing import COLUMNS, ImportRefused, import_workbook, template
from plugins.production.models import Actual, Plan

HEADERS = [c.header for c in COLUMNS]


def workbook(sheets: dict) -> io.BytesIO:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(HEADERS)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@pytest.fixture
def branch(make_branch, prod_unit, measures):
    return make_branch(unit=prod_unit, category="production", code="LG01", name="炼钢一车间党支部")


def counts(db):
    return (db.scalar(select(func.count()).select_from(Plan)), db.scalar(select(func.count()).select_from(Actual)))


def refused(db, stream, actor=None) -> list[str]:
    with pytest.raises(ImportRefused) as info:
        import_workbook(db, actor, stream)
    db.rollback()
    assert counts(db) == (0, 0), "a refused import writes nothing"
    return [str(e) for e in info.value.errors]


def test_template_has_a_month_sheet_and_an_example_row():
    wb = load_workbook(io.BytesIO(template(date(2026, 3, 1))))
    assert wb.sheetnames == ["2026-03"]
    rows = list(wb["2026-03"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and rows[1][0] == "B0001"


def test_import_of_two_months_writes_plans_and_actuals(db, branch):
    result = import_workbook(db, None, workbook({
        "2026-02": [["LG01", None, "产量", 1000, 980], ["LG01", None, "成本", 2800, "2790.5"]],
        "2026-03": [["LG01", "炼钢一车间党支部", "production.quality", 98, None]],
    }))
    db.commit()
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert counts(db) == (3, 2)
    cost = db.scalar(select(Actual).where(Actual.value == D("2790.5")))
    assert cost.source == "import" and cost.month == date(2026, 2, 1)


def test_importing_again_is_idempotent_and_a_change_updates(db, branch):
    data = {"2026-02": [["LG01", None, "产量", 1000, 980]]}
    import_workbook(db, None, workbook(data))
    again = import_workbook(db, None, workbook(data))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_workbook(db, None, workbook({"2026-02": [["LG01", None, "产量", 1000, 990]]}))
    assert (changed.updated, changed.unchanged) == (1, 1)
    assert counts(db) == (1, 1)


def test_non_numeric_and_negative_actuals(db, branch):
    errors = refused(db, workbook({"2026-02": [["LG01", None, "产量", 1000, "九百"],
                                               ["LG01", None, "成本", 2800, -5]]}))
    assert "工作表“2026-02”第 2 行“实绩”列：应为数字。" in errors
    assert "工作表“2026-02”第 3 行“实绩”列：不能为负数。" in errors


def test_a_month_outside_the_plan(db, branch):
    errors = refused(db, workbook({"2026-04": [["LG01", None, "产量", None, 900]]}))
    assert errors == ["工作表“2026-04”第 2 行：2026-04 没有“产量”的计划，不能填报实绩；请先下达该月计划。"]


def test_a_sheet_not_named_like_a_month(db, branch):
    errors = refused(db, workbook({"三月": [["LG01", None, "产量", 1000, 900]]}))
    assert "工作表名称应为月份" in errors[0]


def test_unknown_branch_code_and_unknown_measure(db, branch):
    errors = refused(db, workbook({"2026-02": [["NOPE", None, "产量", 1000, 900],
                                               ["LG01", None, "利润", 1000, 900],
                                               ["LG01", None, "产量", 1000, 900]]}))
    assert errors[0] == "工作表“2026-02”第 2 行“支部编码”列：支部编码“NOPE”不存在、已停用或不在您的管理范围内。"
    assert "第 3 行“指标”列" in errors[1] and "利润" in errors[1]
    assert len(errors) == 2   # the good third row is not written either


def test_duplicate_rows(db, branch):
    errors = refused(db, workbook({"2026-02": [["LG01", None, "产量", 1000, 900],
                                               ["LG01", None, "output", 1000, 950]]}))
    assert errors == ["工作表“2026-02”第 3 行“指标”列：与工作表“2026-02”第 2 行重复：同一支部、指标和月份只能有一行。"]


def test_branch_outside_the_importers_scope(db, branch, make_user, make_unit, make_branch, enable_plugin):
    other_unit = make_unit()
    enable_plugin(other_unit, "production")
    reviewer = make_user("reviewer", units=[other_unit])
    errors = refused(db, workbook({"2026-02": [["LG01", None, "产量", 1000, 900]]}), actor=reviewer)
    assert errors == ["工作表“2026-02”第 2 行“支部编码”列：支部编码“LG01”不存在、已停用或不在您的管理范围内。"]


def test_secretary_may_import_actuals_but_not_plans(db, branch, make_user, put):
    secretary = make_user("secretary", branch=branch)
    errors = refused(db, workbook({"2026-02": [["LG01", None, "产量", 1000, 900]]}), actor=secretary)
    assert "不在您的管理范围内" in errors[0]
    put(branch, "output", "2026-02", plan=1000)
    result = import_workbook(db, secretary, workbook({"2026-02": [["LG01", None, "产量", None, 900]]}))
    assert result.created == 1


def test_branch_in_a_unit_without_the_plugin(db, branch, make_branch, make_unit):
    make_branch(unit=make_unit(), category="production", code="OFF1")
    errors = refused(db, workbook({"2026-02": [["OFF1", None, "产量", 1000, 900]]}))
    assert errors == ["工作表“2026-02”第 2 行“支部编码”列：支部“OFF1”所在单位未启用生产经营指标插件。"]


def test_locked_period(db, branch):
    db.add(Period(key="2026-02", kind="month", year=2026, number=2, starts_on=date(2026, 2, 1),
                  ends_on=date(2026, 2, 28), status="closed"))
    db.commit()
    errors = refused(db, workbook({"2026-02": [["LG01", None, "产量", 1000, 900]],
                                   "2026-03": [["LG01", None, "产量", 1000, 900]]}))
    assert len(errors) == 1 and "2026年2月已结账锁定" in errors[0]


def test_missing_column_and_empty_values(db, branch):
    wb = Workbook()
    ws = wb.active
    ws.title = "2026-02"
    ws.append(["支部编码", "计划", "实绩"])
    ws.append(["LG01", 1, 1])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    assert refused(db, out) == ["工作表“2026-02”第 1 行“指标”列：缺少该列（请使用下载的模板）。"]
    errors = refused(db, workbook({"2026-02": [["LG01", None, "产量", None, None]]}))
    assert errors == ["工作表“2026-02”第 2 行“实绩”列：计划和实绩至少填写一项。"]


def test_not_an_xlsx_file(db, branch):
    from core.xlsx import ImportFileError
    with pytest.raises(ImportFileError):
        import_workbook(db, None, io.BytesIO(b"not a workbook"))
