"""The demo looks like a real year: realistic founding dates; reviewers verify the
manual items as reviewers would (most confirmed, some adjusted with reasons); stars
spread roughly ★5 10 %, ★4 30 %, ★3 40 %, ★2 and below 20 %; nothing is dated after
today; the year closes once it has ended, with a commendation list."""
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core.ledger.checklist import checklists
from core.ledger.models import ActivityRecord, PointRecord
from core.org import demodata
from core.org.models import Branch
from core.periods.models import Period
from core.scoring.demo_periods import ADJUST_REASONS, CONFIRM_REASON, close_year, windows_to_close
from core.scoring.models import Evaluation, ScoreResult
from core.scoring.notice import commendation_list
from core.targets.models import TargetProgress

TODAY = date(2026, 11, 29)


@pytest.fixture
def demo_year(app, db, clock):
    """The demo as `starbranch demo` builds it on 29 November 2026."""
    clock(TODAY.isoformat())
    registry = app.extensions["starbranch.plugins"]
    result = demodata.build_demo(db, today=TODAY, password_method="pbkdf2:sha256:1000")
    demodata.enable_demo_plugins(db, registry, result)
    registry.hook.starbranch_demo_data(session=db, units=result.units, branches=result.branches)
    closed = close_year(db, registry, 2026, TODAY)
    db.commit()
    return result, closed


def _shares(db, key):
    stars = Counter(db.scalars(select(ScoreResult.stars).join(Period, Period.id == ScoreResult.period_id)
                               .where(Period.key == key)))
    n = sum(stars.values())
    return {s: stars[s] / n for s in range(1, 6)}


def test_the_demo_year_looks_real(db, demo_year):
    """One demo build (about 15 s) for the checks below, each in its function."""
    _stops_where_the_calendar_stops(db, demo_year)
    _realistic_founding_dates(db, demo_year)
    _reviewers_confirm_most_and_adjust_some(db)
    _stars_spread_as_in_practice(db)


def _stops_where_the_calendar_stops(db, demo_year):
    result, closed = demo_year
    assert closed == [k.key for k in windows_to_close(TODAY)]
    assert closed[-1] == "2026-10" and "2026Q4" not in closed and "2026" not in closed
    assert db.scalar(select(func.max(ActivityRecord.held_on))) < TODAY
    assert db.scalar(select(func.max(ActivityRecord.uploaded_at))) <= datetime(2026, 11, 29, 23, 59)
    assert db.scalar(select(func.max(PointRecord.dated))) < TODAY
    assert db.scalar(select(func.max(TargetProgress.month))) < TODAY
    from plugins.production.models import Actual
    assert db.scalar(select(func.max(Actual.month))) < date(2026, 11, 1)     # actuals up to October


def _realistic_founding_dates(db, demo_year):
    founded = list(db.scalars(select(Branch.founded_on)))
    assert all(f is not None and date(1985, 1, 1) <= f < date(2026, 1, 1) for f in founded)
    assert min(founded).year < 1995 and len({f.year for f in founded}) > 20
    # so the checklist counts every past period: nothing is excused as "not yet founded"
    items = checklists(db, [b.id for b in demo_year[0].branches], today=TODAY)
    assert not any(i.previous_status == "new" for lst in items.values() for i in lst)


def _reviewers_confirm_most_and_adjust_some(db):
    rows = db.execute(select(Evaluation.self_earned, Evaluation.verified_earned, Evaluation.verify_reason)
                      .where(Evaluation.auto_earned.is_(None))).all()
    assert rows and all(v is not None for _s, v, _r in rows)
    confirmed = [r for r in rows if r.verify_reason == CONFIRM_REASON]
    adjusted = [r for r in rows if r.verify_reason in ADJUST_REASONS]
    assert len(confirmed) + len(adjusted) == len(rows)
    assert 0.7 < len(confirmed) / len(rows) < 0.95
    assert all(s == v for s, v, _r in confirmed)
    assert any(s != v for s, v, _r in adjusted)
    # the service index (manual only in a quarter) is no longer 0.00 everywhere
    assert db.scalar(select(func.count()).select_from(ScoreResult).where(ScoreResult.service > 0)) > 0


def _stars_spread_as_in_practice(db):
    for key in ("2026Q2", "2026Q3"):
        share = _shares(db, key)
        assert 0.05 <= share[5] <= 0.16, (key, share)
        assert 0.22 <= share[4] <= 0.40, (key, share)
        assert 0.30 <= share[3] <= 0.50, (key, share)
        assert 0.12 <= share[2] + share[1] <= 0.30, (key, share)


def test_the_demo_year_closes_once_it_has_ended(app, db, demo_year, clock):
    registry = app.extensions["starbranch.plugins"]
    clock("2027-01-04")
    closed = close_year(db, registry, 2026, date(2027, 1, 4))
    db.commit()
    assert closed == ["2026-11", "2026-12", "2026Q4", "2026"]
    final, commended = commendation_list(db, 2026)
    assert sum(len(v) for v in commended.values()) >= 5
    assert sum(1 for share in _shares(db, "2026").values() if share > 0) >= 3
