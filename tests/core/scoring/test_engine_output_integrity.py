"""evaluations and score_results declare no foreign keys to branches, org_nodes,
indicators, periods and rulesets (per-row trigger cost on PostgreSQL; see the note in
core/scoring/models.py). The engine is then what keeps their ids right: these tests
check every id a close writes, on both write paths (first close: straight inserts;
a close over existing rows: staging table and merge)."""
from datetime import date

from sqlalchemy import select, text

from core.indicators.models import Indicator
from core.periods.models import Period
from core.scoring.close import close_period, reopen_period
from core.scoring.models import Evaluation, ScoreResult


def _orphans(db) -> dict[str, int]:
    """Rows whose ids point nowhere, or whose unit is not their branch's unit."""
    checks = {
        "evaluation branch": "SELECT COUNT(*) FROM evaluations e LEFT JOIN branches b ON b.id = e.branch_id "
                             "WHERE b.id IS NULL",
        "evaluation unit": "SELECT COUNT(*) FROM evaluations e JOIN branches b ON b.id = e.branch_id "
                           "WHERE e.unit_id != b.unit_id",
        "evaluation indicator": "SELECT COUNT(*) FROM evaluations e LEFT JOIN indicators i "
                                "ON i.id = e.indicator_id WHERE i.id IS NULL",
        "evaluation period": "SELECT COUNT(*) FROM evaluations e LEFT JOIN periods p ON p.id = e.period_id "
                             "WHERE p.id IS NULL",
        "result branch": "SELECT COUNT(*) FROM score_results r LEFT JOIN branches b ON b.id = r.branch_id "
                         "WHERE b.id IS NULL",
        "result unit": "SELECT COUNT(*) FROM score_results r JOIN branches b ON b.id = r.branch_id "
                       "WHERE r.unit_id != b.unit_id",
        "result period": "SELECT COUNT(*) FROM score_results r LEFT JOIN periods p ON p.id = r.period_id "
                         "WHERE p.id IS NULL",
        "result ruleset": "SELECT COUNT(*) FROM score_results r LEFT JOIN rulesets s ON s.id = r.ruleset_id "
                          "WHERE s.id IS NULL",
    }
    return {name: db.execute(text(sql)).scalar() for name, sql in checks.items()}


def _setup(db, make_unit, make_branch, make_ruleset, add_record):
    units = [make_unit(), make_unit()]
    branches = [make_branch(unit=units[i % 2], category=c)
                for i, c in enumerate(("production", "market", "production", "auxiliary"))]
    gone = make_branch(unit=units[1], category="production")
    gone.active = False
    db.commit()
    rs = make_ruleset(indicators=[
        {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
         "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}},
        {"index_code": "team", "points": 6, "cycle": "quarter", "method": "attendance",
         "params": {"record_types": ["member_meeting"]}, "categories": ["production"]},
        {"index_code": "service", "points": 5, "cycle": "quarter", "method": "manual"},
    ], settings={"unverified_policy": "zero"})
    for b in branches + [gone]:
        add_record(b, "committee_meeting", date(2026, 1, 6))
        add_record(b, "member_meeting", date(2026, 2, 10), present_full=7)
    return branches, gone, rs


def test_a_close_writes_only_ids_that_exist(db, make_unit, make_branch, make_ruleset, add_record, close):
    branches, gone, rs = _setup(db, make_unit, make_branch, make_ruleset, add_record)
    close.quarter("2026Q1")

    assert _orphans(db) == dict.fromkeys(_orphans(db), 0)
    written = set(db.scalars(select(Evaluation.branch_id)))
    assert written == {b.id for b in branches}  # the inactive branch gets nothing
    # the category-restricted indicator only for production branches
    attendance = db.scalar(select(Indicator.id).where(Indicator.ruleset_id == rs.id,
                                                      Indicator.method == "attendance"))
    assert set(db.scalars(select(Evaluation.branch_id).where(Evaluation.indicator_id == attendance))) == \
        {b.id for b in branches if b.category == "production"}
    assert set(db.scalars(select(ScoreResult.branch_id))) == {b.id for b in branches}


def test_a_close_over_existing_rows_keeps_ids_right(db, make_unit, make_branch, make_ruleset, add_record,
                                                     close, registry):
    branches, gone, rs = _setup(db, make_unit, make_branch, make_ruleset, add_record)
    close.quarter("2026Q1")
    first = sorted(db.execute(select(Evaluation.period_id, Evaluation.branch_id, Evaluation.indicator_id,
                                     Evaluation.unit_id, Evaluation.auto_earned)).all())
    # reopen and close again: the rows exist now, so the staging path writes them
    reopen_period(db, "2026Q1", "复核")
    reopen_period(db, "2026-01", "复核")
    branches[0].active = False   # leaves: its January evaluations are stale
    db.commit()
    close_period(db, "2026-01", kinds=registry)
    close_period(db, "2026Q1", kinds=registry)
    db.commit()

    assert _orphans(db) == dict.fromkeys(_orphans(db), 0)
    january = db.scalar(select(Period.id).where(Period.key == "2026-01"))
    assert branches[0].id not in set(db.scalars(select(Evaluation.branch_id)
                                                .where(Evaluation.period_id == january)))
    again = sorted(db.execute(select(Evaluation.period_id, Evaluation.branch_id, Evaluation.indicator_id,
                                     Evaluation.unit_id, Evaluation.auto_earned)).all())
    # February and March (still closed) are untouched; January and the quarter lost
    # only the departed branch's rows
    kept = set(db.scalars(select(Period.id).where(Period.key.in_(("2026-02", "2026-03")))))
    assert again == [r for r in first if r[1] != branches[0].id or r[0] in kept]
