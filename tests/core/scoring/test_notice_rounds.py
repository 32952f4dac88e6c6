"""The notice as the organisation department runs it (#18): working days across a
holiday, offline objections, the guided correction of a quarter's item, two notice
rounds in the history, and the commendation list's final / not-final marking."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.periods.models import Period
from core.scoring import correction, notice
from core.scoring.errors import NoticeError, ReasonRequired
from core.workdays.service import is_working_day, notice_window


# ------------------------------------------------------------------ calendar

@pytest.mark.parametrize("start,days,end", [
    (date(2027, 1, 11), 5, date(2027, 1, 15)),   # Monday → Friday
    (date(2027, 1, 9), 5, date(2027, 1, 15)),    # a Saturday start counts from Monday
    (date(2026, 9, 24), 5, date(2026, 10, 8)),   # across 中秋 and 国庆 (25–27 Sep, 1–7 Oct)
    (date(2026, 2, 13), 3, date(2026, 2, 24)),   # Sat 14 Feb is an adjusted working day
    (date(2025, 12, 31), 2, date(2026, 1, 4)),   # 元旦 1–3 Jan; Sun 4 Jan is a working day
])
def test_working_days(db, start, days, end):
    assert notice_window(db, start, days)[1] == end


def test_working_day_table(db):
    assert is_working_day(db, date(2026, 1, 4)) and is_working_day(db, date(2026, 9, 20))   # 调休上班
    assert not is_working_day(db, date(2026, 10, 1)) and not is_working_day(db, date(2026, 1, 10))


# ------------------------------------------------------------------ notice

def test_notice_in_working_days_across_a_holiday(db, graded):
    bs = graded({"A": ("production", 92)})
    with pytest.raises(NoticeError, match="结束之后"):
        notice.start_notice(db, 2026, starts_on=date(2026, 9, 24))
    with pytest.raises(NoticeError, match="1–60"):
        notice.start_notice(db, 2026, starts_on=date(2027, 1, 29), days=0)
    from core.workdays.service import set_day

    for day in range(5, 9):  # 2027's schedule is entered on the calendar page as it is published
        set_day(db, day=date(2027, 2, day), is_workday=False, name="春节", actor=None)
    n = notice.start_notice(db, 2026, starts_on=date(2027, 1, 29), days=6)
    assert (n.ends_on, n.working_days) == (date(2027, 2, 9), 6)  # 29 Jan, 1–4 Feb, 9 Feb (春节 5–8)
    notice.file_objection(db, n.id, bs["A"].id, "春节期间提出", today=date(2027, 2, 7))
    with pytest.raises(NoticeError, match="公示期内"):
        notice.file_objection(db, n.id, bs["A"].id, "期满之后", today=date(2027, 2, 10))
    with pytest.raises(NoticeError, match="期满后"):
        notice.finalise_grades(db, n.id, today=date(2027, 2, 9))


def test_offline_objection_recorded_by_admin(db, graded, make_user):
    bs = graded({"A": ("production", 92)})
    admin = make_user("admin")
    n = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11))
    with pytest.raises(ReasonRequired, match="异议人"):
        notice.file_objection(db, n.id, bs["A"].id, "加分漏计", actor=admin, today=date(2027, 1, 13),
                              channel="phone", received_on=date(2027, 1, 12))
    with pytest.raises(NoticeError, match="公示期内"):
        notice.file_objection(db, n.id, bs["A"].id, "加分漏计", actor=admin, today=date(2027, 1, 18),
                              channel="letter", received_on=date(2027, 1, 8), complainant="王某")
    with pytest.raises(NoticeError, match="晚于今天"):
        notice.file_objection(db, n.id, bs["A"].id, "加分漏计", actor=admin, today=date(2027, 1, 12),
                              channel="letter", received_on=date(2027, 1, 13), complainant="王某")
    with pytest.raises(NoticeError, match="来源无效"):
        notice.file_objection(db, n.id, bs["A"].id, "x", actor=admin, today=date(2027, 1, 12), channel="fax")
    # a letter received on the last day, recorded after the notice ended, counts
    o = notice.file_objection(db, n.id, bs["A"].id, "加分漏计", actor=admin, today=date(2027, 1, 18),
                              channel="letter", received_on=date(2027, 1, 15), complainant="王某 138xxxx")
    assert (o.channel, o.received_on, o.complainant, o.filed_by) == ("letter", date(2027, 1, 15), "王某 138xxxx",
                                                                      admin.id)
    online = notice.file_objection(db, n.id, bs["A"].id, "x", today=date(2027, 1, 12), complainant="ignored")
    assert (online.channel, online.received_on, online.complainant) == ("online", date(2027, 1, 12), None)


def _period(db, key):
    return db.scalar(select(Period).where(Period.key == key))


def test_guided_correction_of_a_quarter_item_and_a_second_round(db, graded, make_user, registry, result_of):
    """An upheld objection against a May deduction: the correction reopens 2026, Q4, Q3,
    Q2 and May in order, the deduction is removed, the chain is re-closed in order, a
    second round runs and the list becomes final; both rounds stay in the history."""
    from core.ledger.models import PointRecord
    from core.ledger.services import delete_point_record
    admin = make_user("admin")
    bs = graded({"A": ("production", 92), "B": ("production", 86)},
                deductions=[("A", 5, date(2026, 5, 10))])
    assert (result_of(bs["A"], "2026").total, result_of(bs["A"], "2026").stars) == (Decimal("87.00"), 4)
    n1 = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11), actor=admin)
    obj = notice.file_objection(db, n1.id, bs["A"].id, "5月扣分有误", actor=admin, today=date(2027, 1, 12),
                                channel="phone", received_on=date(2027, 1, 12), complainant="李某")
    notice.resolve_objection(db, obj.id, upheld=True, resolution="经核实扣分依据不足", actor=admin)
    db.commit()

    with pytest.raises(NoticeError, match="成立的异议"):
        other = notice.file_objection(db, n1.id, bs["B"].id, "y", today=date(2027, 1, 12))
        correction.start_correction(db, 2026, other.id, "2026-05", "更正", actor=admin)
    with pytest.raises(ReasonRequired):
        correction.start_correction(db, 2026, obj.id, "2026-05", " ", actor=admin)
    with pytest.raises(NoticeError, match="期间"):
        correction.start_correction(db, 2026, obj.id, "2025Q2", "更正", actor=admin)
    c = correction.start_correction(db, 2026, obj.id, "2026-05", "删除5月扣分", actor=admin)
    db.commit()
    assert c.reopened == ["2026", "2026Q4", "2026Q3", "2026Q2", "2026-05"]
    assert all(not _period(db, k).is_closed for k in c.reopened)
    assert _period(db, "2026-04").is_closed and _period(db, "2026Q1").is_closed
    assert n1.status == "cancelled"
    reopens = db.scalars(select(AuditEntry).where(AuditEntry.action == "period.reopen")).all()
    assert [e.reason for e in reopens] == ["删除5月扣分"] * 5
    # not final while the correction is open; the stored list is still shown
    final, lists = notice.commendation_list(db, 2026)
    assert final is False and [x.code for x in lists["production"]] == ["A", "B"]
    with pytest.raises(NoticeError, match="尚未结账"):
        notice.start_notice(db, 2026, starts_on=date(2027, 1, 25))
    with pytest.raises(NoticeError, match="进行中"):
        correction.start_correction(db, 2026, obj.id, "2026", "再来", actor=admin)

    rec = db.scalar(select(PointRecord).where(PointRecord.branch_id == bs["A"].id, PointRecord.kind == "deduction"))
    delete_point_record(db, rec=rec, actor=admin, reason="异议成立，扣分依据不足")
    correction.finish_correction(db, c.id, kinds=registry, actor=admin)
    db.commit()
    assert c.status == "done" and all(_period(db, k).is_closed for k in c.reopened)
    closes = db.scalars(select(AuditEntry).where(AuditEntry.action == "period.close")
                        .order_by(AuditEntry.id.desc()).limit(5)).all()
    assert [e.object_id for e in reversed(closes)] == [str(_period(db, k).id) for k in
                                                       ("2026-05", "2026Q2", "2026Q3", "2026Q4", "2026")]
    assert (result_of(bs["A"], "2026").total, result_of(bs["A"], "2026").stars) == (Decimal("92.00"), 5)

    n2 = notice.start_notice(db, 2026, starts_on=date(2027, 1, 25), actor=admin)
    assert [x.id for x in notice.notices_of_year(db, 2026)] == [n1.id, n2.id]
    assert notice.commendation_list(db, 2026)[0] is False
    notice.finalise_grades(db, n2.id, actor=admin, today=date(2027, 2, 1))
    db.commit()
    assert notice.commendation_list(db, 2026)[0] is True
    # the first round keeps its objections
    from core.scoring.models import Objection
    assert {o.status for o in db.scalars(select(Objection).where(Objection.notice_id == n1.id))} == {"upheld", "open"}


def test_correction_of_the_year_only_reopens_the_year(db, graded, make_user, registry):
    admin = make_user("admin")
    bs = graded({"A": ("production", 92)})
    n = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11))
    obj = notice.file_objection(db, n.id, bs["A"].id, "年度项目", today=date(2027, 1, 11))
    notice.resolve_objection(db, obj.id, upheld=True, resolution="成立")
    c = correction.start_correction(db, 2026, obj.id, "2026", "年度项目重评", actor=admin)
    assert c.reopened == ["2026"] and _period(db, "2026Q4").is_closed
    correction.finish_correction(db, c.id, kinds=registry, actor=admin)
    assert _period(db, "2026").is_closed
    with pytest.raises(NoticeError, match="已完成"):
        correction.finish_correction(db, c.id, kinds=registry, actor=admin)
