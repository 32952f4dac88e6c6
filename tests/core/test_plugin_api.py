"""The plugin surface: plugins import the core only through `core.plugins.api`, and
every name it exports is documented there (CKAN's plugins.toolkit rule)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import core.plugins.api as api

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = "core.plugins.api"


def core_imports(source: str) -> list[str]:
    """The core modules a module's source imports other than the plugin API (any depth:
    function-level imports count too)."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" if node.module in ("core", "core.plugins") else node.module
                     for a in node.names]
        else:
            continue
        for name in names:
            if (name == "core" or name.startswith("core.")) and name != ALLOWED:
                bad.append(name)
    return bad


def plugin_modules() -> list[Path]:
    """Every Python file of every plugin package, its migrations excepted."""
    return sorted(p for p in (ROOT / "plugins").rglob("*.py")
                  if "migrations" not in p.relative_to(ROOT / "plugins").parts)


def test_plugins_import_core_only_through_the_api():
    offenders = {str(p.relative_to(ROOT)): core_imports(p.read_text(encoding="utf-8")) for p in plugin_modules()}
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_the_rule_sees_every_way_of_reaching_into_the_core():
    assert core_imports("from core.plugins.api import Branch\nfrom core.plugins import api\n") == []
    assert core_imports("from core.db import Base") == ["core.db"]
    assert core_imports("import core.scoring.bulk") == ["core.scoring.bulk"]
    assert core_imports("from core import db") == ["core.db"]
    assert core_imports("from core.plugins import web") == ["core.plugins.web"]
    assert core_imports("def f():\n    from core.org.models import Branch\n") == ["core.org.models"]
    assert core_imports("from corex import y\nimport flask") == []


def test_the_checked_files_include_the_plugins_and_not_their_migrations():
    names = {str(p.relative_to(ROOT)) for p in plugin_modules()}
    assert "plugins/production/scoring.py" in names
    assert "plugins/brands/__init__.py" in names
    assert not any("/migrations/" in n for n in names)


def test_every_exported_name_exists_and_is_documented():
    doc = api.__doc__
    documented = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", doc))
    assert len(api.__all__) == len(set(api.__all__))
    for name in api.__all__:
        assert hasattr(api, name), name
    assert sorted(set(api.__all__) - documented) == []


@pytest.mark.parametrize("name", ["hookimpl", "Base", "Branch", "plugin_blueprint", "MenuItem", "requires",
                                  "get_branch_or_404", "IndicatorKind", "EvalContext", "round_div", "PeriodKey",
                                  "ensure_open", "PeriodLocked", "audit", "check_upload", "read_table"])
def test_the_surface_names_what_the_issue_promises(name):
    assert name in api.__all__
