"""Every hookspec is documented and exercised (Datasette's rule): the test plugin
`tests.plugins_fixtures.dummy` implements every hook, and for each hook a test below
checks that the app really uses what the hook returned."""
from __future__ import annotations

import inspect

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from core.plugins import hookspecs
from tests.plugins_fixtures import dummy

DUMMY = {"dummy": "tests.plugins_fixtures.dummy"}
with_dummy = pytest.mark.config({"PLUGINS": DUMMY})

#: hook name → the tests below that exercise it (filled by @exercises).
EXERCISED: dict[str, list[str]] = {}


def exercises(*hooks):
    def mark(test):
        for hook in hooks:
            EXERCISED.setdefault(hook, []).append(test.__name__)
        return test
    return mark


def _hookspecs():
    return {name: fn for name, fn in vars(hookspecs).items()
            if inspect.isfunction(fn) and hasattr(fn, "starbranch_spec")}


def _flat(batches):
    return [item for batch in batches for item in (batch or [])]


@pytest.fixture(autouse=True)
def _clear_calls():
    dummy.CALLS.clear()
    yield
    dummy.CALLS.clear()


# ---------------------------------------------------------------- the contract
def test_hookspecs_exist_and_are_prefixed():
    specs = _hookspecs()
    assert len(specs) >= 8
    assert all(name.startswith("starbranch_") for name in specs)


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_every_hookspec_says_when_it_is_called_and_what_it_returns(name):
    doc = inspect.getdoc(_hookspecs()[name]) or ""
    assert "Called" in doc, f"{name}: the docstring must say when the hook is called"
    assert "Return" in doc, f"{name}: the docstring must say what the hook returns"


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_every_hookspec_is_exercised_by_a_test(name):
    tests = EXERCISED.get(name, [])
    assert tests, f"no test exercises hook {name}"
    for test_name in tests:
        assert callable(globals().get(test_name)), test_name


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_the_test_plugin_implements_every_hook(name):
    assert callable(getattr(dummy, name, None)), f"tests/plugins_fixtures/dummy.py lacks {name}"


# ---------------------------------------------------------------- each hook, used
@with_dummy
@exercises("starbranch_blueprints")
def test_plugin_blueprint_is_registered_and_404s_where_not_enabled(app, client, make_unit, make_branch,
                                                                   make_user, login, enable_plugin):
    assert "dummy.index" in app.view_functions
    unit_a, unit_b = make_unit(), make_unit()
    enable_plugin(unit_a, "dummy")
    user_a = make_user("secretary", branch=make_branch(unit=unit_a))
    user_b = make_user("secretary", branch=make_branch(unit=unit_b))
    login(user_a)
    r = client.get("/dummy/")
    assert r.status_code == 200 and "测试插件页面" in r.get_data(as_text=True)
    other = app.test_client()
    login(user_b, c=other)
    assert other.get("/dummy/").status_code == 404


@with_dummy
@exercises("starbranch_menu_items")
def test_plugin_menu_item_shown_only_where_enabled(client, make_unit, make_user, login, enable_plugin):
    unit = make_unit()
    login(make_user("admin"))
    assert "测试插件菜单" not in client.get("/").get_data(as_text=True)
    enable_plugin(unit, "dummy")
    assert "测试插件菜单" in client.get("/").get_data(as_text=True)


@with_dummy
@exercises("starbranch_cli_commands")
def test_plugin_cli_command_is_added_to_starbranch(app):
    from core.cli import StarbranchGroup

    group = StarbranchGroup(name="starbranch", create_app=lambda: app)
    result = CliRunner().invoke(group, ["dummy-hello"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "hello from dummy" in result.output
    listing = CliRunner().invoke(group, ["--help"], obj=ScriptInfo(create_app=lambda: app)).output
    assert "dummy-hello" in listing and "db" in listing and "demo" in listing


@with_dummy
@exercises("starbranch_indicator_kinds")
def test_plugin_indicator_kind_is_offered(app):
    kinds = _flat(app.extensions["starbranch.plugins"].hook.starbranch_indicator_kinds())
    dummy_kinds = [k for k in kinds if k.method == "dummy_count"]
    assert len(dummy_kinds) == 1 and dummy_kinds[0].plugin == "dummy"
    methods = [k.method for k in kinds]
    assert len(methods) == len(set(methods)), "indicator method codes must be unique"


@with_dummy
@exercises("starbranch_dashboard_panels")
def test_plugin_dashboard_panel_is_returned_for_a_branch(app, db, make_branch):
    from core.periods.keys import PeriodKey

    branch = make_branch(name="第一测试党支部")
    period = PeriodKey.parse("2026-03")
    panels = _flat(app.extensions["starbranch.plugins"].hook.starbranch_dashboard_panels(
        session=db, branch=branch, period=period))
    mine = [p for p in panels if p.plugin == "dummy"]
    assert [p.title for p in mine] == ["测试面板"]
    assert "第一测试党支部" in mine[0].html


@with_dummy
@exercises("starbranch_demo_data")
def test_plugin_demo_hook_runs_inside_starbranch_demo(app):
    from core.cli import StarbranchGroup

    group = StarbranchGroup(name="starbranch", create_app=lambda: app)
    result = CliRunner().invoke(group, ["demo"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    calls = [args for hook, args in dummy.CALLS if hook == "starbranch_demo_data"]
    assert len(calls) == 1
    assert calls[0]["units"] > 0 and calls[0]["branches"] > 0


@with_dummy
@exercises("starbranch_default_indicators")
def test_plugin_default_indicators_are_returned(app):
    rows = _flat(app.extensions["starbranch.plugins"].hook.starbranch_default_indicators(ruleset=None))
    assert {"code": "DUMMY-1", "name": "测试指标", "method": "dummy_count", "points": "1.00",
            "index_code": "performance", "kind": "special", "cycle": "month", "plugin": "dummy"} in rows


@with_dummy
@exercises("starbranch_celery_tasks")
def test_plugin_celery_tasks_are_registered(app):
    celery = app.extensions["celery"]
    assert "dummy.echo" in celery.tasks
    assert celery.tasks["dummy.echo"].delay("回声").get(timeout=5) == "回声"
    assert "jobs.ping" in celery.tasks  # the core registers its tasks through the same hook


@with_dummy
@exercises("starbranch_star_gates")
def test_plugin_star_gate_is_available_to_the_engine(app, db):
    from core.periods.keys import PeriodKey
    from core.scoring.gates import gates_from, passing

    gates = gates_from(app.extensions["starbranch.plugins"])
    assert gates["dummy_even"].label == "测试门槛（偶数编号）"
    assert passing(db, gates, "dummy_even", [1, 2, 3, 4], PeriodKey.parse("2026Q1")) == {2, 4}


@with_dummy
@exercises("starbranch_audit_words")
def test_plugin_audit_words_name_its_actions_on_the_audit_page(app, db, client, make_user, login):
    from core.audit.service import record

    admin = make_user("admin")
    record(db, actor=admin, action="dummy.poke", object_type="dummy_things", object_id=7,
           old={"pokes": 1}, new={"pokes": 2})
    db.commit()
    login(admin)
    page = client.get("/audit/").get_data(as_text=True)
    assert "测试插件操作" in page and "测试对象" in page and "戳的次数" in page


@with_dummy
@exercises("starbranch_document_types")
def test_plugin_document_type_is_issued_and_verified(app, db, client, make_unit, make_user, login, enable_plugin):
    import shutil

    from core.documents.service import RenderSettings, issue
    from core.documents.types import IssueRequest, document_types

    types = document_types(app)
    assert types["dummy_note"].plugin == "dummy" and "certificate" in types  # the core's come through the hook too
    result = issue(db, types, IssueRequest(doc_type="dummy_note", period_key="2026"),
                   RenderSettings.from_app(app, "http://verify.test/"))
    db.commit()
    doc = result.documents[0]
    if shutil.which("pdftotext"):
        from tests.core.documents.pdf_tools import pdf_text
        text = pdf_text(result.pdfs[0])
        assert "测试插件文书内容" in text and doc.serial in text
    assert "测试插件文书" in client.get(f"/verify/{doc.serial}").get_data(as_text=True)
    import re

    def issue_choices():
        page = client.get("/documents").get_data(as_text=True)
        return re.search(r'<select id="issue-doc_type".*?</select>', page, re.S).group(0)

    unit = make_unit()
    login(make_user("admin"))
    assert 'value="dummy_note"' not in issue_choices() and 'value="certificate"' in issue_choices()
    enable_plugin(unit, "dummy")  # a plugin's types are offered where it is enabled
    assert 'value="dummy_note"' in issue_choices()
