"""Stars, veto, promotion, gates, proportions, ranks (SCORING.md "Stars…", "Ranking")."""
from datetime import date
from decimal import Decimal

import pytest

from core.scoring.gates import StarGate

Q_ITEM = {"index_code": "team", "points": 100, "cycle": "quarter", "method": "manual"}


def test_band_gives_star(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM])
    bs = [make_branch() for _ in range(6)]
    res = rate(dict(zip(bs, [95, 90, "89.99", 70, 60, 59])))
    assert [res[b].stars for b in bs] == [5, 5, 4, 3, 2, 1]
    assert [res[b].tier for b in bs] == [1, 1, 2, 2, 3, 3]


def test_veto_caps_quarter_star_at_one(make_branch, make_ruleset, rate, add_points):
    make_ruleset(indicators=[Q_ITEM])
    b = make_branch()
    add_points(b, "veto", 0, date(2026, 2, 10), code="V-ACCIDENT")
    r = rate({b: 95})[b]
    assert r.total == Decimal("95.00")
    assert r.stars == 1 and r.vetoed is True
    assert r.notes["steps"] == [{"rule": "veto", "from": 5, "to": 1}]


def test_veto_cap_is_configurable(make_branch, make_ruleset, rate, add_points):
    make_ruleset(indicators=[Q_ITEM], settings={"veto_cap": 2})
    b = make_branch()
    add_points(b, "veto", 0, date(2026, 3, 31))
    assert rate({b: 95})[b].stars == 2


def test_veto_outside_quarter_does_not_cap(make_branch, make_ruleset, rate, add_points):
    make_ruleset(indicators=[Q_ITEM])
    b = make_branch()
    add_points(b, "veto", 0, date(2026, 4, 1))
    assert rate({b: 95})[b].stars == 5


def test_one_step_promotion_per_quarter(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM])
    b, fresh = make_branch(), make_branch()
    assert rate({b: 65, fresh: 10}, "2026Q1")[b].stars == 2
    res = rate({b: 95, fresh: 95}, "2026Q2")
    assert res[b].stars == 3                     # 2 + 1, not 5
    assert res[b].notes["steps"][0]["rule"] == "promotion"
    assert res[fresh].stars == 2                 # had ★1 in Q1
    assert rate({b: 95, fresh: 10}, "2026Q3")[b].stars == 4
    assert rate({b: 10, fresh: 10}, "2026Q4")[b].stars == 1  # falling has no limit


def test_first_rated_quarter_is_not_limited(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM])
    b = make_branch()
    assert rate({b: 95})[b].stars == 5


def test_promotion_rule_can_be_switched_off(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM], settings={"promotion_step": False})
    b = make_branch()
    rate({b: 65}, "2026Q1")
    assert rate({b: 95}, "2026Q2")[b].stars == 5


def test_gate_not_met_gives_next_star_down(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM], settings={"gates": {"5": "brand_accepted"}})
    ok, short = make_branch(), make_branch()
    gate = StarGate("brand_accepted", "品牌已验收", lambda session, ids, window: {ok.id} & set(ids))
    res = rate({ok: 95, short: 95}, gates=[gate])
    assert res[ok].stars == 5
    assert res[short].stars == 4
    assert res[short].notes["steps"] == [{"rule": "gate", "from": 5, "to": 4, "gate": "brand_accepted"}]


def test_unknown_gate_is_not_met(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM], settings={"gates": {"5": "no_such_gate"}})
    b = make_branch()
    r = rate({b: 95})[b]
    assert r.stars == 4
    assert r.notes["steps"][0]["unknown"] is True


def test_gates_chain_down(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM], settings={"gates": {"5": "g5", "4": "g4"}})
    b = make_branch()
    nobody = {"g5": lambda s, ids, w: set(), "g4": lambda s, ids, w: set()}
    assert rate({b: 95}, gates=nobody)[b].stars == 3


def proportion_case(make_branch, make_ruleset, rate, mode):
    make_ruleset(indicators=[Q_ITEM], settings={"proportions": {"5": 20}, "proportion_mode": mode})
    # ten production branches, all ★5 by band; allowed ⌊10 × 20%⌋ = 2
    bs = [make_branch(code=f"P{i:02d}", category="production") for i in range(10)]
    totals = [99, 98, 97, 97, 96, 95, 94, 93, 92, 91]
    other = make_branch(code="M01", category="market")
    return bs, other, rate({**dict(zip(bs, totals)), other: 99})


def test_proportion_cap_moves_lowest_ranked_excess_down(make_branch, make_ruleset, rate):
    bs, other, res = proportion_case(make_branch, make_ruleset, rate, "cap")
    assert [res[b].stars for b in bs] == [5, 5] + [4] * 8
    # counted within its own category: one market branch, 1 × 20% rounds to 0, at least 1
    assert res[other].stars == 5
    assert res[bs[2]].notes["steps"] == [{"rule": "proportion", "from": 5, "to": 4, "allowed": 2}]


def test_proportion_cap_breaks_ties_by_branch_code(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM], settings={"proportions": {"5": 10}, "proportion_mode": "cap"})
    bs = [make_branch(code=f"T{i:02d}", category="auxiliary") for i in range(10)]
    res = rate({b: 95 for b in reversed(bs)})
    assert [res[b].stars for b in bs] == [5] + [4] * 9


def test_proportion_warn_keeps_stars_and_warns(db, make_branch, make_ruleset, rate):
    bs, other, res = proportion_case(make_branch, make_ruleset, rate, "warn")
    assert all(res[b].stars == 5 for b in bs)
    assert res[bs[9]].notes["proportion_warning"] == {"level": 5, "allowed": 2}
    assert "proportion_warning" not in res[bs[0]].notes


def test_ranks_within_category_share_and_skip(make_branch, make_ruleset, rate):
    make_ruleset(indicators=[Q_ITEM])
    a, b, c, d = (make_branch(code=f"R{i}", category="production") for i in range(4))
    m = make_branch(code="R9", category="market")
    res = rate({a: 90, b: 80, c: 80, d: 70, m: 10})
    assert [res[x].rank for x in (a, b, c, d)] == [1, 2, 2, 4]
    assert res[m].rank == 1


def test_display_order_among_equals_by_performance_then_code():
    from types import SimpleNamespace as S

    from core.scoring.ranking import assign_ranks, ordered
    mk = lambda code, perf: S(category="production", total=Decimal("80"), code=code, rank=0,  # noqa: E731
                              index_scores={"performance": perf})
    rows = [mk("B3", Decimal("20")), mk("B1", Decimal("10")), mk("B2", Decimal("20")), mk("B0", None),
            mk("B9", Decimal("0"))]
    assign_ranks(rows)
    # an index of 0.00 is above an absent one (B9 before B0 although its code is after)
    assert [r.code for r in ordered(rows)] == ["B2", "B3", "B1", "B9", "B0"]
    assert {r.rank for r in rows} == {1}


def test_quarter_close_needs_previous_quarter_closed(db, make_ruleset, registry, close):
    from core.scoring.close import close_period
    from core.scoring.errors import CloseOrderError
    make_ruleset(indicators=[Q_ITEM])
    for m in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"):
        close(m)
    with pytest.raises(CloseOrderError, match="2026年第一季度尚未结账"):
        close_period(db, "2026Q2", kinds=registry)


def test_promotion_looks_at_the_previous_quarters_closed_result_only(db, make_branch, make_ruleset, rate,
                                                                     registry, result_of):
    """The one-step limit starts from the previous quarter's closed stars: not from an
    older quarter, nor from a trial's provisional stars of a quarter still open."""
    from sqlalchemy import select

    from core.scoring.adjust import verify_item
    from core.scoring.close import recompute
    from core.scoring.models import Evaluation

    def trial(key, total):
        recompute(db, key, registry)
        ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == b.id).order_by(Evaluation.period_id.desc()))
        verify_item(db, ev.ident, total, "核实", ev.version)
        recompute(db, key, registry)
        db.commit()
        return result_of(b, key)

    make_ruleset(indicators=[Q_ITEM])
    b = make_branch()
    assert rate({b: 65}, "2026Q1")[b].stars == 2      # closed
    assert trial("2026Q2", 65).stars == 2             # provisional: Q2 stays open
    q3 = trial("2026Q3", 95)
    assert q3.stars == 5 and not q3.notes.get("steps")
