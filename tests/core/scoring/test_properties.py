"""Property tests (hypothesis): scores do not depend on insertion order; closing is
idempotent (reopen + close rewrites identical rows)."""
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from core.ledger.models import ActivityRecord, PointRecord
from core.periods.models import Period
from core.scoring.close import close_period, dump_rows, reopen_period
from core.scoring.models import Evaluation, ScoreResult

TYPES = ["committee_meeting", "group_meeting", "theme_day", "member_meeting", "party_lecture"]
record = st.tuples(st.integers(0, 3), st.sampled_from(TYPES), st.integers(0, 89), st.integers(0, 15),
                   st.integers(1, 12), st.integers(0, 12))
point = st.tuples(st.integers(0, 3), st.sampled_from(["bonus", "deduction", "veto"]), st.integers(0, 89),
                  st.integers(0, 800))
HYPO = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _indicators():
    return [{"index_code": i, "points": p, "cycle": c, "method": "ledger_count",
             "params": {"record_types": [t], "min_count": n, "deadline_days": 7}}
            for i, p, c, t, n in [("management", 3, "month", "committee_meeting", 1),
                                  ("team", 2, "month", "group_meeting", 2),
                                  ("service", 2, "month", "theme_day", 1),
                                  ("management", 4, "quarter", "member_meeting", 1),
                                  ("team", 4, "quarter", "party_lecture", 1)]] + [
        {"index_code": "team", "points": 6, "cycle": "quarter", "method": "attendance",
         "params": {"record_types": TYPES}}]


def _wipe(db):
    for model in (ScoreResult, Evaluation, Period, ActivityRecord, PointRecord):
        db.execute(delete(model))
    db.commit()


def _load(db, branches, records, points):
    for b, t, day, late, expected, present in records:
        br = branches[b]
        held = date(2026, 1, 1) + timedelta(days=day)
        db.add(ActivityRecord(branch_id=br.id, unit_id=br.unit_id, type=t, held_on=held, topic="t",
                              uploaded_at=held + timedelta(days=late), expected_full=expected,
                              present_full=min(present, expected), valid=True))
    for b, kind, day, cents in points:
        br = branches[b]
        db.add(PointRecord(branch_id=br.id, unit_id=br.unit_id, kind=kind, points=cents / 100 if kind != "veto" else 0,
                           dated=date(2026, 1, 1) + timedelta(days=day), reason="r"))
    db.commit()


def _close_q1(db, registry):
    for key in ("2026-01", "2026-02", "2026-03", "2026Q1"):
        close_period(db, key, kinds=registry)
    db.commit()


def _scores(db, branches):
    codes = {b.id: b.code for b in branches}
    rows = db.execute(select(Period.key, ScoreResult).join(Period, Period.id == ScoreResult.period_id)).all()
    return sorted((key, codes[r.branch_id], r.team, r.management, r.performance, r.brand, r.service, r.base,
                   r.bonus, r.deduction, r.total, r.stars, r.rank, r.vetoed, r.notes and sorted(r.notes))
                  for key, r in rows)


@HYPO
@given(records=st.lists(record, max_size=40), points=st.lists(point, max_size=6), seed=st.randoms())
def test_scores_independent_of_insertion_order(db, make_branch, make_ruleset, registry, records, points, seed):
    if not getattr(test_scores_independent_of_insertion_order, "_branches", None) or \
            db.get(type(test_scores_independent_of_insertion_order._branches[0]),
                   test_scores_independent_of_insertion_order._branches[0].id) is None:
        test_scores_independent_of_insertion_order._branches = [
            make_branch(category=c) for c in ("production", "production", "market", "production")]
        make_ruleset(indicators=_indicators())
    branches = test_scores_independent_of_insertion_order._branches
    _wipe(db)
    _load(db, branches, records, points)
    _close_q1(db, registry)
    first = _scores(db, branches)
    _wipe(db)
    shuffled_r, shuffled_p = list(records), list(points)
    seed.shuffle(shuffled_r)
    seed.shuffle(shuffled_p)
    _load(db, branches, shuffled_r, shuffled_p)
    _close_q1(db, registry)
    assert _scores(db, branches) == first


@HYPO
@given(records=st.lists(record, max_size=40), points=st.lists(point, max_size=6))
def test_close_is_idempotent(db, make_branch, make_ruleset, registry, records, points):
    if not getattr(test_close_is_idempotent, "_branches", None) or \
            db.get(type(test_close_is_idempotent._branches[0]), test_close_is_idempotent._branches[0].id) is None:
        test_close_is_idempotent._branches = [make_branch(category=c) for c in ("production", "market", "production")]
        make_ruleset(indicators=_indicators())
    branches = test_close_is_idempotent._branches
    _wipe(db)
    _load(db, [branches[i % 3] for i in range(4)], records, points)
    _close_q1(db, registry)
    before = dump_rows(db, "2026Q1")
    assert close_period(db, "2026Q1", kinds=registry).already_closed
    reopen_period(db, "2026Q1", "复核")
    for m in ("2026-03", "2026-02", "2026-01"):
        reopen_period(db, m, "复核")
    db.commit()
    _close_q1(db, registry)
    assert dump_rows(db, "2026Q1") == before


GOLDEN = [("committee_meeting", 0, 0, 10, 10), ("committee_meeting", 1, 9, 10, 7), ("group_meeting", 0, 2, 7, 6),
          ("group_meeting", 2, 1, 9, 4), ("theme_day", 1, 30, 8, 3), ("member_meeting", 0, 3, 12, 7),
          ("member_meeting", 2, 1, 12, 6), ("party_lecture", 1, 0, 11, 10)]


def test_golden_digits_identical_on_every_database(db, make_branch, make_ruleset, registry):
    """The same data gives these exact digits on SQLite and on PostgreSQL."""
    branches = [make_branch(code=f"G{i}", category="production") for i in range(3)]
    make_ruleset(indicators=_indicators())
    for n, (t, b, late, expected, present) in enumerate(GOLDEN):
        held = date(2026, 1 + n % 3, 3 + n)
        db.add(ActivityRecord(branch_id=branches[b].id, unit_id=branches[b].unit_id, type=t, held_on=held,
                              topic="t", uploaded_at=held + timedelta(days=late), expected_full=expected,
                              present_full=present, valid=True))
    db.add(PointRecord(branch_id=branches[0].id, unit_id=branches[0].unit_id, kind="bonus", points=1.25,
                       dated=date(2026, 2, 2), reason="r"))
    db.commit()
    _close_q1(db, registry)
    got = [(code, str(total), stars, rank) for key, code, *_, total, stars, rank, _v, _n in _scores(db, branches)
           if key == "2026Q1"]
    # By hand (weights 20 → 33.33… each over the 3 indices present):
    # G0 management (3+4)/13 → 17.95, team (1+0+4.40)/16 → 11.25 (attendance 23/29), service 0, bonus 1.25
    # G1 management 1.5/13 → 3.846…, team (0+4+2.84)/16 → 14.25 (attendance 20/29), service 1/6 → 5.555…:
    # exact sum 23.651… → 23.65 (rounded once; rounding each index first gave 23.66)
    # G2 team 1/16 → 2.08 (member meeting 6 of 12: no quorum; attendance 10/21 < 0.5)
    assert got == [("G0", "30.45", 1, 1), ("G1", "23.65", 1, 2), ("G2", "2.08", 1, 3)]
