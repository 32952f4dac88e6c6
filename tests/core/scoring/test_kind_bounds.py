"""The engine clamps an automatic value to [0, the kind's upper bound]: the indicator's
points by default, more when the kind declares max_earned (a capped bonus, e.g. the
production plugin's bonus_cap × points); and a re-close over unchanged evidence
gives byte-identical rows."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.scoring.close import close_period, dump_rows, reopen_period
from core.scoring.kinds import EvalRow, IndicatorKind
from core.scoring.models import Evaluation


def fixed_kind(value, max_earned=None):
    """A test kind: every applicable branch earns `value` (before the engine's clamp)."""
    def evaluate(ctx):
        for ind in ctx.indicators:
            for bid in ctx.session.scalars(ctx.applicable[ind.id]):
                yield EvalRow(bid, ind.id, Decimal(value), {"raw": str(value)})
    return IndicatorKind("fixed", "测试方法", evaluate, max_earned=max_earned)


def bonus_cap(ind):
    """Up to 20 % above the indicator's points."""
    return Decimal(ind.points) * Decimal("1.2")


@pytest.fixture
def indicator():
    return {"index_code": "performance", "points": 10, "cycle": "month", "method": "fixed", "params": {}}


def earned(db):
    return db.scalar(select(Evaluation.auto_earned))


@pytest.mark.parametrize("raw, max_earned, expected", [
    ("13", None, "10.00"),         # default bound: the indicator's points
    ("11.5", bonus_cap, "11.50"),  # within the declared bound: the bonus is kept
    ("13", bonus_cap, "12.00"),    # above it: capped at max_earned
    ("-2", bonus_cap, "0.00"),     # never below 0
    ("0.5", None, "0.50"),         # a fraction of a point is kept
])
def test_engine_clamps_to_the_kinds_upper_bound(db, make_branch, make_ruleset, indicator, raw, max_earned, expected):
    make_branch(category="production")
    make_ruleset(indicators=[indicator])
    close_period(db, "2026-01", kinds=[fixed_kind(raw, max_earned)])
    db.commit()
    assert earned(db) == Decimal(expected)


def test_kind_upper_bound_defaults_to_points(indicator):
    class Ind:
        points = Decimal("7.5")
    assert fixed_kind("1").upper_bound(Ind) == Decimal("7.5")
    assert fixed_kind("1", bonus_cap).upper_bound(Ind) == Decimal("9.00")


def test_reclose_over_unchanged_evidence_gives_identical_rows(db, make_branch, make_ruleset, indicator):
    make_branch(category="production")
    make_branch(category="market")
    make_ruleset(indicators=[indicator])
    kinds = [fixed_kind("11.5", bonus_cap)]
    close_period(db, "2026-01", kinds=kinds)
    db.commit()
    before = dump_rows(db, "2026-01")
    reopen_period(db, "2026-01", "复核")
    db.commit()
    close_period(db, "2026-01", kinds=kinds)
    db.commit()
    assert dump_rows(db, "2026-01") == before


def sql_kind(value):
    """The same in SQL form (IndicatorKind.select): earned in hundredths, JSON evidence."""
    from sqlalchemy import literal

    def statements(ctx):
        return [ctx.applicable[ind.id].add_columns(literal(ind.id), literal(value), literal('{"sql":1}'))
                for ind in ctx.indicators]
    return IndicatorKind("fixed", "测试方法（SQL）", None, select=statements)


@pytest.mark.parametrize("cents, expected", [(750, "7.50"), (1300, "10.00"), (-5, "0.00")])
def test_sql_form_is_clamped_the_same_way(db, make_branch, make_ruleset, indicator, cents, expected):
    make_branch(category="production")
    make_ruleset(indicators=[indicator])
    result = close_period(db, "2026-01", kinds=[sql_kind(cents)])
    db.commit()
    assert result.evaluations == 1 and earned(db) == Decimal(expected)
    assert db.scalar(select(Evaluation.evidence)) == {"sql": 1}


def test_sql_form_clamps_each_indicator_to_its_own_bound(db, make_branch, make_ruleset, indicator):
    """Two indicators of one SQL-form kind, 10 and 5 points, both given 7.50: each is
    clamped to its own points (the bounds are looked up by indicator in the database)."""
    make_branch(category="production")
    rs = make_ruleset(indicators=[indicator, {**indicator, "index_code": "team", "points": 5}])
    close_period(db, "2026-01", kinds=[sql_kind(750)])
    db.commit()
    points_of = {i.id: Decimal(i.points) for i in rs.indicators}
    assert sorted((points_of[e.indicator_id], e.auto_earned) for e in db.scalars(select(Evaluation))) == [
        (Decimal("5"), Decimal("5.00")), (Decimal("10"), Decimal("7.50"))]


def test_a_sql_form_with_nothing_to_score(db, make_branch, make_ruleset, indicator):
    make_branch(category="production")
    make_ruleset(indicators=[indicator])
    empty = IndicatorKind("fixed", "测试方法（无可评）", None, select=lambda ctx: [])
    result = close_period(db, "2026-01", kinds=[empty])
    db.commit()
    assert result.evaluations == 0 and db.scalar(select(Evaluation.auto_earned)) is None


def test_rows_gives_each_forms_results_as_eval_rows(db, make_branch, make_ruleset, indicator):
    from sqlalchemy import Text, cast, literal, null
    from sqlalchemy import select as sql_select

    from core.periods.keys import PeriodKey
    from core.scoring.kinds import EvalContext
    b = make_branch()
    rs = make_ruleset(indicators=[indicator])
    ind = rs.indicators[0]
    ctx = EvalContext(session=db, period=PeriodKey.parse("2026-01"), ruleset=rs, indicators=[ind],
                      applicable={ind.id: sql_select(literal(b.id))})
    python_form = fixed_kind("7.5")
    assert list(python_form.rows(ctx)) == [EvalRow(b.id, ind.id, Decimal("7.5"), {"raw": "7.5"})]
    sql_form = IndicatorKind("sql", "SQL", None, select=lambda c: [
        sql_select(literal(b.id), literal(ind.id), literal(150), cast(null(), Text)),
        sql_select(literal(b.id), literal(ind.id), literal(5), literal('{"n":1}', Text))])
    assert list(sql_form.rows(ctx)) == [EvalRow(b.id, ind.id, Decimal("1.50"), {}),
                                        EvalRow(b.id, ind.id, Decimal("0.05"), {"n": 1})]
    manual = IndicatorKind("m", "人工", None)
    assert manual.is_manual and list(manual.rows(ctx)) == []
    assert not python_form.is_manual and not sql_form.is_manual


def test_app_sources_is_the_apps_registry(app):
    from core.scoring.sources import app_sources, kinds_from
    assert app_sources() is app.extensions["starbranch.plugins"]
    assert app_sources(app) is app.extensions["starbranch.plugins"]
    assert {"manual", "ledger_count", "attendance", "appraisal"} <= set(kinds_from(app_sources()))


@pytest.mark.parametrize("form", [fixed_kind("7.5"), sql_kind(750)], ids=["python", "sql"])
def test_a_close_counts_one_evaluation_per_branch_and_indicator(db, make_branch, make_ruleset, indicator, form):
    """The close reports (and audits) how many evaluations it wrote: one per applicable
    branch and indicator, whichever form the kind has."""
    make_branch(category="production")
    make_branch(category="market")
    make_ruleset(indicators=[indicator])
    result = close_period(db, "2026-01", kinds=[form])
    db.commit()
    assert result.evaluations == 2
    assert sorted(db.scalars(select(Evaluation.auto_earned))) == [Decimal("7.50"), Decimal("7.50")]


@pytest.mark.parametrize("form, evidence", [(fixed_kind("13"), {"raw": "13"}), (sql_kind(1300), {"sql": 1})],
                         ids=["python", "sql"])
def test_a_preview_is_what_the_close_stores(db, make_branch, make_ruleset, indicator, form, evidence):
    """Computed and not stored (an open window's sheet), either form of a kind gives
    each branch the clamped value and the evidence that its close then stores."""
    from core.periods.keys import PeriodKey
    from core.scoring.engine import evaluate_periods
    from core.scoring.sources import kinds_from

    branches = sorted(make_branch(category=c).id for c in ("production", "market"))
    rs = make_ruleset(indicators=[indicator])
    ind = rs.indicators[0].id
    run = evaluate_periods(db, [PeriodKey.parse("2026-01")], rs, kinds_from([form]), store=False)
    preview = sorted((p.branch_id, p.indicator_id, p.period_key, p.points, p.auto_earned, p.evidence)
                     for p in run.preview)
    # 13 is above the indicator's 10 points: clamped
    expected = [(b, ind, "2026-01", Decimal("10.00"), Decimal("10.00"), evidence) for b in branches]
    assert run.evaluations == 2 and preview == expected

    close_period(db, "2026-01", kinds=[form])
    db.commit()
    stored = sorted((e.branch_id, e.indicator_id, "2026-01", e.points, e.auto_earned, e.evidence)
                    for e in db.scalars(select(Evaluation)))
    assert stored == expected


def test_a_preview_of_manual_items_lists_one_empty_item_per_branch(db, make_branch, make_ruleset, registry):
    """A manual item previewed (an open window's sheet) is one row per applicable branch,
    in its cycle period, with its points and nothing earned yet — counted like the
    evaluations a close would store."""
    from core.periods.keys import PeriodKey
    from core.scoring.engine import evaluate_periods
    from core.scoring.sources import kinds_from

    branches = sorted(make_branch(category=c).id for c in ("production", "market"))
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 10, "cycle": "month", "method": "manual"}])
    ind = rs.indicators[0].id
    run = evaluate_periods(db, [PeriodKey.parse("2026-01")], rs, kinds_from(registry), store=False)
    preview = sorted((p.branch_id, p.indicator_id, p.period_key, p.points, p.auto_earned, p.evidence)
                     for p in run.preview)
    assert preview == [(b, ind, "2026-01", Decimal("10"), None, None) for b in branches]
    assert run.evaluations == 2 and run.per_method == {"manual": 2}


def test_a_reclose_removes_the_evaluations_it_no_longer_produces(db, make_branch, make_ruleset, indicator):
    """A re-close replaces the window's evaluations: unchanged ones stay (nothing
    removed), those of a branch no longer applicable (deactivated) are deleted, and the
    close reports how many it removed."""
    keep, gone = make_branch(category="production"), make_branch(category="market")
    make_ruleset(indicators=[indicator])
    kinds = [fixed_kind("5")]

    def reclose():
        reopen_period(db, "2026-01", "复核")
        db.commit()
        result = close_period(db, "2026-01", kinds=kinds)
        db.commit()
        return result

    first = close_period(db, "2026-01", kinds=kinds)
    db.commit()
    assert (first.evaluations, first.removed_evaluations) == (2, 0)
    assert reclose().removed_evaluations == 0
    gone.active = False
    db.commit()
    third = reclose()
    assert (third.evaluations, third.removed_evaluations) == (1, 1)
    assert [e.branch_id for e in db.scalars(select(Evaluation))] == [keep.id]
