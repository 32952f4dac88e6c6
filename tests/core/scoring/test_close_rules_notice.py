"""Reopening a year cancels its public notice (core.scoring.notice.cancel_notice, called
by reopen_period): that year's current round only — another year's notice stands, and
an earlier round already cancelled is not cancelled (nor audited) again. Starting a
round: another year's final notice does not count as this year's, a correction still
open refuses it; the commendation rule of a year without a rule set is the default."""
from datetime import date, datetime

import pytest
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


def test_another_years_notice_neither_blocks_nor_finalises_this_year(db, make_ruleset):
    """2025's grades are final; 2026, closed since, starts its own first round — on its
    rule set's number of working days — and its list is not final."""
    from core.scoring.notice import commendation_list, current_notice, start_notice
    rs = make_ruleset(settings={"notice_days": 3})
    y2025, y2026 = (get_or_create_period(db, PeriodKey(y, "year", 0)) for y in (2025, 2026))
    for p in (y2025, y2026):
        p.status, p.ruleset_id = "closed", rs.id
    _notice(db, y2025, "final")
    db.commit()

    assert current_notice(db, 2026) is None and commendation_list(db, 2026) == (False, {})
    n = start_notice(db, 2026, starts_on=date(2027, 1, 11))
    assert (n.period_id, n.status, n.ends_on) == (y2026.id, "open", date(2027, 1, 13))   # Mon–Wed
    assert current_notice(db, 2026) is n


def test_no_notice_round_while_a_correction_of_the_year_is_open(db, make_ruleset, make_branch):
    """The year closed again by hand while its correction is still open (not finished
    through finish_correction): no new round starts."""
    from core.scoring.errors import NoticeError
    from core.scoring.models import YearCorrection
    from core.scoring.notice import start_notice
    rs = make_ruleset()
    y2026 = get_or_create_period(db, PeriodKey(2026, "year", 0))
    y2026.status, y2026.ruleset_id = "closed", rs.id
    db.add(YearCorrection(period_id=y2026.id, branch_id=make_branch().id, from_key="2026", reopened=["2026"],
                          reason="加分漏计", status="open", opened_at=datetime(2027, 1, 20)))
    db.commit()
    with pytest.raises(NoticeError, match="未完成的更正"):
        start_notice(db, 2026, starts_on=date(2027, 1, 25))
    assert db.scalars(select(AnnualNotice)).all() == []


def test_the_commendation_rule_of_a_year_without_its_rule_set_is_the_default(db):
    """The notice page of a year not closed yet — its row exists (a lock created it),
    without a rule set — shows the default places and tie rule."""
    from core.indicators.models import DEFAULT_SETTINGS
    from core.scoring.notice import commendation_rule
    get_or_create_period(db, PeriodKey(2026, "year", 0))
    db.commit()
    assert commendation_rule(db, 2026) == (DEFAULT_SETTINGS["commendation_top_n"],
                                           DEFAULT_SETTINGS["commendation_ties"])
