"""Hand-computed fixtures for the automatic evaluators (SCORING.md "Evaluating a ledger
indicator", "Targets")."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.scoring.models import Evaluation


def ledger(points=10, types=("committee_meeting",), need=1, days=7, cycle="month", index="management"):
    return {"index_code": index, "points": points, "cycle": cycle, "method": "ledger_count",
            "params": {"record_types": list(types), "min_count": need, "deadline_days": days}}


def auto(db, branch, ruleset):
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branch.id,
                                            Evaluation.indicator_id == ruleset.indicators[0].id))
    return ev


@pytest.fixture
def branch(make_branch):
    return make_branch(category="production")


def test_frequency_met_earns_full_points(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger()])
    add_record(branch, "committee_meeting", date(2026, 1, 5))
    close("2026-01")
    assert auto(db, branch, rs).auto_earned == Decimal("10.00")


def test_frequency_missed_earns_nothing(db, branch, make_ruleset, close):
    rs = make_ruleset(indicators=[ledger()])
    close("2026-01")
    ev = auto(db, branch, rs)
    assert ev.auto_earned == Decimal("0.00")
    assert ev.evidence["on_time"] == 0 and ev.evidence["required"] == 1


def test_record_of_other_month_does_not_count(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger()])
    add_record(branch, "committee_meeting", date(2026, 2, 1))
    close("2026-01")
    assert auto(db, branch, rs).auto_earned == Decimal("0.00")


def test_half_of_required_count_earns_half(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger(need=2)])
    add_record(branch, "committee_meeting", date(2026, 1, 5))
    close("2026-01")
    assert auto(db, branch, rs).auto_earned == Decimal("5.00")


def test_late_upload_counts_at_late_factor(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger(points=9)])
    add_record(branch, "committee_meeting", date(2026, 1, 5), late_days=8)
    close("2026-01")
    ev = auto(db, branch, rs)
    assert ev.auto_earned == Decimal("4.50")  # 9 × min(1, 0.5 × 1 / 1)
    assert ev.evidence["late"] == 1


def test_upload_on_deadline_day_is_on_time(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger(points=9)])
    add_record(branch, "committee_meeting", date(2026, 1, 5), late_days=7)
    close("2026-01")
    assert auto(db, branch, rs).auto_earned == Decimal("9.00")


def test_late_factor_is_configurable(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger(points=10, need=2)], settings={"late_factor": "0.25"})
    add_record(branch, "committee_meeting", date(2026, 1, 5))
    add_record(branch, "committee_meeting", date(2026, 1, 6), late_days=30)
    close("2026-01")
    assert auto(db, branch, rs).auto_earned == Decimal("6.25")  # 10 × (1 + 0.25) / 2


def test_member_meeting_without_quorum_is_not_counted(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger(types=("member_meeting",), cycle="quarter")])
    # 5 of 10 full members: not more than half → no quorum, even if flagged valid
    add_record(branch, "member_meeting", date(2026, 2, 5), expected_full=10, present_full=5, valid=True)
    close.quarter("2026Q1")
    ev = auto(db, branch, rs)
    assert ev.auto_earned == Decimal("0.00")
    assert ev.evidence["not_counted"] == 1


def test_member_meeting_with_quorum_counts_probationary_apart(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger(types=("member_meeting",), cycle="quarter")])
    # 6 of 10 full members present; probationary members do not make the quorum
    add_record(branch, "member_meeting", date(2026, 2, 5), expected_full=10, present_full=6,
               expected_probationary=4, present_probationary=0)
    close.quarter("2026Q1")
    assert auto(db, branch, rs).auto_earned == Decimal("10.00")


def test_record_marked_invalid_is_not_counted(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[ledger()])
    add_record(branch, "committee_meeting", date(2026, 1, 5), valid=False)
    close("2026-01")
    assert auto(db, branch, rs).auto_earned == Decimal("0.00")


def attendance(points=6):
    return {"index_code": "team", "points": points, "cycle": "quarter", "method": "attendance",
            "params": {"record_types": ["member_meeting", "group_meeting"]}}


def test_attendance_rate_is_pooled_and_scaled_between_bounds(db, branch, make_ruleset, add_record, close):
    rs = make_ruleset(indicators=[attendance()])
    add_record(branch, "group_meeting", date(2026, 1, 5), expected_full=8, present_full=6,
               expected_probationary=2, present_probationary=2)        # 8 / 10
    add_record(branch, "member_meeting", date(2026, 3, 5), expected_full=10, present_full=6)  # 6 / 10
    add_record(branch, "party_lecture", date(2026, 3, 6), expected_full=10, present_full=0)   # not listed
    close.quarter("2026Q1")
    ev = auto(db, branch, rs)
    # r = 14 / 20 = 0.7 → (0.7 − 0.5) / 0.4 = 0.5 → 6 × 0.5
    assert ev.auto_earned == Decimal("3.00")
    assert ev.evidence["rate"] == "70.00"


@pytest.mark.parametrize("present,expected", [(9, "6.00"), (10, "6.00"), (5, "0.00"), (3, "0.00")])
def test_attendance_clamped_at_bounds(db, branch, make_ruleset, add_record, close, present, expected):
    rs = make_ruleset(indicators=[attendance()])
    add_record(branch, "group_meeting", date(2026, 1, 5), expected_full=10, present_full=present)
    close.quarter("2026Q1")
    assert auto(db, branch, rs).auto_earned == Decimal(expected)


def test_appraisal_share_of_excellent_or_qualified(db, branch, make_ruleset, add_record, make_member, close):
    from core.ledger.models import AppraisalResult
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 6, "cycle": "year", "method": "appraisal"}])
    rec = add_record(branch, "appraisal", date(2026, 12, 5))
    for result in ["excellent"] * 3 + ["qualified"] * 5 + ["basic", "unqualified"]:
        db.add(AppraisalResult(record_id=rec.id, member_id=make_member(branch).id, result=result))
    db.commit()
    for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"):
        close.quarter(q)
    close("2026")
    assert auto(db, branch, rs).auto_earned == Decimal("4.80")  # 6 × 8/10


def add_target(db, branch, group, points, deadline, progress, index="performance"):
    from core.targets.models import Target, TargetProgress
    t = Target(branch_id=branch.id, unit_id=branch.unit_id, title="目标", group=group, index_code=index,
               points=Decimal(points), owner="张三", deadline=deadline)
    t.progress = [TargetProgress(month=m, completion=Decimal(c)) for m, c in progress]
    db.add(t)
    db.commit()
    return t


TARGET = {"index_code": "performance", "points": 20, "cycle": "quarter", "method": "target",
          "params": {"index_code": "performance"}, "kind": "special"}


def test_targets_weighted_by_group(db, branch, make_ruleset, close):
    rs = make_ruleset(indicators=[TARGET])
    add_target(db, branch, "safety_production", 10, date(2026, 2, 20), [(date(2026, 1, 1), 40), (date(2026, 2, 1), 100)])
    add_target(db, branch, "key_tasks", 10, date(2026, 3, 15), [(date(2026, 3, 1), 50)])
    add_target(db, branch, "basic_work", 10, date(2026, 5, 15), [(date(2026, 3, 1), 10)])  # due in Q2
    close.quarter("2026Q1")
    ev = auto(db, branch, rs)
    # groups with targets due: safety (50) ratio 1, key tasks (20) ratio 0.5 → 20 × 60/70
    assert ev.auto_earned == Decimal("17.14")
    assert ev.evidence["due"] == 2


def test_target_overdue_and_incomplete_earns_zero(db, branch, make_ruleset, close):
    rs = make_ruleset(indicators=[TARGET])
    # 80 % in January, nothing reported in the deadline month (March)
    add_target(db, branch, "safety_production", 10, date(2026, 3, 20), [(date(2026, 1, 1), 80)])
    close.quarter("2026Q1")
    ev = auto(db, branch, rs)
    assert ev.auto_earned == Decimal("0.00")
    assert ev.evidence["overdue"] == 1


def test_target_completed_early_keeps_full_points(db, branch, make_ruleset, close):
    rs = make_ruleset(indicators=[TARGET])
    add_target(db, branch, "basic_work", 10, date(2026, 3, 20), [(date(2026, 1, 1), 100)])
    close.quarter("2026Q1")
    assert auto(db, branch, rs).auto_earned == Decimal("20.00")


def test_branch_without_targets_due_has_no_target_evaluation(db, branch, make_ruleset, close, result_of):
    rs = make_ruleset(indicators=[TARGET, {"index_code": "team", "points": 5, "cycle": "quarter"}],
                      settings={"unverified_policy": "zero"})
    close.quarter("2026Q1")
    assert auto(db, branch, rs) is None
    assert result_of(branch, "2026Q1").performance is None


def test_indicator_limited_to_categories(db, make_branch, make_ruleset, add_record, close):
    prod, market = make_branch(category="production"), make_branch(category="market")
    rs = make_ruleset(indicators=[{**ledger(), "categories": ["market"]}])
    close("2026-01")
    ids = set(db.scalars(select(Evaluation.branch_id).where(Evaluation.indicator_id == rs.indicators[0].id)))
    assert ids == {market.id}
    assert prod.id not in ids


def test_plugin_indicator_only_where_plugin_enabled(db, make_unit, make_branch, make_ruleset, enable_plugin, close):
    u1, u2 = make_unit(), make_unit()
    b1, b2 = make_branch(unit=u1), make_branch(unit=u2)
    enable_plugin(u1, "brands")
    rs = make_ruleset(indicators=[{"index_code": "brand", "points": 5, "cycle": "month", "plugin": "brands"}],
                      settings={"unverified_policy": "zero"})
    close("2026-01")
    ids = set(db.scalars(select(Evaluation.branch_id).where(Evaluation.indicator_id == rs.indicators[0].id)))
    assert ids == {b1.id}


def test_target_evidence_per_group(db, branch, make_ruleset, close):
    rs = make_ruleset(indicators=[TARGET])
    add_target(db, branch, "safety_production", 10, date(2026, 2, 20), [(date(2026, 2, 1), 100)])
    add_target(db, branch, "key_tasks", 7.5, date(2026, 3, 15), [(date(2026, 3, 1), 33.33)])
    add_target(db, branch, "key_tasks", 5, date(2026, 3, 31), [(date(2026, 1, 1), 90)])   # overdue
    close.quarter("2026Q1")
    ev = auto(db, branch, rs)
    assert (ev.evidence["due"], ev.evidence["complete"], ev.evidence["overdue"]) == (3, 1, 1)
    assert ev.evidence["groups"] == {
        "safety_production": {"earned": "10.00", "points": "10.00", "weight": "50"},
        "key_tasks": {"earned": "2.50", "points": "12.50", "weight": "20"}}   # 7.5 × 33.33 % = 2.49975
    # key tasks ratio 2.49975 / 12.5 = 0.19998; 20 × (50 × 1 + 20 × 0.19998) / 70 = 15.4280
    assert ev.auto_earned == Decimal("15.43")
