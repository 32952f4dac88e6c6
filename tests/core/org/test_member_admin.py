from datetime import date, timedelta

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.org.models import Member, MemberTransfer


def _member_form(**over):
    data = {"name": "周敏", "gender": "female", "birth_date": "1988-04-02", "joined_on": "2012-07-01",
            "status": "full", "post": "点检员"}
    data.update(over)
    return data


def test_secretary_adds_member_to_her_branch(client, login, world, db):
    login(world.secretary)
    r = client.post(f"/org/branches/{world.a1.id}/members/new", data=_member_form())
    assert r.status_code == 302
    member = db.scalar(select(Member).where(Member.name == "周敏"))
    assert member.branch_id == world.a1.id and member.birth_date == date(1988, 4, 2)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "member.create"))
    assert entry.unit_id == world.a.id and entry.user_id == world.secretary.id


def test_secretary_cannot_add_member_to_another_branch(client, login, world, db):
    login(world.secretary)
    assert client.post(f"/org/branches/{world.a2.id}/members/new", data=_member_form()).status_code == 404
    assert db.scalar(select(Member).where(Member.name == "周敏")) is None


def test_bad_member_values_rerender_with_chinese_errors(client, login, world, db):
    login(world.secretary)
    r = client.post(f"/org/branches/{world.a1.id}/members/new",
                    data=_member_form(name="", birth_date="1988-13-45"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "请填写姓名。" in html
    assert "不是有效的日期值。" in html
    r = client.post(f"/org/branches/{world.a1.id}/members/new",
                    data=_member_form(birth_date="2000-01-01", joined_on="2015-01-01"))
    assert "入党时应年满 18 周岁" in r.get_data(as_text=True)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    r = client.post(f"/org/branches/{world.a1.id}/members/new", data=_member_form(joined_on=tomorrow))
    assert "入党日期不能晚于今天。" in r.get_data(as_text=True)
    assert db.scalar(select(Member).where(Member.name == "周敏")) is None


def test_member_edit_and_stale_edit(client, login, world, db):
    login(world.secretary)
    m = world.m_a1
    form = _member_form(name="张伟", gender="male", version=str(m.version))
    assert client.post(f"/org/members/{m.id}/edit", data=dict(form, post="炉长")).status_code == 302
    r = client.post(f"/org/members/{m.id}/edit", data=dict(form, post="班长"))
    assert r.status_code == 409 and "已被他人修改" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(Member, m.id).post == "炉长"


def test_member_deactivate_is_audited_and_reversible(client, login, world, db):
    login(world.secretary)
    assert client.post(f"/org/members/{world.m_a1.id}/deactivate").status_code == 302
    db.expire_all()
    assert db.get(Member, world.m_a1.id).active is False
    client.post(f"/org/members/{world.m_a1.id}/activate")
    db.expire_all()
    assert db.get(Member, world.m_a1.id).active is True
    actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "members")))
    assert actions == ["member.deactivate", "member.activate"]


def test_reviewer_transfers_member_and_history_is_shown(client, login, world, db):
    login(world.reviewer)
    m = world.m_a1
    r = client.post(f"/org/members/{m.id}/transfer", data={
        "to_branch_id": str(world.a2.id), "transferred_on": date.today().isoformat(),
        "reason": "岗位调整", "version": str(m.version)})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Member, m.id).branch_id == world.a2.id
    move = db.scalar(select(MemberTransfer))
    assert (move.from_branch_id, move.to_branch_id, move.reason) == (world.a1.id, world.a2.id, "岗位调整")
    html = client.get(f"/org/members/{m.id}").get_data(as_text=True)
    assert "高炉作业区党支部" in html and "烧结作业区党支部" in html and "岗位调整" in html
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "member.transfer")).reason == "岗位调整"


def test_reviewer_cannot_transfer_into_another_unit(client, login, world, db):
    login(world.reviewer)
    m = world.m_a1
    r = client.post(f"/org/members/{m.id}/transfer", data={
        "to_branch_id": str(world.b1.id), "transferred_on": date.today().isoformat(), "version": str(m.version)})
    assert r.status_code in (200, 404)
    db.expire_all()
    assert db.get(Member, m.id).branch_id == world.a1.id
    assert db.scalar(select(MemberTransfer)) is None


def test_admin_transfers_across_units_and_both_units_see_it(client, login, world, db):
    login(world.admin)
    m = world.m_a1
    client.post(f"/org/members/{m.id}/transfer", data={
        "to_branch_id": str(world.b1.id), "transferred_on": date.today().isoformat(), "version": str(m.version)})
    units = set(db.scalars(select(AuditEntry.unit_id).where(AuditEntry.action.like("member.transfer%"))))
    assert units == {world.a.id, world.b.id}


def test_member_list_filters_by_branch_and_status(client, login, world, make_member):
    make_member(world.a1, name="预备党员甲", status="probationary")
    login(world.admin)
    html = client.get(f"/org/members?branch={world.a1.id}").get_data(as_text=True)
    assert "张伟" in html and "预备党员甲" in html and "李娜" not in html
    html = client.get("/org/members?status=probationary").get_data(as_text=True)
    assert "预备党员甲" in html and "张伟" not in html
    html = client.get(f"/org/members?unit={world.b.id}").get_data(as_text=True)
    assert "王强" in html and "张伟" not in html
