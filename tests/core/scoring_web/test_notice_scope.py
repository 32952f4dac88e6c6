"""The commendation list is a public notice within the group; scores stay in scope
(issue #14, item 6)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.periods.models import Period
from core.scoring.models import ScoreResult


def _closed_year_with_stars(db, branches):
    period = Period(key="2025", kind="year", year=2025, number=0, starts_on=date(2025, 1, 1),
                    ends_on=date(2025, 12, 31), status="closed")
    db.add(period)
    db.flush()
    for rank, (branch, total) in enumerate(branches, start=1):
        db.add(ScoreResult(period_id=period.id, branch_id=branch.id, unit_id=branch.unit_id,
                           category=branch.category, ruleset_id=0, base=Decimal(total), bonus=Decimal(0),
                           deduction=Decimal(0), total=Decimal(total), rank=rank, stars=5, tier=1))
    db.commit()


def test_other_units_commended_branches_show_unit_and_star_but_no_score(client, db, login, make_unit,
                                                                        make_branch, make_user):
    mine, other = make_unit(name="炼铁厂党委"), make_unit(name="炼钢厂党委")
    own = make_branch(unit=mine, name="高炉党支部")
    foreign = make_branch(unit=other, name="转炉党支部")
    _closed_year_with_stars(db, [(own, "97.31"), (foreign, "95.62")])
    login(make_user("reviewer", units=[mine]))
    page = client.get("/scoring/notice/2025").get_data(as_text=True)
    assert "高炉党支部" in page and "97.31" in page
    assert "转炉党支部" in page and "炼钢厂党委" in page   # the notice is group-wide …
    assert "95.62" not in page                           # … its scores are not
    login(make_user("admin"))
    assert "95.62" in client.get("/scoring/notice/2025").get_data(as_text=True)
