"""What-if (规则调整模拟): a draft rule set tried on a closed year gives exactly the numbers
a real close of the year with that draft gives, and stores nothing."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.org.models import Branch
from core.indicators.admin import activate_ruleset, copy_ruleset
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import all_keys_of_year
from core.scoring.close import close_period, dump_rows, reopen_period
from core.scoring.compute import cycle_keys
from core.scoring.manual import ensure_items
from core.scoring.models import Evaluation
from core.scoring.sources import kinds_from
from core.indicators.models import Indicator
from core.scoring.whatif import _outcomes, run_whatif

LEDGER = {"code": "L-COMMITTEE", "index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}}
SERVICE = {"code": "M-SERVICE", "index_code": "service", "points": 10, "cycle": "quarter", "method": "manual"}
TEAM = {"code": "M-TEAM", "index_code": "team", "points": 10, "cycle": "year", "method": "manual",
        "categories": ["production", "market"]}


def _verify(db, registry, rs, window: PeriodKey, branches):
    """Reviewers' values: the same per (branch, indicator code, period) whatever rule set."""
    keys = cycle_keys(window)
    ensure_items(db, keys, rs, kinds_from(registry))
    codes = {i.id: i.code for i in rs.indicators}
    rows = db.execute(select(Evaluation, Period.key).join(Period, Period.id == Evaluation.period_id)
                      .where(Period.key.in_([k.key for k in keys]), Evaluation.auto_earned.is_(None),
                             Evaluation.indicator_id.in_(list(codes)))).all()
    for ev, key in rows:
        if ev.branch_id not in branches:  # added after the close: nobody verified it
            continue
        n = branches.index(ev.branch_id)
        ev.verified_earned = Decimal((3 * n + len(key) + len(codes[ev.indicator_id])) % 11).min(ev.points)
        ev.verify_reason = "核实"
    db.commit()


def _close_year(db, registry, rs, branch_ids, **close):
    for pk in all_keys_of_year(2026):
        _verify(db, registry, rs, pk, branch_ids)
        close_period(db, pk, kinds=registry, **close)
        db.commit()


def _real_close(db, registry, draft, ids, **close):
    """The real thing: reopen the year, adopt the draft, reviewers verify again, close."""
    for key in ["2026", "2026Q4", "2026Q3", "2026Q2", "2026Q1"] + [f"2026-{m:02d}" for m in range(1, 13)]:
        reopen_period(db, key, "采用新版细则重新结账")
    activate_ruleset(db, draft, actor=None)
    db.commit()
    _close_year(db, registry, draft, ids, **close)
    return _outcomes(db, 2026)


@pytest.fixture
def base_year(db, make_unit, make_branch, make_ruleset, add_record, registry):
    """A closed year under the rule set LEDGER + SERVICE + TEAM: (rule set, branch ids)."""
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
    return rs, ids


def _draft(db, rs, *, rating=True):
    """A copy of `rs`; rating=True: other index weights and star bands (no indicator changed)."""
    draft = copy_ruleset(db, rs, year=2026, actor=None)
    if rating:
        for w in draft.weights:
            w.weight = {"management": 10, "service": 50, "team": 20}.get(w.index_code, 10)
        for band in draft.bands:
            band.min_score = {5: Decimal(85), 4: Decimal(75), 3: Decimal(65), 2: Decimal(50)}.get(band.stars,
                                                                                               band.min_score)
    db.commit()
    return draft


def _indicator(draft, code):
    return next(i for i in draft.indicators if i.code == code)


@pytest.fixture
def closed_year(db, base_year):
    """The closed year and a draft with other weights and bands and a stricter upload
    standard for L-COMMITTEE: (rule set, draft, branch ids)."""
    rs, ids = base_year
    draft = _draft(db, rs)
    _indicator(draft, "L-COMMITTEE").params = {**LEDGER["params"], "min_count": 2}
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
    # the indicator the draft changes counts the same records under another standard:
    # re-scored from the stored counts; the others count as stored; nothing is evaluated
    assert (report.evaluated, report.rescored, sorted(report.reused), report.full_reason) == (
        [], ["L-COMMITTEE"], ["M-SERVICE", "M-TEAM"], None)
    real = _real_close(db, registry, draft, ids)
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
    assert "重新评分的指标：无；沿用已结账评分的指标 2 项" in r.output
    assert "按结账时的计数重新计分的指标：L-COMMITTEE" in r.output
    login(make_user("admin"))
    assert "规则调整模拟" in client.get("/scoring/whatif").get_data(as_text=True)
    page = client.post("/scoring/whatif", data={"ruleset_id": str(draft.id), "year": "2026"}).get_data(as_text=True)
    assert "星级分布" in page and "变动支部" in page
    assert "重新评分的指标：无；沿用已结账评分的指标 2 项。" in page
    assert "按结账时的计数重新计分的指标：L-COMMITTEE。" in page
    db.rollback()
    assert dump_rows(db, "2026") == before


def test_the_report_lists_units_by_code_and_categories_in_the_catalogues_order(db, closed_year, registry):
    """As the other pages: units by their code (not their names' code points), and within
    a unit 生产类 before 市场经营类 (the catalogue's order, not the English keys')."""
    rs, draft, ids = closed_year
    u1, u2 = (db.get(Branch, ids[0]).unit, db.get(Branch, ids[2]).unit)
    assert u1.code < u2.code
    u1.name, u2.name = "甲单位党委", "乙单位党委"   # 乙 (U+4E59) sorts before 甲 (U+7532)
    for band in draft.bands:   # every branch ★5: every branch moves, in both categories
        band.min_score = Decimal(0)
    db.commit()
    report = run_whatif(db, draft, 2026, kinds=registry)
    db.rollback()
    assert list(report.groups) == [("甲单位党委", "production"), ("乙单位党委", "production"),
                                   ("乙单位党委", "market")]
    # the movers: the largest star change first, then by category in the catalogue's order
    assert [(m.star_change, m.category) for m in report.movers] == [
        (4, "production"), (4, "market"), (4, "market"), (3, "production"), (2, "production")]


# ---------------------------------------------------------------- the shortcuts
# Each draft below is tried and then compared, branch for branch, with the real close
# of the same draft (reopen, adopt, verify again, close).

def _matches_real_close(db, registry, draft, ids, **close):
    before = dump_rows(db, "2026")
    report = run_whatif(db, draft, 2026, kinds=registry)
    db.rollback()
    assert dump_rows(db, "2026") == before  # nothing stored
    assert report.after == _real_close(db, registry, draft, ids, **close)
    return report


def test_a_draft_changing_only_weights_and_bands_evaluates_nothing(db, base_year, registry):
    rs, ids = base_year
    draft = _draft(db, rs)
    report = _matches_real_close(db, registry, draft, ids)
    assert report.evaluated == [] and sorted(report.reused) == ["L-COMMITTEE", "M-SERVICE", "M-TEAM"]
    assert report.full_reason is None and report.movers


def test_an_index_moved_counts_the_stored_rows_under_the_drafts_index(db, base_year, registry):
    rs, ids = base_year
    draft = _draft(db, rs, rating=False)
    _indicator(draft, "M-TEAM").index_code = "service"  # same evaluation, other index
    db.commit()
    report = _matches_real_close(db, registry, draft, ids)
    assert report.evaluated == [] and report.movers
    assert all(o.indices[0] is None for o in report.after["2026"].values())  # no team index left


def test_a_manual_items_points_changed_carries_the_verified_values_over(db, base_year, registry):
    rs, ids = base_year
    draft = _draft(db, rs)
    _indicator(draft, "M-SERVICE").points = Decimal(12)  # the stored values (≤ 10) stay valid
    db.commit()
    report = _matches_real_close(db, registry, draft, ids)
    assert report.evaluated == ["M-SERVICE"] and report.unverified == 0


def test_a_draft_adding_and_removing_indicators(db, base_year, registry):
    rs, ids = base_year
    draft = _draft(db, rs)
    draft.indicators.remove(_indicator(draft, "M-TEAM"))
    draft.indicators.append(Indicator(code="L-COMMITTEE-Q", name="季度支委会", index_code="team", kind="basic",
                                      points=Decimal(10), cycle="quarter", method="ledger_count",
                                      params={"record_types": ["committee_meeting"], "min_count": 2}))
    db.commit()
    report = _matches_real_close(db, registry, draft, ids)
    assert report.evaluated == ["L-COMMITTEE-Q"] and sorted(report.reused) == ["L-COMMITTEE", "M-SERVICE"]


@pytest.mark.parametrize("policy", ["refuse", "self"])
def test_a_new_manual_item_is_unverified_and_counts_0(db, base_year, registry, policy):
    """Nobody has self-assessed or verified an item only the draft has: 0 under either policy."""
    rs, ids = base_year
    draft = _draft(db, rs)
    draft.settings = {**draft.settings, "unverified_policy": policy}
    draft.indicators.append(Indicator(code="M-NEW", name="新增人工项", index_code="brand", kind="basic",
                                      points=Decimal(10), cycle="quarter", method="manual", params={}))
    db.commit()
    before = dump_rows(db, "2026")
    report = run_whatif(db, draft, 2026, kinds=registry)
    db.rollback()
    assert dump_rows(db, "2026") == before
    assert report.evaluated == ["M-NEW"] and report.unverified == 4 * len(ids)
    # the real close: reviewers verify only the items they had; the rest count 0
    for key in ["2026", "2026Q4", "2026Q3", "2026Q2", "2026Q1"] + [f"2026-{m:02d}" for m in range(1, 13)]:
        reopen_period(db, key, "采用新版细则重新结账")
    activate_ruleset(db, draft, actor=None)
    db.commit()
    new_id = _indicator(draft, "M-NEW").id
    for pk in all_keys_of_year(2026):
        _verify(db, registry, draft, pk, ids)
        db.execute(Evaluation.__table__.update().where(Evaluation.indicator_id == new_id)
                   .values(verified_earned=None, verify_reason=None))
        db.commit()
        close_period(db, pk, kinds=registry, unverified="zero", reason="未审核按 0 分")
        db.commit()
    assert report.after == _outcomes(db, 2026)


def test_an_evaluation_setting_changed_rescores_the_indicators_reading_it(db, base_year, registry):
    rs, ids = base_year
    draft = _draft(db, rs, rating=False)
    draft.settings = {**draft.settings, "late_factor": "0"}  # late records count nothing
    db.commit()
    report = _matches_real_close(db, registry, draft, ids)
    # the upload standard reads the late factor; the manual items read no setting
    assert (report.evaluated, report.rescored, sorted(report.reused), report.full_reason) == (
        [], ["L-COMMITTEE"], ["M-SERVICE", "M-TEAM"], None)
    assert any(report.after["2026Q1"][b].total < report.before["2026Q1"][b].total for b in ids)


@pytest.mark.parametrize("params", [{"deadline_days": 3}, {"record_types": ["committee_meeting", "theme_day"]}])
def test_a_draft_counting_other_records_evaluates_them_again(db, base_year, registry, add_record, params):
    """Another deadline or other record types: the stored counts are not the draft's."""
    rs, ids = base_year
    from core.org.models import Branch
    add_record(db.get(Branch, ids[0]), "theme_day", date(2026, 2, 9))  # written past the cut-off, as a what-if may meet
    draft = _draft(db, rs)
    _indicator(draft, "L-COMMITTEE").params = {**LEDGER["params"], **params}
    db.commit()
    report = _matches_real_close(db, registry, draft, ids)
    assert (report.evaluated, report.rescored) == (["L-COMMITTEE"], [])


def test_an_indicator_whose_kind_declares_no_settings_is_evaluated_when_one_changes():
    """A method (a plugin's, say) that does not say which settings it reads: any changed
    evaluation setting may change its rows, so it is evaluated again — never re-scored."""
    from core.scoring.kinds import IndicatorKind
    from core.scoring.whatif import _how
    ind = Indicator(code="P", method="p", points=Decimal(5), cycle="quarter", params={})
    silent = IndicatorKind("p", "p", None, select=lambda ctx: [], rescore=lambda i, r, f: 0)
    declared = IndicatorKind("p", "p", None, select=lambda ctx: [], rescore=lambda i, r, f: 0,
                             reads_settings=frozenset({"late_factor"}))
    assert _how(ind, ind, silent, set()) == "reuse"
    assert _how(ind, ind, silent, {"attendance_low"}) == "evaluate"
    assert _how(ind, ind, declared, {"attendance_low"}) == "reuse"
    assert _how(ind, ind, declared, {"late_factor"}) == "rescore"
    assert _how(None, ind, declared, set()) == "evaluate"
    other_cycle = Indicator(code="P", method="p", points=Decimal(5), cycle="year", params={})
    assert _how(ind, other_cycle, declared, set()) == "evaluate"


def test_a_rescored_earned_is_clamped_as_the_engine_clamps(db):
    """The re-scored automatic value is clamped to [0, upper bound] like an evaluation's
    (SQLite computes it once per row with max/min; the CASE elsewhere), and NULL stays
    NULL (an evidence without the count: coalesced to 0 by the sums, as a stored NULL)."""
    from sqlalchemy import BigInteger, literal, null, type_coerce
    from core.scoring.whatif import _clamped
    values = [-5, 0, 3, 10, 15]
    got = db.execute(select(*(_clamped(literal(v, BigInteger), 0, 10) for v in values),
                            _clamped(type_coerce(null(), BigInteger), 0, 10))).one()
    assert list(got) == [0, 0, 3, 10, 10, None]


def test_attendance_and_appraisal_rescored_match_a_real_close(db, make_unit, make_branch, make_ruleset, add_record,
                                                              make_member, registry):
    """Other attendance thresholds, other points for the appraisal and the upload
    standard: each re-scored from the stored counts gives the real close's numbers."""
    from core.ledger.models import AppraisalResult
    unit = make_unit()
    branches = [make_branch(unit=unit, category="production") for _ in range(4)]
    attend = {"code": "L-ATTEND", "index_code": "team", "points": 10, "cycle": "quarter", "method": "attendance",
              "params": {"record_types": ["member_meeting"]}}
    appraise = {"code": "L-APPRAISE", "index_code": "performance", "points": 10, "cycle": "year",
                "method": "appraisal", "params": {}}
    rs = make_ruleset(indicators=[LEDGER, attend, appraise, SERVICE])
    for n, b in enumerate(branches):
        for month in (2, 5, 8, 11):
            add_record(b, "member_meeting", date(2026, month, 10), expected_full=10, present_full=5 + n + month % 3)
        rec = add_record(b, "appraisal", date(2026, 12, 1))
        for k in range(n + 2):
            db.add(AppraisalResult(record_id=rec.id, member_id=make_member(b).id,
                                   result="excellent" if k % 3 == 0 else "qualified" if k % 3 == 1 else "unqualified"))
        for month in range(1, 13):
            if (month + n) % 3:
                add_record(b, "committee_meeting", date(2026, month, 5), late_days=9 if month % 2 else 0)
    db.commit()
    ids = [b.id for b in branches]
    _close_year(db, registry, rs, ids)
    draft = _draft(db, rs)
    draft.settings = {**draft.settings, "attendance_low": "0.6", "attendance_high": "0.75", "late_factor": "0.25"}
    _indicator(draft, "L-APPRAISE").points = Decimal(7)
    _indicator(draft, "L-COMMITTEE").points = Decimal(6)
    db.commit()
    report = _matches_real_close(db, registry, draft, ids)
    assert (report.evaluated, sorted(report.rescored), report.reused) == (
        [], ["L-APPRAISE", "L-ATTEND", "L-COMMITTEE"], ["M-SERVICE"])
    assert len({o.indices[0] for o in report.after["2026Q1"].values()}) > 1  # attendance differs between branches


def test_a_rating_setting_changed_evaluates_nothing(db, base_year, registry):
    rs, ids = base_year
    draft = _draft(db, rs, rating=False)
    draft.settings = {**draft.settings, "bonus_cap": "2", "promotion_step": False}
    db.commit()
    report = _matches_real_close(db, registry, draft, ids)
    assert report.evaluated == [] and report.full_reason is None


def test_a_branch_added_after_the_close_evaluates_everything(db, base_year, registry, make_branch, add_record):
    rs, ids = base_year
    from core.org.models import Branch
    newcomer = make_branch(unit=db.get(Branch, ids[0]).unit, category="production")
    for month in range(1, 13):  # records the close never saw (the test writes past the cut-off)
        add_record(newcomer, "committee_meeting", date(2026, month, 6))
    db.commit()
    draft = _draft(db, rs)
    # stored rows would miss the newcomer: its ledger item must be evaluated like a real close does
    report = _matches_real_close(db, registry, draft, ids, unverified="zero", reason="新支部未审核")
    assert report.reused == [] and "新增" in report.full_reason
    assert report.after["2026"][newcomer.id].indices[1] > 0  # its committee meetings count
    assert report.unverified == 5  # its 4 quarterly and 1 yearly manual items


def test_a_branch_recategorised_after_the_close_evaluates_everything(db, base_year, registry):
    rs, ids = base_year
    from core.org.models import Branch
    db.get(Branch, ids[3]).category = "auxiliary"  # M-TEAM no longer applies to it
    db.commit()
    draft = _draft(db, rs)
    # the stored M-TEAM row of that branch would still count: everything is evaluated again
    report = _matches_real_close(db, registry, draft, ids)
    assert report.reused == [] and "类别" in report.full_reason
    assert report.after["2026"][ids[3]].indices[0] is None  # no team index for it any more


def test_evaluating_some_indicators_keeps_the_others_rows(db, base_year, registry):
    """engine.evaluate_periods(indicator_ids=…): only those indicators' rows are the scope."""
    from core.scoring import engine
    rs, _ids = base_year
    keys = all_keys_of_year(2026)
    periods = {p.key: p for p in db.scalars(select(Period))}
    before = dump_rows(db, "2026")
    ledger = _indicator(rs, "L-COMMITTEE")
    db.execute(Evaluation.__table__.delete().where(Evaluation.indicator_id == ledger.id))
    run = engine.evaluate_periods(db, keys, rs, kinds_from(registry), store=True, periods=periods,
                                  indicator_ids=[ledger.id])
    assert run.evaluations == 12 * 5 and run.removed == 0
    assert dump_rows(db, "2026") == before  # the manual rows untouched, the ledger rows as closed
    db.rollback()


def test_a_plugin_enabled_after_the_close_evaluates_everything(db, base_year, registry):
    from core.org.models import Branch
    from core.plugins.service import enable
    rs, ids = base_year
    enable(db, registry, unit_id=db.get(Branch, ids[0]).unit_id, name="brands", actor=None, reason="试点")
    db.commit()
    report = _matches_real_close(db, registry, _draft(db, rs), ids)
    assert report.reused == [] and "插件" in report.full_reason


@pytest.mark.parametrize("change, how", [({"min_count": 2}, "rescored"), ({"deadline_days": 3}, "evaluated")])
def test_a_reviewers_adjustment_of_a_changed_automatic_item_carries_over(db, base_year, registry, change, how):
    """Only rows holding a reviewer's (or secretary's) value move to the draft's indicator;
    an adjusted automatic item keeps its verified value under the changed standard —
    whether the item is re-scored from the stored counts or evaluated again."""
    from core.scoring.close import recompute
    rs, ids = base_year
    q1 = {p.id: p.key for p in db.scalars(select(Period).where(Period.key.in_(["2026-01", "2026-02", "2026-03"])))}

    def adjust(ruleset):
        ledger = _indicator(ruleset, "L-COMMITTEE").id
        db.execute(Evaluation.__table__.update().where(Evaluation.indicator_id == ledger, Evaluation.branch_id == ids[0],
                                                       Evaluation.period_id.in_(list(q1)))
                   .values(verified_earned=Decimal("1.5"), verify_reason="核减"))
        db.commit()

    adjust(rs)  # as made during a trial before the close (written directly: the year is closed now)
    draft = _draft(db, rs)
    _indicator(draft, "L-COMMITTEE").params = {**LEDGER["params"], **change}
    db.commit()
    report = run_whatif(db, draft, 2026, kinds=registry)
    db.rollback()
    assert getattr(report, how) == ["L-COMMITTEE"]
    for key in ["2026", "2026Q4", "2026Q3", "2026Q2", "2026Q1"] + [f"2026-{m:02d}" for m in range(1, 13)]:
        reopen_period(db, key, "采用新版细则重新结账")
    activate_ruleset(db, draft, actor=None)
    db.commit()
    for pk in all_keys_of_year(2026):
        _verify(db, registry, draft, pk, ids)
        if pk.key in q1.values():
            recompute(db, pk, registry)  # the trial that shows the item, then the adjustment again
            db.commit()
            adjust(draft)
        close_period(db, pk, kinds=registry)
        db.commit()
    real = _outcomes(db, 2026)
    assert report.after == real
    assert real["2026Q1"][ids[0]] != report.before["2026Q1"][ids[0]]


def test_values_carry_over_from_each_rule_set_of_a_year_closed_with_two(db, base_year, registry):
    """Q4 and the year re-closed under a copy of the rule set: a changed manual item's
    stored values sit under two indicator ids (one per rule set), and each period's
    reviewers' values reach the draft's item."""
    rs, ids = base_year
    for key in ["2026", "2026Q4", "2026-12", "2026-11", "2026-10"]:
        reopen_period(db, key, "第四季度按新细则重新结账")
    second = copy_ruleset(db, rs, year=2026, actor=None)
    activate_ruleset(db, second, actor=None)
    db.commit()
    for key in ["2026-10", "2026-11", "2026-12", "2026Q4", "2026"]:
        pk = PeriodKey.parse(key)
        _verify(db, registry, second, pk, ids)
        close_period(db, pk, kinds=registry)
        db.commit()
    draft = _draft(db, second)
    _indicator(draft, "M-SERVICE").points = Decimal(12)
    db.commit()
    service_ids = {_indicator(r, "M-SERVICE").id for r in (rs, second)}
    assert len({i for (i,) in db.execute(select(Evaluation.indicator_id).where(
        Evaluation.indicator_id.in_(service_ids)).distinct())}) == 2
    report = _matches_real_close(db, registry, draft, ids)
    assert report.full_reason and report.unverified == 0
