"""Bonus/deduction/veto records and the secretaries' checklist."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from core.ledger.checklist import checklists, requirements
from core.ledger.models import ActivityRecord, PointRecord
from core.ledger.services import has_quorum


def test_quorum_needs_more_than_half_of_full_members():
    assert has_quorum("member_meeting", 4, 3)
    assert not has_quorum("member_meeting", 4, 2)      # exactly half is not enough
    assert has_quorum("member_meeting", 5, 3)
    assert not has_quorum("member_meeting", 0, 0)      # nobody expected: no quorum
    assert has_quorum("committee_meeting", 4, 0)       # only the member meeting has the rule


def test_reviewer_records_deduction_with_reason(client, login, reviewer, branch, db):
    login(reviewer)
    r = client.post(f"/ledger/branch/{branch.id}/points",
                    data={"kind": "deduction", "points": "1.5", "dated": "2026-03-05", "reason": "台账逾期上传"})
    assert r.status_code == 302
    rec = db.scalar(select(PointRecord))
    assert rec.points == Decimal("1.50") and rec.kind == "deduction" and rec.unit_id == branch.unit_id


def test_veto_carries_zero_points(client, login, reviewer, branch, db):
    login(reviewer)
    client.post(f"/ledger/branch/{branch.id}/points",
                data={"kind": "veto", "points": "3", "dated": "2026-03-05", "reason": "发生重大安全事故"})
    assert db.scalar(select(PointRecord)).points == Decimal("0.00")


def test_point_record_without_reason_is_refused(client, login, reviewer, branch, db):
    login(reviewer)
    r = client.post(f"/ledger/branch/{branch.id}/points",
                    data={"kind": "bonus", "points": "2", "dated": "2026-03-05", "reason": "  "})
    assert "原因" in r.get_data(as_text=True)
    assert db.scalar(select(PointRecord)) is None


def test_secretary_cannot_enter_point_records(client, login, secretary, branch, db):
    login(secretary)
    r = client.post(f"/ledger/branch/{branch.id}/points",
                    data={"kind": "bonus", "points": "2", "dated": "2026-03-05", "reason": "自己加分"})
    assert r.status_code == 404
    assert db.scalar(select(PointRecord)) is None
    assert client.get(f"/ledger/branch/{branch.id}/points").status_code == 200


def test_locked_period_refuses_point_record(client, login, reviewer, branch, close_period, table_counts):
    close_period("2026Q1")
    before = table_counts()
    login(reviewer)
    r = client.post(f"/ledger/branch/{branch.id}/points",
                    data={"kind": "bonus", "points": "2", "dated": "2026-03-05", "reason": "获评先进"})
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before


def test_locked_period_refuses_point_record_delete(client, login, reviewer, branch, close_period, table_counts, db):
    login(reviewer)
    client.post(f"/ledger/branch/{branch.id}/points",
                data={"kind": "bonus", "points": "2", "dated": "2026-03-05", "reason": "获评先进"})
    rec = db.scalar(select(PointRecord))
    close_period("2026-03")
    before = table_counts()
    r = client.post(f"/ledger/points/{rec.id}/delete", data={"reason": "录错"}, follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before


def _rec(db, branch, rtype, held_on, valid=True):
    db.add(ActivityRecord(branch_id=branch.id, unit_id=branch.unit_id, type=rtype, held_on=held_on, topic="t",
                          uploaded_at=datetime(held_on.year, held_on.month, held_on.day), valid=valid))
    db.commit()


def test_checklist_defaults_without_ruleset(db):
    reqs = {r.type: (r.cycle, r.min_count) for r in requirements(db, 2026)}
    assert reqs["committee_meeting"] == ("month", 1)
    assert reqs["member_meeting"] == ("quarter", 1)
    assert reqs["appraisal"] == ("year", 1)


def test_checklist_due_done_and_late(db, branch, make_branch, unit):
    other = make_branch(unit=unit)
    branch.created_at = other.created_at = datetime(2026, 1, 1)  # both existed in April
    db.commit()
    today = date(2026, 5, 20)
    _rec(db, branch, "committee_meeting", date(2026, 5, 3))     # this month: done
    _rec(db, branch, "theme_day", date(2026, 4, 8))             # last month only: this month due
    _rec(db, branch, "member_meeting", date(2026, 4, 2), valid=False)  # no quorum: does not count
    _rec(db, other, "committee_meeting", date(2026, 4, 3))
    lists = checklists(db, [branch.id, other.id], today=today)
    mine = {i.type: i for i in lists[branch.id]}
    assert mine["committee_meeting"].status == "ok" and mine["committee_meeting"].previous_status == "late"
    assert mine["theme_day"].status == "due" and mine["theme_day"].previous_status == "ok"
    assert mine["member_meeting"].status == "due" and mine["member_meeting"].done == 0
    assert mine["member_meeting"].current.key == "2026Q2" and mine["member_meeting"].days_left == 41
    theirs = {i.type: i for i in lists[other.id]}
    assert theirs["committee_meeting"].status == "due" and theirs["committee_meeting"].previous_status == "ok"


def test_checklist_reads_active_ruleset_ledger_indicators(db, branch):
    from core.indicators.models import Indicator, RuleSet

    rs = RuleSet(year=2026, version=1, name="2026", status="active", settings={})
    db.add(rs)
    db.flush()
    db.add(Indicator(ruleset_id=rs.id, code="X", name="支委会", index_code="management", kind="basic",
                     points=Decimal(5), cycle="month", method="ledger_count",
                     params={"record_types": ["committee_meeting"], "min_count": 2, "deadline_days": 7}))
    db.commit()
    _rec(db, branch, "committee_meeting", date(2026, 5, 3))
    item = {i.type: i for i in checklists(db, [branch.id], today=date(2026, 5, 20))[branch.id]}
    assert set(item) == {"committee_meeting"}
    assert item["committee_meeting"].required == 2 and item["committee_meeting"].status == "due"


def test_checklist_runs_one_query_for_many_branches(db, make_branch, unit, app):
    from sqlalchemy import event

    branches = [make_branch(unit=unit) for _ in range(15)]
    statements = []
    engine = app.extensions["starbranch.db"].engine
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        checklists(db, [b.id for b in branches], today=date(2026, 5, 20))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "activity_records" in s]) == 1


def test_ledger_page_shows_checklist(client, login, secretary, branch):
    login(secretary)
    page = client.get(f"/ledger/branch/{branch.id}").get_data(as_text=True)
    assert "本期应办事项" in page and "支部委员会" in page
    assert client.get("/ledger/").headers["Location"].endswith(f"/ledger/branch/{branch.id}")


def test_overview_for_reviewer(client, login, reviewer, branch):
    login(reviewer)
    page = client.get("/ledger/overview").get_data(as_text=True)
    assert branch.name in page


def test_reviewer_of_other_unit_cannot_enter_point_records(client, login, make_user, make_unit, branch, db):
    login(make_user("reviewer", units=[make_unit()]))
    r = client.post(f"/ledger/branch/{branch.id}/points",
                    data={"kind": "bonus", "points": "2", "dated": "2026-03-05", "reason": "越权"})
    assert r.status_code == 404
    assert db.scalar(select(PointRecord)) is None


def test_checklist_does_not_call_late_a_period_before_the_branch_existed(db, branch):
    branch.created_at = datetime(2026, 5, 4, 9, 0)   # set up in May
    db.commit()
    mine = {i.type: i for i in checklists(db, [branch.id], today=date(2026, 5, 20))[branch.id]}
    # April (committee meeting, monthly) and 2026Q1 (member meeting) were before it
    assert mine["committee_meeting"].previous_status == "new" and not mine["committee_meeting"].late
    assert mine["member_meeting"].previous_status == "new"
    branch.created_at = datetime(2026, 4, 30, 23, 0)  # existed on the last day of April
    db.commit()
    mine = {i.type: i for i in checklists(db, [branch.id], today=date(2026, 5, 20))[branch.id]}
    assert mine["committee_meeting"].previous_status == "late"
    assert mine["member_meeting"].previous_status == "new"   # Q1 ended before it existed
