"""Rates aggregate as rates (a quarter's 合格率 is the mean of its months, not their
sum), monthly rates above 100 % are refused at entry, the safety badge never says
"无安全事件记录" above a table of incidents, evidence in words, and 全部验收通过 with
exceptions in one submit."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import func, select

from core.periods.keys import PeriodKey
from plugins.production import services
from plugins.production.models import Acceptance, Incident, Plan
from tests.plugins.production.test_web import branch, reviewer  # noqa: F401 (fixtures, found by name)


def test_quarter_rate_is_the_mean_of_its_months_and_quantities_add_up(db, branch, put, measures):
    for month, rate, tons in (("2026-01", ("99", "98"), 1000), ("2026-02", ("96", "97"), 1100),
                              ("2026-03", ("94", "95.5"), 900)):
        put(branch, "quality", month, plan=rate[0], actual=rate[1])
        put(branch, "output", month, plan=tons, actual=tons)
    by_id = {m.id: m for m in measures.values()}
    got = services.window_figures(db, [branch.id], PeriodKey.parse("2026Q1"), by_id)
    assert got[(branch.id, measures["production.quality"].id)] == (D("96.3333"), D("96.8333"))  # not 289 / 290.5
    assert got[(branch.id, measures["production.output"].id)] == (D("3000"), D("3000"))


def test_panel_shows_the_quarter_rate_as_a_rate(app, db, branch, put):
    for month in ("2026-01", "2026-02", "2026-03"):
        put(branch, "quality", month, plan="97", actual="98")
    from plugins.production.panels import window_rows
    with app.test_request_context():
        rows = {r["label"]: r for r in window_rows(db, branch, PeriodKey.parse("2026Q1"))}
    quality = next(r for label, r in rows.items() if "合格率" in label)
    assert quality["plan"] == D("97") and quality["actual"] == D("98")


def test_quarter_rate_evidence_is_the_mean_with_the_same_score(app, db, branch, put, run_eval):
    for month, plan, actual in (("2026-01", "99", "98"), ("2026-02", "96", "97"), ("2026-03", "94", "95.5")):
        put(branch, "quality", month, plan=plan, actual=actual)
    rows = run_eval("2026Q1")
    ev = rows[(branch.id, "P-PRODUCTION-QUALITY")].evidence
    assert ev["plan"] == "96.3333" and ev["actual"] == "96.8333" and ev["aggregate"] == "mean"
    assert ev["attainment"] == "1.0052"  # 290.5 / 289, the same as the ratio of the means


def test_rate_above_100_is_refused_at_entry(client, db, login, reviewer, branch, measures):
    login(reviewer)
    q = measures["production.quality"]
    r = client.post(f"/production/branch/{branch.id}?year=2026",
                    data={"month": "2026-03", f"plan_{q.id}": "98", f"actual_{q.id}": "101"}, follow_redirects=True)
    assert "月度数值不能超过 100" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Plan)) == 0
    # a quantity may exceed 100
    out = measures["production.output"]
    client.post(f"/production/branch/{branch.id}?year=2026",
                data={"month": "2026-03", f"plan_{out.id}": "1000", f"actual_{out.id}": "1050"})
    assert db.scalar(select(func.count()).select_from(Plan)) == 1


def test_rate_above_100_is_refused_by_the_batch_check(db, branch, measures):
    entries = [services.Entry(ref="第2行", branch=branch.code, measure="production.quality", month=date(2026, 3, 1),
                              plan=D("100.5"))]
    _resolved, errors = services.check_entries(db, None, entries)
    assert [e.code for e in errors] == ["over_100"]


def test_safety_badge_does_not_deny_minor_incidents(client, db, login, reviewer, branch):
    db.add(Incident(branch_id=branch.id, unit_id=branch.unit_id, occurred_on=date(2026, 2, 1), severity="minor",
                    description="轻微擦伤"))
    db.commit()
    login(reviewer)
    html = client.get(f"/production/branch/{branch.id}?year=2026").get_data(as_text=True)
    assert "轻微擦伤" in html and "无安全事件记录" not in html
    assert "无可记录及以上安全事件" in html


def test_production_evidence_in_words(app, db, branch, put, run_eval, ruleset):
    from core.indicators.models import Indicator
    from plugins.production.scoring import describe
    put(branch, "output", "2026-03", plan=1000, actual=950)
    ev = run_eval("2026-03")[(branch.id, "P-PRODUCTION-OUTPUT")].evidence
    ind = db.scalar(select(Indicator).where(Indicator.code == "P-PRODUCTION-OUTPUT"))
    with app.test_request_context():
        words = describe(ev, ind, ruleset)
    assert words.startswith("计划 1000，实绩 950；完成率 95.00%（完成率不高于 80% 不得分，达到 100% 得满分）")


def _rows(db, branch, measures, put):
    for slot in ("output", "cost", "quality", "safety"):
        put(branch, slot, "2026-01", plan=10, actual=10)


def test_accept_all_with_an_exception(client, db, login, reviewer, branch, prod_unit, measures, put, make_branch):
    other = make_branch(unit=prod_unit, category="production", code="LG02", name="炼钢二车间党支部")
    _rows(db, branch, measures, put)
    _rows(db, other, measures, put)
    put(other, "output", "2026-02", plan=10)  # February not reported: not accepted in bulk
    out = measures["production.output"]
    login(reviewer)
    r = client.post(f"/production/unit/{prod_unit.id}/acceptance?quarter=2026Q1",
                    data={"all": "1", "except": f"{branch.id}-{out.id}", f"comment-{branch.id}-{out.id}": "产量数据待核"},
                    follow_redirects=True)
    assert "通过 6 项，不通过 1 项" in r.get_data(as_text=True)
    got = {(a.branch_id, a.measure_id): (a.status, a.comment) for a in db.scalars(select(Acceptance))}
    assert got[(branch.id, out.id)] == ("rejected", "产量数据待核")
    assert (other.id, out.id) not in got
    assert sum(1 for s, _c in got.values() if s == "accepted") == 6


def test_accept_all_refuses_an_exception_without_comment(client, db, login, reviewer, branch, prod_unit, measures,
                                                        put):
    _rows(db, branch, measures, put)
    out = measures["production.output"]
    login(reviewer)
    r = client.post(f"/production/unit/{prod_unit.id}/acceptance?quarter=2026Q1",
                    data={"all": "1", "except": f"{branch.id}-{out.id}"}, follow_redirects=True)
    assert "必须填写意见" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Acceptance)) == 0


def test_accept_all_keeps_earlier_decisions(client, db, login, reviewer, branch, prod_unit, measures, put):
    _rows(db, branch, measures, put)
    out = measures["production.output"]
    services.decide_acceptance(db, None, branch, out, "2026Q1", status="rejected", comment="先前不通过")
    db.commit()
    login(reviewer)
    client.post(f"/production/unit/{prod_unit.id}/acceptance?quarter=2026Q1", data={"all": "1"})
    db.expire_all()
    assert db.scalar(select(Acceptance.comment).where(Acceptance.measure_id == out.id)) == "先前不通过"
    assert db.scalar(select(func.count()).select_from(Acceptance)) == 4
