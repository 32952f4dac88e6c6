"""SCORING.md "Closing" with a controlled clock: a window closes only after it has
ended, months in order; a trial (试算) of an unfinished window scores only the cycle
periods that have ended, the others are 未到期 and count nothing (never 0)."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.periods.models import Period
from core.scoring.close import close_period, recompute
from core.scoring.errors import CloseOrderError
from core.scoring.models import Evaluation, ScoreResult

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}}
QUARTERLY = {"index_code": "team", "points": 10, "cycle": "quarter", "method": "ledger_count",
             "params": {"record_types": ["party_lecture"], "min_count": 1, "deadline_days": 7}}
MANUAL_Q = {"index_code": "service", "points": 5, "cycle": "quarter", "method": "manual"}


def _results(db, key):
    return db.scalar(select(func.count()).select_from(ScoreResult).join(Period, Period.id == ScoreResult.period_id)
                     .where(Period.key == key))


def test_a_window_that_has_not_ended_cannot_be_closed(db, make_branch, make_ruleset, registry, clock, close):
    make_branch()
    make_ruleset(indicators=[LEDGER])
    clock("2026-11-29")
    for m in range(1, 11):
        close(f"2026-{m:02d}")
    for key in ("2026-11", "2026-12", "2026Q4", "2026"):
        with pytest.raises(CloseOrderError, match="尚未结束"):
            close_period(db, key, kinds=registry)
        db.rollback()
        assert _results(db, key) == 0
    assert db.scalar(select(Period.status).where(Period.key == "2026-10")) == "closed"
    # the last day of a month is still inside it; the day after, it may close
    clock("2026-11-30")
    with pytest.raises(CloseOrderError, match="尚未结束"):
        close_period(db, "2026-11", kinds=registry)
    db.rollback()
    clock("2026-12-01")
    assert close("2026-11").results == 1


def test_services_take_today(db, make_branch, make_ruleset, registry):
    make_branch()
    make_ruleset(indicators=[LEDGER])
    with pytest.raises(CloseOrderError, match="尚未结束"):
        close_period(db, "2026-01", kinds=registry, today=date(2026, 1, 31))
    db.rollback()
    assert close_period(db, "2026-01", kinds=registry, today=date(2026, 2, 1)).results == 1


def test_months_close_in_order(db, make_branch, make_ruleset, registry, close):
    make_branch()
    make_ruleset(indicators=[LEDGER])
    close("2026-01")
    with pytest.raises(CloseOrderError, match="2026年2月尚未结账；月份须按顺序结账"):
        close_period(db, "2026-03", kinds=registry)
    db.rollback()
    close("2026-02")
    assert close("2026-03").results == 1


def test_the_web_close_of_a_future_month_is_refused_and_stores_nothing(client, login, make_user, db, make_branch,
                                                                      make_ruleset, clock, close):
    make_branch()
    make_ruleset(indicators=[LEDGER])
    clock("2026-11-29")
    for m in range(1, 12 - 1):
        close(f"2026-{m:02d}")
    login(make_user("admin"))
    page = client.get("/scoring/periods?year=2026").get_data(as_text=True)
    assert "未结束（2026年12月31日 止）" in page
    r = client.post("/scoring/periods/2026-12/close", follow_redirects=True)
    assert "尚未结束" in r.get_data(as_text=True)
    assert _results(db, "2026-12") == 0
    assert db.scalar(select(Period.status).where(Period.key == "2026-12")) in (None, "open")


def test_the_cli_refuses_a_future_window(app, db, make_branch, make_ruleset, clock):
    from core.scoring.commands import close_cmd
    make_branch()
    make_ruleset(indicators=[LEDGER])
    clock("2026-11-29")
    r = app.test_cli_runner().invoke(close_cmd, ["2026-12"])
    assert r.exit_code != 0 and "尚未结束" in r.output


def test_trial_of_an_unfinished_quarter_scores_only_the_ended_months(db, make_branch, make_ruleset, add_record,
                                                                     registry, clock, close):
    branch = make_branch()
    rs = make_ruleset(indicators=[LEDGER, QUARTERLY, MANUAL_Q])
    add_record(branch, "committee_meeting", date(2026, 10, 8))     # October: met
    add_record(branch, "committee_meeting", date(2026, 11, 3))     # November: met, but not ended
    clock("2026-11-29")
    result = recompute(db, "2026Q4", registry)
    db.commit()
    assert result.not_due == ["2026-11", "2026-12", "2026Q4"]
    r = db.scalar(select(ScoreResult).join(Period, Period.id == ScoreResult.period_id)
                  .where(Period.key == "2026Q4", ScoreResult.branch_id == branch.id))
    # only October's item counts: 10 / 10 on the only index due, re-scaled → 100.00;
    # December's missing meeting and the quarter's items are not 0, they are not due
    assert r.total == Decimal("100.00")
    assert r.team is None and r.service is None and r.management == Decimal("100.00")
    stored = {(p, i) for p, i in db.execute(select(Period.key, Evaluation.indicator_id)
                                            .join(Period, Period.id == Evaluation.period_id)
                                            .where(Evaluation.branch_id == branch.id))}
    assert ("2026-10", rs.indicators[0].id) in stored
    assert ("2026-11", rs.indicators[0].id) not in stored          # automatic items are not evaluated early
    assert ("2026Q4", rs.indicators[2].id) in stored               # the manual item is there to self-assess


def test_a_cycle_period_is_due_only_after_its_last_day(db, make_branch, make_ruleset, registry, clock):
    make_branch()
    make_ruleset(indicators=[LEDGER, MANUAL_Q])
    clock("2026-11-30")   # November's last day: it has not ended yet
    assert recompute(db, "2026Q4", registry).not_due == ["2026-11", "2026-12", "2026Q4"]


def test_trial_with_nothing_due_stores_no_result(db, make_branch, make_ruleset, registry, clock):
    branch = make_branch()
    make_ruleset(indicators=[LEDGER, MANUAL_Q])
    clock("2026-10-20")
    result = recompute(db, "2026-10", registry)
    db.commit()
    assert result.results == 0 and result.not_due == ["2026-10"]
    assert _results(db, "2026-10") == 0


def test_trial_counts_only_the_ended_unverified_manual_items(db, make_branch, make_ruleset, registry):
    """The trial's count of unverified manual items (the page's reminder) covers the
    cycle periods that have ended: mid-February, January's item only."""
    make_branch()
    make_ruleset(indicators=[{**MANUAL_Q, "cycle": "month"}])
    result = recompute(db, "2026Q1", registry, today=date(2026, 2, 15))
    assert (result.not_due, result.unverified) == (["2026-02", "2026-03", "2026Q1"], 1)


def test_trial_rates_with_the_gates_it_is_given(db, make_branch, make_ruleset, add_record, registry, result_of):
    """Like the close, a trial checks the stars' gates it is given (not the registry's,
    which does not know this one: an unknown gate is not met)."""
    branch = make_branch()
    make_ruleset(indicators=[QUARTERLY], settings={"gates": {"5": "everyone"}})
    add_record(branch, "party_lecture", date(2026, 2, 3))
    recompute(db, "2026Q1", registry, gates={"everyone": lambda session, ids, window: set(ids)},
              today=date(2026, 4, 1))
    assert (result_of(branch, "2026Q1").total, result_of(branch, "2026Q1").stars) == (Decimal("100.00"), 5)


def test_sheet_marks_items_not_yet_due(client, login, make_user, db, make_branch, make_ruleset, registry, clock):
    branch = make_branch()
    make_ruleset(indicators=[LEDGER, MANUAL_Q])
    clock("2026-11-29")
    recompute(db, "2026Q4", registry)
    db.commit()
    login(make_user("admin"))
    page = client.get(f"/scoring/sheet/{branch.id}?period=2026Q4").get_data(as_text=True)
    rows = page.split("<tr id=")[1:]
    october = next(r for r in rows if "2026年10月" in r)
    quarter = next(r for r in rows if "2026年第四季度" in r)
    assert "未到期" in quarter and "未到期" not in october


