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


def test_entries_read_in_words_with_names_links_and_local_time(client, login, world, db):
    from datetime import datetime

    from core.audit.service import record

    entry = record(db, actor=world.admin, action="branch.update", obj=world.a1,
                   old={"name": "旧名称", "parent_id": world.a.id, "active": True},
                   new={"name": "新名称", "parent_id": world.b.id, "active": False}, reason="机构调整")
    entry.at = datetime(2026, 10, 31, 18, 5)  # stored UTC
    db.commit()
    login(world.admin)
    html = client.get("/audit/").get_data(as_text=True)
    assert "修改支部" in html and "branch.update" not in html.split("<tbody>")[1].replace('title="branch.update"', "")
    assert f'href="/org/branches/{world.a1.id}"' in html and world.a1.name in html
    assert "名称：旧名称 → 新名称" in html
    assert f"上级组织：{world.a.name} → {world.b.name}" in html
    assert "在用：是 → 否" in html
    assert "2026年11月1日 02:05" in html and "机构调整" in html  # Beijing time


def test_audit_filters_by_user_object_and_date_and_exports(client, login, world, db):
    from datetime import datetime
    from io import BytesIO

    from openpyxl import load_workbook

    from core.audit.service import record

    first = record(db, actor=world.admin, action="branch.update", obj=world.a1, new={"name": "十月的修改"})
    first.at = datetime(2026, 10, 10, 2, 0)
    second = record(db, actor=None, action="member.update", object_type="members", object_id=1,
                    new={"name": "十一月的修改"})
    second.at = datetime(2026, 11, 10, 2, 0)
    db.commit()
    login(world.admin)
    html = client.get(f"/audit/?user={world.admin.username}").get_data(as_text=True)
    assert "十月的修改" in html and "十一月的修改" not in html
    html = client.get("/audit/?object=members").get_data(as_text=True)
    assert "十一月的修改" in html and "十月的修改" not in html
    html = client.get("/audit/?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "十一月的修改" in html and "十月的修改" not in html
    r = client.get("/audit/export.xlsx?from=2026-10-01&to=2026-10-31")
    ws = load_workbook(BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作") and len(rows) == 2
    assert rows[1][2] == "修改支部" and "十月的修改" in rows[1][5]


def test_plugins_name_their_actions_in_the_audit_log(client, login, world, db):
    from core.audit.service import record

    record(db, actor=world.admin, action="production.actual.create", object_type="production_actuals",
           object_id=1, new={"value": "950.5"}, unit_id=world.a.id)
    record(db, actor=world.admin, action="brands.name", object_type="brand_brands", object_id=1,
           new={"stage": "named"}, unit_id=world.a.id)
    record(db, actor=world.admin, action="typical_staff.review.unit", object_type="ts_declarations", object_id=1,
           new={"decision": "approved"}, unit_id=world.a.id)
    db.commit()
    login(world.admin)
    body = client.get("/audit/").get_data(as_text=True).split("<tbody>")[1]
    assert "登记生产实绩" in body and "生产实绩" in body and "数值：950.5" in body
    assert "支部品牌" in body and "单位审核" in body


def test_a_verified_item_is_named_by_branch_indicator_and_period_with_a_link(client, login, world, db):
    from core.audit.service import record
    from core.indicators.catalogue import seed_ruleset
    from core.periods.keys import PeriodKey
    from core.periods.models import Period

    ruleset = seed_ruleset(db, 2026)
    db.flush()
    indicator = next(i for i in ruleset.indicators if i.code == "B-MECH-COMMITTEE")
    march = PeriodKey(2026, "month", 3)
    period = Period(key=march.key, kind="month", year=2026, number=3, starts_on=march.starts_on, ends_on=march.ends_on)
    db.add(period)
    db.flush()
    key = f"{period.id}-{world.a1.id}-{indicator.id}"
    record(db, actor=world.admin, action="evaluation.verify", object_type="evaluations", object_id=key,
           unit_id=world.a1.unit_id, old={"verified_earned": None, "verify_reason": None, "auto_earned": "3.00"},
           new={"verified_earned": "2.00", "verify_reason": "会议记录不全"}, reason="会议记录不全")
    db.commit()
    login(world.admin)
    html = client.get("/audit/?action=evaluation.verify").get_data(as_text=True)
    assert f"{world.a1.name} · 运行机制·支部委员会（2026年3月）" in html
    assert f'href="/scoring/sheet/{world.a1.id}?period={march.key}#ev-{key}"' in html
    assert f"#{key}" not in html.replace(f"#ev-{key}", "")
    # the automatic score is the context the reviewer saw, not a change; no field codes
    assert "<div>自动得分：3.00</div>" in html and "审核得分：— → 2.00" in html and "审核理由：— → 会议记录不全" in html
    assert "auto_earned" not in html and "verify_reason" not in html
