"""What-if (规则调整模拟): a draft rule set tried on a closed year gives exactly the numbers
a real close of the year with that draft gives, and stores nothing."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.indicators.admin import activate_ruleset, copy_ruleset
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import all_keys_of_year
from core.scoring.close import close_period, dump_rows, reopen_period
from core.scoring.compute import cycle_keys
from core.scoring.manual import ensure_items
from core.scoring.models import Evaluation, ScoreResult
from core.scoring.sources import kinds_from
from core.scoring.whatif import _outcomes, run_whatif

LEDGER = {"code": "L-COMMITTEE", "index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}}
SERVICE = {"code": "M-SERVICE", "index_code": "service", "points": 10, "cycle": "quarter", "method": "manual"}
TEAM = {"code": "M-TEAM", "index_code": "team", "points": 10, "cycle": "year", "method": "manual"}


def _verify(db, registry, rs, window: PeriodKey, branches):
    """Reviewers' values: the same per (branch, indicator code, period) whatever rule set."""
    keys = cycle_keys(window)
    ensure_items(db, keys, rs, kinds_from(registry))
    codes = {i.id: i.code for i in rs.indicators}
    rows = db.execute(select(Evaluation, Period.key).join(Period, Period.id == Evaluation.period_id)
                      .where(Period.key.in_([k.key for k in keys]), Evaluation.auto_earned.is_(None),
                             Evaluation.indicator_id.in_(list(codes)))).all()
    for ev, key in rows:
        n = branches.index(ev.branch_id)
        ev.verified_earned = Decimal((3 * n + len(key) + len(codes[ev.indicator_id])) % 11).min(ev.points)
        ev.verify_reason = "核实"
    db.commit()


def _close_year(db, registry, rs, branch_ids):
    for pk in all_keys_of_year(2026):
        _verify(db, registry, rs, pk, branch_ids)
        close_period(db, pk, kinds=registry)
        db.commit()


@pytest.fixture
def closed_year(db, make_unit, make_branch, make_ruleset, add_record, registry):
    u1, u2 = make_unit(), make_unit()
    branches = [make_branch(unit=u1, category="production"), make_branch(unit=u1, category="production"),
                make_branch(unit=u2, category="production"), make_branch(unit=u2, category="market"),
                make_branch(unit=u2, category="market")]
    rs = make_ruleset(indicators=[LEDGER, SERVICE, TEAM])
    for n, b in enumerate(branches):
        for month in range(1, 13):
            if (month + n) % (n + 2):
                add_record(b, "committee_meeting", date(2026, month, 5), late_days=9 if month % 4 == n % 4 else 0)
    ids = [b.id for b in branches]
    _close_year(db, registry, rs, ids)
    draft = copy_ruleset(db, rs, year=2026, actor=None)
    for w in draft.weights:
        w.weight = {"management": 10, "service": 50, "team": 20}.get(w.index_code, 10)
    for band in draft.bands:
        band.min_score = {5: Decimal(85), 4: Decimal(75), 3: Decimal(65), 2: Decimal(50)}.get(band.stars, band.min_score)
    next(i for i in draft.indicators if i.code == "L-COMMITTEE").params = {**LEDGER["params"], "min_count": 2}
    db.commit()
    return rs, draft, ids


def test_whatif_stores_nothing(db, closed_year, registry):
    rs, draft, _ids = closed_year
    before = dump_rows(db, "2026")
    audit = db.scalar(select(func.count(AuditEntry.id)))
    report = run_whatif(db, draft, 2026, kinds=registry)
    db.rollback()
    assert dump_rows(db, "2026") == before
    assert db.scalar(select(func.count(AuditEntry.id))) == audit
    assert all(p.status == "closed" and p.ruleset_id == rs.id for p in db.scalars(select(Period)))
    assert db.get(type(draft), draft.id).status == "draft"
    assert report.movers and report.distribution["2026"][0] != report.distribution["2026"][1]


def test_whatif_matches_a_real_close_with_the_draft(db, closed_year, registry):
    rs, draft, ids = closed_year
    report = run_whatif(db, draft, 2026, kinds=registry)
    db.rollback()
    assert report.before == _outcomes(db, 2026)
    # the real thing: reopen the year, adopt the draft, reviewers verify again, close
    for key in ["2026", "2026Q4", "2026Q3", "2026Q2", "2026Q1"] + [f"2026-{m:02d}" for m in range(1, 13)]:
        reopen_period(db, key, "采用新版细则重新结账")
    activate_ruleset(db, draft, actor=None)
    db.commit()
    _close_year(db, registry, draft, ids)
    real = _outcomes(db, 2026)
    assert report.after == real
    assert set(real) == {"2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026"}
    # and the report reads those numbers: distribution, movers with reasons
    from collections import Counter
    grades = Counter(o.stars for o in real["2026"].values())
    assert report.distribution["2026"][1] == dict(sorted(grades.items(), reverse=True))
    assert all(m.reasons for m in report.movers)
    assert {(m.before.stars, m.after.stars) for m in report.movers} == {
        (report.before["2026"][b].stars, real["2026"][b].stars) for b in ids
        if (report.before["2026"][b].stars, report.before["2026"][b].rank) != (real["2026"][b].stars, real["2026"][b].rank)}


def test_whatif_refuses_a_year_not_closed(db, make_branch, make_ruleset, registry):
    from core.scoring.errors import ScoringError
    make_branch()
    rs = make_ruleset(indicators=[LEDGER])
    with pytest.raises(ScoringError, match="尚未全部结账"):
        run_whatif(db, rs, 2026, kinds=registry)


def test_whatif_cli_and_page(app, db, closed_year, client, login, make_user):
    rs, draft, _ids = closed_year
    before = dump_rows(db, "2026")
    from core.scoring.commands import ruleset_group
    r = app.test_cli_runner().invoke(ruleset_group, ["whatif", str(draft.id), "2026"])
    assert r.exit_code == 0, r.output
    assert "未保存任何数据" in r.output and "年度定级：升星" in r.output and "变动支部" in r.output
    login(make_user("admin"))
    assert "规则调整模拟" in client.get("/scoring/whatif").get_data(as_text=True)
    page = client.post("/scoring/whatif", data={"ruleset_id": str(draft.id), "year": "2026"}).get_data(as_text=True)
    assert "星级分布" in page and "变动支部" in page
    db.rollback()
    assert dump_rows(db, "2026") == before
