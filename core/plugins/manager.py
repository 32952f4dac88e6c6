"""Loads plugins, orders them by their manifests' `depends`, and keeps the ones that
failed aside with a reason instead of failing the app (Odoo's module graph idea)."""
from __future__ import annotations

import functools
import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy

from core.plugins import hookspecs

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "starbranch.plugins"

#: Core parts written as plugins; always loaded, never enabled/disabled per unit.
BUILTIN_MODULES = ("core.plugins.builtin",)


@dataclass(frozen=True)
class Manifest:
    """A plugin's manifest: the MANIFEST dict of its package, validated."""

    name: str
    version: str
    label: str
    summary: str = ""
    depends: tuple[str, ...] = ()

    @classmethod
    def from_module(cls, module) -> Manifest:
        raw = getattr(module, "MANIFEST", None)
        if not isinstance(raw, dict):
            raise ValueError("no MANIFEST dict")
        missing = {"name", "version", "label"} - raw.keys()
        if missing:
            raise ValueError(f"MANIFEST lacks {', '.join(sorted(missing))}")
        return cls(name=raw["name"], version=raw["version"], label=raw["label"],
                   summary=raw.get("summary", ""), depends=tuple(raw.get("depends", ())))


@dataclass
class PluginRegistry:
    """What `load_plugins` found: the pluggy manager, the loaded manifests in load
    order, and the plugins that could not be loaded with why."""

    pm: pluggy.PluginManager
    manifests: dict[str, Manifest] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)

    @property
    def hook(self):
        return self.pm.hook

    def dependents_of(self, name: str) -> set[str]:
        """Loaded plugins that depend on `name`, directly or not."""
        out: set[str] = set()
        changed = True
        while changed:
            changed = False
            for m in self.manifests.values():
                if m.name not in out and (name in m.depends or out & set(m.depends)):
                    out.add(m.name)
                    changed = True
        return out

    def contributions(self, name: str) -> dict[str, list[str]]:
        """What plugin `name` adds, by kind, as labels (Chinese msgids): its menu
        entries, scoring methods (indicator kinds) and star gates — for the enabling
        page, so an admin sees what switching it on or off changes."""
        plugin = self.pm.get_plugin(name)
        out: dict[str, list[str]] = {}
        for kind, hook, label_of in (("menus", "starbranch_menu_items", lambda i: i.label),
                                     ("indicators", "starbranch_indicator_kinds", lambda k: k.label),
                                     ("gates", "starbranch_star_gates", lambda g: g.label)):
            impl = getattr(plugin, hook, None)
            items = impl() if callable(impl) else None
            if items:
                out[kind] = [label_of(i) for i in items]
        return out

    def dependencies_of(self, name: str) -> list[str]:
        """Everything `name` needs, dependencies first."""
        order: list[str] = []

        def visit(n):
            for d in self.manifests[n].depends:
                if d not in order:
                    visit(d)
                    order.append(d)

        visit(name)
        return order


def discover() -> dict[str, str]:
    """Plugin name → module path, from the `starbranch.plugins` entry points."""
    return dict(_installed_plugins())


@functools.cache
def _installed_plugins() -> tuple[tuple[str, str], ...]:
    # Read once per process: reading entry points scans every installed package's
    # metadata (~10 ms, paid by each app a test makes), and a plugin installed later
    # needs a restart anyway — its code is imported when the app starts.
    return tuple((ep.name, ep.value) for ep in entry_points(group=ENTRY_POINT_GROUP))


def _order(manifests: dict[str, Manifest], broken: dict[str, str]) -> list[str]:
    """Dependencies first; a plugin whose dependency is missing or broken is broken."""
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(name, chain):
        if state.get(name) == "done":
            return True
        if name in chain:
            broken[name] = "依赖循环: " + " → ".join(chain + [name])
            return False
        for dep in manifests[name].depends:
            if dep not in manifests:
                broken[name] = f"缺少依赖插件 {dep}"
                return False
            if not visit(dep, chain + [name]):
                broken.setdefault(name, f"依赖插件 {dep} 无法加载")
                return False
        state[name] = "done"
        ordered.append(name)
        return True

    for name in sorted(manifests):
        visit(name, [])
    return [n for n in ordered if n not in broken]


def load_plugins(wanted: dict[str, str] | None = None) -> PluginRegistry:
    """Load the builtin core plugin and `wanted` (name → module path; default: the
    entry points). Broken plugins are logged and reported, not fatal."""
    pm = pluggy.PluginManager("starbranch")
    pm.add_hookspecs(hookspecs)
    for mod_name in BUILTIN_MODULES:
        pm.register(importlib.import_module(mod_name), name=mod_name)

    registry = PluginRegistry(pm=pm)
    modules = {}
    found: dict[str, Manifest] = {}
    for name, path in (discover() if wanted is None else wanted).items():
        try:
            module = importlib.import_module(path)
            manifest = Manifest.from_module(module)
            if manifest.name != name:
                raise ValueError(f"MANIFEST name {manifest.name!r} ≠ entry point {name!r}")
        except Exception as exc:  # a broken plugin must not take the platform down
            registry.broken[name] = f"{type(exc).__name__}: {exc}"
            log.error("plugin %s not loaded: %s", name, exc)
            continue
        modules[name] = module
        found[name] = manifest

    for name in _order(found, registry.broken):
        pm.register(modules[name], name=name)
        registry.manifests[name] = found[name]
    for name, why in registry.broken.items():
        log.error("plugin %s not loaded: %s", name, why)
    # A misspelled hook name is an error, not silently ignored (tox does the same).
    pm.check_pending()
    return registry
