"""The ledger's scoring methods (core/ledger/kinds.py) in detail: earned and the
evidence each writes, computed by the SQL forms (previewed, not stored)."""
from datetime import date
from decimal import Decimal

import pytest


def ledger(points=10, *, need=None, days=None, types=("committee_meeting",), single=False, cycle="month"):
    params = {"record_type": types[0]} if single else {"record_types": list(types)}
    if need is not None:
        params["min_count"] = need
    if days is not None:
        params["deadline_days"] = days
    return {"index_code": "management", "points": points, "cycle": cycle, "method": "ledger_count",
            "params": params}


@pytest.fixture
def two(make_branch):
    return make_branch(code="K1"), make_branch(code="K2")


def test_ledger_count_evidence_and_pooled_types(make_ruleset, add_record, preview, two):
    b, other = two
    rs = make_ruleset(indicators=[ledger(8, need=4, types=("committee_meeting", "group_meeting"))])
    add_record(b, "committee_meeting", date(2026, 1, 5))
    add_record(b, "group_meeting", date(2026, 1, 6))
    add_record(b, "group_meeting", date(2026, 1, 7), late_days=8)
    add_record(b, "committee_meeting", date(2026, 1, 8), late_days=30)
    add_record(b, "committee_meeting", date(2026, 1, 9), valid=False)
    add_record(b, "party_lecture", date(2026, 1, 9))              # another type
    add_record(other, "committee_meeting", date(2026, 1, 5))
    rows = preview(rs, "2026-01", full=True)
    ind = rs.indicators[0].id
    mine = rows[(b.id, ind)]
    # (2 on time + 0.5 × 2 late) / 4 = 0.75 of 8
    assert mine.auto_earned == Decimal("6.00")
    assert mine.evidence == {"required": 4, "on_time": 2, "late": 2, "not_counted": 1, "deadline_days": 7,
                             "types": ["committee_meeting", "group_meeting"]}
    assert rows[(other.id, ind)].auto_earned == Decimal("2.00")
    assert rows[(other.id, ind)].evidence["on_time"] == 1


def test_ledger_count_single_record_type_param_and_deadline(make_ruleset, add_record, preview, two):
    b, other = two
    rs = make_ruleset(indicators=[ledger(10, single=True, days=0, types=("party_lecture",)),
                                  ledger(10, days=3, types=("party_lecture",)),
                                  ledger(10, days=3, types=("committee_meeting",))])
    add_record(b, "party_lecture", date(2026, 1, 5), late_days=1)
    add_record(b, "committee_meeting", date(2026, 1, 5), late_days=3)
    add_record(other, "party_lecture", date(2026, 1, 5))
    rows = preview(rs, "2026-01", full=True)
    same_day, three_days, committee = (i.id for i in rs.indicators)
    # deadline 0: a day late is late (half); deadline 3: on time
    assert rows[(b.id, same_day)].auto_earned == Decimal("5.00")
    assert rows[(b.id, same_day)].evidence["deadline_days"] == 0
    assert rows[(b.id, same_day)].evidence["types"] == ["party_lecture"]
    assert rows[(other.id, same_day)].auto_earned == Decimal("10.00")
    assert rows[(b.id, three_days)].auto_earned == Decimal("10.00")
    assert rows[(b.id, committee)].auto_earned == Decimal("10.00")  # 3 days after: still on time
    assert rows[(other.id, committee)].auto_earned == Decimal("0.00")
    assert rows[(other.id, committee)].evidence == {"required": 1, "on_time": 0, "late": 0, "not_counted": 0,
                                                    "deadline_days": 3, "types": ["committee_meeting"]}


def test_ledger_count_quarter_counts_its_three_months(make_ruleset, add_record, preview, two):
    b, _other = two
    rs = make_ruleset(indicators=[ledger(9, need=3, cycle="quarter")])
    for day in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1)):
        add_record(b, "committee_meeting", day)
    assert preview(rs, "2026Q1")[(b.id, rs.indicators[0].id)] == Decimal("6.00")


def attendance(points=8, types=("group_meeting",)):
    return {"index_code": "team", "points": points, "cycle": "month", "method": "attendance",
            "params": {"record_types": list(types)}}


def test_attendance_evidence(make_ruleset, add_record, preview, two):
    b, none = two
    rs = make_ruleset(indicators=[attendance()])
    add_record(b, "group_meeting", date(2026, 1, 5), expected_full=6, present_full=5, expected_probationary=2,
               present_probationary=2)                                  # 7 / 8
    add_record(b, "group_meeting", date(2026, 1, 20), expected_full=8, present_full=6)   # 6 / 8
    add_record(b, "committee_meeting", date(2026, 1, 21), expected_full=8, present_full=0)  # not listed
    rows = preview(rs, "2026-01", full=True)
    ind = rs.indicators[0].id
    # r = 13 / 16 = 0.8125 → (0.8125 − 0.5) / 0.4 = 0.78125 × 8 = 6.25
    assert rows[(b.id, ind)].auto_earned == Decimal("6.25")
    assert rows[(b.id, ind)].evidence == {"records": 2, "present": 13, "expected": 16, "rate": "81.25",
                                          "types": ["group_meeting"]}
    assert rows[(none.id, ind)].auto_earned == Decimal("0.00")
    assert rows[(none.id, ind)].evidence == {"records": 0, "present": 0, "expected": 0, "rate": "0.00",
                                             "types": ["group_meeting"]}


def test_attendance_bounds_are_settings_with_any_precision(make_ruleset, add_record, preview, two):
    b, _none = two
    rs = make_ruleset(indicators=[attendance(10)], settings={"attendance_low": "0.55", "attendance_high": "0.8"})
    add_record(b, "group_meeting", date(2026, 1, 5), expected_full=20, present_full=14)   # 0.7
    # (0.7 − 0.55) / (0.8 − 0.55) = 0.6 → 6.00
    assert preview(rs, "2026-01")[(b.id, rs.indicators[0].id)] == Decimal("6.00")


def test_attendance_with_nobody_expected_is_zero(make_ruleset, add_record, preview, two):
    b, _none = two
    rs = make_ruleset(indicators=[attendance()])
    add_record(b, "group_meeting", date(2026, 1, 5), expected_full=0, present_full=0)
    rows = preview(rs, "2026-01", full=True)
    assert rows[(b.id, rs.indicators[0].id)].auto_earned == Decimal("0.00")
    assert rows[(b.id, rs.indicators[0].id)].evidence["records"] == 1


def test_appraisal_evidence_and_no_results(db, make_ruleset, make_branch, add_record, make_member, preview, two):
    from core.ledger.models import AppraisalResult
    b, none = two
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 9, "cycle": "quarter", "method": "appraisal"}])
    third = make_branch(code="K3")
    rec = add_record(b, "appraisal", date(2026, 1, 1))      # the quarter's first day
    last = add_record(b, "appraisal", date(2026, 3, 31))    # and its last
    late = add_record(b, "appraisal", date(2026, 4, 1))     # next quarter
    early = add_record(b, "appraisal", date(2025, 12, 31))  # previous quarter
    theirs = add_record(third, "appraisal", date(2026, 3, 1))
    for r, result in ((rec, "excellent"), (rec, "basic"), (last, "qualified"), (late, "unqualified"),
                      (early, "unqualified"), (theirs, "excellent")):
        db.add(AppraisalResult(record_id=r.id, member_id=make_member(b).id, result=result))
    db.commit()
    rows = preview(rs, "2026Q1", full=True)
    ind = rs.indicators[0].id
    assert rows[(b.id, ind)].auto_earned == Decimal("6.00")   # 9 × 2/3
    assert rows[(b.id, ind)].evidence == {"rated": 3, "excellent_or_qualified": 2}
    assert rows[(third.id, ind)].evidence == {"rated": 1, "excellent_or_qualified": 1}
    assert rows[(third.id, ind)].auto_earned == Decimal("9.00")
    assert rows[(none.id, ind)].auto_earned == Decimal("0.00")
    assert rows[(none.id, ind)].evidence == {"rated": 0, "excellent_or_qualified": 0}


def test_quorum_is_asked_of_branch_member_meetings_only(make_ruleset, add_record, preview, two):
    b, _other = two
    rs = make_ruleset(indicators=[ledger(10, types=("committee_meeting",)),
                                  ledger(10, types=("member_meeting",))])
    add_record(b, "committee_meeting", date(2026, 1, 5), expected_full=10, present_full=3)
    add_record(b, "member_meeting", date(2026, 1, 6), expected_full=10, present_full=5)
    rows = preview(rs, "2026-01", full=True)
    committee, meeting = (i.id for i in rs.indicators)
    assert rows[(b.id, committee)].auto_earned == Decimal("10.00")
    assert rows[(b.id, meeting)].auto_earned == Decimal("0.00")
    assert rows[(b.id, meeting)].evidence["not_counted"] == 1


def test_attendance_per_branch_from_the_first_day(make_ruleset, add_record, preview, two):
    b, other = two
    rs = make_ruleset(indicators=[attendance(4)])
    add_record(b, "group_meeting", date(2026, 1, 1), expected_full=10, present_full=9)
    add_record(other, "group_meeting", date(2026, 1, 15), expected_full=10, present_full=7)
    rows = preview(rs, "2026-01", full=True)
    ind = rs.indicators[0].id
    assert rows[(b.id, ind)].auto_earned == Decimal("4.00")      # 90 %
    assert rows[(other.id, ind)].auto_earned == Decimal("2.00")  # 70 %
    assert rows[(b.id, ind)].evidence["records"] == 1 and rows[(other.id, ind)].evidence["present"] == 7


def test_an_invalid_record_is_not_counted_even_when_late(make_ruleset, add_record, preview, two):
    b, _other = two
    rs = make_ruleset(indicators=[ledger(10, need=2)])
    add_record(b, "committee_meeting", date(2026, 1, 5), late_days=20, valid=False)
    add_record(b, "committee_meeting", date(2026, 1, 6), late_days=20)
    row = preview(rs, "2026-01", full=True)[(b.id, rs.indicators[0].id)]
    assert (row.evidence["late"], row.evidence["not_counted"], row.auto_earned) == (1, 1, Decimal("2.50"))


def test_a_late_factor_with_three_decimals(make_ruleset, add_record, preview, two):
    b, _other = two
    rs = make_ruleset(indicators=[ledger(8)], settings={"late_factor": "0.125"})
    add_record(b, "committee_meeting", date(2026, 1, 5), late_days=9)
    assert preview(rs, "2026-01")[(b.id, rs.indicators[0].id)] == Decimal("1.00")


def test_an_indicator_without_record_types_scores_zero(make_ruleset, add_record, preview, two):
    b, _other = two
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 5, "cycle": "month", "method": "attendance",
                                   "params": {}}])
    add_record(b, "group_meeting", date(2026, 1, 5))
    assert preview(rs, "2026-01")[(b.id, rs.indicators[0].id)] == Decimal("0.00")


def test_each_kinds_evidence_in_words_names_the_case_it_is(app):
    """The sheet's sentence for each ledger kind: the records not counted are said only
    when there are some; no records / nobody rated say so instead of a rate of 0."""
    from core.ledger.kinds import describe_appraisal, describe_attendance, describe_ledger_count
    ledger = {"required": 1, "on_time": 1, "late": 0, "deadline_days": 7, "types": ["committee_meeting"]}
    with app.test_request_context():
        assert "不计" not in describe_ledger_count({**ledger, "not_counted": 0}, None, None)
        assert "另有 2 次不计" in describe_ledger_count({**ledger, "not_counted": 2}, None, None)
        attendance = {"present": 9, "expected": 10, "rate": "90.00", "types": ["member_meeting"]}
        assert "本期无活动记录" in describe_attendance({**attendance, "records": 0}, None, None)
        said = describe_attendance({**attendance, "records": 3}, None, None)
        assert "3 次活动" in said and "90.00%" in said and "本期无活动记录" not in said
        assert describe_appraisal({"rated": 0, "excellent_or_qualified": 0}, None, None) == "本期无民主评议结果，不得分。"
        assert "参评党员 4 人，评为优秀或合格 3 人" in describe_appraisal({"rated": 4, "excellent_or_qualified": 3},
                                                                   None, None)
