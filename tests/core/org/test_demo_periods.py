from datetime import date

from sqlalchemy import func, select

from core.periods.models import Period
from core.scoring.demo_periods import close_demo_periods, windows_to_close
from core.scoring.models import ScoreResult


def test_demo_closes_ended_months_with_each_quarter_after_its_third_month():
    keys = [pk.key for pk in windows_to_close(date(2026, 5, 10))]
    assert keys == ["2026-01", "2026-02", "2026-03", "2026Q1", "2026-04"]


def test_demo_closes_nothing_in_january():
    assert windows_to_close(date(2026, 1, 31)) == []


def test_demo_close_seeds_ruleset_and_scores_every_branch(app, db, make_branch):
    branches = [make_branch(category=c) for c in ("production", "market", "production")]
    closed = close_demo_periods(db, app.extensions["starbranch.plugins"], date(2026, 4, 2))
    db.commit()
    assert closed == ["2026-01", "2026-02", "2026-03", "2026Q1"]
    assert db.scalar(select(func.count()).select_from(Period).where(Period.status == "closed")) == 4
    q1 = db.scalar(select(Period.id).where(Period.key == "2026Q1"))
    results = db.scalars(select(ScoreResult).where(ScoreResult.period_id == q1)).all()
    assert sorted(r.branch_id for r in results) == sorted(b.id for b in branches)
    assert all(r.stars in range(1, 6) for r in results)
