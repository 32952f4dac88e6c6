"""Imports of the batches users type — point records, honours, targets with monthly
progress, user accounts — with the preview, identity and scope rules (#13)."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.auth.models import User
from core.honours.models import Honour
from core.imports.batches import HONOUR_COLUMNS, POINT_COLUMNS, TARGET_COLUMNS, USER_COLUMNS
from core.ledger.models import PointRecord
from core.targets.models import Target, TargetProgress
from tests.office import apply, preview, xlsx


def head(columns):
    return [c.header for c in columns]


@pytest.fixture
def units(make_unit, make_branch, make_user):
    a, b = make_unit(code="UA"), make_unit(code="UB")
    return {"a": a, "b": b, "mine": make_branch(a, code="MINE"), "theirs": make_branch(b, code="THEIRS"),
            "reviewer": make_user("reviewer", units=[a]), "admin": make_user("admin")}


def run(client, kind, sheet_rows, columns):
    url = f"/imports/{kind}"
    html = preview(client, url, xlsx({"导入": [head(columns), *sheet_rows]})).get_data(as_text=True)
    r = apply(client, url, html) if "确认导入" in html else None
    return html, r


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_point_records_new_unchanged_changed_and_scoped(client, login, db, units):
    login(units["reviewer"])
    rows = [["mine", "加分", "2026-03-15", 2, "获市级表彰", None]]
    html, r = run(client, "points", rows, POINT_COLUMNS)
    assert "新增 1 条" in html and r.status_code == 302 and count(db, PointRecord) == 1
    html, r = run(client, "points", rows, POINT_COLUMNS)
    assert "未变 1 条" in html and r is None and count(db, PointRecord) == 1
    html, r = run(client, "points", [["MINE", "加分", "2026-03-15", 3, "获市级表彰", None]], POINT_COLUMNS)
    assert "修改 1 条" in html and r.status_code == 302
    db.expire_all()
    assert db.scalar(select(PointRecord)).points == Decimal("3.00") and count(db, PointRecord) == 1
    html, r = run(client, "points", [["THEIRS", "扣分", "2026-03-15", 1, "越权", None],
                                     ["MINE", "扣分", "2026-03-16", 0, "分值为 0", None]], POINT_COLUMNS)
    assert "找不到编码为“THEIRS”的支部" in html and "加分、扣分的分值须大于 0" in html and r is None


def test_honours_by_branch_title_and_date(client, login, db, units):
    login(units["reviewer"])
    rows = [["MINE", "先进基层党组织", "市级", "中共某市委", "2026-07-01", None]]
    html, r = run(client, "honours", rows, HONOUR_COLUMNS)
    assert r.status_code == 302 and count(db, Honour) == 1
    html, r = run(client, "honours", [["MINE", "先进基层党组织", "省级", "中共某省委", "2026-07-01", None]], HONOUR_COLUMNS)
    assert "修改 1 条" in html and "中共某市委" in html and r.status_code == 302
    db.expire_all()
    assert db.scalar(select(Honour)).level == "provincial" and count(db, Honour) == 1


def test_targets_with_monthly_progress(client, login, db, units):
    login(units["reviewer"])
    rows = [["MINE", "全年安全无事故", "安全生产经营", "星级业绩", 5, "王建国", "2026-12-31", "2026-01", 30, None],
            ["MINE", "全年安全无事故", "安全生产经营", "星级业绩", 5, "王建国", "2026-12-31", "2026-02", 55, "过半"]]
    html, r = run(client, "targets", rows, TARGET_COLUMNS)
    assert "新增 2 条" in html and r.status_code == 302
    assert count(db, Target) == 1 and count(db, TargetProgress) == 2
    html, r = run(client, "targets", rows, TARGET_COLUMNS)
    assert "未变 2 条" in html and r is None
    rows[1][8] = 60
    html, r = run(client, "targets", rows, TARGET_COLUMNS)
    assert "修改 1 条" in html and r.status_code == 302
    db.expire_all()
    assert sorted(p.completion for p in db.scalars(select(TargetProgress))) == [Decimal("30.00"), Decimal("60.00")]


def test_user_accounts_only_by_admins(client, login, db, units):
    login(units["reviewer"])
    assert client.get("/imports/users").status_code == 404
    login(units["admin"])
    rows = [["zhang", "张书记", "支部书记", "MINE", None, "secret-pass-1", None],
            ["li", "李审核", "二级单位党委审核员", None, "ua、UB", "secret-pass-2", None],
            ["wang", "王", "只读查看", None, "UA", None, None]]
    html, r = run(client, "users", rows, USER_COLUMNS)
    assert "新账号须填写初始密码" in html and r is None and count(db, User) == 2
    html, r = run(client, "users", rows[:2], USER_COLUMNS)
    assert r.status_code == 302
    li = db.scalar(select(User).where(User.username == "li"))
    assert li.role == "reviewer" and li.unit_ids == {units["a"].id, units["b"].id} and li.check_password("secret-pass-2")
    html, r = run(client, "users", [["zhang", "张书记", "支部书记", "MINE", None, None, "已停用"]], USER_COLUMNS)
    assert "修改 1 条" in html and r.status_code == 302
    db.expire_all()
    assert db.scalar(select(User).where(User.username == "zhang")).active is False


def test_a_locked_month_is_reported_in_the_preview_and_nothing_written(client, login, db, units):
    from core.periods.models import Period
    db.add(Period(key="2026-03", kind="month", year=2026, number=3, starts_on=date(2026, 3, 1),
                  ends_on=date(2026, 3, 31), status="closed"))
    db.commit()
    login(units["reviewer"])
    html, r = run(client, "points", [["MINE", "加分", "2026-03-15", 2, "获市级表彰", None]], POINT_COLUMNS)
    assert "已结账锁定" in html and r is None and count(db, PointRecord) == 0
