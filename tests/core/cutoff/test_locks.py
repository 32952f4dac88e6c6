"""The cut-off rule itself (core/periods/locks.py), one transaction against another:
a write waits for a close of its window and is then refused; a close waits for a
write in progress and then includes it; a quarter's 试算 waits for the close of its
month. Waiting needs two connections: PostgreSQL, or a SQLite file."""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from core.db import make_engine
from core.periods import PeriodLocked, ensure_open, hold_windows, lock_windows
from core.periods.keys import PeriodKey
from core.periods.locks import with_sub_windows
from core.periods.models import Period
from core.periods.services import get_or_create_periods, get_period
from core.scoring.close import close_period, recompute
from core.scoring.models import Evaluation
from tests.conftest import TEST_DB_URL

needs_pg = pytest.mark.skipif(not TEST_DB_URL, reason="needs PostgreSQL (STARBRANCH_TEST_DATABASE_URL)")
LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 5}}


def in_thread(fn):
    """Run fn() in a thread; returns (thread, outcome dict with 'value' or 'error')."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except Exception as exc:  # reported by the caller's assertions
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    return t, out


def test_lock_order_is_year_quarter_month_and_missing_rows_are_created_open(db):
    get_or_create_periods(db, ["2026-12"])            # made before the others: the order is not the rows'
    rows = lock_windows(db, ["2026-12", "2026-10", "2026", "2026Q4", "2026-11"])
    assert [p.key for p in rows] == ["2026", "2026Q4", "2026-10", "2026-11", "2026-12"]
    assert all(p.status == "open" for p in rows)
    year = with_sub_windows(PeriodKey.parse("2026"))
    assert len(year) == 17 and year[0].key == "2026" and year[1].key == "2026Q1" and year[-1].key == "2026-12"
    assert [p.key for p in lock_windows(db, year, exclusive=True)][:6] == ["2026", "2026Q1", "2026Q2", "2026Q3",
                                                                          "2026Q4", "2026-01"]
    db.rollback()


def test_ensure_open_names_the_closed_window(db):
    ensure_open(db, date(2026, 3, 5))
    db.commit()
    db.execute(Period.__table__.update().where(Period.key == "2026Q1").values(status="closed"))
    db.commit()
    with pytest.raises(PeriodLocked, match="2026年第一季度已结账锁定"):
        ensure_open(db, date(2026, 3, 5))
    db.rollback()
    ensure_open(db, date(2026, 4, 1))   # the next quarter is open
    db.rollback()


@pytest.mark.parametrize("day,refused", [(date(1899, 12, 31), True), (date(1900, 1, 1), False),
                                         (date(2999, 12, 31), False), (date(3000, 1, 1), True),
                                         (date(9999, 12, 31), True)])
def test_a_day_in_a_year_no_period_may_have_is_refused(db, day, refused):
    """Periods have years 1900–2999 (PeriodKey.parse): a write dated outside them is
    refused like a write into a closed period (the pages show the message), with no
    period row made for it — a target due 9999-12-31 used to end in a 500 (no day
    after the year's last), one due 1850 made the periods of 1850."""
    if refused:
        with pytest.raises(PeriodLocked, match=f"{day.isoformat()}.*1900–2999"):
            ensure_open(db, day)
        assert db.scalar(select(func.count()).select_from(Period)) == 0
    else:
        ensure_open(db, day)
        assert db.scalar(select(func.count()).select_from(Period)) == 3
    db.rollback()


@pytest.fixture
def two_sqlite_sessions(tmp_path):
    """Two sessions on two connections to one SQLite file (as the app's: objects are not
    expired on commit) holding January 2026's year, quarter and month rows, open and
    committed. Only the periods table and those its foreign keys name (the locks read and
    write nothing else): the whole schema would take seconds to create on a file."""
    from flask import Flask
    from flask_babel import Babel
    from sqlalchemy.orm import Session

    from core.db import Base, import_all_models
    import_all_models()
    url = f"sqlite:///{tmp_path}/lock.sqlite"
    engine, other = make_engine(url), make_engine(url)
    tables, todo = set(), [Period.__table__]
    while todo:
        table = todo.pop()
        tables.add(table)
        todo.extend(fk.column.table for fk in table.foreign_keys if fk.column.table not in tables)
    Base.metadata.create_all(engine, tables=list(tables))
    flask = Flask(__name__)
    Babel(flask)                                              # PeriodLocked's message
    with flask.app_context(), Session(engine, expire_on_commit=False) as first, \
            Session(other, expire_on_commit=False) as second:
        get_or_create_periods(first, ["2026", "2026Q1", "2026-01"])
        first.commit()
        second.connection().connection.driver_connection.execute("PRAGMA busy_timeout = 0")
        yield first, second
    engine.dispose()
    other.dispose()


def test_sqlite_write_transaction_begins_immediately(two_sqlite_sessions):
    """Once one connection has passed ensure_open, the other cannot begin a write until
    the first ends (so nothing can close the month in between) — with the rows already
    there, so the wait is the lock's, not an insert's."""
    first, second = two_sqlite_sessions
    ensure_open(first, date(2026, 1, 5))
    with pytest.raises(Exception, match="locked"):
        hold_windows(second, "2026-01")
    second.rollback()
    first.commit()
    assert hold_windows(second, "2026-01").status == "open"
    second.rollback()


def test_a_write_sees_the_close_committed_before_its_lock(two_sqlite_sessions):
    """A session that has already read a window open (a page's status, an import's
    earlier check) reads the status again once it holds the lock: a close committed
    meanwhile by another connection refuses the write."""
    first, second = two_sqlite_sessions
    january = get_period(first, "2026-01")                   # kept by the caller, in first's session
    assert january.status == "open"
    hold_windows(second, "2026-01").status = "closed"
    second.commit()
    with pytest.raises(PeriodLocked, match="2026年1月"):
        ensure_open(first, date(2026, 1, 20))
    assert january.status == "closed"
    first.rollback()


@needs_pg
def test_write_waits_for_the_close_then_is_refused(app, db, make_branch, make_ruleset, registry):
    make_branch()
    make_ruleset(indicators=[LEDGER])
    close_period(db, "2026-01", kinds=registry)               # holds January, not committed
    factory = app.extensions["starbranch.db"].session_factory

    def write():
        with app.app_context(), factory() as s:
            ensure_open(s, date(2026, 1, 20))

    t, out = in_thread(write)
    time.sleep(0.5)
    assert t.is_alive()                                       # waiting for the close
    db.commit()
    t.join(timeout=30)
    assert isinstance(out.get("error"), PeriodLocked), out


@needs_pg
def test_close_waits_for_a_write_in_progress_and_includes_it(app, db, make_branch, make_ruleset, registry):
    from core.ledger.models import ActivityRecord
    b = make_branch()
    make_ruleset(indicators=[LEDGER])
    factory = app.extensions["starbranch.db"].session_factory
    writer = factory()
    ensure_open(writer, date(2026, 1, 20))
    writer.add(ActivityRecord(branch_id=b.id, unit_id=b.unit_id, type="committee_meeting", held_on=date(2026, 1, 20),
                              topic="支委会", valid=True, expected_full=5, present_full=5))
    writer.flush()

    def close():
        with app.app_context(), factory() as s:
            result = close_period(s, "2026-01", kinds=registry)
            s.commit()
            return result

    t, out = in_thread(close)
    time.sleep(0.5)
    assert t.is_alive()                                       # waiting for the write
    writer.commit()
    writer.close()
    t.join(timeout=30)
    assert "error" not in out, out.get("error")
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == b.id))
    assert ev.evidence["on_time"] + ev.evidence["late"] == 1


@needs_pg
def test_quarter_trial_waits_for_the_close_of_its_month(app, db, make_branch, make_ruleset, registry):
    make_branch()
    make_ruleset(indicators=[LEDGER])
    lock_windows(db, with_sub_windows(PeriodKey.parse("2026Q1")))   # the rows exist (a trial ran before)
    db.commit()
    close_period(db, "2026-01", kinds=registry)
    factory = app.extensions["starbranch.db"].session_factory

    def trial():
        with app.app_context(), factory() as s:
            result = recompute(s, "2026Q1", registry)
            s.commit()
            return result

    t, out = in_thread(trial)
    time.sleep(0.5)
    assert t.is_alive()                                       # waiting for January
    db.commit()
    t.join(timeout=30)
    assert "error" not in out, out.get("error")
    jan = db.scalar(select(Period.id).where(Period.key == "2026-01"))
    # the trial saw January closed and left its evaluations to the close
    assert out["value"].evaluations == 2                      # February and March only
    assert db.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.period_id == jan)) == 1
