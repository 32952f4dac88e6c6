"""Fixtures for the score-sheet pages tests: the shared branch world of tests/core/branch_fixtures.py,
and `scored`: Q1 2026 tried (试算, open) with a committee meeting held in March."""
from datetime import date, datetime

import pytest

from tests.core.branch_fixtures import (  # noqa: F401 (fixtures, found by pytest by name)
    branch, close_period, members, reviewer, secretary, table_counts, unit,
)


@pytest.fixture
def scored(app, db, branch, members):
    """Q1 2026 recomputed (open) with a committee meeting held in March, uploaded next day."""
    from core.indicators.catalogue import seed_ruleset
    from core.ledger.models import ActivityRecord
    from core.scoring.close import recompute

    seed_ruleset(db, 2026)
    db.add(ActivityRecord(branch_id=branch.id, unit_id=branch.unit_id, type="committee_meeting",
                          held_on=date(2026, 3, 5), uploaded_at=datetime(2026, 3, 6), topic="三月支委会",
                          expected_full=4, present_full=4, valid=True))
    db.commit()
    recompute(db, "2026Q1", app.extensions["starbranch.plugins"])
    db.commit()
    return db


@pytest.fixture
def closed_year(app, db, branch, members):
    """2025 closed (every month, quarter and the year) with the seeded rule set."""
    from core.indicators.catalogue import seed_ruleset
    from core.periods.services import all_keys_of_year
    from core.scoring.close import close_period

    seed_ruleset(db, 2025)
    db.commit()
    for key in all_keys_of_year(2025):
        close_period(db, key, kinds=app.extensions["starbranch.plugins"], unverified="zero",
                     reason="测试：人工评分项按 0 分计")
    db.commit()
    return 2025
