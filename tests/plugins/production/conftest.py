"""Fixtures of the production plugin's tests: seeded measures, a rule set with the
plugin's indicators, plans/actuals writers, and an evaluator runner that builds the
EvalContext the engine would (applicable = active branches of the category in units
where the plugin is enabled)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.indicators.models import Indicator, RuleSet
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.plugins.models import UnitPlugin
from core.scoring.kinds import EvalContext


@pytest.fixture
def measures(app, db):
    from plugins.production.measures import all_measures, seed_measures

    seed_measures(db)
    db.commit()
    return {m.code: m for m in all_measures(db)}


@pytest.fixture
def prod_unit(make_unit, enable_plugin):
    unit = make_unit(name="炼钢厂党委")
    enable_plugin(unit, "production")
    return unit


@pytest.fixture
def ruleset(app, db, measures):
    """A rule set of 2026 with the plugin's default indicators (through the hook)."""
    rs = RuleSet(year=2026, version=1, name="2026年考核细则", status="active", settings={})
    db.add(rs)
    db.flush()
    for batch in app.extensions["starbranch.plugins"].hook.starbranch_default_indicators(ruleset=rs):
        for row in batch:
            db.add(Indicator(ruleset_id=rs.id, **row))
    db.commit()
    return rs


@pytest.fixture
def put(db, measures):
    """put(branch, 'output', '2026-03', plan=…, actual=…) writes rows directly."""
    from plugins.production.models import Actual, Plan

    def do(branch, slot, month, plan=None, actual=None):
        measure = measures[f"{branch.category}.{slot}"]
        day = PeriodKey.parse(month).starts_on
        if plan is not None:
            db.add(Plan(branch_id=branch.id, unit_id=branch.unit_id, measure_id=measure.id, month=day,
                        value=Decimal(str(plan))))
        if actual is not None:
            db.add(Actual(branch_id=branch.id, unit_id=branch.unit_id, measure_id=measure.id, month=day,
                          value=Decimal(str(actual))))
        db.commit()

    return do


def applicable(indicator):
    enabled = select(UnitPlugin.unit_id).where(UnitPlugin.plugin == indicator.plugin)
    stmt = select(Branch.id).where(Branch.active.is_(True), Branch.unit_id.in_(enabled))
    if indicator.categories:
        stmt = stmt.where(Branch.category.in_(indicator.categories))
    return stmt


@pytest.fixture
def eval_ctx(app, db, ruleset):
    """eval_ctx('2026-03') → (EvalContext of the plugin's indicators of that cycle, the
    plugin's kind, {indicator id: code})."""
    from plugins.production.measures import METHOD

    kinds = {k.method: k for batch in app.extensions["starbranch.plugins"].hook.starbranch_indicator_kinds()
             for k in batch}

    def do(period, cycle="month"):
        key = PeriodKey.parse(period)
        indicators = list(db.scalars(select(Indicator).where(Indicator.ruleset_id == ruleset.id,
                                                             Indicator.method == METHOD,
                                                             Indicator.cycle == cycle)))
        ctx = EvalContext(session=db, period=key, ruleset=ruleset, indicators=indicators,
                          applicable={i.id: applicable(i) for i in indicators})
        return ctx, kinds[METHOD], {i.id: i.code for i in indicators}

    return do


@pytest.fixture
def run_eval(eval_ctx):
    """run_eval('2026-03') → {(branch_id, indicator code): EvalRow} via the hook's kind
    (its SQL form, executed: IndicatorKind.rows)."""

    def do(period, cycle="month"):
        ctx, kind, codes = eval_ctx(period, cycle)
        return {(r.branch_id, codes[r.indicator_id]): r for r in kind.rows(ctx)}

    return do


@pytest.fixture
def api_token(db):
    """api_token(user) → a fresh bearer token for the user."""
    from core.auth.tokens import issue_token

    def do(user):
        token = issue_token(db, user, "MES")
        db.commit()
        return token

    return do


MARCH = date(2026, 3, 1)


def pytest_configure(config):
    # The root conftest reads @pytest.mark.config(dict); register it so it is not a typo warning.
    config.addinivalue_line("markers", "config(overrides): app config overrides for the test app")
