"""Admin close/reopen page calling the engine's close and reopen services."""
from __future__ import annotations

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.indicators.catalogue import seed_ruleset
from core.periods.models import Period


def test_admin_closes_and_reopens_a_month(client, login, make_user, db, branch, members):
    seed_ruleset(db, 2026)
    db.commit()
    login(make_user("admin"))
    assert "2026年3月" in client.get("/scoring/periods?year=2026").get_data(as_text=True)
    r = client.post("/scoring/periods/2026-01/close", follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    r = client.post("/scoring/periods/2026-02/close", follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    r = client.post("/scoring/periods/2026-03/close", follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(Period).where(Period.key == "2026-03")).status == "closed"
    r = client.post("/scoring/periods/2026-03/reopen", data={"reason": ""}, follow_redirects=True)
    assert "必须填写原因" in r.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(Period).where(Period.key == "2026-03")).status == "closed"
    r = client.post("/scoring/periods/2026-03/reopen", data={"reason": "补录三月支委会记录"}, follow_redirects=True)
    assert "已重新开启" in r.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(Period).where(Period.key == "2026-03")).status == "open"
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "period.reopen")).reason == "补录三月支委会记录"


def test_quarter_before_its_months_is_refused(client, login, make_user, db):
    seed_ruleset(db, 2026)
    db.commit()
    login(make_user("admin"))
    r = client.post("/scoring/periods/2026Q1/close", follow_redirects=True)
    assert "尚未结账" in r.get_data(as_text=True)
    assert db.scalar(select(Period).where(Period.key == "2026Q1", Period.status == "closed")) is None


def test_close_without_ruleset_explains(client, login, make_user, db):
    login(make_user("admin"))
    r = client.post("/scoring/periods/2026-01/close", follow_redirects=True)
    assert "没有启用的考核细则" in r.get_data(as_text=True)


def test_reviewer_cannot_close_or_reopen(client, login, reviewer, db, branch, close_period, unchanged):
    seed_ruleset(db, 2026)  # with a rule set, an unguarded close would write
    db.commit()
    close_period("2026-02")
    login(reviewer)
    assert client.get("/scoring/periods").status_code == 404
    with unchanged():
        assert client.post("/scoring/periods/2026-03/close").status_code == 404
        assert client.post("/scoring/periods/2026-03/recompute").status_code == 404
        assert client.post("/scoring/periods/2026-02/reopen", data={"reason": "越权"}).status_code == 404
