"""Reopening a year cancels its public notice (core.scoring.notice.cancel_notice, called
by reopen_period): that year's current round only — another year's notice stands, and
an earlier round already cancelled is not cancelled (nor audited) again."""
from datetime import date, datetime

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.periods.keys import PeriodKey
from core.periods.services import get_or_create_period
from core.scoring.models import AnnualNotice
from core.scoring.notice import cancel_notice


def _notice(db, period, status):
    n = AnnualNotice(period_id=period.id, starts_on=date(period.year + 1, 1, 11), ends_on=date(period.year + 1, 1, 15),
                     working_days=5, status=status, created_at=datetime(period.year + 1, 1, 11))
    db.add(n)
    db.flush()
    return n


def test_cancelling_a_years_notice_leaves_other_years_and_earlier_rounds_alone(db, make_user):
    admin = make_user(role="admin")
    y2025, y2026 = (get_or_create_period(db, PeriodKey(y, "year", 0)) for y in (2025, 2026))
    for p in (y2025, y2026):
        p.status = "closed"
    final_2025 = _notice(db, y2025, "final")
    first_round = _notice(db, y2026, "cancelled")
    second_round = _notice(db, y2026, "open")
    db.commit()

    cancel_notice(db, y2026, actor=admin, reason="更正年度得分")
    db.commit()
    assert [(n.id, n.status) for n in (final_2025, first_round, second_round)] == [
        (final_2025.id, "final"), (first_round.id, "cancelled"), (second_round.id, "cancelled")]
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "notice.cancel")).all()
    assert [(e.user_id, e.object_id, e.old, e.new, e.reason) for e in entries] == [
        (admin.id, str(second_round.id), {"status": "open"}, {"status": "cancelled"}, "更正年度得分")]


def test_a_notice_round_leaves_its_audit_trail(db, graded, make_user):
    """Each step of a notice is audited as its actor's, with what changed: the start
    (year, dates, working days), an objection (its text, notice, channel, day received),
    its resolution (with the resolution as the reason) and the finalising."""
    from core.scoring import notice

    bs = graded({"A": ("production", 92)})
    admin = make_user(role="admin")
    n = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11), actor=admin)
    o = notice.file_objection(db, n.id, bs["A"].id, "加分漏计", actor=admin, today=date(2027, 1, 13),
                              channel="letter", received_on=date(2027, 1, 12), complainant="王某")
    notice.resolve_objection(db, o.id, upheld=False, resolution="经核实无误", actor=admin)
    notice.finalise_grades(db, n.id, actor=admin, today=date(2027, 1, 18))
    db.commit()

    actions = ("notice.start", "objection.file", "objection.resolve", "notice.finalise")
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)).all()
    assert [(e.action, e.user_id, e.object_type, e.object_id) for e in entries] == [
        ("notice.start", admin.id, "annual_notices", str(n.id)),
        ("objection.file", admin.id, "objections", str(o.id)),
        ("objection.resolve", admin.id, "objections", str(o.id)),
        ("notice.finalise", admin.id, "annual_notices", str(n.id))]
    start, filed, resolved, final = entries
    assert start.new == {"year": 2026, "starts_on": "2027-01-11", "ends_on": "2027-01-15", "working_days": 5}
    assert filed.new == {"text": "加分漏计", "notice_id": n.id, "channel": "letter", "received_on": "2027-01-12"}
    assert filed.unit_id == bs["A"].unit_id
    assert (resolved.old, resolved.new, resolved.reason) == ({"status": "open"}, {"status": "rejected"}, "经核实无误")
    assert (final.old, final.new) == ({"status": "open"}, {"status": "final"})
    assert (o.status, o.resolution, o.resolved_by, o.resolved_at is not None) == ("rejected", "经核实无误", admin.id, True)
    assert n.finalised_at is not None
