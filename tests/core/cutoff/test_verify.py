"""`starbranch verify KEY`: a re-close of the stored evidence in a rolled-back
transaction, compared byte for byte with what the close stored."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from core.periods.commands import verify_cmd
from core.periods.models import Period
from core.scoring.replay import NotClosed, stored_rows, verify_window

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 3}}
ATTENDANCE = {"index_code": "team", "points": 10, "cycle": "month", "method": "attendance",
              "params": {"record_types": ["committee_meeting"]}}
QUARTERLY = {"index_code": "performance", "points": 10, "cycle": "quarter", "method": "ledger_count",
             "params": {"record_types": ["committee_meeting"], "min_count": 6}}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(make_branch, make_ruleset, add_record, add_points):
    branches = [make_branch(category="production") for _ in range(3)]
    make_ruleset(indicators=[LEDGER, ATTENDANCE, QUARTERLY])
    for n, b in enumerate(branches):
        for m in (1, 2, 3):
            for d in range(n + 1):
                add_record(b, "committee_meeting", date(2026, m, 3 + d), present_full=7 + d)
    add_points(branches[0], "bonus", 2, date(2026, 1, 20))
    return branches


def _sql(db, statement):
    db.execute(text(statement))
    db.commit()


def test_clean_close_has_no_difference_and_verify_changes_nothing(db, runner, world, close):
    close("2026-01")
    before = stored_rows(db, "2026-01")
    db.rollback()
    r = runner.invoke(verify_cmd, ["2026-01"])
    assert r.exit_code == 0, r.output
    assert r.output.strip().endswith("0 处差异")
    assert stored_rows(db, "2026-01") == before
    assert db.scalar(select(Period.status).where(Period.key == "2026-01")) == "closed"


def test_tampered_score_result_is_reported_and_exit_is_non_zero(db, runner, world, close, registry):
    close("2026-01")
    target = world[1].id
    _sql(db, f"UPDATE score_results SET total = total + 100 WHERE branch_id = {target}")
    diffs = verify_window(db, "2026-01", registry)
    assert [(d.table, d.branch_id, d.column) for d in diffs] == [("score_results", target, "total")]
    r = runner.invoke(verify_cmd, ["2026-01"])
    assert r.exit_code == 1
    assert f"score_results 2026-01 branch={target} total:" in r.output and "1 处差异" in r.output


def test_tampered_evidence_and_a_missing_row_are_reported(db, world, close, registry):
    close("2026-01")
    b0, b2 = world[0].id, world[2].id
    _sql(db, f"UPDATE evaluations SET auto_earned = 0 WHERE branch_id = {b0} AND auto_earned IS NOT NULL")
    _sql(db, f"DELETE FROM score_results WHERE branch_id = {b2}")
    diffs = verify_window(db, "2026-01", registry)
    found = {(d.table, d.branch_id, d.column) for d in diffs}
    assert ("score_results", b2, None) in found                       # the row a re-close gives back
    assert any(t == "evaluations" and b == b0 and c == "auto_earned" for t, b, c in found)


def test_a_write_slipped_in_after_the_close_is_found(db, world, close, registry, add_record):
    """What the cut-off prevents: evidence that the stored result does not include."""
    close("2026-01")
    add_record(world[0], "committee_meeting", date(2026, 1, 25))    # straight into the table, past the lock
    diffs = verify_window(db, "2026-01", registry)
    assert {d.branch_id for d in diffs if d.table == "evaluations"} == {world[0].id}
    assert {d.column for d in diffs if d.table == "evaluations"} >= {"evidence"}
    assert any(d.table == "score_results" and d.branch_id == world[0].id for d in diffs)


def test_quarter_verify_replays_its_months_first(db, runner, world, close, registry):
    close.quarter("2026Q1")
    assert verify_window(db, "2026Q1", registry) == []
    _sql(db, f"UPDATE evaluations SET evidence = NULL WHERE branch_id = {world[2].id} AND period_id = "
             "(SELECT id FROM periods WHERE key = '2026-02')")
    diffs = verify_window(db, "2026Q1", registry)
    assert diffs and {(d.period, d.column) for d in diffs} == {("2026-02", "evidence")}
    assert runner.invoke(verify_cmd, ["2026Q1"]).exit_code == 1


def test_open_window_or_bad_key_is_refused(db, runner, world, registry):
    with pytest.raises(NotClosed):
        verify_window(db, "2026-01", registry)
    r = runner.invoke(verify_cmd, ["2026-01"])
    assert r.exit_code == 2 and "尚未结账" in r.output
    assert runner.invoke(verify_cmd, ["2026-13"]).exit_code == 2


def test_year_verify_replays_all_seventeen_windows(db, world, close, registry):
    for q in range(1, 5):
        close.quarter(f"2026Q{q}")
    close("2026")
    assert verify_window(db, "2026", registry) == []
    _sql(db, f"UPDATE score_results SET stars = COALESCE(stars, 0) + 1 WHERE branch_id = {world[0].id} AND period_id = "
             "(SELECT id FROM periods WHERE key = '2026Q3')")
    diffs = verify_window(db, "2026", registry)
    assert {(d.table, d.period, d.column) for d in diffs} == {("score_results", "2026Q3", "stars")}
