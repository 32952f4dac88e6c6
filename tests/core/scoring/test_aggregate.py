"""core/scoring/aggregate.py on its own: the formula's edge cases, the notes it leaves,
adjustments by window, and branches of equal inputs scored once."""
from datetime import date
from decimal import Decimal

import pytest

from core.periods.keys import PeriodKey
from core.scoring.aggregate import Adjustments, adjustments, score, score_all

FIVE = ("team", "management", "performance", "brand", "service")
W = {"team": 20, "management": 20, "performance": 20, "brand": 20, "service": 20}
B = (1, 7, "production", "A1")


def test_present_indices_without_weight_score_zero():
    r = score(B, {"brand": (1000, 1000)}, None, {**W, "brand": 0}, Decimal(5))
    assert r.index_scores["brand"] == Decimal("0.00") and r.total == Decimal("0.00")
    assert r.notes["rescaled"] == ["team", "management", "performance", "service"]


def test_no_evaluation_at_all():
    r = score(B, {}, None, W, Decimal(5))
    assert r.notes == {"no_evaluations": True}
    assert r.total == Decimal("0.00") and r.cents == (None, None, None, None, None, 0, 0, 0, 0)
    # an index with evaluations worth 0 points counts as absent too
    assert score(B, {"team": (0, 0)}, None, W, Decimal(5)).notes == {"no_evaluations": True}


def test_notes_of_bonus_cap_clamp_and_veto():
    full = {i: (1000, 1000) for i in FIVE}
    r = score(B, full, Adjustments(bonus_raw=Decimal("5.00")), W, Decimal(5))
    assert r.bonus == Decimal("5.00") and "bonus_capped_from" not in r.notes  # at the cap: not capped
    assert r.total == Decimal("100.00") and r.notes["clamped_from"] == "105.00"
    r = score(B, full, Adjustments(bonus_raw=Decimal("5.01"), vetoes=2, veto_codes=["V-A", "V-B"]), W, Decimal(5))
    assert r.notes["bonus_capped_from"] == "5.01" and r.vetoed is True and r.notes["veto"] == ["V-A", "V-B"]
    r = score(B, {"team": (1000, 500)}, Adjustments(vetoes=1), W, Decimal(5))
    assert r.notes["veto"] is True and r.total == Decimal("50.00") and "clamped_from" not in r.notes
    assert r.base == Decimal("50.00") and r.bonus == Decimal("0.00") and r.deduction == Decimal("0.00")
    r = score(B, {"team": (1000, 500)}, Adjustments(deduction=Decimal("1.25")), W, Decimal(5))
    assert (r.total, r.deduction, r.vetoed) == (Decimal("48.75"), Decimal("1.25"), False)
    assert r.cents == (5000, None, None, None, None, 5000, 0, 125, 4875)


def test_missing_weights_of_a_category_stop_the_close(make_ruleset):
    from core.scoring.errors import ScoringError
    rs = make_ruleset(weights={"production": W})
    with pytest.raises(ScoringError, match="市场经营类"):
        score_all([B, (2, 7, "market", "M1")], {}, {}, rs)


def test_equal_branches_get_their_own_notes(make_ruleset):
    rs = make_ruleset()
    sums = {"team": (1000, 900)}
    scores = score_all([B, (2, 7, "production", "A2"), (3, 7, "production", "A3")], {1: sums, 2: sums, 3: sums},
                       {3: Adjustments(deduction=Decimal(1))}, rs)
    assert [(s.branch_id, s.code, s.total) for s in scores] == [
        (1, "A1", Decimal("90.00")), (2, "A2", Decimal("90.00")), (3, "A3", Decimal("89.00"))]
    scores[0].notes["steps"] = ["x"]
    scores[0].index_scores["team"] = None
    assert "steps" not in scores[1].notes and scores[1].index_scores["team"] == Decimal("90.00")
    assert scores[1].cents == scores[0].cents and scores[1].unit_id == 7


def test_adjustments_of_a_window(db, make_branch, make_ruleset, add_points):
    rs = make_ruleset()
    b, other = make_branch(), make_branch()
    add_points(b, "bonus", 2, date(2026, 1, 1))
    add_points(b, "bonus", "1.5", date(2026, 3, 31))
    add_points(b, "bonus", 9, date(2026, 4, 1))                  # next quarter
    add_points(b, "deduction", 1, date(2026, 2, 2))
    add_points(b, "veto", 0, date(2026, 2, 3), code="V-B")
    add_points(b, "veto", 0, date(2026, 2, 4), code="V-A")
    add_points(b, "veto", 0, date(2026, 2, 5), code="V-A")
    add_points(b, "veto", 0, date(2026, 2, 6))
    add_points(other, "deduction", 3, date(2025, 12, 31))        # before the window
    adj = adjustments(db, PeriodKey.parse("2026Q1"), rs)
    mine = adj[b.id]
    assert (mine.bonus_raw, mine.deduction, mine.vetoes, mine.veto_codes) == (
        Decimal("3.50"), Decimal("1.00"), 4, ["V-A", "V-B"])
    assert other.id not in adj
    only = adjustments(db, PeriodKey.parse("2026Q1"), rs, branch_ids=[other.id])
    assert dict(only) == {}
    assert adjustments(db, PeriodKey.parse("2026-02"), rs, branch_ids=[b.id])[b.id].bonus_raw == Decimal("0")


def test_index_sums_per_branch_and_index(db, make_branch, make_ruleset, registry):
    from sqlalchemy import select

    from core.periods.models import Period
    from core.scoring.adjust import verify_item
    from core.scoring.aggregate import index_sums_from_db
    from core.scoring.close import recompute
    from core.scoring.models import Evaluation
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 10, "cycle": "month", "method": "manual"},
                                  {"index_code": "team", "points": 5, "cycle": "month", "method": "manual"},
                                  {"index_code": "service", "points": 4, "cycle": "month", "method": "manual"}])
    a, b = make_branch(), make_branch()
    recompute(db, "2026-01", registry)
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == a.id, Evaluation.indicator_id == rs.indicators[0].id))
    verify_item(db, ev.ident, "7.5", "核实", ev.version)
    db.commit()
    period_id = db.scalar(select(Period.id).where(Period.key == "2026-01"))
    sums = index_sums_from_db(db, [period_id])
    assert sums[a.id] == {"team": (1500, 750), "service": (400, 0)}
    assert sums[b.id] == {"team": (1500, 0), "service": (400, 0)}
    assert dict(index_sums_from_db(db, [period_id], branch_ids=[b.id])) == {b.id: sums[b.id]}
    assert dict(index_sums_from_db(db, [])) == {}
