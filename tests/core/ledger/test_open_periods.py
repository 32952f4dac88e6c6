"""Only a closed period locks its evidence: a period row that exists but is open (made
by a trial 试算, or closed and reopened) accepts writes (issue #20, rule 4)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.ledger.models import ActivityRecord, PointRecord
from core.periods.locks import PeriodLocked, ensure_open
from core.periods.services import get_or_create_periods


def _record_form(**fields):
    return {"type": "committee_meeting", "held_on": "2026-03-10", "topic": "研究三月工作", "location": "会议室",
            "minutes": "会议记录正文", **fields}


def test_open_period_rows_of_month_quarter_and_year_do_not_lock(db):
    # broken: closed_period_containing without `Period.status == "closed"` → PeriodLocked
    get_or_create_periods(db, ["2026-03", "2026Q1", "2026"])
    db.commit()
    ensure_open(db, date(2026, 3, 10))


@pytest.mark.parametrize("closed", ["2026-03", "2026Q1", "2026"])
def test_a_closed_month_quarter_or_year_locks(db, close_period, closed):
    get_or_create_periods(db, ["2026-03", "2026Q1", "2026"])
    close_period(closed)
    with pytest.raises(PeriodLocked):
        ensure_open(db, date(2026, 3, 10))
    ensure_open(db, date(2027, 1, 1))  # another year is not locked


def test_ledger_accepts_records_after_a_trial(client, login, secretary, branch, db):
    get_or_create_periods(db, ["2026-03", "2026Q1", "2026"])  # what 试算 leaves behind
    db.commit()
    login(secretary)
    r = client.post(f"/ledger/branch/{branch.id}/new", data=_record_form())
    assert r.status_code == 302
    assert db.scalar(select(func.count()).select_from(ActivityRecord)) == 1


def test_ledger_accepts_point_records_after_a_reopen(app, client, login, reviewer, branch, db, close_period):
    from core.scoring.close import reopen_period
    close_period("2026-03")
    reopen_period(db, "2026-03", "补录支委会记录")
    db.commit()
    login(reviewer)
    r = client.post(f"/ledger/branch/{branch.id}/points",
                    data={"kind": "deduction", "points": "2", "dated": "2026-03-10", "reason": "迟报"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert db.scalar(select(func.count()).select_from(PointRecord)) == 1
