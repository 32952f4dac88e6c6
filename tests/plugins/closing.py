"""Closing windows and reading a branch's stored result, for the plugins' engine tests."""
from __future__ import annotations

from sqlalchemy import select

from core.periods.models import Period
from core.scoring import close
from core.scoring.models import ScoreResult


def close_all(db, registry, *keys):
    for key in keys:
        close.close_period(db, key, kinds=registry)
    db.commit()


def result(db, key, branch):
    return db.scalar(select(ScoreResult).join(Period, Period.id == ScoreResult.period_id)
                     .where(Period.key == key, ScoreResult.branch_id == branch.id))
