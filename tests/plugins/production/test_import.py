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


def test_template_is_prefilled_with_branches_by_measures_and_known_plans(db, branch, make_user, put):
    put(branch, "output", "2026-03", plan=1000)
    wb = load_workbook(io.BytesIO(template(db, make_user("admin"), date(2026, 3, 1))))
    assert wb.sheetnames == ["2026-03", "填写说明"]
    ws = wb["2026-03"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert list(rows[0]) == HEADERS
    assert [(r[0], r[2], r[5]) for r in rows[1:]] == [("LG01", s, "2026-03") for s in ("产量", "成本", "质量", "安全")]
    assert rows[1][3] == 1000 and rows[1][4] is None
    assert ws["D2"].number_format == "#,##0.####" and ws["E100"].number_format == "#,##0.####"
    assert any(dv.formula1 == '"产量,成本,质量,安全"' for dv in ws.data_validations.dataValidation)
    assert not any(r[0] == "B0001" for r in rows), "no example on the data sheet"
    # filled in and imported back unchanged: the plan row is unchanged, nothing else to write
    result = import_workbook(db, None, io.BytesIO(template(db, None, date(2026, 3, 1))))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


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
    assert errors == ["工作表“三月”第 1 行：工作表“三月”不是月份工作表（名称应为 2026-03）却有内容：请删除该表、改名为月份，"
                      "或在名称中加“说明”。"]


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
    assert errors == ["工作表“”第 1 行：文件中没有数据行。"], "a row left empty is skipped"


def test_not_an_xlsx_file(db, branch):
    from core.xlsx import ImportFileError
    with pytest.raises(ImportFileError):
        import_workbook(db, None, io.BytesIO(b"not a workbook"), filename="a.xlsx")
    with pytest.raises(ImportFileError) as info:
        import_workbook(db, None, io.BytesIO(b"\xd0\xcf\x11\xe0" + bytes(60)), filename="a.xls")
    assert "另存为" in str(info.value)
    errors = refused(db, io.BytesIO("不是表格".encode()))  # text without a header row
    assert "不是月份工作表" in errors[0]


# ------------------------------------------------------------------ files as office programs write them

from tests.office import csv_bytes, xlsx  # noqa: E402


def test_percent_cells_mean_the_percent_they_show_for_a_percent_measure(db, branch):
    import_workbook(db, None, xlsx({"2026-02": [HEADERS, ["LG01", None, "质量", 0.98, 0.9875]]},
                                   formats={("2026-02", "D2"): "0%", ("2026-02", "E2"): "0.00%"}))
    plan = db.scalar(select(Plan))
    actual = db.scalar(select(Actual))
    assert (D(plan.value), D(actual.value)) == (D("98"), D("98.75"))


def test_a_percent_cell_for_a_tonnage_measure_is_an_error(db, branch):
    errors = refused(db, xlsx({"2026-02": [HEADERS, ["LG01", None, "产量", 1000, 0.9]]},
                              formats={("2026-02", "E2"): "0%"}))
    assert errors == ["工作表“2026-02”第 2 行“实绩”列：“产量”的单位是“吨”，单元格却是百分比格式：请改为常规数字格式。"]


def test_formula_results_with_many_decimals_are_rounded_half_up_with_a_note(db, branch):
    from core.imports.reader import open_book
    from plugins.production.importing import plan_import
    data = xlsx({"2026-02": [HEADERS, ["LG01", None, "产量", 1000, 0]]},
                formulas={("2026-02", "E2"): ("=D2*0.98765", "987.6543216")}).getvalue()
    plan = plan_import(db, open_book(data, "a.xlsx"), actor=None)
    assert plan.ok and [n.message for n in plan.problems.notes] == ["987.6543216 已按四舍五入保留 4 位小数：987.6543。"]
    import_workbook(db, None, io.BytesIO(data))
    assert D(db.scalar(select(Actual)).value) == D("987.6543")


def test_merged_title_row_and_extra_sheets_are_accepted(db, branch):
    result = import_workbook(db, None, xlsx({"2026-02": [HEADERS, ["LG01", None, "产量", 1000, 980]]},
                                            title_row="2026年2月生产经营实绩", extra_sheets=("Sheet2", "Sheet3", "说明")))
    assert result.created == 2


def test_a_non_month_sheet_with_data_is_named_and_empty_ones_ignored(db, branch):
    errors = refused(db, xlsx({"2026-02": [HEADERS, ["LG01", None, "产量", 1000, 980]],
                               "Sheet2": [["随手记的数字", 12]]}, extra_sheets=("Sheet3",)))
    assert len(errors) == 1 and "工作表“Sheet2”不是月份工作表" in errors[0]


def test_every_error_of_a_file_in_one_pass(db, branch):
    errors = refused(db, xlsx({"2026-02": [HEADERS, ["LG01", None, "产量", 1000, "九百"],
                                           ["NOPE", None, "产量", 1000, 900],
                                           ["LG01", None, "利润", 1000, 900]]}))
    assert errors == ["工作表“2026-02”第 2 行“实绩”列：应为数字。",
                      "工作表“2026-02”第 3 行“支部编码”列：支部编码“NOPE”不存在、已停用或不在您的管理范围内。",
                      "工作表“2026-02”第 4 行“指标”列：“利润”不是生产类支部的生产经营指标（应为产量、成本、质量或安全）。"]


def test_full_width_and_lower_case_codes_are_normalised(db, branch):
    result = import_workbook(db, None, xlsx({"2026-02": [HEADERS, ["ｌｇ０１", None, " 产量 ", 1000, 980],
                                                         ["lg01", None, "ｐｒｏｄｕｃｔｉｏｎ.ｃｏｓｔ", 10, 9]]}))
    assert result.created == 4


def test_gbk_csv_with_a_month_column(db, branch):
    rows = [HEADERS, ["LG01", "炼钢一车间党支部", "产量", "1000", "980", "2026年2月"],
            ["LG01", "", "成本", "2800", "2790.5", "2026-02"]]
    for encoding, bom in (("gbk", False), ("gb18030", False), ("utf-8", True), ("utf-8", False)):
        db.execute(Actual.__table__.delete())
        db.execute(Plan.__table__.delete())
        result = import_workbook(db, None, csv_bytes(rows, encoding=encoding, bom=bom), filename="实绩.csv")
        assert result.created == 4, encoding
    errors = refused(db, csv_bytes([HEADERS[:5], ["LG01", "", "产量", "1", "1"]]), actor=None)
    assert "不是月份工作表" in errors[0]


def test_preview_counts_new_changed_unchanged(db, branch):
    from core.imports.reader import open_book
    from plugins.production.importing import plan_import
    import_workbook(db, None, xlsx({"2026-02": [HEADERS, ["LG01", None, "产量", 1000, 980],
                                                ["LG01", None, "成本", 2800, 2790]]}))
    data = xlsx({"2026-02": [HEADERS, ["LG01", None, "产量", 1000, 990],   # actual changed
                             ["LG01", None, "成本", 2800, 2790],           # unchanged
                             ["LG01", None, "质量", 98, 97]]}).getvalue()  # new
    plan = plan_import(db, open_book(data, "a.xlsx"), actor=None)
    assert (len(plan.new), len(plan.changed), plan.unchanged) == (1, 1, 1)
    cells = plan.changed[0].cells
    assert [(c.column, c.old, c.new) for c in cells] == [("实绩", D("980"), D("990"))]
    assert counts(db) == (2, 2), "a preview writes nothing"


def test_cli_import_and_seed_measures_run_outside_an_app_context(tmp_path, monkeypatch):
    """The commands used to crash with 'Working outside of application context'."""
    from click.testing import CliRunner

    from core.cli import main
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", url)
    monkeypatch.setenv("STARBRANCH_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("STARBRANCH_PLUGINS", "production")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    r = runner.invoke(main, ["production", "seed-measures"])
    assert r.exit_code == 0, r.output
    assert "新增指标定义 20 项" in r.output
    path = tmp_path / "实绩.xlsx"
    path.write_bytes(xlsx({"2026-02": [HEADERS, ["NOPE", None, "产量", 1000, 980]]}).getvalue())
    r = runner.invoke(main, ["production", "import", str(path)])
    assert r.exit_code == 1 and "支部编码“NOPE”不存在、已停用或不在您的管理范围内" in r.output, r.output
