"""Factories for analysis tests: rule sets with index weights, closed periods and
ScoreResult rows inserted directly (the scoring engine is not needed here)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.indicators.models import INDICES, IndexWeight, RuleSet
from core.org.models import CATEGORIES
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring.models import ScoreResult, tier_of

#: Default weights: performance weighs more (as for production in the seed).
WEIGHTS = {"team": 20, "management": 20, "performance": 30, "brand": 15, "service": 15}


@pytest.fixture
def make_ruleset(db):
    def factory(year=2026, weights=None):
        rs = RuleSet(year=year, version=1, name=f"{year}年考核细则", status="active", settings={})
        for cat in CATEGORIES:
            for code, w in (weights or WEIGHTS).items():
                rs.weights.append(IndexWeight(category=cat, index_code=code, weight=w))
        db.add(rs)
        db.commit()
        return rs
    return factory


@pytest.fixture
def make_period(db):
    def factory(key, status="closed"):
        pk = PeriodKey.parse(key)
        period = Period(key=pk.key, kind=pk.kind, year=pk.year, number=pk.number, starts_on=pk.starts_on,
                        ends_on=pk.ends_on, status=status)
        db.add(period)
        db.commit()
        return period
    return factory


def stars_for(total: Decimal) -> int:
    return 5 if total >= 90 else 4 if total >= 80 else 3 if total >= 70 else 2 if total >= 60 else 1


@pytest.fixture
def make_score(db):
    """A ScoreResult from index percentages (of WEIGHTS): make_score(branch, period, ruleset,
    pct=80) or pct={"team": 90, ...}; rank and stars computed unless given."""
    def factory(branch, period, ruleset, pct=80, rank=1, stars=None, commit=True, **kw):
        pcts = pct if isinstance(pct, dict) else {c: pct for c in INDICES}
        idx = {c: (Decimal(WEIGHTS[c]) * Decimal(str(pcts[c])) / 100).quantize(Decimal("0.01"))
               if pcts.get(c) is not None else None for c in INDICES}
        total = sum((v for v in idx.values() if v is not None), Decimal("0.00"))
        if period.kind != "month":
            stars = stars if stars is not None else stars_for(total)
        sr = ScoreResult(period_id=period.id, branch_id=branch.id, unit_id=branch.unit_id, category=branch.category,
                         ruleset_id=ruleset.id, **idx, base=total, bonus=Decimal("0"), deduction=Decimal("0"),
                         total=total, stars=stars, tier=tier_of(stars), rank=rank, vetoed=False, **kw)
        db.add(sr)
        if commit:
            db.commit()
        return sr
    return factory


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements sent to the database."""
    from contextlib import contextmanager

    from sqlalchemy import event

    engine = app.extensions["starbranch.db"].engine

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, params, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)
    return counting
