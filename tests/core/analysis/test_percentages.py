"""An index's percentage (得分率) is taken against the weight it was scored with: when an
index drops out of a window the engine re-scales the others, so dividing a re-scaled
score by the raw weight gave "星级队伍 103.70 %" on the dashboard."""
from __future__ import annotations

from decimal import Decimal

from core.scoring.models import ScoreResult

# WEIGHTS (conftest): team 20, management 20, performance 30, brand 15, service 15; brand
# dropped out → ΣW = 85 and team's effective weight is 20 × 100 / 85 = 23.529…


def _rescaled(db, branch, period, ruleset, team_ratio: Decimal, rank: int):
    eff = {"team": Decimal(20), "management": Decimal(20), "performance": Decimal(30), "service": Decimal(15)}
    idx = {c: (w * 100 / 85 * (team_ratio if c == "team" else 1)).quantize(Decimal("0.01")) for c, w in eff.items()}
    total = sum(idx.values())
    db.add(ScoreResult(period_id=period.id, branch_id=branch.id, unit_id=branch.unit_id, category=branch.category,
                       ruleset_id=ruleset.id, brand=None, **idx, base=total, bonus=Decimal(0), deduction=Decimal(0),
                       total=total, stars=5, tier=1, rank=rank, vetoed=False))
    db.commit()


def test_dashboard_percentages_use_the_rescaled_weight(db, make_unit, make_branch, make_ruleset, make_period):
    from core.analysis.reports import branch_dashboard
    unit = make_unit(name="炼铁厂党委")
    a, b = make_branch(unit, name="高炉作业区党支部"), make_branch(unit, name="烧结作业区党支部")
    rs, q1 = make_ruleset(), make_period("2026Q1")
    _rescaled(db, a, q1, rs, Decimal(1), 1)
    _rescaled(db, b, q1, rs, Decimal("0.9"), 2)
    board = branch_dashboard(db, a, "2026Q1")
    assert board.pct["team"] == Decimal("100.00")      # was 117.65 (23.53 / 20)
    assert board.pct["brand"] is None
    assert board.avg_pct["team"] == Decimal("95.01")   # (100 + 21.18 / 23.529 × 100) / 2; was 111.78
    assert all(v is None or v <= 100 for v in list(board.pct.values()) + list(board.avg_pct.values()))


def test_average_mixes_rows_with_and_without_rescaling(db, make_unit, make_branch, make_ruleset, make_period,
                                                       make_score):
    from core.analysis.reports import branch_dashboard
    unit = make_unit(name="炼铁厂党委")
    a, b = make_branch(unit, name="高炉作业区党支部"), make_branch(unit, name="烧结作业区党支部")
    rs, q1 = make_ruleset(), make_period("2026Q1")
    _rescaled(db, a, q1, rs, Decimal(1), 1)      # team 100 % of 23.53
    make_score(b, q1, rs, pct=80, rank=2)       # team 80 % of 20, every index present
    board = branch_dashboard(db, a, "2026Q1")
    assert board.avg_pct["team"] == Decimal("90.00")
    assert board.avg_pct["brand"] == Decimal("80.00")  # only b has a brand score


def test_percent_never_exceeds_100_for_rounding(app):
    from core.analysis.queries import percent_of
    assert percent_of(Decimal("23.53"), Decimal(20) * 100 / 85) == Decimal("100.00")
