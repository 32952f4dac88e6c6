"""The demo ledger and targets: a year of records at realistic frequencies."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.ledger import demo as ledger_demo
from core.ledger.models import ActivityRecord, AttendanceEntry
from core.targets import demo as targets_demo
from core.targets.models import Target, TargetProgress


def test_demo_adds_a_year_of_records_and_targets(db, make_branch, make_member, unit):
    branches = [make_branch(unit=unit) for _ in range(3)]
    for b in branches:
        for i in range(6):
            make_member(b, status="probationary" if i == 0 else "full")
    ledger_demo.add_demo(db, [unit], branches, today=date(2026, 11, 24))
    targets_demo.add_demo(db, [unit], branches, today=date(2026, 11, 24))
    db.commit()
    per_branch = db.scalar(select(func.count()).select_from(ActivityRecord)) / 3
    assert 30 < per_branch < 50
    assert db.scalar(select(func.count()).select_from(AttendanceEntry)) > 0
    assert db.scalar(select(func.max(ActivityRecord.held_on))) < date(2026, 11, 24)
    assert db.scalar(select(func.count()).select_from(Target)) == 9
    assert db.scalar(select(func.count()).select_from(TargetProgress)) > 0
