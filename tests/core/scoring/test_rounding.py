"""SCORING.md "One formula for every window", the rounding rule: index scores and the
total are exact, the total is rounded once, half-up, to 0.01; the shown indices are
apportioned by the largest remainder so they add up to the shown base; a branch that
earns every available point scores 100.00; bands are decided on the rounded total.
The property runs on SQLite and, with STARBRANCH_TEST_DATABASE_URL, on PostgreSQL."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from core.indicators.models import IndexWeight, Indicator, RuleSet, StarBand
from core.ledger.models import PointRecord
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring.aggregate import shown_indices
from core.scoring.close import close_period
from core.scoring.manual import ensure_items
from core.scoring.models import Evaluation, ScoreResult
from core.scoring.sources import kinds_from

INDEX_CODES = ("team", "management", "performance", "brand", "service")
CATS = ("production", "auxiliary", "management", "market", "nonpublic")


def _manual(index, points):
    return {"index_code": index, "points": points, "cycle": "month", "method": "manual"}


def _verify_all(db, registry, rs, values):
    """values: {(branch_id, indicator position): earned} — written as verified values."""
    ensure_items(db, [PeriodKey.parse("2026-01")], rs, kinds_from(registry))
    for (branch_id, pos), earned in values.items():
        db.execute(update(Evaluation).where(Evaluation.branch_id == branch_id,
                                            Evaluation.indicator_id == rs.indicators[pos].id)
                   .values(verified_earned=Decimal(earned), verify_reason="核实"))
    db.commit()


def _result(db, branch):
    return db.scalar(select(ScoreResult).where(ScoreResult.branch_id == branch.id))


def _shown(r):
    return [r.team, r.management, r.performance, r.brand, r.service]


def test_a_perfect_branch_scores_100_with_an_index_missing(db, make_branch, make_ruleset, registry):
    """Weights 30/20/20/(10)/20 with no brand indicator: re-scaled 33.33…, 22.22… ×3.
    Rounding each index first gave 99.99; exact, it is 100.00, shown 33.34 + 22.22 × 3."""
    branch = make_branch()
    rs = make_ruleset(indicators=[_manual("team", 7), _manual("management", 3), _manual("performance", 11),
                                  _manual("service", 9)],
                      weights={"team": 30, "management": 20, "performance": 20, "brand": 10, "service": 20})
    _verify_all(db, registry, rs, {(branch.id, n): p for n, p in enumerate((7, 3, 11, 9))})
    close_period(db, "2026-01", kinds=registry)
    db.commit()
    r = _result(db, branch)
    assert r.total == r.base == Decimal("100.00")
    assert _shown(r) == [Decimal("33.34"), Decimal("22.22"), Decimal("22.22"), None, Decimal("22.22")]
    assert r.notes["rescaled"] == ["brand"]


def test_band_edges_are_decided_on_the_rounded_total(db, make_branch, make_ruleset, registry, close, result_of):
    """89.995 exactly rounds to 90.00 — ★5 (the band is ≥ 90.00)."""
    branch = make_branch()
    rs = make_ruleset(indicators=[{**_manual("team", 200), "cycle": "quarter"}])
    for m in ("2026-01", "2026-02", "2026-03"):
        close(m)
    _verify_quarter(db, registry, rs, branch, "179.99")   # 179.99 / 200 × 100 = 89.995
    close("2026Q1")
    r = result_of(branch, "2026Q1")
    assert r.total == Decimal("90.00") and r.stars == 5


def _verify_quarter(db, registry, rs, branch, value):
    ensure_items(db, [PeriodKey.parse("2026Q1")], rs, kinds_from(registry))
    db.execute(update(Evaluation).where(Evaluation.branch_id == branch.id).values(
        verified_earned=Decimal(value), verify_reason="核实"))
    db.commit()


def test_shown_indices_apportion_the_remainders():
    # three indices of 33.333…: the shown base 100.00, one index gets the missing cent
    shown, base = shown_indices({"team": (10000, 3), "management": (20000, 6), "service": (10000, 3)})
    assert base == 10000 and shown == {"team": 3334, "management": 3333, "service": 3333}
    # the largest remainder wins, not the index order
    shown, base = shown_indices({"team": (1001, 10), "service": (2009, 10)})
    assert (shown, base) == ({"team": 100, "service": 201}, 301)
    # half a hundredth in all rounds up once: 0.25 + 0.25 → base 1, to the first of equals
    assert shown_indices({"team": (1, 4), "brand": (1, 4)}) == ({"team": 1, "brand": 0}, 1)


# ---- the property ----------------------------------------------------------------------

weights = st.lists(st.integers(0, 60), min_size=5, max_size=5).filter(lambda w: sum(w) > 0)
indicator = st.tuples(st.sampled_from(INDEX_CODES), st.integers(1, 3000))   # points in hundredths
scenario = st.fixed_dictionaries({
    "weights": weights,
    "indicators": st.lists(indicator, min_size=1, max_size=6),
    "earned": st.lists(st.lists(st.floats(0, 1), min_size=6, max_size=6), min_size=3, max_size=3),
    "bonus": st.lists(st.integers(0, 700), min_size=3, max_size=3),
    "deduction": st.lists(st.integers(0, 400), min_size=3, max_size=3),
})
HYPO = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _reset(db):
    for model in (ScoreResult, Evaluation, Period, PointRecord, IndexWeight, StarBand, Indicator, RuleSet):
        db.execute(delete(model))
    db.commit()


def _oracle(weights: dict, earned_by_index: dict) -> Fraction:
    """The exact base in hundredths, written out independently of the engine."""
    present = [i for i in INDEX_CODES if earned_by_index.get(i, (0, 0))[1] > 0]
    total_w = sum(weights[i] for i in present)
    if not present or total_w == 0:
        return Fraction(0)
    return sum((Fraction(weights[i] * 100, total_w) * Fraction(*earned_by_index[i]) * 100 for i in present),
               Fraction(0))


@HYPO
@given(s=scenario)
def test_rounding_rule_holds_for_random_scenarios(db, make_branch, make_ruleset, registry, s):
    fn = test_rounding_rule_holds_for_random_scenarios
    if not getattr(fn, "_branches", None) or db.get(type(fn._branches[0]), fn._branches[0].id) is None:
        fn._branches = [make_branch(category=c) for c in ("production", "market", "auxiliary")]
    branches = fn._branches
    _reset(db)
    w = dict(zip(INDEX_CODES, s["weights"]))
    rs = make_ruleset(indicators=[_manual(i, Decimal(p) / 100) for i, p in s["indicators"]],
                      weights={c: w for c in CATS})
    values, sums = {}, {}
    for b, branch in enumerate(branches):
        per_index = {}
        for n, (index, pts) in enumerate(s["indicators"]):
            got = min(pts, round(s["earned"][b][n] * pts))
            values[(branch.id, n)] = Decimal(got) / 100
            g, p = per_index.get(index, (0, 0))
            per_index[index] = (g + got, p + pts)
        sums[branch.id] = per_index
        for kind, cents in (("bonus", s["bonus"][b]), ("deduction", s["deduction"][b])):
            if cents:
                db.add(PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind=kind, points=Decimal(cents) / 100,
                                   dated=date(2026, 1, 15), reason="r"))
    db.commit()
    _verify_all(db, registry, rs, values)
    close_period(db, "2026-01", kinds=registry)
    db.commit()
    cap = Decimal(rs.setting("bonus_cap"))
    for b, branch in enumerate(branches):
        r = _result(db, branch)
        exact = _oracle(w, sums[branch.id])
        base_cents = (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)   # half-up, once
        assert r.base == Decimal(base_cents) / 100
        shown = [x for x in _shown(r) if x is not None]
        assert sum(shown, Decimal(0)) == r.base                                   # shown indices add up
        bonus = min(Decimal(s["bonus"][b]) / 100, cap)
        expected_total = min(max(r.base + bonus - Decimal(s["deduction"][b]) / 100, Decimal(0)), Decimal(100))
        assert r.total == expected_total
        for code, value in zip(INDEX_CODES, _shown(r)):
            got, pts = sums[branch.id].get(code, (0, 0))
            if value is not None and w[code] and pts:
                total_w = sum(w[i] for i in INDEX_CODES if sums[branch.id].get(i, (0, 0))[1] > 0)
                one = Fraction(w[code] * 100, total_w) * Fraction(got, pts)
                assert abs(Fraction(value) - one) < Fraction(1, 100)            # each within a hundredth
        if all(got == pts for got, pts in sums[branch.id].values()) and sum(
                w[i] for i in sums[branch.id]) > 0 and not s["bonus"][b] and not s["deduction"][b]:
            assert r.total == Decimal("100.00")                                  # every point earned


@pytest.mark.parametrize("value", [Decimal("7.50"), Decimal("1.005"), Decimal("2.675"), Decimal("10"),
                                   Decimal("1E+2"), 2, 2.675, "3.335", None])
def test_the_bulk_writers_hundredths_follow_the_one_rounding_rule(value):
    """bulk.cents (the engine's fast path for already rounded values) gives what
    core.points.to_cents gives for any value: the one rounding rule."""
    from core.points import to_cents
    from core.scoring.bulk import cents
    assert cents(value) == (None if value is None else to_cents(value))
