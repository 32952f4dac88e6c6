def test_reviewer_reads_only_his_units_audit_entries(client, login, world, db):
    from core.audit.service import record

    record(db, actor=world.admin, action="branch.update", obj=world.a1, new={"name": "甲单位的修改"})
    record(db, actor=world.admin, action="branch.update", obj=world.b1, new={"name": "乙单位的修改"})
    record(db, actor=world.admin, action="plugin.enable", object_type="unit_plugins", unit_id=world.a.id,
           new={"plugin": "production"})
    db.commit()
    login(world.reviewer)
    html = client.get("/audit/").get_data(as_text=True)
    assert "甲单位的修改" in html and "乙单位的修改" not in html
    html = client.get("/audit/?action=plugin.enable").get_data(as_text=True)
    assert "production" in html and "甲单位的修改" not in html


def test_admin_reads_all_and_page_is_paginated(app, client, login, world, db):
    from core.audit.service import record

    for i in range(5):
        record(db, actor=None, action="branch.update", obj=world.b1, new={"n": f"第{i}次"})
    db.commit()
    app.config["PAGE_SIZE"] = 2
    login(world.admin)
    html = client.get("/audit/").get_data(as_text=True)
    assert "第 1 / 3 页" in html and "系统" in html


def test_secretary_and_viewer_have_no_audit_page(client, login, world):
    login(world.secretary)
    assert client.get("/audit/").status_code == 404
