"""The audit entries of a close, a trial (试算) and a reopening — one entry each, as the
actor's, on the window, with what changed: a close's rule set and counts (and its star
counts for a quarter), a trial's counts, a reopening's old and new status with its
reason; the Period row keeps who closed it and why it was reopened."""
from datetime import date

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.periods.models import Period
from core.scoring.close import close_period, recompute, reopen_period

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1}}


def _entries(db, action):
    return db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def _period(db, key):
    return db.scalar(select(Period).where(Period.key == key))


def test_close_trial_and_reopen_are_audited_with_what_changed(db, registry, make_branch, make_ruleset, add_record,
                                                              make_user):
    admin = make_user(role="admin")
    b = make_branch()
    rs = make_ruleset(indicators=[LEDGER])
    for month in (1, 2, 3):
        add_record(b, "committee_meeting", date(2026, month, 5))

    trial = recompute(db, "2026Q1", registry, actor=admin)
    db.commit()
    (entry,) = _entries(db, "period.recompute")
    assert (entry.user_id, entry.object_type, entry.object_id) == (admin.id, "periods", "2026Q1")
    assert entry.new == {"evaluations": 3, "removed_evaluations": 0, "results": 1, "ruleset_id": rs.id}
    assert (trial.evaluations, trial.results) == (3, 1)

    for key in ("2026-01", "2026-02", "2026-03"):
        close_period(db, key, kinds=registry, actor=admin)
    quarter = close_period(db, "2026Q1", kinds=registry, actor=admin)
    db.commit()
    january, *_, q1 = _entries(db, "period.close")
    jan = _period(db, "2026-01")
    assert (january.user_id, january.object_type, january.object_id, january.reason) == (
        admin.id, "periods", str(jan.id), None)
    assert january.new == {"status": "closed", "ruleset_id": rs.id, "evaluations": 1, "removed_evaluations": 0,
                           "results": 1, "stars": {}}
    assert (jan.closed_by, jan.closed_at is not None) == (admin.id, True)
    # a quarter's close counts its branches per star grade: here the one branch
    assert sum(quarter.stars.values()) == 1 and list(quarter.stars.values()) == [1]
    assert q1.new["stars"] == {str(s): 1 for s in quarter.stars}
    assert q1.new["results"] == 1 and q1.new["evaluations"] == 0   # its months are closed: nothing to evaluate

    reopen_period(db, "2026Q1", "  复核星级 ", actor=admin)
    db.commit()
    (reopened,) = _entries(db, "period.reopen")
    assert (reopened.user_id, reopened.object_id, reopened.reason) == (admin.id, str(_period(db, "2026Q1").id), "复核星级")
    assert (reopened.old, reopened.new) == ({"status": "closed", "ruleset_id": rs.id}, {"status": "open"})
    assert (_period(db, "2026Q1").status, _period(db, "2026Q1").reopen_reason) == ("open", "复核星级")
