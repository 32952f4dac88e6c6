"""The cut-off rule in the production plugin's write path: write_entries takes each
month itself (core.periods.ensure_open), so a batch checked while its month was open
is refused if the month was closed before the write."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from core.periods import PeriodLocked
from core.periods.models import Period
from plugins.production.models import Plan
from plugins.production.services import Entry, check_entries, write_entries


def test_write_entries_refuses_a_month_closed_after_the_check(db, make_branch, prod_unit, measures):
    make_branch(unit=prod_unit, category="production", code="LG07")
    resolved, errors = check_entries(db, None, [Entry("r1", "LG07", "产量", date(2026, 2, 1), plan=Decimal("10"))])
    assert errors == []
    db.commit()                                      # the check's transaction ends; the month is open
    db.execute(update(Period).where(Period.key == "2026-02").values(status="closed"))
    db.commit()
    with pytest.raises(PeriodLocked, match="2026年2月已结账锁定"):
        write_entries(db, None, resolved, source="form")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Plan)) == 0
