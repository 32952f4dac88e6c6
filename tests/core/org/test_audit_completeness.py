"""Every change is in the audit log, whichever way it came (issue #14, "Audit
completeness"): through the web forms, an Excel import, the API and a job. Each step
counts its changes and the audit rows it added, by action."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.indicators.catalogue import seed_ruleset
from core.scoring.models import Evaluation
from tests.core.org.test_import_export import M_HEAD, _upload
from tests.office import xlsx


def _actions(db) -> Counter:
    db.expire_all()
    return Counter(dict(db.execute(select(AuditEntry.action, func.count()).group_by(AuditEntry.action)).all()))


def _added(db, before: Counter) -> dict:
    now = _actions(db)
    return {k: now[k] - before[k] for k in now if now[k] != before[k]}


def test_changes_and_audit_rows_match_across_ui_import_api_and_jobs(app, client, db, login, world, enable_plugin):
    seed_ruleset(db, 2026, registry=app.extensions["starbranch.plugins"])
    db.commit()

    # web forms: the plugin switch, a ledger record, a trial and a verification
    login(world.admin)
    before = _actions(db)
    for action in ("enable", "disable"):
        assert client.post("/admin/plugins/toggle", data={"unit_id": str(world.b.id), "plugin": "brands",
                                                          "action": action}).status_code == 302
    assert _added(db, before) == {"plugin.enable": 1, "plugin.disable": 1}

    before = _actions(db)
    login(world.secretary)
    data = {"type": "committee_meeting", "held_on": "2026-01-10", "topic": "审计完整性",
            f"present_{world.m_a1.id}": "1"}
    assert client.post(f"/ledger/branch/{world.a1.id}/new", data=data).status_code == 302
    assert _added(db, before) == {"ledger.record.create": 1}

    before = _actions(db)
    login(world.admin)
    assert client.post("/scoring/periods/2026-01/recompute").status_code in (200, 302)
    item = db.scalar(select(Evaluation).where(Evaluation.branch_id == world.a1.id).order_by(Evaluation.indicator_id))
    login(world.reviewer)
    r = client.post(f"/scoring/sheet/{world.a1.id}/items/{item.period_id}/{item.indicator_id}/verify",
                    data={"earned": "0.5", "reason": "现场核实", "version": str(item.version)})
    assert r.status_code == 302
    assert _added(db, before) == {"period.recompute": 1, "evaluation.verify": 1}

    # an Excel import: one entry per created batch of a unit, one per updated member
    before = _actions(db)
    _html, r = _upload(client, "members", xlsx({"党员": [M_HEAD,
        [None, "A-01", "陈静", "女", "1990-02-03", "2015-06-30", "正式", "点检员"],
        [None, "A-02", "周杰", "男", "1985-11-11", "2024-12-01", "预备", None]]}))
    assert r is not None and r.status_code == 302
    added = _added(db, before)
    created = sum(e.new["created"] for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "member.import")))
    assert added == {"member.import": 1} and created == 2

    # the API: two pushed actuals, two entries
    from core.auth.tokens import issue_token
    from core.plugins.models import UnitPlugin
    from plugins.production.measures import seed_measures
    from plugins.production.models import Plan

    from datetime import date
    from decimal import Decimal

    from plugins.production.services import Entry, save_entries

    enable_plugin(world.a, "production")
    seed_measures(db)
    save_entries(db, world.admin, [Entry(i, "A-01", m, date(2026, 1, 1), plan=Decimal(100))
                                   for i, m in enumerate(("output", "cost"))], source="form")
    db.commit()
    before = _actions(db)
    token = issue_token(db, world.reviewer, "MES")
    db.commit()
    assert db.scalar(select(func.count()).select_from(UnitPlugin).where(UnitPlugin.unit_id == world.a.id)) >= 1
    r = app.test_client().post("/api/v1/production/actuals", headers={"Authorization": f"Bearer {token}"}, json={
        "actuals": [{"branch": "A-01", "measure": "output", "month": "2026-01", "value": "10"},
                    {"branch": "A-01", "measure": "cost", "month": "2026-01", "value": "20"}]})
    assert r.status_code == 200, r.json
    assert _added(db, before) == {"user.api_token": 1, "production.actual.create": 2}
    assert db.scalar(select(func.count()).select_from(Plan)) == 2

    # a job (Celery, in-process here): the trial task records who asked for it
    from core.scoring.tasks import recompute_task

    before = _actions(db)
    recompute_task.delay("2026-02", world.admin.id).get()
    assert _added(db, before) == {"period.recompute": 1}
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "period.recompute").order_by(AuditEntry.id.desc()))
    assert entry.user_id == world.admin.id
    db.rollback()  # end the read (on PostgreSQL an open transaction would hold the next test's TRUNCATE)
