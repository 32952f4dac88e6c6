"""One branch world shared by the ledger, targets and scoring_web tests: a unit, a branch
with members, its secretary, a reviewer, a helper closing a period (so its evidence is
locked) and table counts. Each of those directories' conftest.py imports the fixtures."""
from __future__ import annotations

import pytest


@pytest.fixture
def unit(make_unit):
    return make_unit(name="炼铁厂党委")


@pytest.fixture
def branch(make_branch, unit):
    return make_branch(unit=unit, name="炼铁一车间党支部")


@pytest.fixture
def members(make_member, branch):
    """Four full members and one probationary member."""
    full = [make_member(branch, name=n) for n in ("张三", "李四", "王五", "赵六")]
    prob = [make_member(branch, name="钱七", status="probationary")]
    return full + prob


@pytest.fixture
def secretary(make_user, branch):
    return make_user("secretary", branch=branch)


@pytest.fixture
def reviewer(make_user, unit):
    return make_user("reviewer", units=[unit])


@pytest.fixture
def close_period(db):
    """Mark a period closed (as the engine's close does) so its dates are locked."""
    from core.periods.keys import PeriodKey
    from core.periods.models import Period

    from sqlalchemy import select

    def do(key: str):
        pk = PeriodKey.parse(key)
        period = db.scalar(select(Period).where(Period.key == pk.key))
        if period is None:
            period = Period(key=pk.key, kind=pk.kind, year=pk.year, number=pk.number, starts_on=pk.starts_on,
                            ends_on=pk.ends_on)
            db.add(period)
        period.status = "closed"
        db.commit()
        return period

    return do


@pytest.fixture
def table_counts(db):
    """Row counts of the ledger tables, to assert a refused write changed nothing."""
    from sqlalchemy import func, select

    from core.audit.models import AuditEntry
    from core.ledger.models import ActivityRecord, AppraisalResult, Attachment, AttendanceEntry, PointRecord

    def do():
        db.expire_all()
        return {m.__name__: db.scalar(select(func.count()).select_from(m))
                for m in (ActivityRecord, AttendanceEntry, Attachment, AppraisalResult, PointRecord, AuditEntry)}

    return do
