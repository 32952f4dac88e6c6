"""Ledger records through the web: create/edit/delete, attendance, appraisal, scoping,
and every write path refusing a locked period with nothing written."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.ledger.models import ActivityRecord, AppraisalResult


def _form(members, present, **fields):
    data = {"type": "committee_meeting", "held_on": "2026-03-10", "topic": "研究三月工作", "location": "会议室",
            "minutes": "会议记录正文"}
    data.update(fields)
    for m in members:
        if m in present:
            data[f"present_{m.id}"] = "1"
        else:
            data[f"reason_{m.id}"] = "出差"
    return data


def test_secretary_creates_record_with_attendance(client, login, secretary, branch, members, db):
    login(secretary)
    r = client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members[:3]))
    assert r.status_code == 302
    rec = db.scalar(select(ActivityRecord))
    assert rec.branch_id == branch.id and rec.unit_id == branch.unit_id
    assert (rec.expected_full, rec.present_full, rec.expected_probationary, rec.present_probationary) == (4, 3, 1, 0)
    assert rec.valid and rec.uploaded_at is not None
    absent = [e for e in rec.attendance if not e.present]
    assert {e.absence_reason for e in absent} == {"出差"}
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "ledger.record.create")) is not None


def test_absent_member_without_reason_is_refused(client, login, secretary, branch, members, db):
    login(secretary)
    data = _form(members, members[:3])
    data.pop(f"reason_{members[3].id}")
    r = client.post(f"/ledger/branch/{branch.id}/new", data=data)
    assert r.status_code == 200
    assert "缺席原因" in r.get_data(as_text=True)
    assert db.scalar(select(ActivityRecord)) is None


def test_member_meeting_without_quorum_is_kept_but_flagged(client, login, secretary, branch, members, db):
    login(secretary)
    r = client.post(f"/ledger/branch/{branch.id}/new",
                    data=_form(members, members[:2] + [members[4]], type="member_meeting"), follow_redirects=True)
    rec = db.scalar(select(ActivityRecord))
    assert rec is not None and rec.valid is False  # 2 of 4 full members: not more than half
    assert "不计入考核" in r.get_data(as_text=True)


def test_edit_recomputes_quorum_and_bumps_version(client, login, secretary, branch, members, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members[:2], type="member_meeting"))
    rec = db.scalar(select(ActivityRecord))
    assert rec.valid is False
    r = client.post(f"/ledger/record/{rec.id}/edit",
                    data=_form(members, members[:3], type="member_meeting", version=str(rec.version)))
    assert r.status_code == 302
    db.expire_all()
    rec = db.get(ActivityRecord, rec.id)
    assert rec.valid is True and rec.present_full == 3 and rec.version == 2


def test_edit_with_stale_version_is_refused(client, login, secretary, branch, members, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    rec = db.scalar(select(ActivityRecord))
    client.post(f"/ledger/record/{rec.id}/edit", data=_form(members, members, topic="第二版", version="1"))
    r = client.post(f"/ledger/record/{rec.id}/edit", data=_form(members, members, topic="第三版", version="1"))
    assert "已被他人修改" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(ActivityRecord, rec.id).topic == "第二版"


def test_record_list_filters_by_type_and_month(client, login, secretary, branch, members):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members, topic="三月支委会"))
    client.post(f"/ledger/branch/{branch.id}/new",
                data=_form(members, members, topic="四月党课", type="party_lecture", held_on="2026-04-02"))
    page = client.get(f"/ledger/branch/{branch.id}?type=party_lecture").get_data(as_text=True)
    assert "四月党课" in page and "三月支委会" not in page
    page = client.get(f"/ledger/branch/{branch.id}?month=2026-03").get_data(as_text=True)
    assert "三月支委会" in page and "四月党课" not in page
    page = client.get(f"/ledger/branch/{branch.id}?month=2026-13").get_data(as_text=True)
    assert "月份无效" in page


def test_secretary_cannot_open_other_branch_ledger(client, login, secretary, make_branch, unit):
    other = make_branch(unit=unit)
    login(secretary)
    assert client.get(f"/ledger/branch/{other.id}").status_code == 404
    assert client.get(f"/ledger/branch/{other.id}/new").status_code == 404


def test_secretary_cannot_open_other_branch_record(client, login, make_user, make_branch, unit, secretary,
                                                    branch, members, db, unchanged):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    rec = db.scalar(select(ActivityRecord))
    other_secretary = make_user("secretary", branch=make_branch(unit=unit))
    c2 = client.application.test_client()
    login(other_secretary, c2)
    assert c2.get(f"/ledger/record/{rec.id}").status_code == 404
    with unchanged():
        assert c2.post(f"/ledger/record/{rec.id}/delete").status_code == 404
        assert c2.post(f"/ledger/record/{rec.id}/edit", data=_form(members, members[:1])).status_code == 404


def test_viewer_reads_but_cannot_write(client, login, make_user, unit, secretary, branch, members, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    rec = db.scalar(select(ActivityRecord))
    viewer = make_user("viewer", units=[unit])
    c2 = client.application.test_client()
    login(viewer, c2)
    assert c2.get(f"/ledger/branch/{branch.id}").status_code == 200
    assert c2.get(f"/ledger/record/{rec.id}").status_code == 200
    assert c2.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members)).status_code == 404
    assert c2.post(f"/ledger/record/{rec.id}/edit", data=_form(members, members, topic="改")).status_code == 404
    assert c2.post(f"/ledger/record/{rec.id}/delete").status_code == 404
    assert db.scalar(select(ActivityRecord).where(ActivityRecord.topic == "改")) is None


def test_reviewer_of_unit_may_keep_ledger(client, login, reviewer, branch, members, db):
    login(reviewer)
    assert client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members)).status_code == 302
    assert db.scalar(select(ActivityRecord)) is not None


def test_delete_record(client, login, secretary, branch, members, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    rec = db.scalar(select(ActivityRecord))
    assert client.post(f"/ledger/record/{rec.id}/delete").status_code == 302
    db.expire_all()
    assert db.scalar(select(ActivityRecord)) is None


def test_appraisal_results_are_saved(client, login, secretary, branch, members, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members, type="appraisal", held_on="2026-01-20"))
    rec = db.scalar(select(ActivityRecord))
    data = {f"result_{members[0].id}": "excellent", f"result_{members[1].id}": "qualified",
            f"result_{members[2].id}": "unqualified"}
    assert client.post(f"/ledger/record/{rec.id}/appraisal", data=data).status_code == 302
    got = {r.member_id: r.result for r in db.scalars(select(AppraisalResult))}
    assert got == {members[0].id: "excellent", members[1].id: "qualified", members[2].id: "unqualified"}
    r = client.post(f"/ledger/record/{rec.id}/appraisal", data={f"result_{members[0].id}": "perfect"})
    assert "评议结果无效" in r.get_data(as_text=True)
    assert len(list(db.scalars(select(AppraisalResult)))) == 3


# ---- locked periods: one test per write path, the database unchanged ----------------------

def test_locked_period_refuses_create(client, login, secretary, branch, members, close_period, table_counts):
    close_period("2026-03")
    before = table_counts()
    login(secretary)
    r = client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before


def test_locked_period_refuses_edit_into_closed_month(client, login, secretary, branch, members, close_period,
                                                      table_counts, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members, held_on="2026-04-10"))
    rec = db.scalar(select(ActivityRecord))
    close_period("2026-03")
    before = table_counts()
    r = client.post(f"/ledger/record/{rec.id}/edit", data=_form(members, members, held_on="2026-03-10", version="1"))
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before
    db.expire_all()
    assert db.get(ActivityRecord, rec.id).held_on == date(2026, 4, 10)


def test_locked_period_refuses_edit_out_of_closed_month(client, login, secretary, branch, members, close_period,
                                                        table_counts, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    rec = db.scalar(select(ActivityRecord))
    close_period("2026Q1")
    before = table_counts()
    r = client.post(f"/ledger/record/{rec.id}/edit", data=_form(members, members, held_on="2026-04-10", version="1"))
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before
    db.expire_all()
    assert db.get(ActivityRecord, rec.id).held_on == date(2026, 3, 10)


def test_locked_period_refuses_attendance_change(client, login, secretary, branch, members, close_period, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    rec = db.scalar(select(ActivityRecord))
    close_period("2026-03")
    r = client.post(f"/ledger/record/{rec.id}/edit", data=_form(members, members[:1], version="1"))
    assert "已结账锁定" in r.get_data(as_text=True)
    db.expire_all()
    rec = db.get(ActivityRecord, rec.id)
    assert rec.present_full == 4 and all(e.present for e in rec.attendance)


def test_locked_period_refuses_delete(client, login, secretary, branch, members, close_period, table_counts, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members))
    rec = db.scalar(select(ActivityRecord))
    close_period("2026")
    before = table_counts()
    r = client.post(f"/ledger/record/{rec.id}/delete", follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before


def test_locked_period_refuses_appraisal_results(client, login, secretary, branch, members, close_period,
                                                 table_counts, db):
    login(secretary)
    client.post(f"/ledger/branch/{branch.id}/new", data=_form(members, members, type="appraisal"))
    rec = db.scalar(select(ActivityRecord))
    close_period("2026-03")
    before = table_counts()
    r = client.post(f"/ledger/record/{rec.id}/appraisal", data={f"result_{members[0].id}": "excellent"})
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before
