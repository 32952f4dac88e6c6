"""Fixtures for the scoring engine tests: small hand-made rule sets, ledger records,
point records, and a `close` helper running the real close through the app registry."""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from core.indicators.models import DEFAULT_SETTINGS, IndexWeight, Indicator, RuleSet, StarBand

_codes = itertools.count(1)
EQUAL = {"team": 20, "management": 20, "performance": 20, "brand": 20, "service": 20}
CATS = ("production", "auxiliary", "management", "market", "nonpublic")


@pytest.fixture
def registry(app):
    return app.extensions["starbranch.plugins"]


@pytest.fixture
def make_ruleset(db):
    """make_ruleset(year, indicators=[dict], weights={cat: {index: w}} | one dict for all,
    settings={...}, bands={stars: min}, status='active')"""

    def factory(year=2026, indicators=(), weights=None, settings=None, bands=None, status="active", version=None):
        weights = weights or EQUAL
        if all(isinstance(v, int) for v in weights.values()):
            weights = {c: weights for c in CATS}
        rs = RuleSet(year=year, version=version or next(_codes), name=f"{year}细则", status=status,
                     settings={**DEFAULT_SETTINGS, **(settings or {})})
        rs.weights = [IndexWeight(category=c, index_code=i, weight=w) for c, ws in weights.items() for i, w in ws.items()]
        bands = bands or {5: 90, 4: 80, 3: 70, 2: 60, 1: 0}
        rs.bands = [StarBand(stars=s, min_score=Decimal(m)) for s, m in bands.items()]
        rs.indicators = [Indicator(position=n, **{"code": f"I{next(_codes)}", "name": "指标", "kind": "basic",
                                                  "method": "manual", "params": {}, **ind})
                         for n, ind in enumerate(indicators)]
        for ind in rs.indicators:
            ind.points = Decimal(str(ind.points))
        db.add(rs)
        db.commit()
        return rs

    return factory


@pytest.fixture
def add_record(db):
    from core.ledger.models import ActivityRecord

    def factory(branch, type, held_on, *, late_days=0, uploaded_at=None, valid=True, expected_full=10,
                present_full=10, expected_probationary=0, present_probationary=0, topic="主题"):
        uploaded_at = uploaded_at or datetime.combine(held_on + timedelta(days=late_days), time(10, 0))
        rec = ActivityRecord(branch_id=branch.id, unit_id=branch.unit_id, type=type, held_on=held_on,
                             uploaded_at=uploaded_at, topic=topic, valid=valid, expected_full=expected_full,
                             present_full=present_full, expected_probationary=expected_probationary,
                             present_probationary=present_probationary)
        db.add(rec)
        db.commit()
        return rec

    return factory


@pytest.fixture
def add_points(db):
    from core.ledger.models import PointRecord

    def factory(branch, kind, points, dated, code=None, reason="原因"):
        rec = PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind=kind, points=Decimal(str(points)),
                          dated=dated, reason=reason, indicator_code=code)
        db.add(rec)
        db.commit()
        return rec

    return factory


@pytest.fixture
def close(db, registry):
    """close('2026-01') → CloseResult, committed. close.quarter('2026Q1') closes its months first."""
    from core.scoring.close import close_period

    def do(key, gates=None):
        result = close_period(db, key, kinds=registry, gates=gates)
        db.commit()
        return result

    def quarter(key, gates=None):
        from core.periods.keys import PeriodKey
        for m in PeriodKey.parse(key).children():
            do(m.key, gates)
        return do(key, gates)

    do.quarter = quarter
    return do


@pytest.fixture
def result_of(db):
    from sqlalchemy import select

    from core.periods.models import Period
    from core.scoring.models import ScoreResult

    def get(branch, key):
        return db.scalar(select(ScoreResult).join(Period, Period.id == ScoreResult.period_id)
                         .where(Period.key == key, ScoreResult.branch_id == branch.id))

    return get


D = date


Y_ITEM = {"index_code": "team", "points": 100, "cycle": "year", "method": "manual"}


@pytest.fixture
def graded(db, make_branch, make_ruleset, registry, close, add_points):
    """graded({code: (category, total)}, vetoes=[code], settings={...}) → {code: Branch}:
    a closed 2026 whose annual totals are set through one yearly manual item (verified
    to the total). `totals` values may be (category, {index: earned}) with `indicators`
    one yearly manual item per index (50 points each)."""
    from sqlalchemy import select

    from core.scoring.adjust import verify_item
    from core.scoring.close import recompute
    from core.scoring.models import Evaluation

    def run(totals: dict, vetoes=(), settings=None, indices=None, deductions=()):
        items = [{**Y_ITEM, "index_code": i, "points": 50} for i in indices] if indices else [Y_ITEM]
        make_ruleset(indicators=items, settings={"commendation_top_n": 2, **(settings or {})})
        branches = {code: make_branch(code=code, category=cat) for code, (cat, _) in totals.items()}
        for code in vetoes:
            add_points(branches[code], "veto", 0, date(2026, 6, 1))
        for code, points, dated in deductions:
            add_points(branches[code], "deduction", points, dated)
        for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"):
            close.quarter(q)
        recompute(db, "2026", registry)
        for code, (_, total) in totals.items():
            evs = db.scalars(select(Evaluation).where(Evaluation.branch_id == branches[code].id)).all()
            earned = total if isinstance(total, dict) else {"team": total}
            for ev in evs:
                index = db.get(Indicator, ev.indicator_id).index_code
                verify_item(db, ev.ident, earned[index], "年度核实", ev.version)
        close("2026")
        return branches

    return run


@pytest.fixture
def rate(db, registry, result_of):
    """rate({branch: total}, '2026Q1', gates=…) → {branch: ScoreResult}: closes the
    months, recomputes the quarter, verifies the rule set's one quarterly item to
    `total`, closes."""
    from sqlalchemy import select

    from core.periods.keys import PeriodKey
    from core.scoring.adjust import verify_item
    from core.scoring.close import close_period, recompute
    from core.scoring.models import Evaluation

    def run(values, key="2026Q1", gates=None):
        for m in PeriodKey.parse(key).children():
            close_period(db, m, kinds=registry)
        recompute(db, key, registry)
        for branch, total in values.items():
            ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branch.id).order_by(Evaluation.period_id.desc()))
            verify_item(db, ev.ident, total, "核实", ev.version)
        close_period(db, key, kinds=registry, gates=gates)
        db.commit()
        return {b: result_of(b, key) for b in values}

    return run


@pytest.fixture
def preview(db, registry):
    """preview(ruleset, '2026-01') → {(branch_id, indicator_id): earned}: the evaluators
    of one cycle period, computed and not stored; full=True gives the PreviewEvaluation
    rows (earned and evidence)."""
    from core.periods.keys import PeriodKey
    from core.scoring.engine import evaluate_periods
    from core.scoring.sources import kinds_from

    def run(rs, key, full=False):
        done = evaluate_periods(db, [PeriodKey.parse(key)], rs, kinds_from(registry), store=False)
        return {(p.branch_id, p.indicator_id): p if full else p.auto_earned for p in done.preview}

    return run
