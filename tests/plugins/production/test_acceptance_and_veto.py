"""季度验收 rules and the safety veto."""
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from core.ledger.models import PointRecord
from core.periods.locks import PeriodLocked
from core.periods.models import Period
from plugins.production import services
from plugins.production.models import Incident


def lock(db, key):
    from core.periods.keys import PeriodKey
    k = PeriodKey.parse(key)
    db.add(Period(key=k.key, kind=k.kind, year=k.year, number=k.number, starts_on=k.starts_on,
                  ends_on=k.ends_on, status="closed"))
    db.commit()


@pytest.fixture
def branch(make_branch, prod_unit):
    return make_branch(unit=prod_unit, category="production", code="ZG01")


@pytest.fixture
def scored(branch, put):
    put(branch, "output", "2026-02", plan=1000, actual=950)   # computed 7.50
    put(branch, "quality", "2026-02", plan=100, actual=100)   # computed 7.00
    return branch


def decide(db, branch, measures, slot, status, comment="", quarter="2026Q1", actor=None):
    row = services.decide_acceptance(db, actor, branch, measures[f"production.{slot}"], quarter,
                                     status=status, comment=comment)
    db.commit()
    return row


def test_default_rule_counts_as_computed_and_shows_the_decision(db, scored, measures, run_eval):
    decide(db, scored, measures, "output", "rejected", "产量数据与MES不符")
    row = run_eval("2026-02")[(scored.id, "P-PRODUCTION-OUTPUT")]
    assert row.earned == D("7.50")
    assert row.evidence["acceptance"] == "rejected"
    assert row.evidence["acceptance_comment"] == "产量数据与MES不符"


def test_rejected_zero_rule(db, scored, measures, run_eval):
    services.save_setting(db, None, 2026, acceptance_rule="rejected_zero", veto_on_major=True)
    decide(db, scored, measures, "output", "rejected", "未完成验收整改")
    rows = run_eval("2026-02")
    assert rows[(scored.id, "P-PRODUCTION-OUTPUT")].earned == D("0.00")
    assert rows[(scored.id, "P-PRODUCTION-OUTPUT")].evidence["note"].startswith("季度验收未通过")
    assert rows[(scored.id, "P-PRODUCTION-QUALITY")].earned == D("7.00")  # pending: as computed


def test_accepted_only_rule(db, scored, measures, run_eval):
    services.save_setting(db, None, 2026, acceptance_rule="accepted_only", veto_on_major=True)
    decide(db, scored, measures, "quality", "accepted", "数据属实")
    rows = run_eval("2026-02")
    assert rows[(scored.id, "P-PRODUCTION-OUTPUT")].earned == D("0.00")    # pending → 0
    assert rows[(scored.id, "P-PRODUCTION-QUALITY")].earned == D("7.00")   # accepted
    assert run_eval("2026-05") == {}   # other quarter: no plans, nothing


def test_acceptance_is_per_quarter(db, scored, measures, put, run_eval):
    services.save_setting(db, None, 2026, acceptance_rule="rejected_zero", veto_on_major=True)
    decide(db, scored, measures, "output", "rejected", "不通过", quarter="2026Q2")
    assert run_eval("2026-02")[(scored.id, "P-PRODUCTION-OUTPUT")].earned == D("7.50")


def test_rejecting_needs_a_comment_and_rights_and_an_open_quarter(db, branch, measures, make_user, make_unit):
    with pytest.raises(services.ProductionError, match="必须填写意见"):
        decide(db, branch, measures, "output", "rejected", "  ")
    stranger = make_user("reviewer", units=[make_unit()])
    with pytest.raises(services.ProductionError, match="审核员"):
        decide(db, branch, measures, "output", "accepted", actor=stranger)
    lock(db, "2026Q1")
    with pytest.raises(PeriodLocked):
        decide(db, branch, measures, "output", "accepted")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(services.Acceptance)) == 0


def test_changing_a_decision_is_audited(db, branch, measures):
    from core.audit.models import AuditEntry
    decide(db, branch, measures, "output", "accepted", "好")
    decide(db, branch, measures, "output", "rejected", "复核不符")
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "production.acceptance.decide")
                         .order_by(AuditEntry.id)).all()
    assert [e.new["status"] for e in entries] == ["accepted", "rejected"]
    assert entries[1].old == {"status": "accepted", "comment": "好"}


# ------------------------------------------------------------------ veto

def test_a_major_incident_writes_a_veto_record_for_its_date(db, branch):
    incident = services.record_incident(db, None, branch, occurred_on=date(2026, 2, 14), severity="major",
                                        description="转炉区域发生重大设备安全事故")
    db.commit()
    veto = db.get(PointRecord, incident.veto_record_id)
    assert (veto.kind, veto.branch_id, veto.dated, veto.points) == ("veto", branch.id, date(2026, 2, 14), D("0"))
    assert veto.indicator_code == services.VETO_CODE


def test_minor_incidents_and_a_switched_off_rule_write_no_veto(db, branch):
    services.record_incident(db, None, branch, occurred_on=date(2026, 2, 1), severity="recordable",
                             description="轻微划伤")
    services.save_setting(db, None, 2025, acceptance_rule="computed", veto_on_major=False)
    services.record_incident(db, None, branch, occurred_on=date(2025, 6, 1), severity="major", description="事故")
    db.commit()
    assert db.scalar(select(func.count()).select_from(PointRecord)) == 0
    assert db.scalar(select(func.count()).select_from(Incident)) == 2


def test_deleting_an_incident_removes_its_veto(db, branch):
    incident = services.record_incident(db, None, branch, occurred_on=date(2026, 2, 14), severity="major",
                                        description="误录")
    db.commit()
    with pytest.raises(services.ProductionError, match="原因"):
        services.delete_incident(db, None, incident, reason="")
    services.delete_incident(db, None, incident, reason="重复录入")
    db.commit()
    assert db.scalar(select(func.count()).select_from(PointRecord)) == 0


def test_incidents_in_locked_periods_or_disabled_units_are_refused(db, branch, make_branch, make_unit):
    lock(db, "2026-01")
    with pytest.raises(PeriodLocked):
        services.record_incident(db, None, branch, occurred_on=date(2026, 1, 5), severity="major", description="x")
    db.rollback()
    off = make_branch(unit=make_unit(), category="production")
    with pytest.raises(services.ProductionError, match="未启用"):
        services.record_incident(db, None, off, occurred_on=date(2026, 2, 5), severity="major", description="x")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(PointRecord)) == 0


def test_days_without_incident(db, branch):
    services.record_incident(db, None, branch, occurred_on=date(2026, 2, 1), severity="recordable",
                             description="划伤")
    db.commit()
    assert services.days_without_incident(db, branch.id, date(2026, 3, 3)) == 30
