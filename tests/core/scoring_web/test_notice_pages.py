"""Annual public notice pages over the engine's notice services."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.scoring.models import AnnualNotice, Objection


def test_notice_start_objection_and_resolution(app, client, login, make_user, reviewer, branch, closed_year, db):
    app.config["TODAY"] = date(2026, 1, 12)
    admin = make_user("admin")
    login(admin)
    page = client.get("/scoring/notice/2025").get_data(as_text=True)
    assert "尚未公示" in page and branch.name in page
    r = client.post("/scoring/notice/2025/start", data={"start-starts_on": "2026-01-12", "start-working_days": "5"},
                    follow_redirects=True)
    assert "已开始公示" in r.get_data(as_text=True)
    notice = db.scalar(select(AnnualNotice))
    assert notice.status == "open"

    c2 = client.application.test_client()
    login(reviewer, c2)
    r = c2.post("/scoring/notice/2025/objections", data={"obj-branch_id": branch.id, "obj-text": "得分计算有误"},
                follow_redirects=True)
    assert "异议已提交" in r.get_data(as_text=True)
    objection = db.scalar(select(Objection))

    r = client.post("/scoring/notice/2025/finalise", follow_redirects=True)
    assert "期满后" in r.get_data(as_text=True) or "未处理的异议" in r.get_data(as_text=True)
    r = client.post(f"/scoring/notice/2025/objections/{objection.id}/resolve", data={"resolution": "", "upheld": "0"},
                    follow_redirects=True)
    assert "必须填写处理意见" in r.get_data(as_text=True)
    r = client.post(f"/scoring/notice/2025/objections/{objection.id}/resolve",
                    data={"resolution": "经核实计算无误", "upheld": "0"}, follow_redirects=True)
    assert "异议已处理" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(Objection, objection.id).status == "rejected"


def test_secretary_cannot_object_for_other_branch(client, login, make_user, make_branch, unit, branch, closed_year,
                                                  db, unchanged):
    from core.scoring.notice import start_notice
    start_notice(db, 2025, starts_on=date(2026, 1, 12))
    db.commit()
    other = branch  # graded in the notice: an unguarded objection would be stored
    mine = make_branch(unit=unit)
    login(make_user("secretary", branch=mine))
    with unchanged():
        r = client.post("/scoring/notice/2025/objections", data={"obj-branch_id": other.id, "obj-text": "评分有误"})
        assert r.status_code == 404


def test_viewer_cannot_start_notice(client, login, make_user, unit, closed_year, unchanged):
    login(make_user("viewer", units=[unit]))
    assert client.get("/scoring/notice/2025").status_code == 200
    with unchanged():
        assert client.post("/scoring/notice/2025/start").status_code == 404
