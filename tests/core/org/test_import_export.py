import io

import pytest

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.org.importing import BRANCH_COLUMNS, MEMBER_COLUMNS
from core.org.models import Branch, Member
from tests.office import apply, cancel, csv_bytes, preview, xlsx

B_HEAD = [c.header for c in BRANCH_COLUMNS]
M_HEAD = [c.header for c in MEMBER_COLUMNS]


def _xlsx(title, columns, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append([c.header for c in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _upload(client, what, stream, filename="导入.xlsx"):
    """Preview, then apply when the preview offers it; returns (preview html, apply response)."""
    url = f"/org/import/{what}"
    r = preview(client, url, stream, filename)
    html = r.get_data(as_text=True)
    if "确认导入" not in html:
        return html, None
    return html, apply(client, url, html)


def _count(db, model):
    return db.scalar(select(func.count(model.id)))


def test_good_branch_import_creates_all_rows_and_one_audit_entry(client, login, world, db):
    login(world.admin)
    before = _count(db, Branch)
    html, r = _upload(client, "branches", _xlsx("支部", BRANCH_COLUMNS, [
        ["A-10", "原料作业区党支部", "生产类", "A", "赵敏"],
        ["B-10", "精炼作业区党支部", "production", "B", None],
    ]))
    assert "新增 2 条" in html and "修改 0 条" in html
    assert r.status_code == 302
    assert _count(db, Branch) == before + 2
    branch = db.scalar(select(Branch).where(Branch.code == "B-10"))
    assert branch.unit_id == world.b.id and branch.category == "production"
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "branch.import")))
    assert {e.unit_id: e.new["created"] for e in entries} == {world.a.id: 1, world.b.id: 1}


def test_bad_branch_import_writes_nothing_and_reports_every_cell(client, login, world, db, make_branch):
    make_branch(world.b, name="别人的支部", code="B-77")
    login(world.reviewer)  # of unit A only
    before = _count(db, Branch)
    html, r = _upload(client, "branches", _xlsx("支部", BRANCH_COLUMNS, [
        ["A-20", "好的一行", "生产类", "A", None],            # row 2: fine
        ["B-77", "别单位的编码", "生产类", "A", None],        # row 3: code of a branch out of scope
        ["A-21", "类别错误", "后勤类", "A", None],            # row 4: unknown category
        ["A-22", "未知单位", "辅助类", "NOPE", None],         # row 5: unknown unit code
        ["A-20", "文件内重复", "辅助类", "A", None],          # row 6: duplicate of row 2
        ["A-23", "越权单位", "辅助类", "B", None],            # row 7: out of the reviewer's scope
        [None, "缺编码", "辅助类", "A", None],                # row 8: required cell empty
    ]))
    assert r is None
    assert _count(db, Branch) == before
    assert "发现 6 处错误，未写入任何数据" in html
    for expected in ("支部编码“B-77”已被其他单位的支部使用", "应为以下之一：生产类", "找不到编码为“NOPE”的二级单位党委或党总支。",
                     "支部编码“A-20”与第 2 行重复。", "上级组织“B”不在您的管理范围内或已停用。", "不能为空。"):
        assert expected in html, expected
    assert "<td class=\"num\">4</td><td>支部类别</td>" in html
    assert "确认导入" not in html
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "branch.import")) is None


def test_member_import_all_or_nothing(client, login, world, db):
    login(world.reviewer)
    before = _count(db, Member)
    html, _ = _upload(client, "members", xlsx({"党员": [M_HEAD,
        [None, "A-01", "陈静", "女", "1990-02-03", "2015-06-30", "正式", "点检员"],
        [None, "A-01", "孙伟", "男", "1990-13-03", "2015-06-30", "正式党员", None],    # bad date
        [None, "B-01", "越权", "男", None, None, "预备党员", None],                     # other unit's branch
        [None, "ZZ-99", "无此支部", "男", None, None, "正式党员", None],               # unknown branch
        [None, "A-02", "年龄不符", "男", "2000-01-01", "2010-01-01", "正式党员", None],  # joined at 10
        [None, "A-02", "类别错", "未知", None, None, "团员", None],                    # gender and status
    ]}))
    assert _count(db, Member) == before
    for expected in ("日期格式不正确", "找不到编码为“B-01”的支部。", "找不到编码为“ZZ-99”的支部。",
                     "入党时应年满 18 周岁", "应为以下之一：男、女。", "应为以下之一：正式党员、预备党员。"):
        assert expected in html, expected
    html, r = _upload(client, "members", xlsx({"党员": [M_HEAD,
        [None, "A-01", "陈静", "女", "1990-02-03", "2015-06-30", "正式", "点检员"],
        [None, "A-02", "周杰", "男", "1985-11-11", "2024-12-01", "预备", None],
    ]}))
    assert r.status_code == 302
    assert _count(db, Member) == before + 2
    zhou = db.scalar(select(Member).where(Member.name == "周杰"))
    assert zhou.status == "probationary" and zhou.number.startswith("DY")


def test_xls_and_unreadable_files_are_refused_with_how_to(client, login, world):
    login(world.admin)
    html, _ = _upload(client, "branches", io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), "老文件.xls")
    assert "另存为" in html and "xlsx" in html
    html, _ = _upload(client, "branches", io.BytesIO(b"x"), "wps.et")
    assert "另存为" in html
    html, _ = _upload(client, "branches", io.BytesIO(b"not a zip"), "x.xlsx")
    assert "无法读取该文件" in html


def test_template_has_drop_downs_formats_and_examples_only_on_the_instruction_sheet(client, login, world):
    login(world.admin)
    assert "下载导入模板" in client.get("/org/import/members").get_data(as_text=True)
    r = client.get("/org/import/members/template.xlsx")
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["党员", "填写说明"]
    ws = wb["党员"]
    rows = [row for row in ws.iter_rows(values_only=True) if any(v is not None for v in row)]
    assert rows == [tuple(M_HEAD)], "no example row on the data sheet"
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["D2"] == '"男,女"' and lists["G2"] == '"正式党员,预备党员"'
    assert ws["E2"].number_format == "yyyy-mm-dd"
    notes = [row for row in wb["填写说明"].iter_rows(values_only=True)]
    assert any(row[0] == "姓名" and row[3] == "李明" for row in notes)


def test_the_example_row_of_an_old_template_is_skipped(client, login, world, db):
    login(world.admin)
    before = (_count(db, Branch), _count(db, Member))
    html, r = _upload(client, "branches", xlsx({"支部": [B_HEAD, ["LT-0101", "1号高炉作业区党支部", "生产类", "LT", "王建国"],
                                                         ["A-30", "新支部", "生产类", "A", None]]}))
    assert "该行是模板的示例行，已跳过" in html and "新增 1 条" in html
    assert r.status_code == 302
    assert _count(db, Branch) == before[0] + 1
    assert db.scalar(select(Branch).where(Branch.name == "1号高炉作业区党支部")) is None


def test_export_writes_typed_text_and_reimports_without_apostrophes(client, login, world, db, make_branch, make_member):
    evil = make_branch(world.a, name="=HYPERLINK(\"http://evil\")", code="A-99")
    make_member(evil, name="@SUM(1)", post="+86 13800000000")
    login(world.reviewer)
    ws = load_workbook(io.BytesIO(client.get("/org/branches/export.xlsx").data))["支部"]
    cells = {row[1].value: row[1] for row in ws.iter_rows(min_row=2)}
    assert "=HYPERLINK(\"http://evil\")" in cells, "no visible escape apostrophe"
    assert cells["=HYPERLINK(\"http://evil\")"].data_type == "s", "a text cell, never a formula"
    assert "转炉作业区党支部" not in cells  # unit B
    assert ws.freeze_panes == "A2"
    data = client.get(f"/org/members/export.xlsx?branch={evil.id}").data
    row = next(load_workbook(io.BytesIO(data))["党员"].iter_rows(min_row=2, values_only=True))
    assert row[2] == "@SUM(1)" and row[7] == "+86 13800000000" and row[0].startswith("DY")
    html, r = _upload(client, "members", io.BytesIO(data))
    assert "未变 1 条" in html and r is None


def test_an_escape_apostrophe_typed_in_a_file_is_stripped(client, login, world, db):
    login(world.admin)
    number = world.m_a1.number
    html, r = _upload(client, "members", xlsx({"党员": [M_HEAD, [number, "A-01", "张伟", "男", None, None, "正式党员",
                                                                  "'+86 13800000000"]]}))
    assert "修改 1 条" in html and r.status_code == 302
    db.expire_all()
    assert db.get(Member, world.m_a1.id).post == "+86 13800000000"


def test_reimporting_an_export_changes_nothing_and_one_edit_updates_one_member(client, login, world, db, make_member):
    for i in range(5):
        make_member(world.a1, name=f"成员{i}")
    login(world.admin)
    data = client.get(f"/org/members/export.xlsx?branch={world.a1.id}").data
    before = _count(db, Member)
    html, r = _upload(client, "members", io.BytesIO(data))
    assert "新增 0 条" in html and "修改 0 条" in html and "未变 6 条" in html and r is None
    wb = load_workbook(io.BytesIO(data))
    ws = wb["党员"]
    ws["H3"] = "班长"  # one cell of the second member
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    html, r = _upload(client, "members", out)
    assert "修改 1 条" in html and "未变 5 条" in html and "班长" in html
    assert r.status_code == 302
    assert _count(db, Member) == before, "no member doubled"
    changed = list(db.scalars(select(Member).where(Member.post == "班长")))
    assert len(changed) == 1 and changed[0].version == 2
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "member.update",
                                              AuditEntry.object_id == str(changed[0].id))).new == {"post": "班长"}


def test_members_without_number_are_matched_by_branch_name_and_birth_date(client, login, world, db, make_member):
    from datetime import date
    make_member(world.a1, name="赵磊", birth_date=date(1980, 1, 2))
    make_member(world.a1, name="钱多", birth_date=date(1981, 1, 1))
    make_member(world.a1, name="钱多", birth_date=date(1981, 1, 1))
    login(world.admin)
    before = _count(db, Member)
    html, r = _upload(client, "members", xlsx({"党员": [M_HEAD,
        [None, "A-01", "赵磊", "男", "1980-01-02", None, "正式党员", "司机"],   # one match: updated
        [None, "A-01", "钱多", "男", "1981-01-01", None, "正式党员", None],     # two matches: 可能重复
    ]}))
    assert "可能重复：支部内有 2 名同名且出生日期相同的党员" in html and r is None
    html, r = _upload(client, "members", xlsx({"党员": [M_HEAD,
        [None, "A-01", "赵磊", "男", "1980-01-02", None, "正式党员", "司机"],
        [None, "A-01", "孙新", "男", "1990-01-01", None, "正式党员", None],
        [None, "A-01", "孙新", "男", "1990-01-01", None, "正式党员", None],    # twice in the file
    ]}))
    assert "可能重复：与第 3 行同一支部、同名且出生日期相同" in html and r is None
    assert _count(db, Member) == before


def test_deactivation_is_an_explicit_column_and_absent_rows_are_left_alone(client, login, world, db, make_member):
    other = make_member(world.a1, name="不在文件里")
    login(world.admin)
    html, r = _upload(client, "members", xlsx({"党员": [M_HEAD, [world.m_a1.number, "a-01", "张伟", "男", None, None,
                                                                  "正式党员", None, "已停用"]]}))
    assert "修改 1 条" in html and r.status_code == 302
    db.expire_all()
    assert db.get(Member, world.m_a1.id).active is False
    assert db.get(Member, other.id).active is True


def test_branch_import_updates_existing_branches_by_code(client, login, world, db):
    login(world.admin)
    data = client.get(f"/org/branches/export.xlsx?unit={world.a.id}").data
    html, r = _upload(client, "branches", io.BytesIO(data))
    assert "未变 2 条" in html and r is None
    wb = load_workbook(io.BytesIO(data))
    ws = wb["支部"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "A-02":
            row[1].value = "烧结作业区第一党支部"
            row[0].value = "ａ－０２"  # full width, lower case: still A-02
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    before = _count(db, Branch)
    html, r = _upload(client, "branches", out)
    assert "修改 1 条" in html and "烧结作业区党支部" in html and "烧结作业区第一党支部" in html
    assert r.status_code == 302 and _count(db, Branch) == before
    db.expire_all()
    assert db.get(Branch, world.a2.id).name == "烧结作业区第一党支部"


def test_merged_title_row_extra_sheets_and_gbk_csv(client, login, world, db):
    login(world.admin)
    html, r = _upload(client, "branches", xlsx({"支部": [B_HEAD, ["A-40", "标题行下的支部", "生产类", "A", None]]},
                                              title_row="某某厂党支部名册", extra_sheets=("Sheet2", "Sheet3", "说明")))
    assert "新增 1 条" in html and r.status_code == 302
    html, r = _upload(client, "branches", csv_bytes([B_HEAD, ["A-41", "ＧＢＫ编码的支部", "辅助类", "ａ", ""]]),
                      "支部.csv")
    assert "新增 1 条" in html and r.status_code == 302
    assert db.scalar(select(Branch).where(Branch.code == "A-41")).name == "ＧＢＫ编码的支部"
    html, r = _upload(client, "branches", csv_bytes([B_HEAD, ["A-42", "带BOM的支部", "辅助类", "A", ""]],
                                                    encoding="utf-8", bom=True), "支部.csv")
    assert r.status_code == 302
    html, _ = _upload(client, "branches", xlsx({"支部": [["名册"], ["编号", "名字"], ["A-43", "x"]]}))
    assert "第 1 行不是表头：请删除标题行" in html


def test_cancel_writes_nothing_and_a_token_is_the_uploaders_only(client, login, world, db, make_user, app):
    login(world.admin)
    before = _count(db, Branch)
    url = "/org/import/branches"
    html = preview(client, url, xlsx({"支部": [B_HEAD, ["A-50", "取消的支部", "生产类", "A", None]]})).get_data(as_text=True)
    r = cancel(client, url, html)
    assert r.status_code == 302 and _count(db, Branch) == before
    r = apply(client, url, html)  # the cancelled token is gone
    assert _count(db, Branch) == before
    html = preview(client, url, xlsx({"支部": [B_HEAD, ["A-51", "别人的预览", "生产类", "A", None]]})).get_data(as_text=True)
    other = make_user("admin")
    c2 = app.test_client()
    login(other, c=c2)
    apply(c2, url, html)
    assert _count(db, Branch) == before, "another user cannot apply my upload"
    apply(client, "/org/import/members", html)
    assert _count(db, Branch) == before, "a token is for its own import kind"


def test_apply_refuses_when_the_data_changed_after_the_preview(client, login, world, db):
    login(world.admin)
    url = "/org/import/members"
    html = preview(client, url, xlsx({"党员": [M_HEAD, [world.m_a1.number, "A-01", "张伟", "男", None, None, "正式党员",
                                                        "调度员"]]})).get_data(as_text=True)
    db.execute(Member.__table__.update().where(Member.id == world.m_a1.id).values(post="调度员"))
    db.commit()
    r = apply(client, url, html)
    assert "预览之后数据已有变化" in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["secretary", "viewer"])
def test_secretary_and_viewer_cannot_import(app, login, world, unchanged, role):
    client = app.test_client()
    login(getattr(world, role), c=client)
    assert client.get("/org/import/members").status_code == 404
    r = client.post("/org/import/members?step=preview", data={"file": (xlsx({"党员": [M_HEAD]}), "x.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 404


def test_a_column_absent_from_the_file_is_left_alone(client, login, world, db):
    db.execute(Member.__table__.update().where(Member.id == world.m_a1.id).values(post="炉长"))
    db.commit()
    login(world.admin)
    html, r = _upload(client, "members", xlsx({"党员": [["党员编号", "支部编码", "姓名", "性别", "党员类别"],
                                                       [world.m_a1.number, "A-01", "张伟", "男", "预备党员"]]}))
    assert "修改 1 条" in html and r.status_code == 302
    db.expire_all()
    member = db.get(Member, world.m_a1.id)
    assert member.status == "probationary" and member.post == "炉长", "no 岗位 column: the post is kept"


def test_the_preview_shows_labels_old_and_new(client, login, world):
    login(world.admin)
    html = preview(client, "/org/import/members", xlsx({"党员": [M_HEAD, [world.m_a1.number, "A-01", "张伟", "女", None,
                                                                        None, "预备党员", None, "已停用"]]})).get_data(as_text=True)
    for cells in ("<td>性别</td><td>男</td><td>女</td>", "<td>党员类别</td><td>正式党员</td><td>预备党员</td>",
                  "<td>状态</td><td>在用</td><td>已停用</td>"):
        assert cells in html, cells
