"""The brand index through a real close: points hand-computed from the stage reached,
the verified 五有 items and the benchmark bonus at each month's end; indicators absent
where the plugin is off (the other indices re-scaled); the star gates; the settings."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.indicators.catalogue import seed_ruleset
from core.indicators.models import Indicator
from core.ledger.models import ActivityRecord
from core.periods.models import Period
from core.scoring.models import Evaluation
from plugins.brands import evidence, scoring, showcase
from plugins.brands.stages import BrandError

from .conftest import TODAY
from tests.plugins.closing import close_all, result

KEEP = {"B-LIFE-GROUP", scoring.CODE}
MONTHS = ("2026-01", "2026-02", "2026-03")


@pytest.fixture
def scored(app, db, world, walk):
    """The 2026 rule set cut down to one monthly ledger item (management, 2 pts) and
    BR-PROGRESS (brand, 15 pts); a 党小组会 every month for every branch."""
    registry = app.extensions["starbranch.plugins"]
    rs = seed_ruleset(db, 2026, registry=registry)
    for ind in list(rs.indicators):
        if ind.code not in KEEP:
            rs.indicators.remove(ind)
    for branch in (world["a"], world["a2"], world["x"]):
        for m in (1, 2, 3):
            db.add(ActivityRecord(branch_id=branch.id, unit_id=branch.unit_id, type="group_meeting",
                                  held_on=date(2026, m, 10), uploaded_at=datetime(2026, m, 11, 9), topic="学习"))
    db.commit()
    return {"registry": registry, "ruleset": rs}


def brand_eval(db, key, branch):
    """The branch's BR-PROGRESS evaluation of window `key`, or None."""
    return db.scalar(select(Evaluation).join(Period, Period.id == Evaluation.period_id)
                     .join(Indicator, Indicator.id == Evaluation.indicator_id)
                     .where(Period.key == key, Evaluation.branch_id == branch.id, Indicator.code == scoring.CODE))


def test_default_indicator_and_settings(scored):
    ind = next(i for i in scored["ruleset"].indicators if i.code == scoring.CODE)
    assert (ind.index_code, ind.cycle, ind.method, ind.plugin, ind.points) == (
        "brand", "month", "brands.progress", "brands", D("15.00"))
    assert ind.params == {"benchmark_bonus": "2"}


def test_brand_points_hand_computed_through_a_real_close(db, world, walk, scored):
    a, a2, x = world["a"], world["a2"], world["x"]
    walk(a)   # declared 01-05, cultivating 01-20, proposed 02-10, accepted 02-25, named 03-10
    for item in ("secretary", "team", "venue"):
        evidence.save_evidence(db, a, item, "佐证", actor=world["secretary"])
        evidence.set_verified(db, a, item, True, actor=world["reviewer"], today=date(2026, 2, 15))
    evidence.save_evidence(db, a, "results", "未核实的佐证", actor=world["secretary"])
    showcase.designate_benchmark(db, actor=world["admin"], year=2026, category="production", branch_code="LG01",
                                 designated_on=date(2026, 3, 1))
    db.commit()
    close_all(db, scored["registry"], *MONTHS, "2026Q1")

    # Jan: cultivating at 01-31 → 申报 2 + 培育 3 = 5.00; items verified later; no benchmark yet.
    # Feb: accepted at 02-28 → 2 + 3 + 3 = 8, plus 3 verified items × 1 = 11.00.
    # Mar: named → 10, 3 items, benchmark from 03-01 → +2 = 15.00.
    earned = [brand_eval(db, k, a).auto_earned for k in MONTHS]
    assert earned == [D("5.00"), D("11.00"), D("15.00")]
    assert brand_eval(db, "2026-01", a).evidence == {"benchmark": 0, "item_points": "0.00", "stage": "cultivating",
                                                     "stage_points": "5.00", "verified_items": 0}
    assert brand_eval(db, "2026-03", a).evidence == {"benchmark": 1, "item_points": "3.00", "stage": "named",
                                                     "stage_points": "10.00", "verified_items": 3}
    # Production weights: management 20, brand 15; the others have no evaluation → ×100/35.
    # Jan: 20 × 100/35 = 57.14, 15 × 5/15 × 100/35 = 14.29 → 71.43
    r = result(db, "2026-01", a)
    assert (r.management, r.brand, r.total) == (D("57.14"), D("14.29"), D("71.43"))
    # Feb: 11 × 100/35 = 31.43 → 57.14 + 31.43 = 88.57
    r = result(db, "2026-02", a)
    assert (r.management, r.brand, r.total) == (D("57.14"), D("31.43"), D("88.57"))
    r = result(db, "2026-03", a)
    assert (r.management, r.brand, r.total) == (D("57.14"), D("42.86"), D("100.00"))
    # Q1: brand ratio (5 + 11 + 15) / 45 → 15 × 31/45 × 100/35 = 29.5238; the total is exact
    # and rounded once (README, Scoring): 57.1429 + 29.5238 = 86.6667 → 86.67; the shown
    # indices are apportioned by largest remainder (.52 beats .14): 57.14 + 29.53 = 86.67.
    r = result(db, "2026Q1", a)
    assert (r.management, r.brand, r.total) == (D("57.14"), D("29.53"), D("86.67"))
    # No brand file in an enabled unit: 0 points, the brand index counts (and drags).
    e = brand_eval(db, "2026-01", a2)
    assert e.auto_earned == D("0.00") and e.evidence["stage"] == "none"
    r = result(db, "2026-01", a2)
    assert (r.management, r.brand, r.total) == (D("57.14"), D("0.00"), D("57.14"))
    # Plugin off in x's unit: no brand evaluation at all, management alone re-scaled to 100.
    assert brand_eval(db, "2026-01", x) is None
    r = result(db, "2026-01", x)
    assert (r.management, r.brand, r.total) == (D("100.00"), None, D("100.00"))


def test_withdrawn_brand_earns_nothing_but_the_benchmark(db, world, walk, scored):
    a = world["a"]
    walk(a)
    evidence.save_evidence(db, a, "team", "佐证", actor=world["secretary"])
    evidence.set_verified(db, a, "team", True, actor=world["reviewer"], today=date(2026, 3, 11))
    from plugins.brands.stages import transition
    transition(db, a, "withdraw", actor=world["admin"], on=date(2026, 3, 20), comment="整改不力", today=TODAY)
    db.commit()
    close_all(db, scored["registry"], *MONTHS)
    assert brand_eval(db, "2026-03", a).auto_earned == D("0.00")
    assert brand_eval(db, "2026-02", a).auto_earned == D("8.00")   # accepted on 02-25


def test_settings_change_the_points_and_a_closed_rule_set_refuses_them(db, world, walk, scored):
    rs = scored["ruleset"]
    values = {"stage_points": {"declared": "1", "cultivating": "1", "accepted": "4", "named": "4"},
              "item_points": "2", "benchmark_bonus": "0"}
    scoring.save_settings(db, rs, values, actor=world["admin"])
    db.commit()
    ind = next(i for i in rs.indicators if i.code == scoring.CODE)
    assert ind.points == D("20.00") and ind.params == {"benchmark_bonus": "0"}
    walk(world["a"], upto="accepted")
    close_all(db, scored["registry"], "2026-01", "2026-02")
    assert brand_eval(db, "2026-01", world["a"]).auto_earned == D("2.00")    # 1 + 1
    assert brand_eval(db, "2026-02", world["a"]).auto_earned == D("6.00")    # 1 + 1 + 4
    with pytest.raises(BrandError, match="不能再修改"):
        scoring.save_settings(db, rs, values, actor=world["admin"])


@pytest.mark.parametrize("bad", [{"item_points": "-1"}, {"item_points": "51"}, {"benchmark_bonus": "x"},
                                 {"item_points": "0.001"}])
def test_bad_settings_are_refused(bad):
    values = {"stage_points": dict(scoring.DEFAULT_SETTINGS["stage_points"]), "item_points": "1",
              "benchmark_bonus": "2", **bad}
    with pytest.raises(BrandError):
        scoring.clean_settings(values)


# ------------------------------------------------------------------ gates

@pytest.fixture
def gated(db, world, walk, scored):
    """Only the ledger item (every branch earns 100), a named and an accepted brand."""
    rs = scored["ruleset"]
    for ind in list(rs.indicators):
        if ind.code == scoring.CODE:
            rs.indicators.remove(ind)
    walk(world["a"])                                    # named 03-10
    walk(world["a2"], upto="accepted", secretary=world["other_secretary"])   # accepted 02-25
    db.commit()
    return rs


@pytest.mark.parametrize("gate,stars", [
    ({}, {"a": 5, "a2": 5, "x": 5}),
    ({"5": "brand_named"}, {"a": 5, "a2": 4, "x": 4}),
    ({"5": "brand_accepted"}, {"a": 5, "a2": 5, "x": 4}),
])
def test_star_five_needs_the_brand_when_the_rule_set_says_so(db, world, scored, gated, gate, stars):
    gated.settings = {**gated.settings, "gates": gate, "promotion_step": False}
    db.commit()
    close_all(db, scored["registry"], *MONTHS, "2026Q1")
    got = {k: result(db, "2026Q1", world[k]).stars for k in stars}
    assert got == stars
    if gate:
        note = result(db, "2026Q1", world["x"]).notes
        assert any(s.get("rule") == "gate" and s.get("gate") == gate["5"] for s in note["steps"])


def test_the_gate_reads_the_stage_at_the_window_end(db, world, walk, scored):
    from core.periods.keys import PeriodKey

    walk(world["a"])   # accepted 02-25, named 03-10
    check = {g.name: g.check for g in scoring.GATES}
    ids = [world["a"].id]
    assert check["brand_accepted"](db, ids, PeriodKey.parse("2026-01")) == set()
    assert check["brand_accepted"](db, ids, PeriodKey.parse("2026-02")) == {world["a"].id}
    assert check["brand_named"](db, ids, PeriodKey.parse("2026-02")) == set()
    assert check["brand_named"](db, ids, PeriodKey.parse("2026Q1")) == {world["a"].id}


def test_awaiting_acceptance_counts_as_cultivating(db, world, walk, scored):
    walk(world["a"], upto="proposed")   # proposed on 02-10, nothing after
    close_all(db, scored["registry"], "2026-01", "2026-02")
    e = brand_eval(db, "2026-02", world["a"])
    assert (e.auto_earned, e.evidence["stage"]) == (D("5.00"), "proposed")
