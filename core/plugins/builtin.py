"""The core's own parts, contributed through the same hooks plugins use (Datasette's
default_* plugins): every hook is exercised by the core itself.

Each core module may provide, by convention:
  views.py     `bp` (a Blueprint) and `MENU` (a list of MenuItem)
  commands.py  `commands` (a list of click commands)
  kinds.py     `KINDS` (a list of IndicatorKind)
  demo.py      `add_demo(session, units, branches)`
"""
from __future__ import annotations

import functools
import importlib
import pkgutil

import core
from core.plugins.hookspecs import hookimpl


@functools.cache  # the modules do not change while the process runs; every app asks again
def _core_modules(submodule: str) -> tuple:
    found = []
    for info in pkgutil.iter_modules(core.__path__):
        if not info.ispkg:
            continue
        try:
            found.append(importlib.import_module(f"core.{info.name}.{submodule}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"core.{info.name}.{submodule}":
                raise
    return tuple(found)


@hookimpl
def starbranch_blueprints():
    return [m.bp for m in _core_modules("views") if hasattr(m, "bp")]


@hookimpl
def starbranch_menu_items():
    return [item for m in _core_modules("views") for item in getattr(m, "MENU", [])]


@hookimpl
def starbranch_cli_commands():
    return [c for m in _core_modules("commands") for c in getattr(m, "commands", [])]


@hookimpl
def starbranch_indicator_kinds():
    return [k for m in _core_modules("kinds") for k in getattr(m, "KINDS", [])]


@hookimpl
def starbranch_dashboard_panels(session, branch, period):
    return []


@hookimpl
def starbranch_demo_data(session, units, branches):
    for m in _core_modules("demo"):
        if hasattr(m, "add_demo"):
            m.add_demo(session, units, branches)


@hookimpl
def starbranch_default_indicators(ruleset):
    return [row for m in _core_modules("catalogue") for row in getattr(m, "default_indicators", lambda r: [])(ruleset)]


@hookimpl
def starbranch_celery_tasks(celery):
    for _ in _core_modules("tasks"):
        pass  # importing core.*.tasks registers their @shared_task tasks


@hookimpl
def starbranch_audit_words():
    from core.audit.words import CORE_WORDS

    return CORE_WORDS


@hookimpl
def starbranch_document_types():
    from core.documents.papers import CORE_TYPES

    return list(CORE_TYPES)
