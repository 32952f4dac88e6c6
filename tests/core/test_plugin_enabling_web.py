"""The plugin enabling page, and what enabling means on the web: a plugin enabled for
unit A shows its menu entry and pages in unit A only.

This module is itself a tiny plugin (`tinyplug`, depending on `production`) loaded by
the tests below through PLUGINS, with one page per unit and one overview page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.access import requires
from core.plugins.hookspecs import hookimpl
from core.plugins.models import UnitPlugin
from core.plugins.web import MenuItem, plugin_blueprint

MANIFEST = {"name": "tinyplug", "label": "小插件", "version": "0.0.1", "depends": ["production"],
            "summary": "测试用：依赖生产经营指标插件。"}

tiny_bp = plugin_blueprint("tinyplug", "tinyplug", __name__, url_prefix="/tinyplug")


@tiny_bp.route("/")
@requires()
def overview():
    return "小插件总览"


@tiny_bp.route("/unit/<int:unit_id>")
@requires()
def unit_page(unit_id):
    return f"小插件单位页 {unit_id}"


@hookimpl
def starbranch_blueprints():
    return [tiny_bp]


@hookimpl
def starbranch_menu_items():
    return [MenuItem("插件", "小插件菜单", "tinyplug.overview", plugin="tinyplug")]


PLUGINS = {"production": "plugins.production", "tinyplug": __name__, "ghost": "no_such_module_for_tests"}
pytestmark = pytest.mark.config({"PLUGINS": PLUGINS})



@pytest.fixture
def org(make_unit, make_branch, make_user):
    a, b = make_unit(name="炼铁厂党委"), make_unit(name="销售公司党委")
    a1, b1 = make_branch(a), make_branch(b)
    return dict(a=a, b=b, a1=a1, b1=b1, admin=make_user("admin"),
                rev_a=make_user("reviewer", units=[a]), rev_b=make_user("reviewer", units=[b]),
                sec_a=make_user("secretary", branch=a1), sec_b=make_user("secretary", branch=b1))


def toggle(client, unit, plugin, action):
    return client.post("/admin/plugins/toggle", data={"unit_id": str(unit.id), "plugin": plugin, "action": action},
                       follow_redirects=True)


def enabled(db):
    db.expire_all()
    return {(r.unit_id, r.plugin) for r in db.scalars(select(UnitPlugin))}


def test_page_shows_units_plugins_with_labels_and_broken_ones(app, client, login, org):
    login(org["admin"])
    html = client.get("/admin/plugins/").get_data(as_text=True)
    assert "炼铁厂党委" in html and "销售公司党委" in html
    assert "生产经营指标" in html and "小插件" in html
    assert "无法加载的插件" in html and "ghost" in html and "ModuleNotFoundError" in html


def test_enabling_pulls_its_dependency_and_is_audited(client, login, org, db):
    login(org["admin"])
    html = toggle(client, org["a"], "tinyplug", "enable").get_data(as_text=True)
    assert "同时启用依赖插件：生产经营指标" in html
    assert enabled(db) == {(org["a"].id, "production"), (org["a"].id, "tinyplug")}
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "plugin.enable")))
    assert {e.new["plugin"] for e in entries} == {"production", "tinyplug"}
    assert all(e.unit_id == org["a"].id and e.user_id == org["admin"].id for e in entries)


def test_disabling_refuses_while_a_dependent_is_enabled(client, login, org, db):
    login(org["admin"])
    toggle(client, org["a"], "tinyplug", "enable")
    html = toggle(client, org["a"], "production", "disable").get_data(as_text=True)
    assert "无法停用" in html and "小插件" in html
    assert (org["a"].id, "production") in enabled(db)
    toggle(client, org["a"], "tinyplug", "disable")
    toggle(client, org["a"], "production", "disable")
    assert enabled(db) == set()


def test_unknown_plugin_name_is_refused(client, login, org, db):
    login(org["admin"])
    for name in ("ghost", "nonexistent", ""):
        r = client.post("/admin/plugins/toggle", data={"unit_id": str(org["a"].id), "plugin": name, "action": "enable"})
        assert r.status_code == 400
    r = client.post("/admin/plugins/toggle", data={"unit_id": str(org["a"].id), "plugin": "ghost", "action": "enable"})
    assert "未知或无法加载的插件：ghost" in r.get_data(as_text=True)
    r = client.post("/admin/plugins/toggle", data={"unit_id": str(org["a1"].id + 999), "plugin": "production",
                                                   "action": "enable"})
    assert r.status_code == 400 and "二级单位不存在" in r.get_data(as_text=True)
    assert enabled(db) == set()


def test_plugin_enabled_for_unit_a_is_invisible_in_unit_b(app, client, login, org):
    login(org["admin"])
    toggle(client, org["a"], "tinyplug", "enable")
    a, b = org["a"].id, org["b"].id

    def visit(user):
        c = app.test_client()
        login(user, c=c)
        home = c.get("/").get_data(as_text=True)
        return ("小插件菜单" in home, c.get("/tinyplug/").status_code,
                c.get(f"/tinyplug/unit/{a}").status_code, c.get(f"/tinyplug/unit/{b}").status_code)

    assert visit(org["rev_a"]) == (True, 200, 200, 404)
    assert visit(org["sec_a"]) == (True, 200, 200, 404)
    assert visit(org["rev_b"]) == (False, 404, 404, 404)
    assert visit(org["sec_b"]) == (False, 404, 404, 404)

    toggle(client, org["a"], "tinyplug", "disable")
    assert visit(org["rev_a"]) == (False, 404, 404, 404)


def test_only_admins_open_the_page(client, login, org, unchanged):
    login(org["rev_a"])
    assert client.get("/admin/plugins/").status_code == 404
    with unchanged():
        assert client.post("/admin/plugins/toggle", data={"unit_id": str(org["a"].id), "plugin": "production",
                                                          "action": "enable"}).status_code == 404


def test_page_says_what_each_plugin_adds_and_who_depends_on_it(client, login, org):
    login(org["admin"])
    page = client.get("/admin/plugins/").get_data(as_text=True)
    assert "生产经营指标（计划与实绩）" in page          # production's scoring method
    assert "季度验收" in page                              # one of its menu entries
    assert "停用时受影响" in page and "版本" in page
