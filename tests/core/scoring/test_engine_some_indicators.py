"""engine.evaluate_periods with `indicator_ids` (a what-if re-evaluating only the
indicators its draft changes): those indicators are evaluated again, and the other
indicators' stored rows stay as they were — their automatic values and a reviewer's
verified value; a stored evaluation always covers every branch."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring import engine
from core.scoring.adjust import verify_item
from core.scoring.close import recompute
from core.scoring.models import Evaluation
from core.scoring.sources import kinds_from

MANUAL = {"index_code": "team", "points": 10, "cycle": "month", "method": "manual"}
LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1}}


def test_evaluating_some_indicators_keeps_the_other_indicators_rows(db, registry, make_branch, make_ruleset,
                                                                   add_record):
    rs = make_ruleset(indicators=[MANUAL, LEDGER, LEDGER, LEDGER])
    manual, kept, *changed = rs.indicators
    b = make_branch()
    recompute(db, "2026-01", registry, today=date(2026, 2, 10))       # every ledger item 0: no meeting
    period = db.scalar(select(Period).where(Period.key == "2026-01"))
    verify_item(db, (period.id, b.id, manual.id), "7", "核实", None)
    add_record(b, "committee_meeting", date(2026, 1, 5))
    db.commit()

    run = engine.evaluate_periods(db, [PeriodKey.parse("2026-01")], rs, kinds_from(registry), store=True,
                                  periods={"2026-01": period}, indicator_ids=[i.id for i in changed])
    rows = {e.indicator_id: e for e in db.scalars(select(Evaluation).where(Evaluation.branch_id == b.id))}
    assert (run.evaluations, run.removed) == (2, 0)
    assert [rows[i.id].auto_earned for i in changed] == [Decimal("10.00")] * 2   # evaluated again
    assert rows[kept.id].auto_earned == Decimal("0.00")                           # as stored
    assert rows[manual.id].verified_earned == Decimal("7.00")


def test_a_stored_evaluation_refuses_a_branch_subset(db, registry, make_branch, make_ruleset):
    rs = make_ruleset(indicators=[LEDGER])
    b = make_branch()
    with pytest.raises(ValueError, match="^a stored evaluation covers all branches$"):
        engine.evaluate_periods(db, [PeriodKey.parse("2026-01")], rs, kinds_from(registry), store=True,
                                periods={}, branch_ids=[b.id])


def test_a_method_no_loaded_kind_provides_is_reported_and_the_others_still_scored(
        db, make_branch, make_ruleset, add_record, close):
    missing = {"index_code": "brand", "points": 5, "cycle": "month", "method": "a_missing_plugin_method"}
    rs = make_ruleset(indicators=[missing, missing, LEDGER, MANUAL], settings={"unverified_policy": "zero"})
    b = make_branch()
    add_record(b, "committee_meeting", date(2026, 1, 5))
    result = close("2026-01")
    first, second, ledger, _manual = rs.indicators
    assert result.evaluations == 2   # the ledger item and the manual one: every method's count
    assert result.warnings == [f"评分方法 a_missing_plugin_method 未加载（插件未安装或加载失败），指标 "
                               f"{first.code}、{second.code} 未评分。"]
    assert db.scalar(select(Evaluation.auto_earned).where(Evaluation.indicator_id == ledger.id)) == Decimal("10.00")


def test_a_sql_form_that_finds_nothing_to_score_counts_no_evaluation(db, make_branch, make_ruleset):
    """A kind's select(ctx) may return no statement (a plugin's method with nothing to
    score in the period): no row, and the close counts none."""
    from core.scoring.close import close_period
    from core.scoring.kinds import IndicatorKind

    make_ruleset(indicators=[{"index_code": "team", "points": 5, "cycle": "month", "method": "finds_nothing"}])
    make_branch()
    result = close_period(db, "2026-01", kinds=[IndicatorKind("finds_nothing", "无", None, select=lambda ctx: [])])
    assert (result.evaluations, result.warnings) == (0, [])
    assert db.scalars(select(Evaluation)).all() == []


def test_a_python_form_handing_one_evidence_object_to_many_rows_stores_it_on_each(db, make_branch, make_ruleset):
    """A Python-form kind (evaluate(ctx) yields EvalRows) may give most branches the
    same evidence object: each row stores it, and its earned clamped to the points."""
    from core.scoring.close import close_period
    from core.scoring.kinds import EvalRow, IndicatorKind

    def evaluate(ctx):
        shared = {"held": 2, "due": 2}
        for ind in ctx.indicators:
            for bid in ctx.session.scalars(ctx.applicable[ind.id]):
                yield EvalRow(bid, ind.id, Decimal("7"), shared)

    make_ruleset(indicators=[{"index_code": "team", "points": 5, "cycle": "month", "method": "in_python"}])
    a, b = make_branch(), make_branch()
    result = close_period(db, "2026-01", kinds=[IndicatorKind("in_python", "Python", evaluate)])
    rows = {e.branch_id: (e.auto_earned, e.evidence) for e in db.scalars(select(Evaluation))}
    assert result.evaluations == 2
    assert rows == {a.id: (Decimal("5.00"), {"held": 2, "due": 2}), b.id: (Decimal("5.00"), {"held": 2, "due": 2})}


def test_a_batch_of_no_unit_evaluates_and_removes_nothing(db, registry, make_branch, make_ruleset, add_record):
    """unit_ids=[]: the scope of no unit is empty (IN (NULL)), not every branch."""
    rs = make_ruleset(indicators=[LEDGER])
    b = make_branch()
    add_record(b, "committee_meeting", date(2026, 1, 5))
    recompute(db, "2026-01", registry, today=date(2026, 2, 10))
    period = db.scalar(select(Period).where(Period.key == "2026-01"))
    run = engine.evaluate_periods(db, [PeriodKey.parse("2026-01")], rs, kinds_from(registry), store=True,
                                  periods={"2026-01": period}, unit_ids=[])
    assert (run.evaluations, run.removed) == (0, 0)
    assert len(db.scalars(select(Evaluation)).all()) == 1


def _batch_setup(db, make_unit, make_branch, make_ruleset, evaluate):
    """A month of a Python-form indicator (`evaluate`) already stored for two units'
    branches (earned 1 each), as a fanned-out close's batches find it."""
    from core.scoring.kinds import EvalRow, IndicatorKind

    def honest(ctx):
        for ind in ctx.indicators:
            for bid in ctx.session.scalars(ctx.applicable[ind.id]):
                yield EvalRow(bid, ind.id, Decimal(1))

    rs = make_ruleset(indicators=[{"index_code": "team", "points": 5, "cycle": "month", "method": "in_python"}])
    (u1, b1), (u2, b2) = ((u, make_branch(unit=u)) for u in (make_unit(), make_unit()))
    recompute(db, "2026-01", [IndicatorKind("in_python", "Python", honest)], today=date(2026, 2, 10))
    period = db.scalar(select(Period).where(Period.key == "2026-01"))
    kinds = {"in_python": IndicatorKind("in_python", "Python", evaluate)}
    return rs, period, kinds, (u1, b1), (u2, b2)


def test_a_batch_tells_each_evaluator_its_units(db, make_unit, make_branch, make_ruleset):
    """EvalContext.unit_ids: a batch of a fanned-out close tells the evaluators its
    units, so that a kind scanning records reads only its branches' (unit_branches())."""
    seen = []

    def evaluate(ctx):
        seen.append((ctx.unit_ids, set(ctx.session.scalars(ctx.unit_branches()))))
        return []

    rs, period, kinds, (u1, b1), _other = _batch_setup(db, make_unit, make_branch, make_ruleset, evaluate)
    engine.evaluate_periods(db, [PeriodKey.parse("2026-01")], rs, kinds, store=True,
                            periods={"2026-01": period}, unit_ids=[u1.id])
    assert seen == [((u1.id,), {b1.id})]


def test_a_batch_refuses_a_python_forms_row_of_another_units_branch(db, make_unit, make_branch, make_ruleset):
    """A Python-form evaluator yields rows of its applicable branches only — in a batch,
    of the batch's units, whose branches alone the batch maps to their units: a row of
    another unit's branch (a plugin breaking the contract) fails the batch rather than
    overwriting that branch's row, which another batch writes."""
    from core.scoring.kinds import EvalRow
    intruder = []

    def evaluate(ctx):
        return [EvalRow(bid, ind.id, Decimal(3)) for ind in ctx.indicators for bid in intruder]

    rs, period, kinds, (u1, _b1), (_u2, b2) = _batch_setup(db, make_unit, make_branch, make_ruleset, evaluate)
    intruder.append(b2.id)
    with pytest.raises(KeyError):
        engine.evaluate_periods(db, [PeriodKey.parse("2026-01")], rs, kinds, store=True,
                                periods={"2026-01": period}, unit_ids=[u1.id])
    assert db.scalar(select(Evaluation.auto_earned).where(Evaluation.branch_id == b2.id)) == Decimal("1.00")
