"""Notifications of the campaigns through the core notification centre: at each step the
branch (its secretaries) and the unit (its reviewers) concerned are told, the organisers
of objections; each event once; nobody outside the declaration's scope, nobody of their
own step, nothing where the plugin is off."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.notifications.models import Notification
from plugins.typical_staff import notifications, services
from tests.plugins.typical_staff.conftest import DEED, TODAY


def told(db, since: int = 0) -> set[tuple[str, str]]:
    """(username, event key) of the notifications with an id above `since`."""
    from core.auth.models import User

    return set(db.execute(select(User.username, Notification.event_key).join(User, User.id == Notification.user_id)
                          .where(Notification.id > since)).all())


def last_id(db) -> int:
    return db.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0


def title_of(db, user, key) -> Notification:
    return db.scalar(select(Notification).where(Notification.user_id == user.id, Notification.event_key == key))


def test_each_step_tells_the_branch_and_unit_concerned(db, world, make_campaign, declare):
    c = make_campaign()
    d = declare(c, world.secretary_a, world.branch_a)
    # Submitted: the unit's reviewers review it (the declaring secretary is not told of her own step).
    assert told(db) == {("rev_a", f"typical_staff:submitted:{d.id}:1")}

    mark = last_id(db)
    r = services.review(db, world.reviewer_a, d, decision="return", comment="请补充具体事例", today=TODAY)
    db.commit()
    assert told(db, mark) == {("sec_a", f"typical_staff:review:{r.id}")}
    note = title_of(db, world.secretary_a, f"typical_staff:review:{r.id}")
    assert "王建国被单位党委退回修改" in note.title and "请补充具体事例" in note.body
    assert note.kind == "typical_staff" and note.url == f"/typical-staff/declarations/{d.id}"

    mark = last_id(db)
    services.correct(db, world.secretary_a, d, today=TODAY + timedelta(days=1), name="王建国", gender="male",
                     post="高炉炉前工", frontline_years=18, category_id=c.categories[0].id, deed=DEED + "补充。",
                     recommenders="班组职工代表")
    db.commit()
    resubmitted = f"typical_staff:submitted:{d.id}:2"
    assert told(db, mark) == {("rev_a", resubmitted)}  # a resubmission is a new event
    assert "重新提交" in title_of(db, world.reviewer_a, resubmitted).title

    mark = last_id(db)
    unit = services.review(db, world.reviewer_a, d, decision="approve", comment="同意推荐", today=TODAY)
    group = services.review(db, world.admin, d, decision="approve", comment="", today=TODAY)
    db.commit()
    assert told(db, mark) == {("sec_a", f"typical_staff:review:{unit.id}"), ("sec_a", f"typical_staff:review:{group.id}"),
                              ("rev_a", f"typical_staff:review:{group.id}")}
    assert "入围公示" in title_of(db, world.reviewer_a, f"typical_staff:review:{group.id}").title

    mark = last_id(db)
    services.publish_notice(db, world.admin, c, today=TODAY)
    db.commit()
    assert told(db, mark) == {("sec_a", f"typical_staff:notice:{d.id}"), ("rev_a", f"typical_staff:notice:{d.id}")}
    assert "2026年9月30日至2026年10月12日" in title_of(db, world.secretary_a, f"typical_staff:notice:{d.id}").title

    # An objection: the organisers investigate; the candidate's side is told, not by whom nor why.
    mark = last_id(db)
    o = services.file_objection(db, world.secretary_b, d, reason="据反映其有违章作业记录。", today=date(2026, 10, 8))
    db.commit()
    assert told(db, mark) == {("xuanchuan", f"typical_staff:objection:{o.id}"),
                              ("sec_a", f"typical_staff:objection:{o.id}"), ("rev_a", f"typical_staff:objection:{o.id}")}
    for user in (world.secretary_a, world.reviewer_a):
        note = title_of(db, user, f"typical_staff:objection:{o.id}")
        text = note.title + note.body
        assert "收到异议" in text and "违章" not in text and world.secretary_b.display_name not in text

    mark = last_id(db)
    services.resolve_objection(db, world.admin, o, upheld=False, resolution="经核实，系同名他人。")
    db.commit()
    assert told(db, mark) == {("sec_a", f"typical_staff:objection_outcome:{o.id}"),
                              ("rev_a", f"typical_staff:objection_outcome:{o.id}")}
    assert "异议不成立" in title_of(db, world.secretary_a, f"typical_staff:objection_outcome:{o.id}").title

    mark = last_id(db)
    services.select_winners(db, world.admin, c, today=date(2026, 10, 13))
    db.commit()
    assert told(db, mark) == {("sec_a", f"typical_staff:selected:{d.id}"), ("rev_a", f"typical_staff:selected:{d.id}")}
    assert "王建国当选" in title_of(db, world.secretary_a, f"typical_staff:selected:{d.id}").title


def test_each_event_is_notified_once(db, world, shortlisted):
    c, a, b = shortlisted
    services.publish_notice(db, world.admin, c, today=TODAY)
    o = services.file_objection(db, world.viewer_a, b, reason="不实", today=date(2026, 10, 8))
    services.resolve_objection(db, world.admin, o, upheld=True, resolution="属实")
    winners = services.select_winners(db, world.admin, c, today=date(2026, 10, 13))
    db.commit()
    before = told(db)
    # Replaying every step's notification (a retried job, a second call) creates nothing.
    assert notifications.notice_published(db, c, [a, b], world.admin) == 0
    assert notifications.objection_filed(db, o, world.viewer_a) == 0
    assert notifications.objection_resolved(db, o, world.admin) == 0
    assert notifications.selected(db, c, winners, world.admin) == 0
    for d in (a, b):
        assert notifications.declaration_submitted(db, d, world.secretary_a) == 0
        for r in d.reviews:
            assert notifications.reviewed(db, d, r, world.admin) == 0
    db.commit()
    assert told(db) == before
    # The upheld objection withdrew 李秀英: her side is told, and only 王建国 is selected.
    assert "已撤销入围资格" in title_of(db, world.secretary_b, f"typical_staff:objection_outcome:{o.id}").title
    assert ("sec_b", f"typical_staff:selected:{b.id}") not in before and ("sec_a", f"typical_staff:selected:{a.id}") in before


def test_notifications_stay_within_the_declaration_scope(db, world, shortlisted):
    c, a, b = shortlisted
    services.publish_notice(db, world.admin, c, today=TODAY)
    db.commit()
    keys_of = {}
    for user in (world.secretary_a, world.secretary_a2, world.secretary_b, world.reviewer_a, world.reviewer_b,
                 world.viewer_a, world.secretary_off):
        keys_of[user.username] = {k for u, k in told(db) if u == user.username}
    # Each side hears of its own candidate only; another branch of the same unit, viewers
    # and units where the plugin is off hear nothing.
    assert keys_of["sec_a"] == {f"typical_staff:review:{r.id}" for r in a.reviews} | {f"typical_staff:notice:{a.id}"}
    assert f"typical_staff:notice:{b.id}" in keys_of["sec_b"] and f"typical_staff:notice:{a.id}" not in keys_of["sec_b"]
    assert f"typical_staff:notice:{a.id}" in keys_of["rev_a"] and f"typical_staff:notice:{b.id}" not in keys_of["rev_a"]
    assert keys_of["sec_a2"] == keys_of["view_a"] == keys_of["sec_o"] == set()


def test_a_unit_where_the_plugin_is_off_is_not_told(app, db, world, shortlisted):
    from core.plugins import service

    c, a, b = shortlisted
    service.disable(db, app.extensions["starbranch.plugins"], unit_id=world.unit_b.id, name="typical_staff",
                    actor=world.admin)
    db.commit()
    mark = last_id(db)
    services.publish_notice(db, world.admin, c, today=TODAY)
    db.commit()
    assert {u for u, _ in told(db, mark)} == {"sec_a", "rev_a"}


def test_the_centre_lists_them_under_the_plugin_and_opens_the_declaration(app, db, world, login, shortlisted):
    c, a, b = shortlisted
    app.config["TODAY"] = TODAY
    services.publish_notice(db, world.admin, c, today=TODAY)
    db.commit()
    mine = title_of(db, world.secretary_a, f"typical_staff:notice:{a.id}")
    theirs = title_of(db, world.secretary_b, f"typical_staff:notice:{b.id}")
    sec = login(world.secretary_a, app.test_client())
    page = sec.get("/notifications").get_data(as_text=True)
    assert mine.title in page and "<td>最美一线员工</td>" in page and theirs.title not in page
    r = sec.get(f"/notifications/{mine.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/typical-staff/campaigns/{c.id}/notice")
    assert sec.get(r.headers["Location"]).status_code == 200
    assert sec.get(f"/notifications/{theirs.id}").status_code == 404
    note = title_of(db, world.secretary_a, f"typical_staff:review:{a.reviews[0].id}")
    assert sec.get(note.url).status_code == 200  # the declaration the message is about is hers to see


def test_a_refused_step_writes_nothing_and_tells_nobody(db, world, shortlisted):
    """Bad input: a selection with an open objection (and one before the window ends), an
    objection without a reason — refused, nothing written, no notification."""
    from core.audit.models import AuditEntry
    from plugins.typical_staff.models import Objection
    from plugins.typical_staff.services import StaffError

    c, a, b = shortlisted
    services.publish_notice(db, world.admin, c, today=TODAY)
    services.file_objection(db, world.viewer_a, a, reason="有待核实", today=date(2026, 10, 8))
    db.commit()
    mark, audits = last_id(db), db.scalar(select(func.count(AuditEntry.id)))
    for call in (lambda: services.select_winners(db, world.admin, c, today=date(2026, 10, 12)),   # window open
                 lambda: services.select_winners(db, world.admin, c, today=date(2026, 10, 13)),   # open objection
                 lambda: services.file_objection(db, world.secretary_b, b, reason="  ", today=date(2026, 10, 9))):
        with pytest.raises(StaffError):
            call()
        db.rollback()
    assert told(db, mark) == set() and db.scalar(select(func.count(AuditEntry.id))) == audits
    assert c.status == "notice" and a.status == b.status == "shortlisted"
    assert db.scalar(select(func.count(Objection.id))) == 1
