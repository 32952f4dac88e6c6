"""Rules of the engine that a wrong implementation could break without any other test
noticing (issue #20). Each test names the rule; the comment under it says which break
of the code was tried by hand and turned it red."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.periods.keys import PeriodKey

Q_ITEM = {"index_code": "team", "points": 100, "cycle": "quarter", "method": "manual"}
ZERO_REST = {"performance": 0, "brand": 0, "service": 0}


# 1 ------------------------------------------------------------------------------------
def test_equal_index_sums_in_two_categories_get_each_categorys_weights(make_ruleset):
    # broken: score_all's same-result key without the category (`key = (*branch_sums.items(),)`)
    from core.scoring.aggregate import score_all
    rs = make_ruleset(weights={"production": {"team": 80, "management": 20, **ZERO_REST},
                               "market": {"team": 20, "management": 80, **ZERO_REST}})
    sums = {"team": (1000, 1000), "management": (1000, 0)}  # team all earned, management nothing
    branches = [(1, 7, "production", "A1"), (2, 7, "market", "A2"), (3, 7, "production", "A3")]
    scores = score_all(branches, {1: dict(sums), 2: dict(sums), 3: dict(sums)}, {}, rs)
    assert [s.total for s in scores] == [Decimal("80.00"), Decimal("20.00"), Decimal("80.00")]
    assert [s.index_scores["management"] for s in scores] == [Decimal("0.00")] * 3
    assert scores[1].index_scores["team"] == Decimal("20.00")


# 2 ------------------------------------------------------------------------------------
def test_monthly_deduction_indicator_is_capped_per_month_inside_a_quarter(db, make_branch, make_ruleset, add_points):
    # broken: capping per window (`PeriodKey.of_date(...)` replaced by the window's key) → 3.00;
    # not capping at all → 7.00
    from core.scoring.aggregate import adjustments
    rs = make_ruleset(indicators=[{"code": "D-M", "index_code": "management", "points": 3, "cycle": "month",
                                   "kind": "deduction"}])
    b = make_branch()
    add_points(b, "deduction", 3, date(2026, 1, 5), code="D-M")
    add_points(b, "deduction", 1, date(2026, 1, 25), code="D-M")   # January: 4, capped at 3
    add_points(b, "deduction", 3, date(2026, 2, 5), code="D-M")    # February: 3
    adj = adjustments(db, PeriodKey.parse("2026Q1"), rs)[b.id]
    assert adj.deduction == Decimal("6.00")
    assert adjustments(db, PeriodKey.parse("2026-01"), rs)[b.id].deduction == Decimal("3.00")


def test_yearly_deduction_indicator_is_capped_once_in_the_year(db, make_branch, make_ruleset, add_points):
    from core.scoring.aggregate import adjustments
    rs = make_ruleset(indicators=[{"code": "D-Y", "index_code": "management", "points": 3, "cycle": "year",
                                   "kind": "deduction"}])
    b = make_branch()
    add_points(b, "deduction", 2, date(2026, 1, 5), code="D-Y")
    add_points(b, "deduction", 2, date(2026, 8, 5), code="D-Y")
    assert adjustments(db, PeriodKey.parse("2026"), rs)[b.id].deduction == Decimal("3.00")


# 5 ------------------------------------------------------------------------------------
def test_proportion_cap_moves_down_through_the_lower_levels_gate(make_branch, make_ruleset, rate):
    # broken: apply_proportions without its `_apply_gates(...)` on the excess → both stay ★4
    make_ruleset(indicators=[Q_ITEM], settings={"proportions": {"5": 0}, "proportion_mode": "cap",
                                                "gates": {"4": "g4"}})
    passes, fails = make_branch(code="G1"), make_branch(code="G2")
    gates = {"g4": lambda session, ids, window: {passes.id} & set(ids)}
    res = rate({passes: 95, fails: 95}, gates=gates)
    assert res[passes].stars == 4
    assert res[fails].stars == 3
    assert [(s["rule"], s["from"], s["to"]) for s in res[fails].notes["steps"]] == [
        ("proportion", 5, 4), ("gate", 4, 3)]


# 6 ------------------------------------------------------------------------------------
def test_proportion_caps_apply_at_four_three_and_two_stars(make_branch, make_ruleset, rate):
    # broken: `for level in range(5, 4, -1)` (★5 only) → nobody moves;
    # `range(5, 2, -1)` → the market ★2 excess stays
    make_ruleset(indicators=[Q_ITEM], settings={"proportions": {"4": 50, "3": 50, "2": 50},
                                                "proportion_mode": "cap"})
    # one category per level, two branches each: ⌊2 × 50 %⌋ = 1 allowed
    p = [make_branch(code=f"P{i}", category="production") for i in (1, 2)]
    a = [make_branch(code=f"A{i}", category="auxiliary") for i in (1, 2)]
    m = [make_branch(code=f"M{i}", category="market") for i in (1, 2)]
    res = rate({p[0]: 85, p[1]: 84, a[0]: 75, a[1]: 74, m[0]: 65, m[1]: 64})
    assert [res[b].stars for b in (*p, *a, *m)] == [4, 3, 3, 2, 2, 1]
    assert res[m[1]].notes["steps"] == [{"rule": "proportion", "from": 2, "to": 1, "allowed": 1}]


# 7 ------------------------------------------------------------------------------------
def test_attendance_after_the_period_ends_does_not_count(make_branch, make_ruleset, add_record, preview):
    # broken: select_attendance without `held_on <= end` → rate 50 % → 0.00
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 6, "cycle": "month", "method": "attendance",
                                   "params": {"record_types": ["group_meeting"]}}])
    b = make_branch()
    add_record(b, "group_meeting", date(2025, 12, 31), present_full=0)   # before: not counted either
    add_record(b, "group_meeting", date(2026, 1, 31), present_full=10)
    add_record(b, "group_meeting", date(2026, 2, 1), present_full=0)
    assert preview(rs, "2026-01")[(b.id, rs.indicators[0].id)] == Decimal("6.00")


# 8 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [{"record_types": ["committee_meeting"], "deadline_days": 7},
                                    {"record_types": ["committee_meeting"], "min_count": None}])
def test_ledger_count_without_min_count_gives_full_marks_for_one_record(make_branch, make_ruleset, add_record,
                                                                        preview, params):
    # broken: `_min_count` defaulting to 2 → 5.00
    rs = make_ruleset(indicators=[{"index_code": "management", "points": 10, "cycle": "month",
                                   "method": "ledger_count", "params": params}])
    b, none = make_branch(), make_branch()
    add_record(b, "committee_meeting", date(2026, 1, 5))
    earned = preview(rs, "2026-01")
    assert earned[(b.id, rs.indicators[0].id)] == Decimal("10.00")
    assert earned[(none.id, rs.indicators[0].id)] == Decimal("0.00")


# 9 ------------------------------------------------------------------------------------
def test_appraisal_results_of_a_record_changed_to_another_type_do_not_count(db, make_branch, make_member,
                                                                            make_ruleset, add_record, preview):
    # broken: select_appraisal without `ActivityRecord.type == "appraisal"` → 6 × 2/4 = 3.00
    from core.ledger.models import AppraisalResult
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 6, "cycle": "year", "method": "appraisal"}])
    b = make_branch()
    kept = add_record(b, "appraisal", date(2026, 11, 5))
    changed = add_record(b, "appraisal", date(2026, 12, 5))
    for rec, result in ((kept, "excellent"), (kept, "qualified"), (changed, "unqualified"), (changed, "basic")):
        db.add(AppraisalResult(record_id=rec.id, member_id=make_member(b).id, result=result))
    changed.type = "committee_meeting"   # the results rows stay behind
    db.commit()
    assert preview(rs, "2026")[(b.id, rs.indicators[0].id)] == Decimal("6.00")


# 11 -----------------------------------------------------------------------------------
def test_vetoed_branch_already_at_the_cap_gets_no_veto_step(make_branch, make_ruleset, rate, add_points):
    # broken: `s.stars >= veto_cap` in rate_quarter → a ★1 → ★1 "veto" step
    make_ruleset(indicators=[Q_ITEM])
    low, high = make_branch(), make_branch()
    for b in (low, high):
        add_points(b, "veto", 0, date(2026, 2, 10), code="V-ACCIDENT")
    res = rate({low: 50, high: 95})
    assert res[low].stars == 1 and res[low].vetoed is True
    assert "steps" not in (res[low].notes or {})
    assert res[high].notes["steps"] == [{"rule": "veto", "from": 5, "to": 1}]


def test_annual_grade_at_the_veto_cap_gets_no_veto_step(make_ruleset):
    # broken: `s.stars >= veto_cap` in rate_year
    from core.scoring.stars import rate_year
    rs = make_ruleset(settings={"veto_cap": 2})
    at_cap = SimpleNamespace(total=Decimal("65.00"), vetoed=True, notes={}, stars=None, tier=None)
    above = SimpleNamespace(total=Decimal("85.00"), vetoed=True, notes={}, stars=None, tier=None)
    below = SimpleNamespace(total=Decimal("10.00"), vetoed=True, notes={}, stars=None, tier=None)
    rate_year([at_cap, above, below], rs)
    assert (at_cap.stars, above.stars, below.stars) == (2, 2, 1)
    assert "steps" not in at_cap.notes and "steps" not in below.notes
    assert above.notes["steps"] == [{"rule": "veto", "from": 4, "to": 2}]
    assert (at_cap.tier, above.tier, below.tier) == (3, 3, 3)


# ranking: the application's order is ranking.ordered's -----------------------------------
def test_stored_results_come_in_ranking_order(db, make_branch, make_ruleset, registry):
    # broken: ranking.display_key ordering performance ascending, or by code first
    from sqlalchemy import select

    from core.scoring.adjust import verify_item
    from core.scoring.close import close_period, recompute
    from core.scoring.models import Evaluation
    from core.scoring.services import window_results
    rs = make_ruleset(weights={"team": 50, "performance": 50, "management": 0, "brand": 0, "service": 0},
                      indicators=[{"index_code": "team", "points": 10, "cycle": "month", "method": "manual"},
                                  {"index_code": "performance", "points": 10, "cycle": "month", "method": "manual"}])
    team_only, perf_only, half = (make_branch(code=c) for c in ("C1", "C2", "C3"))
    top, market_top, market = (make_branch(code="C9"), make_branch(code="A0", category="market"),
                               make_branch(code="A1", category="market"))
    values = {team_only: (10, 0), perf_only: (0, 10), half: (5, 5), top: (10, 10), market_top: (10, 10),
              market: (0, 0)}
    recompute(db, "2026-01", registry)
    for branch, (team, perf) in values.items():
        for ind, value in zip(rs.indicators, (team, perf)):
            ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branch.id,
                                                    Evaluation.indicator_id == ind.id))
            verify_item(db, ev.ident, value, "核实", ev.version)
    close_period(db, "2026-01", kinds=registry)
    db.commit()
    rows = window_results(db, "2026-01")
    # category (market before production), then rank, then performance, then code
    assert [(b.code, r.rank, r.total) for r, b, _unit in rows] == [
        ("A0", 1, Decimal("100.00")), ("A1", 2, Decimal("0.00")), ("C9", 1, Decimal("100.00")), ("C2", 2, Decimal("50.00")),
        ("C3", 2, Decimal("50.00")), ("C1", 2, Decimal("50.00"))]
