"""CLI commands, the Celery task, and the explainable sheet."""
from datetime import date
from decimal import Decimal

import pytest

from core.scoring.sheet import branch_sheet

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7},
          "standard": "每月至少召开1次支委会"}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_cli_close_scores_reopen(db, runner, make_branch, make_ruleset, add_record):
    b = make_branch(code="C001", name="炼铁一支部", category="production")
    make_ruleset(indicators=[LEDGER])
    add_record(b, "committee_meeting", date(2026, 1, 5))
    from core.scoring.commands import close_cmd, reopen_cmd, scores_cmd
    r = runner.invoke(close_cmd, ["2026-01"])
    assert r.exit_code == 0, r.output
    assert "2026年1月已结账" in r.output
    r = runner.invoke(scores_cmd, ["2026-01", "--format", "csv"])
    assert r.exit_code == 0
    text = r.stdout_bytes.decode("utf-8")
    assert text.startswith("\ufeff支部编码,支部名称,所属单位,支部类别,星级队伍")
    assert "C001,炼铁一支部" in text and ",100.00," in text
    r = runner.invoke(close_cmd, ["2026Q1"])
    assert r.exit_code != 0 and "尚未结账" in r.output
    r = runner.invoke(reopen_cmd, ["2026-01", "--reason", "补录"])
    assert r.exit_code == 0 and "重新开启" in r.output
    r = runner.invoke(close_cmd, ["2026-13"])
    assert r.exit_code != 0


def test_cli_scores_xlsx_to_file(db, runner, tmp_path, make_branch, make_ruleset, add_record):
    from openpyxl import load_workbook

    from core.scoring.commands import close_cmd, scores_cmd
    make_branch(code="X1")
    make_ruleset(indicators=[LEDGER])
    runner.invoke(close_cmd, ["2026-01"])
    out = tmp_path / "s.xlsx"
    r = runner.invoke(scores_cmd, ["2026-01", "--format", "xlsx", "-o", str(out)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(out).active
    assert ws["A2"].value == "X1"
    total = ws.cell(row=2, column=10)
    assert ws.cell(row=1, column=10).value == "总分"
    assert total.data_type == "n" and total.value == 0 and total.number_format == "0.00", "a number, not text"


def test_cli_ruleset_seed(db, runner):
    from core.scoring.commands import ruleset_group
    r = runner.invoke(ruleset_group, ["seed", "2026"])
    assert r.exit_code == 0 and "启用" in r.output


def test_celery_close_task_is_idempotent(db, make_branch, make_ruleset):
    from core.scoring.tasks import close_period_task
    make_branch()
    make_ruleset(indicators=[LEDGER])
    first = close_period_task.delay("2026-01").get()
    again = close_period_task.delay("2026-01").get()
    assert first["results"] == 1 and not first["already_closed"] and again["already_closed"]


def test_sheet_of_closed_window_explains_each_item(db, make_branch, make_ruleset, add_record, add_points, close):
    b = make_branch()
    make_ruleset(indicators=[LEDGER])
    add_record(b, "committee_meeting", date(2026, 1, 5), late_days=10)
    add_points(b, "deduction", 2, date(2026, 1, 20), reason="台账不全")
    close("2026-01")
    sheet = branch_sheet(db, b.id, "2026-01")
    assert sheet.closed and sheet.source == "stored"
    mgmt = next(s for s in sheet.sections if s.index_code == "management")
    item = mgmt.items[0]
    assert (item.points, item.auto_earned, item.locked) == (Decimal("10.00"), Decimal("5.00"), True)
    assert item.standard == "每月至少召开1次支委会" and item.evidence["late"] == 1
    assert next(s for s in sheet.sections if s.index_code == "brand").dropped
    assert sheet.total == Decimal("48.00") and sheet.deduction == Decimal("2.00")
    assert [p.reason for p in sheet.point_records] == ["台账不全"]


def test_sheet_preview_of_open_window_writes_nothing(db, registry, make_branch, make_ruleset, add_record):
    from sqlalchemy import func, select

    from core.scoring.models import Evaluation, ScoreResult
    b = make_branch()
    make_ruleset(indicators=[LEDGER, {"index_code": "team", "points": 10, "cycle": "quarter", "method": "manual"}])
    add_record(b, "committee_meeting", date(2026, 2, 5))
    sheet = branch_sheet(db, b.id, "2026Q1", kinds=registry)
    assert sheet.source == "preview" and not sheet.closed
    assert db.scalar(select(func.count()).select_from(Evaluation)) == 0
    assert db.scalar(select(func.count()).select_from(ScoreResult)) == 0
    # (0 + 10 + 0) of 30 in management; team manual unverified → 0 of 10
    assert sheet.total == Decimal("16.67")
    assert sheet.rank is None and sheet.stars == 1


def test_sheet_preview_counts_verified_values_and_gives_the_total_the_close_stores(
        db, registry, make_branch, make_ruleset, add_record, close, result_of):
    """An open quarter's preview sums its closed month from the stored rows and its open
    months from the evaluators — with a reviewer's verified value replacing the automatic
    one, for that branch and period only — and so shows the total the close then stores."""
    from sqlalchemy import select

    from core.periods.models import Period
    from core.scoring.adjust import verify_item
    from core.scoring.close import recompute

    b = make_branch(category="production")
    other = make_branch(category="production")
    rs = make_ruleset(indicators=[LEDGER])
    ind = rs.indicators[0]
    add_record(b, "committee_meeting", date(2026, 1, 5))
    add_record(b, "committee_meeting", date(2026, 3, 5))
    close("2026-01")
    recompute(db, "2026Q1", registry)          # a trial stores the open months' items
    db.commit()
    feb = db.scalar(select(Period.id).where(Period.key == "2026-02"))
    verify_item(db, (feb, b.id, ind.id), "4", "补交会议记录", None)      # automatic 0
    verify_item(db, (feb, other.id, ind.id), "9", "另一支部", None)      # not b's
    db.commit()

    sheet = branch_sheet(db, b.id, "2026Q1", kinds=registry)
    assert sheet.source == "preview"
    items = {i.period_key: i for s in sheet.sections if s.index_code == "management" for i in s.items}
    assert (items["2026-01"].auto_earned, items["2026-02"].verified_earned) == (Decimal("10.00"), Decimal("4.00"))
    # management: (10 + 4 + 10) of 30 points
    assert next(s for s in sheet.sections if s.index_code == "management").earned == Decimal("24.00")

    close("2026-02")
    close("2026-03")
    close("2026Q1")
    assert result_of(b, "2026Q1").total == sheet.total
    assert result_of(other, "2026Q1").total != sheet.total
