import io

import pytest

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.org.importing import BRANCH_COLUMNS, MEMBER_COLUMNS
from core.org.models import Branch, Member


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


def _upload(client, what, stream):
    return client.post(f"/org/import/{what}", data={"file": (stream, "导入.xlsx")},
                       content_type="multipart/form-data")


def _count(db, model):
    return db.scalar(select(func.count(model.id)))


def test_good_branch_import_creates_all_rows_and_one_audit_entry(client, login, world, db):
    login(world.admin)
    before = _count(db, Branch)
    r = _upload(client, "branches", _xlsx("支部", BRANCH_COLUMNS, [
        ["A-10", "原料作业区党支部", "生产类", "A", "赵敏"],
        ["B-10", "精炼作业区党支部", "production", "B", None],
    ]))
    assert r.status_code == 302
    assert _count(db, Branch) == before + 2
    branch = db.scalar(select(Branch).where(Branch.code == "B-10"))
    assert branch.unit_id == world.b.id and branch.category == "production"
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "branch.import")))
    assert {e.unit_id: e.new["created"] for e in entries} == {world.a.id: 1, world.b.id: 1}


def test_bad_branch_import_writes_nothing_and_reports_every_cell(client, login, world, db):
    login(world.reviewer)  # of unit A only
    before = _count(db, Branch)
    r = _upload(client, "branches", _xlsx("支部", BRANCH_COLUMNS, [
        ["A-20", "好的一行", "生产类", "A", None],            # row 2: fine
        ["A-01", "编码已存在", "生产类", "A", None],          # row 3: code in DB
        ["A-21", "类别错误", "后勤类", "A", None],            # row 4: unknown category
        ["A-22", "未知单位", "辅助类", "NOPE", None],         # row 5: unknown unit code
        ["A-20", "文件内重复", "辅助类", "A", None],          # row 6: duplicate of row 2
        ["A-23", "越权单位", "辅助类", "B", None],            # row 7: out of the reviewer's scope
        [None, "缺编码", "辅助类", "A", None],                # row 8: required cell empty
    ]))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert _count(db, Branch) == before
    assert "发现 6 处错误，未写入任何数据" in html
    for expected in ("支部编码“A-01”已存在于系统中。", "应为以下之一：生产类", "找不到编码为“NOPE”的二级单位党委或党总支。",
                     "支部编码“A-20”与第 2 行重复。", "上级组织“B”不在您的管理范围内或已停用。", "不能为空。"):
        assert expected in html, expected
    assert "<td class=\"num\">4</td><td>支部类别</td>" in html
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "branch.import")) is None


def test_member_import_all_or_nothing(client, login, world, db):
    login(world.reviewer)
    before = _count(db, Member)
    r = _upload(client, "members", _xlsx("党员", MEMBER_COLUMNS, [
        ["A-01", "陈静", "女", "1990-02-03", "2015-06-30", "正式", "点检员"],
        ["A-01", "孙伟", "男", "1990-13-03", "2015-06-30", "正式党员", None],    # bad date
        ["B-01", "越权", "男", None, None, "预备党员", None],                     # other unit's branch
        ["ZZ-99", "无此支部", "男", None, None, "正式党员", None],               # unknown branch
        ["A-02", "年龄不符", "男", "2000-01-01", "2010-01-01", "正式党员", None],  # joined at 10
        ["A-02", "类别错", "未知", None, None, "团员", None],                    # gender and status
    ]))
    html = r.get_data(as_text=True)
    assert _count(db, Member) == before
    for expected in ("日期格式不正确", "找不到编码为“B-01”的支部。", "找不到编码为“ZZ-99”的支部。",
                     "入党时应年满 18 周岁", "应为以下之一：男、女。", "应为以下之一：正式党员、预备党员。"):
        assert expected in html, expected
    good = _upload(client, "members", _xlsx("党员", MEMBER_COLUMNS, [
        ["A-01", "陈静", "女", "1990-02-03", "2015-06-30", "正式", "点检员"],
        ["A-02", "周杰", "男", "1985-11-11", "2024-12-01", "预备", None],
    ]))
    assert good.status_code == 302
    assert _count(db, Member) == before + 2
    assert db.scalar(select(Member).where(Member.name == "周杰")).status == "probationary"


def test_non_xlsx_upload_is_refused(client, login, world):
    login(world.admin)
    r = client.post("/org/import/branches", data={"file": (io.BytesIO(b"a,b"), "x.csv")},
                    content_type="multipart/form-data")
    assert "只接受 .xlsx 文件" in r.get_data(as_text=True)
    r = _upload(client, "branches", io.BytesIO(b"not a zip"))
    assert "无法读取该文件" in r.get_data(as_text=True)


def test_template_has_headers_and_example_row(client, login, world):
    login(world.admin)
    assert "下载导入模板" in client.get("/org/import/members").get_data(as_text=True)
    r = client.get("/org/import/branches/template.xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(c.header for c in BRANCH_COLUMNS)
    assert rows[1][0] == "LT-0101" and len(rows) == 2


def test_export_escapes_formula_cells_and_respects_scope(client, login, world, make_branch, make_member):
    evil = make_branch(world.a, name="=HYPERLINK(\"http://evil\")", code="A-99")
    make_member(evil, name="@SUM(1)", post="-1+2")
    login(world.reviewer)
    ws = load_workbook(io.BytesIO(client.get("/org/branches/export.xlsx").data)).active
    names = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert "转炉作业区党支部" not in names  # unit B
    assert ws.freeze_panes == "A2"
    ws = load_workbook(io.BytesIO(client.get(f"/org/members/export.xlsx?branch={evil.id}").data)).active
    row = next(ws.iter_rows(min_row=2, values_only=True))
    assert row[1] == "'@SUM(1)" and row[6] == "'-1+2"


def test_exported_branches_read_back_through_the_import(client, login, world, db):
    login(world.admin)
    data = client.get(f"/org/branches/export.xlsx?unit={world.b.id}").data
    db.execute(Branch.__table__.update().where(Branch.code == "B-01").values(code="B-01-old"))
    db.commit()
    r = _upload(client, "branches", io.BytesIO(data))
    assert r.status_code == 302
    assert db.scalar(select(Branch).where(Branch.code == "B-01")).unit_id == world.b.id


@pytest.mark.parametrize("role", ["secretary", "viewer"])
def test_secretary_and_viewer_cannot_import(app, login, world, unchanged, role):
    client = app.test_client()
    login(getattr(world, role), c=client)
    assert client.get("/org/import/members").status_code == 404
    with unchanged():  # a sheet the admin's import would accept
        r = _upload(client, "members", _xlsx("党员", MEMBER_COLUMNS, [
            ["A-01", "陈静", "女", "1990-02-03", "2015-06-30", "正式", "点检员"]]))
        assert r.status_code == 404
        r = _upload(client, "branches", _xlsx("支部", BRANCH_COLUMNS, [["A-10", "原料作业区党支部", "生产类", "A", None]]))
        assert r.status_code == 404
