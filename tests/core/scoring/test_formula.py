"""SCORING.md "One formula for every window": index ratios, category weights,
re-scaling, bonus cap, deductions and the floor at 0, verified values."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.scoring.models import Evaluation


def manual(index, points, cycle="month", **kw):
    return {"index_code": index, "points": points, "cycle": cycle, "method": "manual", **kw}


def verify_all(db, branch, values: dict, rs):
    """Give the manual items verified values (by indicator position)."""
    from core.scoring.adjust import verify_item
    for pos, value in values.items():
        ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branch.id,
                                                Evaluation.indicator_id == rs.indicators[pos].id))
        verify_item(db, ev.ident, value, "核实", ev.version)
    db.commit()


@pytest.fixture
def scored(db, make_ruleset, registry):
    """scored(branch, indicators, values, key='2026-01', **ruleset kw) → ScoreResult after recompute + close."""
    from core.scoring.close import close_period, recompute
    from core.periods.services import get_or_create_period
    from core.scoring.models import ScoreResult

    def run(branch, indicators, values, key="2026-01", **kw):
        rs = make_ruleset(indicators=indicators, **kw)
        recompute(db, key, registry)
        db.commit()
        verify_all(db, branch, values, rs)
        close_period(db, key, kinds=registry)
        db.commit()
        period = get_or_create_period(db, key)
        return db.scalar(select(ScoreResult).where(ScoreResult.period_id == period.id,
                                                   ScoreResult.branch_id == branch.id))

    return run


FIVE = [manual("team", 10), manual("management", 10), manual("performance", 10), manual("brand", 10),
        manual("service", 10)]


def test_category_weights_apply_to_index_ratios(make_branch, scored):
    branch = make_branch(category="production")
    weights = {"team": 10, "management": 40, "performance": 30, "brand": 10, "service": 10}
    r = scored(branch, FIVE, {0: 5, 1: 10, 2: "7.5", 3: 0, 4: 10}, weights=weights)
    assert (r.team, r.management, r.performance, r.brand, r.service) == (
        Decimal("5.00"), Decimal("40.00"), Decimal("22.50"), Decimal("0.00"), Decimal("10.00"))
    assert r.base == r.total == Decimal("77.50")


def test_weights_differ_per_category(make_branch, scored, make_ruleset):
    branch = make_branch(category="market")
    weights = {"production": {"team": 20, "management": 20, "performance": 20, "brand": 20, "service": 20},
               "market": {"team": 50, "management": 50, "performance": 0, "brand": 0, "service": 0}}
    for c in ("auxiliary", "management", "nonpublic"):
        weights[c] = weights["production"]
    r = scored(branch, FIVE, {0: 10, 1: 5, 2: 10, 3: 10, 4: 10}, weights=weights)
    assert r.total == Decimal("75.00")  # 50 × 1 + 50 × 0.5
    assert r.performance == Decimal("0.00")


def test_index_without_evaluation_is_dropped_and_others_rescaled(make_branch, scored):
    branch = make_branch()
    # brand has no indicator: weights 20 each over 4 indices → re-scaled to 25 each
    r = scored(branch, [FIVE[0], FIVE[1], FIVE[2], FIVE[4]], {0: 10, 1: 5, 2: 10, 3: 0})
    assert r.brand is None
    assert (r.team, r.management, r.performance, r.service) == (
        Decimal("25.00"), Decimal("12.50"), Decimal("25.00"), Decimal("0.00"))
    assert r.total == Decimal("62.50")
    assert r.notes["rescaled"] == ["brand"]


def test_total_is_the_exact_sum_rounded_once_and_shown_indices_add_up_to_it(make_branch, scored):
    branch = make_branch()
    # each index 1/3 of 20 = 6.666…; exact sum 33.333… → 33.33 (rounding each first gave 33.35);
    # shown: 6.66 each plus the 3 hundredths missing to the base, by largest remainder
    # (all equal: in index order)
    r = scored(branch, [manual(i, 3) for i in ("team", "management", "performance", "brand", "service")],
               {k: 1 for k in range(5)})
    assert r.total == r.base == Decimal("33.33")
    assert [r.team, r.management, r.performance, r.brand, r.service] == [
        Decimal("6.67"), Decimal("6.67"), Decimal("6.67"), Decimal("6.66"), Decimal("6.66")]


def test_ratio_pools_points_across_indicators_of_an_index(make_branch, scored):
    branch = make_branch()
    r = scored(branch, [manual("team", 10), manual("team", 30)], {0: 10, 1: 0})
    assert r.team == Decimal("25.00")  # (10 + 0) / 40 × 100 (only index present)


def test_bonus_capped_per_window(make_branch, scored, add_points):
    branch = make_branch()
    add_points(branch, "bonus", 3, date(2026, 1, 5))
    add_points(branch, "bonus", 4, date(2026, 1, 20))
    add_points(branch, "bonus", 9, date(2026, 2, 1))  # other month
    r = scored(branch, FIVE, {k: 8 for k in range(5)})
    assert r.base == Decimal("80.00")
    assert r.bonus == Decimal("5.00")
    assert r.total == Decimal("85.00")
    assert r.notes["bonus_capped_from"] == "7.00"


def test_total_never_exceeds_100(make_branch, scored, add_points):
    branch = make_branch()
    add_points(branch, "bonus", 2, date(2026, 1, 5))
    r = scored(branch, FIVE, {k: 10 for k in range(5)})
    assert r.total == Decimal("100.00")


def test_deduction_floor_at_zero(make_branch, scored, add_points):
    branch = make_branch()
    add_points(branch, "deduction", 30, date(2026, 1, 5))
    r = scored(branch, FIVE, {k: 2 for k in range(5)})
    assert r.base == Decimal("20.00")
    assert r.deduction == Decimal("30.00")
    assert r.total == Decimal("0.00")
    assert r.notes["clamped_from"] == "-10.00"


def test_deduction_citing_indicator_capped_at_its_points(make_branch, scored, add_points):
    branch = make_branch()
    inds = FIVE + [{"code": "D-LATE", "index_code": "management", "points": 3, "cycle": "month",
                    "method": "manual", "kind": "deduction"}]
    add_points(branch, "deduction", 2, date(2026, 1, 5), code="D-LATE")
    add_points(branch, "deduction", 2, date(2026, 1, 6), code="D-LATE")
    add_points(branch, "deduction", 1, date(2026, 1, 7))  # no indicator: in full
    r = scored(branch, inds, {k: 10 for k in range(5)})
    assert r.deduction == Decimal("4.00")  # min(4, 3) + 1
    assert r.total == Decimal("96.00")


def test_verified_value_replaces_automatic_one(db, make_branch, make_ruleset, add_record, registry, close, result_of):
    from core.scoring.adjust import verify_item
    from core.scoring.close import recompute
    branch = make_branch()
    rs = make_ruleset(indicators=[{"index_code": "management", "points": 10, "cycle": "month",
                                   "method": "ledger_count",
                                   "params": {"record_types": ["committee_meeting"], "min_count": 1}}])
    add_record(branch, "committee_meeting", date(2026, 1, 5))
    recompute(db, "2026-01", registry)
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branch.id))
    verify_item(db, ev.ident, 4, "会议记录不完整", ev.version)
    db.commit()
    close("2026-01")
    db.refresh(ev)
    assert ev.auto_earned == Decimal("10.00") and ev.verified_earned == Decimal("4.00")
    assert result_of(branch, "2026-01").total == Decimal("40.00")


def test_quarter_window_counts_monthly_and_quarterly_evaluations(db, make_branch, make_ruleset, add_record, close, result_of):
    branch = make_branch()
    make_ruleset(indicators=[
        {"index_code": "management", "points": 2, "cycle": "month", "method": "ledger_count",
         "params": {"record_types": ["committee_meeting"], "min_count": 1}},
        {"index_code": "management", "points": 4, "cycle": "quarter", "method": "ledger_count",
         "params": {"record_types": ["party_lecture"], "min_count": 1}}])
    add_record(branch, "committee_meeting", date(2026, 1, 5))
    add_record(branch, "committee_meeting", date(2026, 2, 5))
    add_record(branch, "party_lecture", date(2026, 3, 5))
    close.quarter("2026Q1")
    # (2 + 2 + 0 + 4) / (2 × 3 + 4) = 0.8
    assert result_of(branch, "2026Q1").total == Decimal("80.00")
    assert result_of(branch, "2026-03").total == Decimal("0.00")
    assert result_of(branch, "2026-03").stars is None


def test_unverified_manual_item_counts_zero_when_the_ruleset_says_so(make_branch, scored):
    branch = make_branch()
    r = scored(branch, [manual("team", 10), manual("team", 10)], {0: 10}, settings={"unverified_policy": "zero"})
    assert r.total == Decimal("50.00")


def test_branch_with_no_evaluations_scores_zero(db, make_branch, make_ruleset, close, result_of):
    branch = make_branch()
    make_ruleset(indicators=[])
    close("2026-01")
    r = result_of(branch, "2026-01")
    assert r.total == Decimal("0.00") and r.notes["no_evaluations"] is True
