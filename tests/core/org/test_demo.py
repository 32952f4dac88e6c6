from collections import Counter

from sqlalchemy import func, select

from core.auth.models import User
from core.org import demodata
from core.org.commands import demo
from core.org.models import CATEGORIES, Branch, Member, OrgNode
from core.plugins.models import UnitPlugin


def test_demo_builds_a_realistic_group_deterministically(db):
    result = demodata.build_demo(db, password_method="pbkdf2:sha256:1000")
    db.commit()
    assert len(result.units) >= 6 and len(result.general_branches) >= 2
    assert 140 <= len(result.branches) <= 160
    by_category = Counter(b.category for b in result.branches)
    assert set(by_category) == set(CATEGORIES)
    assert by_category["production"] == max(by_category.values())
    sales = next(u for u in result.units if u.name == "销售公司党委")
    assert {b.category for b in result.branches if b.unit_id == sales.id} >= {"market"}
    per_branch = Counter(db.scalars(select(Member.branch_id)))
    assert min(per_branch.values()) >= 8 and max(per_branch.values()) <= 20
    assert len(per_branch) == len(result.branches)
    names = list(db.scalars(select(Member.name).order_by(Member.id).limit(5)))
    assert all(2 <= len(n) <= 3 for n in names)
    for general in result.general_branches:
        under = [b for b in result.branches if b.parent_id == general.id]
        assert under and all(b.unit_id == general.unit_id for b in under)
    assert {u.role for u in db.scalars(select(User))} == {"admin", "reviewer", "secretary", "viewer"}
    assert all(m.joined_on >= demodata.add_years(m.birth_date, 18) for m in db.scalars(select(Member)))


def test_demo_is_the_same_for_the_same_seed(app, db):
    first = demodata.build_demo(db, password_method="pbkdf2:sha256:1000")
    names = [m.name for m in db.scalars(select(Member).order_by(Member.id))]
    demodata.wipe(db)
    db.commit()
    demodata.build_demo(db, password_method="pbkdf2:sha256:1000")
    assert [m.name for m in db.scalars(select(Member).order_by(Member.id))] == names
    assert first.members == len(names)


def test_demo_command_prints_logins_enables_production_and_refuses_second_run(app, db):
    runner = app.test_cli_runner()
    r = runner.invoke(demo)
    assert r.exit_code == 0, r.output
    for username, password, *_ in demodata.DEMO_USERS:
        assert username in r.output and password in r.output
    production_units = set(db.scalars(select(UnitPlugin.unit_id).where(UnitPlugin.plugin == "production")))
    codes = set(db.scalars(select(OrgNode.code).where(OrgNode.id.in_(production_units))))
    assert codes == set(demodata.PRODUCTION_UNITS)
    branches = db.scalar(select(func.count(Branch.id)))

    again = runner.invoke(demo)
    assert again.exit_code != 0 and "--reset" in again.output
    assert db.scalar(select(func.count(Branch.id))) == branches

    reset = runner.invoke(demo, ["--reset"])
    assert reset.exit_code == 0, reset.output
    assert db.scalar(select(func.count(Branch.id))) == branches
    assert db.scalar(select(func.count(User.id))) == len(demodata.DEMO_USERS)


def test_demo_logins_work(app, client, db):
    demodata.build_demo(db, password_method="pbkdf2:sha256:1000")
    db.commit()
    for username, password, *_ in demodata.DEMO_USERS:
        c = app.test_client()
        assert c.post("/login", data={"username": username, "password": password}).status_code == 302


def test_demo_pages_render_for_every_role(app, db):
    result = demodata.build_demo(db, password_method="pbkdf2:sha256:1000")
    db.commit()
    branch = result.branches[0]
    member = db.scalar(select(Member).where(Member.branch_id == branch.id))
    pages = ["/org/branches", "/org/members", f"/org/branches/{branch.id}", f"/org/members/{member.id}",
             "/org/units", "/admin/users/", "/admin/plugins/", "/audit/", "/org/import/branches",
             f"/org/members/{member.id}/transfer", f"/org/branches/{branch.id}/edit", "/org/units/new",
             f"/org/units/{result.units[0].id}/edit", "/admin/users/new", "/org/branches/new",
             f"/org/branches/{branch.id}/members/new", f"/org/members/{member.id}/edit"]
    c = app.test_client()
    assert c.post("/login", data={"username": "admin", "password": "demo-admin-2026"}).status_code == 302
    for url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
        assert "组织管理" in r.get_data(as_text=True), url  # the menu section
    for username, password, *_ in demodata.DEMO_USERS[1:]:
        c = app.test_client()
        c.post("/login", data={"username": username, "password": password})
        for url in ("/org/branches", "/org/members", "/api/v1/branches"):
            assert c.get(url).status_code == 200, (username, url)
