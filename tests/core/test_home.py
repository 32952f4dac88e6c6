"""The landing page: role-aware, scoped summaries."""
from datetime import date
from decimal import Decimal

from core.home.services import home_summary
from core.periods.models import Period
from core.scoring.models import ScoreResult


def _closed_quarter(db):
    from core.indicators.catalogue import seed_ruleset

    ruleset = seed_ruleset(db, 2026)
    period = Period(ruleset_id=ruleset.id, key="2026Q1", kind="quarter", year=2026, number=1, starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 3, 31), status="closed")
    db.add(period)
    db.flush()
    return period


def _result(db, period, branch, stars, total="80.00"):
    db.add(ScoreResult(period_id=period.id, branch_id=branch.id, unit_id=branch.unit_id, category=branch.category,
                       ruleset_id=period.ruleset_id, base=Decimal(total), bonus=Decimal(0), deduction=Decimal(0),
                       total=Decimal(total), stars=stars, tier=None, rank=1, vetoed=False))


def test_reviewer_home_counts_stars_of_his_units_only(db, make_unit, make_branch, make_user):
    mine, other = make_unit(), make_unit()
    a, b, c = make_branch(unit=mine), make_branch(unit=mine), make_branch(unit=other)
    period = _closed_quarter(db)
    for branch, stars in ((a, 5), (b, 3), (c, 5)):
        _result(db, period, branch, stars)
    db.commit()
    reviewer = make_user("reviewer", units=[mine])
    summary = home_summary(db, reviewer)
    assert summary.n_branches == 2
    assert summary.stars == {5: 1, 3: 1}
    assert summary.quarter.key == "2026Q1"


def test_secretary_home_shows_her_branch_result_and_checklist(client, db, make_branch, make_user, login):
    branch = make_branch()
    period = _closed_quarter(db)
    _result(db, period, branch, 4, total="85.50")
    db.commit()
    login(make_user("secretary", branch=branch))
    html = client.get("/").get_data(as_text=True)
    assert branch.name in html
    assert "85.50" in html and "★★★★☆" in html
    assert "台账检查清单" in html and "支部委员会" in html


def test_home_without_closed_periods_says_so(client, make_user, login):
    login(make_user("viewer"))
    html = client.get("/").get_data(as_text=True)
    assert "尚无已结账的季度" in html
    assert "待办" not in html  # viewers have nothing to review
