"""Shared web helpers: navigation from the menu hook, pagination, form-error flashing."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from core.db import get_session


def navigation() -> dict[str, list]:
    """Menu items the current user may use, grouped by section, in order."""
    if not current_user.is_authenticated:
        return {}
    from core.plugins.web import units_enabled_in_scope

    registry = current_app.extensions["starbranch.plugins"]
    session = get_session()
    items = [i for batch in registry.hook.starbranch_menu_items() for i in batch]
    visible = []
    plugin_ok: dict[str, bool] = {}
    for item in items:
        if current_user.role not in item.roles or item.endpoint not in current_app.view_functions:
            continue
        if item.plugin:
            if item.plugin not in plugin_ok:
                plugin_ok[item.plugin] = bool(units_enabled_in_scope(session, current_user, item.plugin))
            if not plugin_ok[item.plugin]:
                continue
        visible.append(item)
    sections: dict[str, list] = {}
    for item in sorted(visible, key=lambda i: (i.order, i.label)):
        sections.setdefault(item.section, []).append(item)
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
