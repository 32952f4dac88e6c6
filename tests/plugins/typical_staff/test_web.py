"""Pages of the 最美一线员工 plugin: the pipeline through the forms with a controlled
clock (TODAY), scope (a unit sees its declarations, the notice is group-wide, the
objector is known only to the organisers), per-unit enabling (404 and hidden menu where
the plugin is off), bad input refused with nothing written, and the dashboard panel."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from plugins.typical_staff.models import Campaign, Declaration, DeclarationFile, Objection
from tests.plugins.typical_staff.conftest import DEED, PNG, TODAY


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["TODAY"] = TODAY
    yield
    app.config.pop("TODAY", None)


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def as_user(app, login, user):
    return login(user, app.test_client())


def form_of(campaign, **kw):
    data = {"branch_id": "", "member_id": "", "name": "王建国", "gender": "male", "post": "高炉炉前工",
            "frontline_years": "18", "category_id": str(campaign.categories[0].id), "deed": DEED,
            "recommenders": "班组职工代表"}
    data.update(kw)
    return data


def test_organiser_creates_a_campaign_with_quotas_and_opens_it(app, db, world, login):
    c = as_user(app, login, world.admin)
    r = c.post("/typical-staff/campaigns/new", data={
        "title": "2026年度最美一线员工", "year": "2026", "criteria": "爱岗敬业",
        "categories": "爱岗敬业\n帮扶救助\n技术革新", "declaration_deadline": "2026-09-25",
        "unit_review_deadline": "2026-09-27", "group_review_deadline": "2026-09-28", "notice_start": "2026-09-30",
        "notice_days": "5", "group_quota": "3"})
    assert r.status_code == 302
    camp = db.scalar(select(Campaign))
    assert [x.name for x in camp.categories] == ["爱岗敬业", "帮扶救助", "技术革新"] and camp.status == "draft"
    page = c.get(f"/typical-staff/campaigns/{camp.id}/quotas").get_data(as_text=True)
    assert "炼铁厂党委" in page and "后勤公司党委" not in page  # only units with the plugin on
    r = c.post(f"/typical-staff/campaigns/{camp.id}/quotas",
               data={f"declare_{world.unit_a.id}": "2", f"recommend_{world.unit_a.id}": "1",
                     f"declare_{world.unit_b.id}": "1", f"recommend_{world.unit_b.id}": "3"})
    assert r.status_code == 200 and "推荐名额不能多于申报名额" in r.get_data(as_text=True)
    from plugins.typical_staff.models import UnitQuota
    assert count(db, UnitQuota) == 0  # refused as a whole
    c.post(f"/typical-staff/campaigns/{camp.id}/quotas",
           data={f"declare_{world.unit_a.id}": "2", f"recommend_{world.unit_a.id}": "1"})
    assert count(db, UnitQuota) == 2
    # A draft is invisible to everyone but the organisers.
    sec = as_user(app, login, world.secretary_a)
    assert sec.get(f"/typical-staff/campaigns/{camp.id}").status_code == 404
    c.post(f"/typical-staff/campaigns/{camp.id}/open")
    db.refresh(camp)
    assert camp.status == "open"
    assert sec.get(f"/typical-staff/campaigns/{camp.id}").status_code == 200


def test_campaign_form_refuses_dates_out_of_order(app, db, world, login):
    c = as_user(app, login, world.admin)
    r = c.post("/typical-staff/campaigns/new", data={
        "title": "x", "year": "2026", "categories": "爱岗敬业", "declaration_deadline": "2026-10-25",
        "unit_review_deadline": "2026-09-27", "group_review_deadline": "2026-09-28", "notice_start": "2026-09-30",
        "notice_days": "5", "group_quota": "3"})
    assert r.status_code == 200 and "日期须依次" in r.get_data(as_text=True)
    assert count(db, Campaign) == 0


def test_pipeline_through_the_pages(app, db, world, login, make_campaign):
    camp = make_campaign()
    sec = as_user(app, login, world.secretary_a)
    r = sec.post(f"/typical-staff/campaigns/{camp.id}/declare", data=form_of(camp, branch_id=str(world.branch_a.id)))
    assert r.status_code == 302
    d = db.scalar(select(Declaration))
    r = sec.post(f"/typical-staff/declarations/{d.id}/files",
                 data={"kind": "photo", "file": (io.BytesIO(PNG), "wang.png")}, content_type="multipart/form-data")
    assert r.status_code == 302 and count(db, DeclarationFile) == 1
    # The secretary cannot review.
    assert sec.post(f"/typical-staff/declarations/{d.id}/review", data={"decision": "approve"}).status_code == 404
    rev = as_user(app, login, world.reviewer_a)
    rev.post(f"/typical-staff/declarations/{d.id}/review", data={"decision": "approve", "comment": "同意"})
    db.refresh(d)
    assert d.status == "recommended"
    admin = as_user(app, login, world.admin)
    admin.post(f"/typical-staff/declarations/{d.id}/review", data={"decision": "approve", "comment": "入围"})
    admin.post(f"/typical-staff/campaigns/{camp.id}/publish")
    db.refresh(camp)
    assert (camp.status, camp.notice_first, camp.notice_last) == ("notice", date(2026, 9, 30), date(2026, 10, 12))
    # During the notice (controlled clock) another unit's secretary objects.
    app.config["TODAY"] = date(2026, 10, 9)
    other = as_user(app, login, world.secretary_b)
    page = other.get(f"/typical-staff/campaigns/{camp.id}/notice").get_data(as_text=True)
    assert "王建国" in page and "提出异议" in page
    r = other.post(f"/typical-staff/campaigns/{camp.id}/notice/{d.id}/object", data={"reason": ""})
    assert count(db, Objection) == 0
    other.post(f"/typical-staff/campaigns/{camp.id}/notice/{d.id}/object", data={"reason": "事迹有夸大。"})
    o = db.scalar(select(Objection))
    assert o.filed_by == world.secretary_b.id
    # The organisers see who objected; the candidate's side sees the objection, not the objector.
    assert world.secretary_b.display_name in admin.get(f"/typical-staff/campaigns/{camp.id}/notice").get_data(as_text=True)
    own = sec.get(f"/typical-staff/declarations/{d.id}").get_data(as_text=True)
    assert "事迹有夸大。" in own and world.secretary_b.display_name not in own and "提出人" not in own
    admin.post(f"/typical-staff/objections/{o.id}/resolve", data={"outcome": "dismissed", "resolution": "经核实不成立"})
    # Selection is refused on the last day of the window, allowed the day after.
    app.config["TODAY"] = date(2026, 10, 12)
    admin.post(f"/typical-staff/campaigns/{camp.id}/select")
    db.refresh(camp)
    assert camp.status == "notice"
    app.config["TODAY"] = date(2026, 10, 13)
    admin.post(f"/typical-staff/campaigns/{camp.id}/select")
    db.refresh(camp)
    db.refresh(d)
    assert camp.status == "selected" and d.status == "selected"
    r = admin.post(f"/typical-staff/campaigns/{camp.id}/publicity", data={
        "which": "publicity", "p-channel": "moral_lecture", "p-published_on": "2026-10-20", "p-title": "道德讲堂",
        "p-reference": "第12期道德大讲堂", "p-declaration_id": str(d.id)})
    assert r.status_code == 302
    rev.post(f"/typical-staff/campaigns/{camp.id}/publicity", data={
        "which": "study", "s-unit_id": str(world.unit_a.id), "s-held_on": "2026-10-21", "s-title": "学习座谈会",
        "s-summary": "", "s-participants": "30"})
    page = sec.get(f"/typical-staff/campaigns/{camp.id}/publicity").get_data(as_text=True)
    assert "第12期道德大讲堂" in page and "学习座谈会" in page and "王建国" in page


def test_bad_declarations_through_the_form_write_nothing(app, db, world, login, make_campaign, declare):
    camp = make_campaign(quotas={world.unit_a.id: (1, 1), world.unit_b.id: (1, 1)})
    declare(camp, world.secretary_a, world.branch_a, name="王建国")
    sec = as_user(app, login, world.secretary_a)
    for data, message in ((form_of(camp, branch_id=str(world.branch_a.id), name="李四"), "申报名额已满"),
                          (form_of(camp, branch_id=str(world.branch_a.id), deed="短"), "")):
        r = sec.post(f"/typical-staff/campaigns/{camp.id}/declare", data=data, follow_redirects=True)
        assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert count(db, Declaration) == 1
    # After the deadline.
    other = as_user(app, login, world.secretary_b)
    app.config["TODAY"] = date(2026, 9, 26)
    r = other.post(f"/typical-staff/campaigns/{camp.id}/declare", data=form_of(camp, branch_id=str(world.branch_b.id)))
    assert "申报已于 2026-09-25 截止" in r.get_data(as_text=True) and count(db, Declaration) == 1


def test_a_photo_that_is_not_an_image_is_refused_on_the_page(app, db, world, login, make_campaign, declare):
    d = declare(make_campaign(), world.secretary_a, world.branch_a)
    sec = as_user(app, login, world.secretary_a)
    r = sec.post(f"/typical-staff/declarations/{d.id}/files", follow_redirects=True,
                 data={"kind": "photo", "file": (io.BytesIO(b"%PDF-1.4"), "photo.pdf")}, content_type="multipart/form-data")
    assert "不允许上传该类型的文件" in r.get_data(as_text=True) and count(db, DeclarationFile) == 0


def test_a_unit_sees_its_declarations_only(app, db, world, login, make_campaign, declare):
    camp = make_campaign()
    a = declare(camp, world.secretary_a, world.branch_a, name="王建国")
    a2 = declare(camp, world.secretary_a2, world.branch_a2, name="陈丽华")
    b = declare(camp, world.secretary_b, world.branch_b, name="李秀英")
    sec = as_user(app, login, world.secretary_a)
    page = sec.get(f"/typical-staff/campaigns/{camp.id}").get_data(as_text=True)
    assert "王建国" in page and "陈丽华" not in page and "李秀英" not in page
    assert sec.get(f"/typical-staff/declarations/{a2.id}").status_code == 404
    assert sec.get(f"/typical-staff/declarations/{b.id}").status_code == 404
    rev = as_user(app, login, world.reviewer_a)
    page = rev.get(f"/typical-staff/campaigns/{camp.id}").get_data(as_text=True)
    assert "王建国" in page and "陈丽华" in page and "李秀英" not in page
    assert rev.get(f"/typical-staff/declarations/{b.id}").status_code == 404
    assert rev.post(f"/typical-staff/declarations/{b.id}/review", data={"decision": "approve"}).status_code == 404
    viewer = as_user(app, login, world.viewer_a)
    assert viewer.get(f"/typical-staff/declarations/{a.id}").status_code == 200
    assert viewer.post(f"/typical-staff/campaigns/{camp.id}/declare", data=form_of(camp)).status_code == 404


def test_the_notice_is_group_wide(app, db, world, login, shortlisted):
    from plugins.typical_staff import services

    camp, a, b = shortlisted
    services.publish_notice(db, world.admin, camp, today=TODAY)
    db.commit()
    app.config["TODAY"] = date(2026, 10, 8)
    for user in (world.secretary_a2, world.viewer_a, world.reviewer_b):
        page = as_user(app, login, user).get(f"/typical-staff/campaigns/{camp.id}/notice").get_data(as_text=True)
        assert "王建国" in page and "李秀英" in page and "炼铁厂党委" in page and "轧钢厂党委" in page
    # The viewer, read-only elsewhere, may object: it is a public notice.
    as_user(app, login, world.viewer_a).post(f"/typical-staff/campaigns/{camp.id}/notice/{b.id}/object",
                                             data={"reason": "不实"})
    assert count(db, Objection) == 1
    # The objector's name is not on the public page.
    page = as_user(app, login, world.secretary_b).get(f"/typical-staff/campaigns/{camp.id}/notice").get_data(as_text=True)
    assert world.viewer_a.display_name not in page and "异议处理" not in page


def test_pages_404_and_menu_hidden_where_the_plugin_is_off(app, db, world, login, shortlisted):
    camp, a, _ = shortlisted
    off = as_user(app, login, world.secretary_off)
    for url in ("/typical-staff/", f"/typical-staff/campaigns/{camp.id}", "/typical-staff/notices",
                f"/typical-staff/campaigns/{camp.id}/declare", f"/typical-staff/declarations/{a.id}"):
        assert off.get(url).status_code == 404, url
    assert "最美一线员工" not in off.get("/").get_data(as_text=True)
    on = as_user(app, login, world.secretary_a)
    assert "最美一线员工" in on.get("/").get_data(as_text=True)


def test_disabling_a_unit_hides_its_declarations(app, db, world, login, shortlisted):
    from core.plugins import service

    camp, a, b = shortlisted
    service.disable(db, app.extensions["starbranch.plugins"], unit_id=world.unit_b.id, name="typical_staff",
                    actor=world.admin)
    db.commit()
    admin = as_user(app, login, world.admin)
    assert admin.get(f"/typical-staff/declarations/{b.id}").status_code == 404
    assert "李秀英" not in admin.get(f"/typical-staff/campaigns/{camp.id}").get_data(as_text=True)
    assert as_user(app, login, world.secretary_b).get("/typical-staff/").status_code == 404


def test_dashboard_panel_shows_the_branch_candidates(app, db, world, shortlisted):
    camp, a, _ = shortlisted
    hook = app.extensions["starbranch.plugins"].hook
    with app.test_request_context():
        panels = [p for batch in hook.starbranch_dashboard_panels(session=db, branch=world.branch_a, period=None)
                  for p in batch if p.plugin == "typical_staff"]
        assert len(panels) == 1 and "王建国" in panels[0].html
        off = [p for batch in hook.starbranch_dashboard_panels(session=db, branch=world.branch_off, period=None)
               for p in batch if p.plugin == "typical_staff"]
        assert off == []
