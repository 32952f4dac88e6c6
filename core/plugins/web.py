"""What plugins add to the web: menu entries, dashboard panels, and blueprints that
answer 404 in units where their plugin is not enabled (Indico's event features, per unit)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from sqlalchemy import select

from core.auth.scoping import unit_ids_in_scope
from core.db import get_session
from core.org.models import Branch
from core.plugins.models import UnitPlugin
from core.plugins.service import units_with_plugin


@dataclass(frozen=True)
class MenuItem:
    """One navigation entry. `plugin` is set for plugin entries (shown only where enabled)."""

    section: str
    label: str
    endpoint: str
    roles: tuple[str, ...] = ("admin", "reviewer", "secretary", "viewer")
    order: int = 100
    plugin: str | None = None


@dataclass(frozen=True)
class Panel:
    """A block on a branch dashboard contributed by a plugin."""

    title: str
    html: str
    plugin: str | None = None


def get_registry():
    return current_app.extensions["starbranch.plugins"]


def units_enabled_in_scope(session, user, name: str) -> set[int]:
    """Units the user can see where plugin `name` is enabled."""
    units = units_with_plugin(session, name)
    scope = unit_ids_in_scope(session, user)
    return units if scope is None else units & scope


def plugins_enabled_in_scope(session, user) -> set[str]:
    """Names of the plugins enabled in at least one unit the user can see (one query)."""
    from core.auth.scoping import unit_clause

    return set(session.scalars(select(UnitPlugin.plugin).distinct()
                               .where(unit_clause(user, UnitPlugin.unit_id))))


def _unit_of_request(session) -> int | None | bool:
    """The unit a plugin page is about, from its URL; False when the URL names none."""
    args = request.view_args or {}
    if "unit_id" in args:
        return args["unit_id"]
    if "branch_id" in args:
        return session.scalar(select(Branch.unit_id).where(Branch.id == args["branch_id"]))
    return False


def plugin_blueprint(plugin: str, name: str, import_name: str, **kwargs) -> Blueprint:
    """A Blueprint whose every page 404s unless `plugin` is enabled for the unit the URL
    names (via `unit_id` or `branch_id`), or, for pages naming no unit, for at least
    one unit in the user's scope."""
    bp = Blueprint(name, import_name, **kwargs)

    @bp.before_request
    def _require_enabled():
        if not current_user.is_authenticated:
            return None  # the global guard redirects to login
        session = get_session()
        unit = _unit_of_request(session)
        enabled = units_enabled_in_scope(session, current_user, plugin)
        if unit is False:
            if not enabled:
                abort(404)
        elif unit not in enabled:
            abort(404)
        return None

    bp.starbranch_plugin = plugin
    return bp
