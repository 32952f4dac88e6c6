"""Per-unit enabling of plugins. Every change is audited."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.formatting import sep
from core.audit.service import record
from core.plugins.manager import PluginRegistry
from core.plugins.models import UnitPlugin


class PluginError(ValueError):
    """A refused enabling change; the message is for the user."""


def enabled_plugins(session: Session, unit_id: int) -> set[str]:
    return set(session.scalars(select(UnitPlugin.plugin).where(UnitPlugin.unit_id == unit_id)))


def units_with_plugin(session: Session, name: str) -> set[int]:
    return set(session.scalars(select(UnitPlugin.unit_id).where(UnitPlugin.plugin == name)))


def is_enabled(session: Session, unit_id: int | None, name: str) -> bool:
    if unit_id is None:
        return False
    return session.scalar(select(UnitPlugin.id).where(
        UnitPlugin.unit_id == unit_id, UnitPlugin.plugin == name)) is not None


def enable(session: Session, registry: PluginRegistry, *, unit_id: int, name: str,
           actor, reason: str | None = None) -> list[str]:
    """Enable `name` and what it depends on for the unit; returns the names newly enabled."""
    if name not in registry.manifests:
        raise PluginError(gettext("未知或无法加载的插件：%(name)s", name=name))
    have = enabled_plugins(session, unit_id)
    added = [n for n in registry.dependencies_of(name) + [name] if n not in have]
    for n in added:
        session.add(UnitPlugin(unit_id=unit_id, plugin=n, enabled_by=getattr(actor, "id", None)))
        record(session, actor=actor, action="plugin.enable", object_type="unit_plugins",
               object_id=f"{unit_id}:{n}", new={"plugin": n, "enabled": True},
               reason=reason or (None if n == name else f"{name} 依赖 {n}"), unit_id=unit_id)
    return added


def disable(session: Session, registry: PluginRegistry, *, unit_id: int, name: str,
            actor, reason: str | None = None) -> None:
    """Disable `name` for the unit; refused while a plugin depending on it is enabled there."""
    if name not in registry.manifests:
        raise PluginError(gettext("未知或无法加载的插件：%(name)s", name=name))
    have = enabled_plugins(session, unit_id)
    blocking = sorted(registry.dependents_of(name) & have)
    if blocking:
        labels = sep("list").join(gettext(registry.manifests[b].label) for b in blocking)
        raise PluginError(gettext("无法停用：本单位已启用的插件 %(labels)s 依赖它，请先停用这些插件。", labels=labels))
    if name not in have:
        return
    session.execute(delete(UnitPlugin).where(UnitPlugin.unit_id == unit_id, UnitPlugin.plugin == name))
    record(session, actor=actor, action="plugin.disable", object_type="unit_plugins",
           object_id=f"{unit_id}:{name}", old={"plugin": name, "enabled": True},
           new={"plugin": name, "enabled": False}, reason=reason, unit_id=unit_id)
