"""The audit log page (审计日志): admins read everything, reviewers their units' entries."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.access import requires
from core.auth.models import User
from core.auth.scoping import unit_clause
from core.db import get_session
from core.plugins.web import MenuItem
from core.web import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")

MENU = [MenuItem("系统管理", "审计日志", "audit.index", roles=("admin", "reviewer"), order=30)]


def visible_entries(user):
    """Admins: every entry; reviewers: entries about their units."""
    return select(AuditEntry).where(unit_clause(user, AuditEntry.unit_id))


@bp.route("/export.xlsx")
@requires("admin", "reviewer")
def export():
    from core.exports import audit_sheet
    from core.xlsx import write_workbook, xlsx_response

    db = get_session()
    stmt = visible_entries(current_user)
    if request.args.get("action"):
        stmt = stmt.where(AuditEntry.action == request.args["action"])
    return xlsx_response(write_workbook([audit_sheet(db, stmt)]), "审计日志.xlsx")


@bp.route("/")
@requires("admin", "reviewer")
def index():
    db = get_session()
    scoped = visible_entries(current_user)
    actions = sorted(db.scalars(scoped.with_only_columns(AuditEntry.action).distinct()))
    stmt = scoped
    action = request.args.get("action", "")
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    page = paginate(db, stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    user_ids = {e.user_id for e in page.items if e.user_id}
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return render_template("audit/index.html", page=page, actions=actions, users=users)
