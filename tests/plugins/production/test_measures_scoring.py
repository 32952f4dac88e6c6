"""Each category's four measures scored by the set-based evaluator, hand-computed.
Month 2026-03, default curves (floor 0.8, no bonus) unless the test changes one."""
from decimal import Decimal as D

import pytest

from plugins.production.measures import update_measure


@pytest.fixture
def branches(make_branch, prod_unit):
    return {c: make_branch(unit=prod_unit, category=c, code=f"{c[:3].upper()}01")
            for c in ("production", "auxiliary", "market", "management", "nonpublic")}


def earned(rows, branch, slot):
    return rows[(branch.id, f"P-{branch.category.upper()}-{slot.upper()}")].earned


def test_production_category(branches, put, run_eval):
    b = branches["production"]
    put(b, "output", "2026-03", plan=1000, actual=950)      # a 0.95 → 10 × 0.75
    put(b, "cost", "2026-03", plan=2800, actual=3000)       # lower: a 0.9333 → 8 × 0.6667
    put(b, "quality", "2026-03", plan=98, actual=96)        # a 0.97959 → 7 × 0.89796
    put(b, "safety", "2026-03", plan=0, actual=0)           # zero plan kept
    rows = run_eval("2026-03")
    assert earned(rows, b, "output") == D("7.50")
    assert earned(rows, b, "cost") == D("5.33")
    assert earned(rows, b, "quality") == D("6.29")
    assert earned(rows, b, "safety") == D("5.00")
    ev = rows[(b.id, "P-PRODUCTION-COST")].evidence
    assert ev == {"plan": "2800", "actual": "3000", "attainment": "0.9333"}


def test_auxiliary_category(branches, put, run_eval):
    b = branches["auxiliary"]
    put(b, "output", "2026-03", plan=95, actual=99)         # beats plan: full, no bonus by default
    put(b, "cost", "2026-03", plan=500, actual=550)         # lower: a 0.90909 → 8 × 0.54545
    put(b, "quality", "2026-03", plan=90, actual="85.5")    # a 0.95 → 7 × 0.75
    put(b, "safety", "2026-03", plan=0, actual=1)           # zero plan broken → 0
    rows = run_eval("2026-03")
    assert [earned(rows, b, s) for s in ("output", "cost", "quality", "safety")] == \
        [D("10.00"), D("4.36"), D("5.25"), D("0.00")]


def test_market_category(branches, put, run_eval):
    b = branches["market"]
    put(b, "output", "2026-03", plan=5000, actual=4000)     # a = floor → 0
    put(b, "cost", "2026-03", plan=8, actual=7)             # expense ratio lower: beats plan → 8
    put(b, "quality", "2026-03", plan=2, actual=0)          # complaints: 0 vs 2 → unbounded → full
    put(b, "safety", "2026-03", plan=3, actual="3.2")       # overdue receivables: a 0.9375 → 5 × 0.6875
    rows = run_eval("2026-03")
    assert [earned(rows, b, s) for s in ("output", "cost", "quality", "safety")] == \
        [D("0.00"), D("8.00"), D("7.00"), D("3.44")]
    assert rows[(b.id, "P-MARKET-QUALITY")].evidence["attainment"] == "∞"


def test_management_category_missing_actual_scores_zero(branches, put, run_eval):
    b = branches["management"]
    put(b, "output", "2026-03", plan=100, actual=90)        # a 0.9 → 5
    put(b, "cost", "2026-03", plan=200, actual=180)         # lower, beats plan → 8
    put(b, "quality", "2026-03", plan=95, actual=97)        # → 7
    put(b, "safety", "2026-03", plan=0)                     # plan, no actual → 0
    rows = run_eval("2026-03")
    assert [earned(rows, b, s) for s in ("output", "cost", "quality", "safety")] == \
        [D("5.00"), D("8.00"), D("7.00"), D("0.00")]
    assert rows[(b.id, "P-MANAGEMENT-SAFETY")].evidence["note"] == "未报送实绩"


def test_nonpublic_category_with_bonus_and_cap(db, branches, put, run_eval, measures):
    m = measures["nonpublic.output"]
    values = {k: getattr(m, k) for k in ("name", "meaning", "unit", "direction", "floor", "points", "key", "active")}
    n = update_measure(db, m, {**values, "bonus_rate": D("0.5"), "bonus_cap": D("0.1")}, actor=None)
    db.commit()
    assert n == 1  # the active rule set's indicator got the new curve
    b = branches["nonpublic"]
    put(b, "output", "2026-03", plan=800, actual=880)       # a 1.1: 10 + min(0.5 × 0.1 × 10, 0.1 × 10)
    put(b, "cost", "2026-03", plan=70, actual=84)           # lower: a 0.8333 → 8 × 0.16667
    put(b, "quality", "2026-03", plan=99, actual=99)        # → 7
    put(b, "safety", "2026-03", plan=1, actual=2)           # lower: a 0.5 → 0
    rows = run_eval("2026-03")
    assert [earned(rows, b, s) for s in ("output", "cost", "quality", "safety")] == \
        [D("10.50"), D("1.33"), D("7.00"), D("0.00")]
    put(b, "output", "2026-04", plan=800, actual=1600)      # a 2: bonus capped at 1 → 11
    assert earned(run_eval("2026-04"), b, "output") == D("11.00")


def test_no_plan_no_evaluation_and_disabled_units_are_not_scored(make_unit, make_branch, branches, put, run_eval):
    other = make_branch(unit=make_unit(name="未启用单位"), category="production")
    put(other, "output", "2026-03", plan=100, actual=100)   # data exists, plugin off for its unit
    b = branches["production"]
    put(b, "output", "2026-03", plan=100, actual=100)
    rows = run_eval("2026-03")
    assert (b.id, "P-PRODUCTION-OUTPUT") in rows
    assert (b.id, "P-PRODUCTION-COST") not in rows          # no plan → the measure does not apply
    assert not [k for k in rows if k[0] == other.id]


def test_a_quarter_cycle_compares_the_sums_of_its_months(branches, put, run_eval):
    b = branches["production"]
    for month, actual in (("2026-01", 900), ("2026-02", 1000), ("2026-03", 950)):
        put(b, "output", month, plan=1000, actual=actual)   # Σ 2850 / 3000 = 0.95 → 7.50
    put(b, "cost", "2026-01", plan=2800, actual=2800)
    put(b, "cost", "2026-02", plan=2800)                    # a month unreported → 0 for the window
    rows = run_eval("2026Q1")
    assert earned(rows, b, "output") == D("7.50")
    assert earned(rows, b, "cost") == D("0.00")


def test_evaluator_uses_a_fixed_number_of_statements(app, db, make_branch, prod_unit, put, run_eval):
    from sqlalchemy import event

    for i in range(30):
        b = make_branch(unit=prod_unit, category=("production", "market")[i % 2])
        put(b, "output", "2026-03", plan=100, actual=90 + i)
    statements = []
    listener = lambda *a, **k: statements.append(1)  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listener)
    try:
        rows = run_eval("2026-03")
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listener)
    assert len(rows) == 30
    assert len(statements) <= 4   # indicators, measures, setting, the SELECT scoring all of them
