"""Fixtures for the documents tests: a year with final grades written as rows (fast),
and the issue helper. (tests/conftest.py shares one font cache for the whole run.)"""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.db import utcnow

_n = itertools.count(1)


@pytest.fixture
def graded_year(db):
    """graded_year({branch: stars}, year=2025, notice="final"|"open"|None, top_n=3,
    quarter=None, settings=None): the year (or its `quarter`) closed with those grades
    (totals descending in the given order) and the year's notice in the given state;
    `settings` go into the rule set's settings. Returns the window's Period."""
    from core.indicators.models import RuleSet
    from core.periods.models import Period
    from core.scoring.models import AnnualNotice, ScoreResult, tier_of

    def factory(grades: dict, year: int = 2025, notice: str | None = "final", top_n: int = 3,
                quarter: int | None = None, settings: dict | None = None):
        from core.periods.keys import PeriodKey

        ruleset = RuleSet(year=year, version=next(_n), name=f"{year}年度考核细则", status="active",
                          settings={"commendation_top_n": top_n, **(settings or {})})
        db.add(ruleset)
        db.flush()
        pk = PeriodKey(year, "quarter", quarter) if quarter else PeriodKey(year, "year", 0)
        period = Period(key=pk.key, kind=pk.kind, year=year, number=pk.number, starts_on=pk.starts_on,
                        ends_on=pk.ends_on, status="closed", ruleset_id=ruleset.id, closed_at=utcnow())
        db.add(period)
        db.flush()
        for rank, (branch, stars) in enumerate(grades.items(), start=1):
            total = Decimal(100 - rank)
            db.add(ScoreResult(period_id=period.id, branch_id=branch.id, unit_id=branch.unit_id,
                               category=branch.category, ruleset_id=ruleset.id, team=Decimal(18), management=Decimal(17),
                               performance=Decimal(19), brand=Decimal(16), service=Decimal(15), base=total,
                               bonus=Decimal(0), deduction=Decimal(0), total=total, stars=stars, tier=tier_of(stars),
                               rank=rank, vetoed=False, notes={}))
        if notice:
            today = date.today()
            starts = today - timedelta(days=10) if notice == "final" else today - timedelta(days=1)
            db.add(AnnualNotice(period_id=period.id, starts_on=starts, ends_on=starts + timedelta(days=4),
                                status=notice, created_at=utcnow()))
        db.commit()
        return period

    return factory


@pytest.fixture
def issue_docs(app, db):
    """issue_docs(doc_type, period, actor=None, **request fields) → IssueResult (committed)."""
    from core.documents.service import RenderSettings, issue
    from core.documents.types import IssueRequest, document_types

    def do(doc_type, period_key, actor=None, merged=False, **kw):
        result = issue(db, document_types(app), IssueRequest(doc_type=doc_type, period_key=period_key, **kw),
                       RenderSettings.from_app(app, "http://verify.test/"), actor=actor, merged=merged)
        db.commit()
        return result

    return do
