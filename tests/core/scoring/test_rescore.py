"""IndicatorKind.rescore (the what-if's re-scoring, core.scoring.whatif): a kind's
formula applied to the evidence a stored evaluation holds gives, branch for branch,
what evaluating the changed indicator from the ledger gives — for each ledger kind,
with other points, another min_count and other settings. Fast and without a close:
one cycle period evaluated and stored, the draft's indicator previewed."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.indicators.admin import copy_ruleset
from core.periods.keys import PeriodKey
from core.periods.services import get_or_create_periods
from core.points import to_cents
from core.scoring import engine
from core.scoring.models import Evaluation
from core.scoring.sources import kinds_from
from core.scoring.sqlfuncs import evidence_int

LEDGER = {"code": "R-LEDGER", "index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting", "group_meeting"], "min_count": 2, "deadline_days": 7}}
ATTEND = {"code": "R-ATTEND", "index_code": "team", "points": 10, "cycle": "quarter", "method": "attendance",
          "params": {"record_types": ["member_meeting"]}}
APPRAISE = {"code": "R-APPRAISE", "index_code": "team", "points": 10, "cycle": "year", "method": "appraisal",
            "params": {}}


@pytest.fixture
def branches(make_unit, make_branch, add_record, make_member, db):
    """Six branches whose counts differ: on time and late uploads, attendance, appraisal results."""
    from core.ledger.models import AppraisalResult
    unit = make_unit()
    out = [make_branch(unit=unit, category="production") for _ in range(6)]
    for n, b in enumerate(out):
        for k in range(n):  # 0 … 5 uploads, every other one late
            add_record(b, "committee_meeting" if k % 2 else "group_meeting", date(2026, 3, 2 + k),
                       late_days=9 if k % 2 else 0)
        for month in (1, 2, 3)[: n % 4]:
            add_record(b, "member_meeting", date(2026, month, 20), expected_full=12, present_full=4 + 2 * n,
                       expected_probationary=2, present_probationary=n % 3)
        rec = add_record(b, "appraisal", date(2026, 11, 3))
        for k in range(n):
            db.add(AppraisalResult(record_id=rec.id, member_id=make_member(b).id,
                                   result=("excellent", "qualified", "basically_qualified", "unqualified")[k % 4]))
    db.commit()
    return out


def _stored(db, registry, rs, key):
    """Evaluate and store `rs` for the cycle period `key`: branch id → indicator code → row."""
    pk = PeriodKey.parse(key)
    periods = get_or_create_periods(db, [pk])
    engine.evaluate_periods(db, [pk], rs, kinds_from(registry), store=True, periods=periods)
    db.flush()
    return periods[key].id


def _rescored(db, registry, period_id, old, new, draft):
    """branch id → earned (hundredths) of `new` re-scored from `old`'s stored evidence."""
    kind = kinds_from(registry)[new.method]
    earned = kind.rescore(new, draft, lambda name: evidence_int(Evaluation.evidence, name))
    return dict(db.execute(select(Evaluation.branch_id, earned).where(
        Evaluation.period_id == period_id, Evaluation.indicator_id == old.id)).all())


def _evaluated(preview, draft, key, new):
    """branch id → earned (hundredths) of `new` evaluated from the ledger."""
    return {b: to_cents(e) for (b, i), e in preview(draft, key).items() if i == new.id}


def _by_code(rs, code):
    return next(i for i in rs.indicators if i.code == code)


@pytest.mark.parametrize("code, key, change", [
    ("R-LEDGER", "2026-03", {"params": {"min_count": 3}, "points": "7", "settings": {"late_factor": "0.25"}}),
    ("R-LEDGER", "2026-03", {"params": {"min_count": 1}, "settings": {"late_factor": "1"}}),
    ("R-ATTEND", "2026Q1", {"points": "6", "settings": {"attendance_low": "0.4", "attendance_high": "0.75"}}),
    ("R-ATTEND", "2026Q1", {"settings": {"attendance_low": "0.55", "attendance_high": "0.6"}}),
    ("R-APPRAISE", "2026", {"points": "7"}),
])
def test_rescoring_the_stored_evidence_equals_evaluating_the_ledger(db, registry, make_ruleset, preview, branches,
                                                                     code, key, change):
    rs = make_ruleset(indicators=[LEDGER, ATTEND, APPRAISE])
    period_id = _stored(db, registry, rs, key)
    draft = copy_ruleset(db, rs, year=2026, actor=None)
    new = _by_code(draft, code)
    new.params = {**new.params, **change.get("params", {})}
    if "points" in change:
        new.points = Decimal(change["points"])
    draft.settings = {**draft.settings, **change.get("settings", {})}
    db.flush()
    evaluated = _evaluated(preview, draft, key, new)
    rescored = _rescored(db, registry, period_id, _by_code(rs, code), new, draft)
    assert rescored == evaluated
    assert len(set(evaluated.values())) >= 2  # the branches earn differently
    assert evaluated != {b: to_cents(e) for (b, i), e in preview(rs, key).items()
                         if i == _by_code(rs, code).id}  # and the change changes them


def test_the_evidence_fields_are_read_as_integers(db, registry, make_ruleset, branches):
    rs = make_ruleset(indicators=[LEDGER])
    period_id = _stored(db, registry, rs, "2026-03")
    rows = db.execute(select(Evaluation.branch_id, evidence_int(Evaluation.evidence, "on_time"),
                             evidence_int(Evaluation.evidence, "late"), evidence_int(Evaluation.evidence, "nothing"))
                      .where(Evaluation.period_id == period_id)).all()
    by_branch = {b: (on_time, late, missing) for b, on_time, late, missing in rows}
    # branch n uploaded n records, every other one (the odd ones) late
    assert [by_branch[b.id] for b in branches] == [(0, 0, None), (1, 0, None), (1, 1, None), (2, 1, None),
                                                   (2, 2, None), (3, 2, None)]


def test_index_sums_count_rescored_rows_with_the_drafts_points_and_earned(db, registry, make_ruleset, preview,
                                                                          branches):
    """aggregate.index_sums_from_db(rescored=…): the rescored indicator's rows count the
    draft's points and re-scored earned — unless a reviewer verified the row, whose value
    stands — and the other rows as stored."""
    from core.scoring import aggregate
    rs = make_ruleset(indicators=[LEDGER, ATTEND])
    period_id = _stored(db, registry, rs, "2026Q1")  # the quarter's own items: attendance
    old_attend = _by_code(rs, "R-ATTEND")
    draft = copy_ruleset(db, rs, year=2026, actor=None)
    new = _by_code(draft, "R-ATTEND")
    new.points = Decimal("6")
    draft.settings = {**draft.settings, "attendance_low": "0.4"}
    db.flush()
    reviewed = branches[2].id
    db.execute(Evaluation.__table__.update().where(Evaluation.period_id == period_id,
                                                   Evaluation.branch_id == reviewed).values(verified_earned=3))
    kind = kinds_from(registry)["attendance"]
    earned = kind.rescore(new, draft, lambda name: evidence_int(Evaluation.evidence, name))
    sums = aggregate.index_sums_from_db(db, [period_id], index_of={old_attend.id: "service"},
                                        rescored={old_attend.id: (to_cents(new.points), earned)})
    evaluated = _evaluated(preview, draft, "2026Q1", new)
    assert {b: s["service"] for b, s in sums.items()} == {
        b: (600, 300 if b == reviewed else e) for b, e in evaluated.items()}
    assert all(set(s) == {"service"} for s in sums.values())  # only the listed indicator counts
    plain = aggregate.index_sums_from_db(db, [period_id], index_of={old_attend.id: "team"})
    assert {b: s["team"][0] for b, s in plain.items()} == {b.id: 1000 for b in branches}  # as stored
