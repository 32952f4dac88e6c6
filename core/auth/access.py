"""Who may call a view. Deny by default: `core.app` refuses every endpoint that is
neither marked `public` nor marked with `requires(...)` roles."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

ALL_ROLES = ("admin", "reviewer", "secretary", "viewer")
#: Roles that may change data (viewers never do).
WRITERS = ("admin", "reviewer", "secretary")
#: What a user holding a one-time password may open until she has replaced it.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "auth.language"})


def requires(*roles):
    """Mark a view as open to logged-in users of these roles (all roles if none given)."""
    allowed = tuple(roles) or ALL_ROLES

    def mark(view):
        view._starbranch_roles = allowed
        return view

    return mark


def public(view):
    """Mark a view as open to anyone (login page, verification pages, static)."""
    view._starbranch_public = True
    return view


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def guard_request():
    """`before_request` guard: the one place that checks login and role."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # Werkzeug answers 404/405 itself
    view = current_app.view_functions[endpoint]
    if endpoint == "static" or getattr(view, "_starbranch_public", False):
        return None
    roles = getattr(view, "_starbranch_roles", None)
    if roles is None:
        current_app.logger.error("endpoint %s has no access rule; refused", endpoint)
        abort(404)
    if not current_user.is_authenticated:
        if is_api_request():
            return jsonify(error="unauthorized", message="需要登录或 API 令牌"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in roles:
        abort(404)
    if getattr(current_user, "must_change_password", False) and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        # A one-time password opens one page: the one that replaces it.
        if is_api_request():
            return jsonify(error="password_change_required", message="请先登录网页修改初始密码"), 403
        return redirect(url_for("auth.change_password"))
    return None


def writer_required(view):
    """Inside a `requires` view: refuse read-only users (viewers) with 404."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.role not in WRITERS:
            abort(404)
        return view(*args, **kwargs)

    return wrapper
