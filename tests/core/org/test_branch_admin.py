from sqlalchemy import select

from core.audit.models import AuditEntry
from core.org.models import Branch


def _form(branch, **over):
    data = {"name": branch.name, "code": branch.code, "category": branch.category,
            "parent_id": str(branch.parent_id), "secretary_name": branch.secretary_name or "",
            "version": str(branch.version)}
    data.update(over)
    return data


def test_branch_list_searches_and_filters_by_unit_and_category(client, login, world):
    login(world.admin)
    html = client.get("/org/branches?q=高炉").get_data(as_text=True)
    assert "高炉作业区党支部" in html and "烧结作业区党支部" not in html
    html = client.get(f"/org/branches?unit={world.b.id}").get_data(as_text=True)
    assert "转炉作业区党支部" in html and "高炉作业区党支部" not in html
    html = client.get("/org/branches?category=auxiliary").get_data(as_text=True)
    assert "烧结作业区党支部" in html and "转炉作业区党支部" not in html


def test_branch_list_is_paginated(app, client, login, world, make_branch):
    app.config["PAGE_SIZE"] = 2
    login(world.admin)
    html = client.get("/org/branches").get_data(as_text=True)
    assert "第 1 / 2 页" in html
    assert "第 2 / 2 页" in client.get("/org/branches?page=2").get_data(as_text=True)


def test_reviewer_lists_only_his_units_branches(client, login, world):
    login(world.reviewer)
    html = client.get("/org/branches").get_data(as_text=True)
    assert "高炉作业区党支部" in html and "转炉作业区党支部" not in html


def test_reviewer_creates_branch_in_his_unit_with_audit(client, login, world, db):
    login(world.reviewer)
    r = client.post("/org/branches/new", data={"name": "原料作业区党支部", "code": "A-03", "category": "production",
                                               "parent_id": str(world.a.id), "secretary_name": "赵敏"})
    assert r.status_code == 302
    branch = db.scalar(select(Branch).where(Branch.code == "A-03"))
    assert branch.unit_id == world.a.id and branch.secretary_name == "赵敏"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "branch.create"))
    assert entry.user_id == world.reviewer.id and entry.unit_id == world.a.id and entry.new["code"] == "A-03"


def test_reviewer_cannot_create_branch_under_other_unit(client, login, world, db):
    login(world.reviewer)
    r = client.post("/org/branches/new", data={"name": "越权支部", "code": "X-1", "category": "production",
                                               "parent_id": str(world.b.id)})
    assert r.status_code == 200
    assert db.scalar(select(Branch).where(Branch.code == "X-1")) is None


def test_branch_form_shows_chinese_field_errors(client, login, world, db):
    login(world.admin)
    r = client.post("/org/branches/new", data={"name": "", "code": "A-01", "category": "production",
                                               "parent_id": str(world.a.id)})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "请填写支部名称。" in html
    r = client.post("/org/branches/new", data={"name": "重复编码支部", "code": "A-01", "category": "production",
                                               "parent_id": str(world.a.id)})
    assert "支部编码“A-01”已被使用。" in r.get_data(as_text=True)
    assert db.scalar(select(Branch).where(Branch.name == "重复编码支部")) is None


def test_branch_edit_records_old_and_new_values(client, login, world, db):
    login(world.admin)
    r = client.post(f"/org/branches/{world.a1.id}/edit", data=_form(world.a1, name="一号高炉作业区党支部"))
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Branch, world.a1.id).name == "一号高炉作业区党支部"
    assert db.get(Branch, world.a1.id).version == 2
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "branch.update"))
    assert entry.old == {"name": "高炉作业区党支部"} and entry.new == {"name": "一号高炉作业区党支部"}


def test_stale_branch_edit_is_refused(client, login, world, db):
    login(world.admin)
    form = _form(world.a1)
    assert client.post(f"/org/branches/{world.a1.id}/edit", data=dict(form, name="先保存的名称")).status_code == 302
    r = client.post(f"/org/branches/{world.a1.id}/edit", data=dict(form, name="过期表单的名称"))
    assert r.status_code == 409
    assert "已被他人修改" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(Branch, world.a1.id).name == "先保存的名称"


def test_moving_branch_to_other_unit_updates_its_unit(client, login, world, db):
    login(world.admin)
    client.post(f"/org/branches/{world.a2.id}/edit", data=_form(world.a2, parent_id=str(world.b.id)))
    db.expire_all()
    assert db.get(Branch, world.a2.id).unit_id == world.b.id


def test_deactivating_branch_asks_and_is_audited(client, login, world, db):
    login(world.reviewer)
    html = client.get(f"/org/branches/{world.a1.id}").get_data(as_text=True)
    assert "data-confirm=" in html and "停用支部" in html
    assert client.post(f"/org/branches/{world.a1.id}/deactivate").status_code == 302
    db.expire_all()
    assert db.get(Branch, world.a1.id).active is False
    assert f'href="/org/branches/{world.a1.id}"' not in client.get("/org/branches").get_data(as_text=True)
    assert "高炉作业区党支部" in client.get("/org/branches?show=inactive").get_data(as_text=True)
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.action == "branch.deactivate"))


def test_secretary_sees_her_branch_but_cannot_edit_it(client, login, world):
    login(world.secretary)
    assert client.get(f"/org/branches/{world.a1.id}").status_code == 200
    assert client.get(f"/org/branches/{world.a1.id}/edit").status_code == 404
    assert client.get(f"/org/branches/{world.a2.id}").status_code == 404


def test_viewer_reads_but_cannot_create(client, login, world):
    login(world.viewer)
    assert client.get(f"/org/branches/{world.a1.id}").status_code == 200
    assert client.get("/org/branches/new").status_code == 404
    assert client.get(f"/org/branches/{world.a1.id}/members/new").status_code == 404


def test_branch_list_shows_member_counts_without_query_per_row(app, client, login, world, make_branch, db):
    from sqlalchemy import event

    for i in range(10):
        make_branch(world.a, name=f"测试支部{i}")
    login(world.admin)
    statements = []
    engine = app.extensions["starbranch.db"].engine
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/org/branches").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) < 15, statements
