"""Plugin loading (order by `depends`, broken plugins reported, not fatal) and
per-unit enabling (dependencies pulled in, disabling refused while a dependent is
enabled, every change audited)."""
from __future__ import annotations

import sys
import types

import pluggy
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.plugins import service
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import load_plugins
from core.plugins.models import UnitPlugin

PREFIX = "sbtest_plugins"


def fake_plugin(module_name, manifest=None, **hooks):
    """Put a plugin module named PREFIX.<module_name> in sys.modules."""
    module = types.ModuleType(f"{PREFIX}.{module_name}")
    if manifest is not None:
        module.MANIFEST = manifest
    for name, fn in hooks.items():
        setattr(module, name, fn)
    sys.modules[module.__name__] = module
    return module.__name__


def manifest(name, *depends, **extra):
    return {"name": name, "label": f"插件{name}", "version": "1.0", "depends": list(depends), **extra}


sys.modules.setdefault(PREFIX, types.ModuleType(PREFIX))
ALPHA = fake_plugin("alpha", manifest("alpha"))
BETA = fake_plugin("beta", manifest("beta", "alpha"))
GAMMA = fake_plugin("gamma", manifest("gamma", "beta"))
TWO_PLUGINS = {"beta": BETA, "alpha": ALPHA}


# ---------------------------------------------------------------- loading
def test_load_order_follows_depends_whatever_the_order_given():
    registry = load_plugins({"gamma": GAMMA, "beta": BETA, "alpha": ALPHA})
    assert list(registry.manifests) == ["alpha", "beta", "gamma"]
    assert registry.broken == {}
    names = [registry.pm.get_name(p) for p in registry.pm.get_plugins()]
    assert {"alpha", "beta", "gamma", "core.plugins.builtin"} <= set(names)


def test_missing_dependency_is_reported_not_fatal():
    lonely = fake_plugin("lonely", manifest("lonely", "nowhere"))
    registry = load_plugins({"alpha": ALPHA, "lonely": lonely})
    assert list(registry.manifests) == ["alpha"]
    assert "nowhere" in registry.broken["lonely"]


def test_dependency_on_a_broken_plugin_is_reported():
    registry = load_plugins({"beta": BETA})  # alpha not offered
    assert "beta" in registry.broken and "alpha" in registry.broken["beta"]


def test_dependency_cycle_is_reported_not_fatal():
    a = fake_plugin("cyc_a", manifest("cyc_a", "cyc_b"))
    b = fake_plugin("cyc_b", manifest("cyc_b", "cyc_a"))
    registry = load_plugins({"cyc_a": a, "cyc_b": b, "alpha": ALPHA})
    assert list(registry.manifests) == ["alpha"]
    assert "依赖循环" in registry.broken["cyc_a"] or "依赖循环" in registry.broken["cyc_b"]
    assert {"cyc_a", "cyc_b"} <= set(registry.broken)


def test_import_errors_are_reported_not_fatal():
    registry = load_plugins({"alpha": ALPHA,
                             "crashing": "tests.plugins_fixtures.broken_import",
                             "absent": "tests.plugins_fixtures.no_such_module"})
    assert list(registry.manifests) == ["alpha"]
    assert "RuntimeError" in registry.broken["crashing"]
    assert "ModuleNotFoundError" in registry.broken["absent"]


@pytest.mark.parametrize("raw, why", [
    (None, "no MANIFEST dict"),
    ({"name": "nover", "label": "x"}, "MANIFEST lacks version"),
    ({"name": "someone_else", "label": "x", "version": "1"}, "≠ entry point"),
])
def test_bad_manifest_is_reported_not_fatal(raw, why):
    path = fake_plugin("bad_manifest", raw)
    registry = load_plugins({"nover": path})
    assert why in registry.broken["nover"]
    assert "nover" not in registry.manifests


def test_misspelled_hookimpl_raises():
    def starbranch_blueprintz():
        return []

    path = fake_plugin("typo", manifest("typo"), starbranch_blueprintz=hookimpl(starbranch_blueprintz))
    with pytest.raises(pluggy.PluginValidationError, match="starbranch_blueprintz"):
        load_plugins({"typo": path})


@pytest.mark.config({"PLUGINS": {"alpha": ALPHA, "crashing": "tests.plugins_fixtures.broken_import"}})
def test_app_starts_and_lists_the_broken_plugin(app, client, make_user, login):
    registry = app.extensions["starbranch.plugins"]
    assert "crashing" in registry.broken and "alpha" in registry.manifests
    login(make_user("admin"))
    page = client.get("/admin/plugins/").get_data(as_text=True)
    assert "crashing" in page and "RuntimeError" in page


# ---------------------------------------------------------------- enabling
pytestmark_enabling = pytest.mark.config({"PLUGINS": TWO_PLUGINS})


def _audit(db, action):
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytestmark_enabling
def test_enabling_pulls_in_dependencies_and_audits_each(app, db, make_unit, make_user):
    registry = app.extensions["starbranch.plugins"]
    unit, other = make_unit(), make_unit()
    admin = make_user("admin")
    added = service.enable(db, registry, unit_id=unit.id, name="beta", actor=admin)
    db.commit()
    assert added == ["alpha", "beta"]
    assert service.enabled_plugins(db, unit.id) == {"alpha", "beta"}
    assert service.enabled_plugins(db, other.id) == set()
    entries = _audit(db, "plugin.enable")
    assert [(e.object_id, e.user_id, e.unit_id) for e in entries] == [
        (f"{unit.id}:alpha", admin.id, unit.id), (f"{unit.id}:beta", admin.id, unit.id)]
    assert entries[0].reason == "beta 依赖 alpha" and entries[1].reason is None
    # enabling again adds nothing and writes nothing
    assert service.enable(db, registry, unit_id=unit.id, name="beta", actor=admin) == []
    db.commit()
    assert len(_audit(db, "plugin.enable")) == 2


@pytestmark_enabling
def test_disabling_is_refused_while_a_dependent_is_enabled(app, db, make_unit, make_user):
    registry = app.extensions["starbranch.plugins"]
    unit = make_unit()
    admin = make_user("admin")
    service.enable(db, registry, unit_id=unit.id, name="beta", actor=admin)
    db.commit()
    with pytest.raises(service.PluginError, match="插件beta"):
        service.disable(db, registry, unit_id=unit.id, name="alpha", actor=admin)
    db.rollback()
    assert service.enabled_plugins(db, unit.id) == {"alpha", "beta"}
    assert _audit(db, "plugin.disable") == []

    service.disable(db, registry, unit_id=unit.id, name="beta", actor=admin, reason="停用试点")
    service.disable(db, registry, unit_id=unit.id, name="alpha", actor=admin)
    db.commit()
    assert service.enabled_plugins(db, unit.id) == set()
    entries = _audit(db, "plugin.disable")
    assert [e.object_id for e in entries] == [f"{unit.id}:beta", f"{unit.id}:alpha"]
    assert entries[0].old["enabled"] is True and entries[0].new["enabled"] is False
    assert entries[0].reason == "停用试点"


@pytestmark_enabling
def test_unknown_plugin_name_is_refused_and_nothing_written(app, db, make_unit, make_user):
    registry = app.extensions["starbranch.plugins"]
    unit = make_unit()
    with pytest.raises(service.PluginError, match="未知"):
        service.enable(db, registry, unit_id=unit.id, name="nosuch", actor=make_user("admin"))
    db.rollback()
    assert db.scalar(select(UnitPlugin.id)) is None
    assert _audit(db, "plugin.enable") == []


@pytestmark_enabling
def test_enabled_in_one_unit_only(app, db, make_unit, make_user):
    registry = app.extensions["starbranch.plugins"]
    unit_a, unit_b = make_unit(), make_unit()
    service.enable(db, registry, unit_id=unit_a.id, name="alpha", actor=make_user("admin"))
    db.commit()
    assert service.is_enabled(db, unit_a.id, "alpha")
    assert not service.is_enabled(db, unit_b.id, "alpha")
    assert service.units_with_plugin(db, "alpha") == {unit_a.id}
