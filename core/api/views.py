"""JSON API v1, read-only: units, branches (filters, pagination), a branch, its members.
Scoped exactly like the pages; errors are JSON (see core.app error handlers)."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.api.serializers import branch_dict, member_dict, unit_dict
from core.auth.access import requires
from core.auth.scoping import get_branch_or_404, visible_branches, visible_units
from core.db import get_session
from core.org.models import CATEGORIES, Branch, Member, OrgNode
from core.org.services import member_counts
from core.web import paginate

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


@bp.errorhandler(400)
def _bad_request(_exc):
    return jsonify(error=400, message="请求参数不正确（page、per_page、unit、category）。"), 400


def _per_page() -> int:
    value = request.args.get("per_page", "")
    if not value:
        return DEFAULT_PER_PAGE
    if not value.isdigit() or int(value) < 1:
        abort(400)
    return min(int(value), MAX_PER_PAGE)


def _listing(page, items):
    return jsonify(items=items, page=page.page, per_page=page.per_page, total=page.total, pages=page.pages)


@bp.route("/units")
@requires()
def units():
    db = get_session()
    page = paginate(db, visible_units(current_user).order_by(OrgNode.code), per_page=_per_page())
    return _listing(page, [unit_dict(u) for u in page.items])


@bp.route("/branches")
@requires()
def branches():
    db = get_session()
    stmt = visible_branches(current_user).options(joinedload(Branch.unit), joinedload(Branch.parent))
    unit = request.args.get("unit", "")
    if unit:
        if not unit.isdigit():
            abort(400)
        stmt = stmt.where(Branch.unit_id == int(unit))
    category = request.args.get("category", "")
    if category:
        if category not in CATEGORIES:
            abort(400)
        stmt = stmt.where(Branch.category == category)
    if request.args.get("active", "1") != "all":
        stmt = stmt.where(Branch.active.is_(True))
    page = paginate(db, stmt.order_by(Branch.code), per_page=_per_page())
    counts = member_counts(db, [b.id for b in page.items])
    return _listing(page, [branch_dict(b, counts.get(b.id, 0)) for b in page.items])


@bp.route("/branches/<int:branch_id>")
@requires()
def branch(branch_id):
    db = get_session()
    b = get_branch_or_404(db, current_user, branch_id)
    return jsonify(branch_dict(b, member_counts(db, [b.id]).get(b.id, 0)))


@bp.route("/branches/<int:branch_id>/members")
@requires()
def branch_members(branch_id):
    db = get_session()
    b = get_branch_or_404(db, current_user, branch_id)
    stmt = select(Member).where(Member.branch_id == b.id)
    if request.args.get("active", "1") != "all":
        stmt = stmt.where(Member.active.is_(True))
    page = paginate(db, stmt.order_by(Member.name, Member.id), per_page=_per_page())
    return _listing(page, [member_dict(m) for m in page.items])
