"""Two closes of the same window at once (a double click, the CLI and the UI): the
second waits for the first and then finds the window closed; nothing is written twice.
PostgreSQL only: SQLite has one writer at a time by construction."""
import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from core.periods.services import get_or_create_period
from core.scoring.close import close_period
from core.scoring.models import Evaluation
from tests.conftest import TEST_DB_URL

pytestmark = pytest.mark.skipif(not TEST_DB_URL, reason="needs PostgreSQL (STARBRANCH_TEST_DATABASE_URL)")


@pytest.mark.parametrize("period_exists", [False, True], ids=["new period", "period row already there"])
def test_second_close_waits_then_finds_the_window_closed(app, db, make_branch, make_ruleset, add_record, registry,
                                                         period_exists):
    branches = [make_branch() for _ in range(3)]
    make_ruleset(indicators=[{"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
                              "params": {"record_types": ["committee_meeting"], "min_count": 1}}])
    add_record(branches[0], "committee_meeting", date(2026, 1, 5))
    if period_exists:   # e.g. a recompute (试算) ran earlier
        get_or_create_period(db, "2026-01")
        db.commit()
    first = close_period(db, "2026-01", kinds=registry)          # not committed yet
    assert not first.already_closed and first.evaluations == 3

    factory = app.extensions["starbranch.db"].session_factory
    outcome = {}

    def second_close():
        other = factory()
        try:
            outcome["result"] = close_period(other, "2026-01", kinds=registry)
            other.commit()
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc
            other.rollback()
        finally:
            other.close()

    thread = threading.Thread(target=second_close)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive()            # waiting on the period's lock
    db.commit()
    thread.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"].already_closed
    assert db.scalar(select(func.count()).select_from(Evaluation)) == 3
