"""Every list a user sees can be exported, scoped like its page: score results of any
window, a branch's score sheet, the ledger with attendance counts, point records,
targets with monthly progress, the audit log (#13)."""
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.audit.service import record

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7},
          "standard": "每月至少召开1次支委会"}


@pytest.fixture
def two(app, db, make_unit, make_branch, make_user, make_ruleset, add_record):
    a, b = make_unit(code="UA"), make_unit(code="UB")
    mine, theirs = make_branch(a, code="MINE", name="本单位支部"), make_branch(b, code="THEIRS", name="外单位支部")
    make_ruleset(indicators=[LEDGER])
    for br in (mine, theirs):
        add_record(br, "committee_meeting", date(2026, 1, 5), expected_full=12, present_full=10,
                   expected_probationary=2, present_probationary=1)
    runner = app.test_cli_runner()
    from core.scoring.commands import close_cmd
    assert runner.invoke(close_cmd, ["2026-01"]).exit_code == 0
    return {"a": a, "b": b, "mine": mine, "theirs": theirs, "reviewer": make_user("reviewer", units=[a])}


def _sheet(r, name=None):
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet"), r.status_code
    wb = load_workbook(io.BytesIO(r.data))
    return wb[name] if name else wb.worksheets[0]


def test_score_results_of_any_window_from_the_web_are_scoped_and_numeric(client, login, two):
    login(two["reviewer"])
    ws = _sheet(client.get("/scoring/results.xlsx?period=2026-01"))
    rows = list(ws.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == ["MINE"]
    total = rows[0][9]
    assert total.data_type == "n" and total.value == 100 and total.number_format == "0.00"
    csv = client.get("/scoring/results.csv?period=2026-01").data.decode("utf-8-sig")
    assert "MINE" in csv and "THEIRS" not in csv and ",100.00," in csv


def test_a_branch_score_sheet_exports_and_other_units_answer_404(client, login, two):
    login(two["reviewer"])
    wb = load_workbook(io.BytesIO(client.get(f"/scoring/sheet/{two['mine'].id}.xlsx?period=2026-01").data))
    items = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert items and items[0][2] == "指标" and items[0][4] == 10 and items[0][8] == 10
    assert client.get(f"/scoring/sheet/{two['theirs'].id}.xlsx?period=2026-01").status_code == 404


def test_ledger_export_has_attendance_counts_and_is_scoped(client, login, two, db):
    from core.ledger.models import PointRecord
    db.add(PointRecord(branch_id=two["mine"].id, unit_id=two["a"].id, kind="bonus", points=Decimal("2.50"),
                       dated=date(2026, 1, 9), reason="=获奖"))
    db.commit()
    login(two["reviewer"])
    r = client.get("/ledger/export.xlsx?year=2026")
    ws = _sheet(r, "电子台账")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(x[0], x[7], x[8], x[9], x[10], x[11]) for x in rows] == [("MINE", 12, 10, 2, 1, 11)]
    assert isinstance(rows[0][3], type(rows[0][4])) or rows[0][3].year == 2026  # a date cell
    points = list(load_workbook(io.BytesIO(r.data))["加扣分"].iter_rows(min_row=2, values_only=True))
    assert points == [("MINE", "本单位支部", "加分", points[0][3], 2.5, "=获奖", None)]
    assert client.get(f"/ledger/export.xlsx?branch={two['theirs'].id}").status_code == 404


def test_targets_export_with_monthly_progress(client, login, two, db):
    from core.targets.models import Target, TargetProgress
    t = Target(branch_id=two["mine"].id, unit_id=two["a"].id, title="安全生产无事故", group="safety_production",
               index_code="performance", points=Decimal("5"), owner="张三", deadline=date(2026, 12, 31))
    other = Target(branch_id=two["theirs"].id, unit_id=two["b"].id, title="外单位目标", group="safety_production",
                   index_code="performance", points=Decimal("5"), owner="李四", deadline=date(2026, 12, 31))
    db.add_all([t, other])
    db.flush()
    db.add_all([TargetProgress(target_id=t.id, month=date(2026, 1, 1), completion=Decimal("30")),
                TargetProgress(target_id=t.id, month=date(2026, 2, 1), completion=Decimal("55.5"))])
    db.commit()
    login(two["reviewer"])
    r = client.get("/targets/export.xlsx")
    main = list(_sheet(r, "目标").iter_rows(min_row=2, values_only=True))
    assert [(x[2], x[9], x[10]) for x in main] == [("安全生产无事故", 55.5, "2026-02")]
    monthly = list(load_workbook(io.BytesIO(r.data))["月度进度"].iter_rows(min_row=2, values_only=True))
    assert [(x[3], x[4]) for x in monthly] == [("2026-01", 30), ("2026-02", 55.5)]


def test_audit_log_export_is_scoped(client, login, two, db, make_user):
    record(db, actor=None, action="branch.update", object_type="branches", object_id="1", new={"name": "甲"},
           unit_id=two["a"].id)
    record(db, actor=None, action="branch.update", object_type="branches", object_id="2", new={"name": "乙"},
           unit_id=two["b"].id)
    db.commit()
    login(two["reviewer"])
    rows = list(_sheet(client.get("/audit/export.xlsx")).iter_rows(min_row=2, values_only=True))
    news = [x[5] for x in rows if x[2] == "修改支部"]
    assert news == ["名称：甲"]
    login(make_user("secretary", branch=two["mine"]))
    assert client.get("/audit/export.xlsx").status_code == 404
