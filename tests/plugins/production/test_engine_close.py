"""End to end through the core engine's close: per-unit enabling (weights re-scaled
where the plugin is off), monthly evaluations counted in the quarter, and the safety
veto capping the quarter star."""
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

close = pytest.importorskip("core.scoring.close")

from core.indicators.catalogue import seed_ruleset  # noqa: E402
from core.ledger.models import ActivityRecord  # noqa: E402
from core.periods.models import Period  # noqa: E402
from core.scoring.models import Evaluation  # noqa: E402
from plugins.production import services  # noqa: E402
from tests.plugins.closing import close_all, result  # noqa: E402

KEEP = {"B-LIFE-GROUP", "V-ACCIDENT"}
MONTHS = ("2026-01", "2026-02", "2026-03")


@pytest.fixture
def world(app, db, make_unit, make_branch, prod_unit, measures, put):
    """A ruleset reduced to one ledger item (management index, 党小组会 monthly, 2 pts), the
    veto item and the plugin's 20 measure indicators (performance index)."""
    registry = app.extensions["starbranch.plugins"]
    rs = seed_ruleset(db, 2026, registry=registry)
    for ind in list(rs.indicators):
        if ind.code not in KEEP and ind.plugin != "production":
            rs.indicators.remove(ind)
    off_unit = make_unit(name="未启用单位")
    a = make_branch(unit=prod_unit, category="production", code="A001")
    v = make_branch(unit=prod_unit, category="production", code="V001")
    b = make_branch(unit=off_unit, category="production", code="B001")
    for branch in (a, v, b):
        for m in (1, 2, 3):
            db.add(ActivityRecord(branch_id=branch.id, unit_id=branch.unit_id, type="group_meeting",
                                  held_on=date(2026, m, 10), uploaded_at=datetime(2026, m, 11, 9), topic="党小组学习"))
    db.commit()
    for branch in (a, v, b):   # b has data too: its unit just has the plugin off
        for month in MONTHS:
            put(branch, "output", month, plan=1000, actual=950)     # 7.50 / 10
            put(branch, "cost", month, plan=2800, actual=3000)      # 5.33 / 8
            put(branch, "quality", month, plan=98, actual=96)       # 6.29 / 7
            put(branch, "safety", month, plan=0, actual=0)          # 5.00 / 5
    return {"registry": registry, "ruleset": rs, "a": a, "v": v, "b": b}


def test_month_close_scores_the_measures_and_rescales_where_the_plugin_is_off(db, world):
    close_all(db, world["registry"], "2026-01")
    a, b = world["a"], world["b"]
    # production weights: management 20, performance 30 (team, brand, service have no
    # evaluation) → re-scaled to 40 and 60. a: 40 × 2/2 + 60 × 24.12/30 = 40 + 48.24.
    ra = result(db, "2026-01", a)
    assert (ra.management, ra.performance, ra.total) == (D("40.00"), D("48.24"), D("88.24"))
    # b: the plugin is off in its unit → no production evaluation; management alone → 100.
    rb = result(db, "2026-01", b)
    assert (rb.management, rb.performance, rb.total) == (D("100.00"), None, D("100.00"))
    evs = db.scalars(select(Evaluation).where(Evaluation.branch_id == b.id)).all()
    assert len(evs) == 1   # only the ledger item
    prod = db.scalars(select(Evaluation).where(Evaluation.branch_id == a.id, Evaluation.auto_earned < 10)).all()
    assert sorted(e.auto_earned for e in prod) == [D("2.00"), D("5.00"), D("5.33"), D("6.29"), D("7.50")]
    cost = next(e for e in prod if e.auto_earned == D("5.33"))
    assert cost.evidence["plan"] == "2800" and cost.evidence["actual"] == "3000"


def test_quarter_counts_the_monthly_evaluations_and_the_veto_caps_the_star(db, world):
    services.record_incident(db, None, world["v"], occurred_on=date(2026, 2, 14), severity="major",
                             description="高炉煤气中毒重大事故")
    db.commit()
    close_all(db, world["registry"], *MONTHS, "2026Q1")
    ra, rv, rb = (result(db, "2026Q1", world[k]) for k in ("a", "v", "b"))
    # quarter: Σ earned 3 × 24.12 over Σ points 90 → 60 × 0.804 = 48.24; + 40 → 88.24 → ★4
    assert (ra.total, ra.stars, ra.vetoed) == (D("88.24"), 4, False)
    # same score, but a major safety accident in February: vetoed, star capped at ★1
    assert (rv.total, rv.stars, rv.vetoed) == (D("88.24"), 1, True)
    assert (rb.total, rb.stars) == (D("100.00"), 5)


def test_locked_months_refuse_production_writes(db, world, client, make_user, api_token, prod_unit, unchanged):
    close_all(db, world["registry"], "2026-01")
    admin = make_user("admin")
    token = api_token(admin)
    with unchanged():
        r = client.post("/api/v1/production/actuals", headers={"Authorization": f"Bearer {token}"},
                        json={"actuals": [{"branch": "A001", "measure": "产量", "month": "2026-01", "value": 1000}]})
        assert r.status_code == 409 and "2026年1月已结账锁定" in r.json["errors"][0]["message"]


def test_closing_twice_is_identical_with_the_plugin(db, world):
    close_all(db, world["registry"], "2026-01")
    first = close.dump_rows(db, "2026-01")
    close.reopen_period(db, "2026-01", "复核")
    close_all(db, world["registry"], "2026-01")
    assert close.dump_rows(db, "2026-01") == first



def test_beating_the_plan_earns_the_capped_bonus_above_points(db, world, put):
    """bonus_rate 0.5, bonus_cap 0.1: actual 1 100 on a plan of 1 000 (a = 1.1) earns
    10 + min(0.5 × 0.1 × 10, 0.1 × 10) = 10.50 of 10 — the engine keeps the bonus."""
    a = world["a"]
    output = next(i for i in world["ruleset"].indicators
                  if i.plugin == "production" and i.params.get("measure") == "production.output")
    output.params = {**output.params, "bonus_rate": "0.5", "bonus_cap": "0.1"}
    put(a, "output", "2026-04", plan=1000, actual=1100)
    db.commit()
    close_all(db, world["registry"], "2026-01", "2026-02", "2026-03", "2026-04")
    ev = db.scalar(select(Evaluation).join(Period, Period.id == Evaluation.period_id)
                   .where(Evaluation.branch_id == a.id, Evaluation.indicator_id == output.id, Period.key == "2026-04"))
    assert (ev.points, ev.auto_earned) == (D("10.00"), D("10.50"))
