"""Shared web helpers: navigation from the menu hook, pagination, form-error flashing."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import NamedTuple

from flask import current_app, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy import func, select

from core.db import get_session


class NavLink(NamedTuple):
    """A sidebar link, ready to print (url resolved, label translated)."""

    endpoint: str
    url: str
    label: str


def menu_items(app) -> tuple:
    """Every menu item the loaded plugins contribute, in order. The hook is asked once
    per app and set of registered plugins (the builtin hook scans the core packages,
    too slow for every page)."""
    registry = app.extensions["starbranch.plugins"]
    key = tuple(sorted(name for name, _p in registry.pm.list_name_plugin()))
    cache = app.extensions.setdefault("starbranch.menu_items", {})
    items = cache.get(key)
    if items is None:
        items = tuple(sorted((i for batch in registry.hook.starbranch_menu_items() for i in batch),
                             key=lambda i: (i.order, i.label)))
        cache.clear()
        cache[key] = items
    return items


def navigation() -> dict[str, list[NavLink]]:
    """Menu items the current user may use, grouped by (translated) section, in order.

    Per request: one query for the plugins enabled in the user's scope (only when a
    plugin contributes an entry). The resolved links are cached per role, locale,
    enabled plugins and script root: menus are static between deployments."""
    if not current_user.is_authenticated:
        return {}
    from core.plugins.web import plugins_enabled_in_scope

    app = current_app._get_current_object()
    items = menu_items(app)
    enabled: frozenset = frozenset()
    if any(i.plugin for i in items):
        enabled = frozenset(plugins_enabled_in_scope(get_session(), current_user))
    key = (current_user.role, str(get_locale()), enabled, request.script_root, len(app.view_functions))
    cache = app.extensions.setdefault("starbranch.navigation", {})
    sections = cache.get(key)
    if sections is None:
        sections = {}
        for item in items:
            if current_user.role not in item.roles or item.endpoint not in app.view_functions:
                continue
            if item.plugin and item.plugin not in enabled:
                continue
            sections.setdefault(gettext(item.section), []).append(
                NavLink(item.endpoint, url_for(item.endpoint), gettext(item.label)))
        if len(cache) > 256:
            cache.clear()
        cache[key] = sections
    return sections


@dataclass
class Page:
    """One page of a query's results."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def url(self, page: int) -> str:
        args = dict(request.args)
        args["page"] = page
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def paginate(session, stmt, per_page: int | None = None) -> Page:
    """Paginate a select() by ?page=N; the count is one extra query, never one per row."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
