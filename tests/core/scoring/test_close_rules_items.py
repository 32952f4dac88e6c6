"""Self-assessment (自评) details beyond tests/core/scoring/test_close.py: a value saved
without a note stores no note; the audit entry is the evaluation's, so the unit's
audit log (filtered by unit) lists it. And dump_rows — the close's idempotence
checks compare it — carries the stored values themselves, not placeholders (on
PostgreSQL a JSON column comes back as a dict: its text, not "None"). A first save
creates the rows of the windows containing the item as those windows."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.scoring.adjust import self_assess
from core.scoring.close import dump_rows, recompute
from core.scoring.models import Evaluation

MANUAL_Q = {"index_code": "team", "points": 10, "cycle": "quarter", "method": "manual"}
LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1}}


def test_self_assessment_without_a_note_stores_none_and_is_audited_as_the_units_evaluation(
        db, registry, make_branch, make_ruleset):
    b = make_branch()
    make_ruleset(indicators=[MANUAL_Q])
    recompute(db, "2026Q1", registry)
    db.commit()
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == b.id))
    self_assess(db, ev.ident, "7.5", None, expected_version=ev.version)
    db.commit()
    db.refresh(ev)
    assert (ev.self_earned, ev.self_note) == (Decimal("7.50"), None)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.self_assess")).one()
    assert (entry.object_type, entry.object_id, entry.unit_id) == ("evaluations", ev.key, b.unit_id)
    assert entry.new == {"self_earned": "7.50", "self_note": None}


def test_dump_rows_carries_the_stored_values(db, make_branch, make_ruleset, add_record, close):
    b = make_branch()
    make_ruleset(indicators=[LEDGER])
    add_record(b, "committee_meeting", date(2026, 1, 5))
    close("2026-01")
    rows = dump_rows(db, "2026-01")
    evaluations = [r for r in rows if r[0] == "E"]
    results = [r for r in rows if r[0] == "S"]
    assert len(evaluations) == 1 and len(results) == 1
    # points and earned (10 of 10) and the month's total (100), in stored hundredths
    assert evaluations[0].count(1000) == 2 and 10000 in results[0]
    # the evidence as text — a JSON column (PostgreSQL returns a dict) included
    assert any("committee_meeting" in str(v) for v in evaluations[0])


@pytest.mark.parametrize("cycle, window", [("month", "2026-01"), ("quarter", "2026Q1")])
def test_an_items_first_save_creates_the_windows_containing_it_as_those_windows(
        db, registry, make_branch, make_ruleset, cycle, window):
    """A save locks the windows containing the item; the rows it creates for them are
    the quarter's and the year's own (a year's number is 0, as its key says)."""
    from core.periods.keys import PeriodKey
    from core.periods.models import Period
    b = make_branch()
    make_ruleset(indicators=[{**MANUAL_Q, "cycle": cycle}])
    recompute(db, window, registry)
    assert db.scalar(select(Period).where(Period.key == "2026")) is None
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == b.id))
    self_assess(db, ev.ident, "5", None)
    db.commit()
    rows = {p.key: p for p in db.scalars(select(Period).where(Period.key.in_(["2026Q1", "2026"])))}
    assert {k: (p.kind, p.number) for k, p in rows.items()} == {"2026Q1": ("quarter", 1), "2026": ("year", 0)}
    assert rows["2026"].pkey == PeriodKey(2026, "year", 0)
