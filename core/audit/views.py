"""The audit log page (审计日志): admins read everything, reviewers their units' entries;
shown in words (core.audit.words), filtered by user, object, action and date, and
exported to Excel with the same filters."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.audit.words import describe, words
from core.auth.access import requires
from core.auth.models import User
from core.auth.scoping import unit_clause
from core.db import get_session
from core.exports import DATETIME_FORMAT
from core.formatting import local_time, utc_of_local
from core.plugins.web import MenuItem
from core.web import paginate
from core.xlsx import Sheet, write_workbook, xlsx_response

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")

MENU = [MenuItem("系统管理", "审计日志", "audit.index", roles=("admin", "reviewer"), order=30)]
#: Most rows one export writes (a year of a large group's log is far below this).
EXPORT_LIMIT = 100_000


def visible_entries(user):
    """Admins: every entry; reviewers: entries about their units."""
    return select(AuditEntry).where(unit_clause(user, AuditEntry.unit_id))


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _utc_start(day: date) -> datetime:
    """Midnight of `day` in the group's zone, as the naive UTC the log stores."""
    return utc_of_local(datetime.combine(day, time()))


def filtered_entries(db):
    """The scoped entries with the request's filters (user, object type, action, dates)."""
    stmt = visible_entries(current_user)
    filters = {}
    for name, column in (("action", AuditEntry.action), ("object", AuditEntry.object_type)):
        value = request.args.get(name, "").strip()
        if value:
            stmt = stmt.where(column == value)
            filters[name] = value
    username = request.args.get("user", "").strip()
    if username:
        stmt = stmt.where(AuditEntry.user_id.in_(select(User.id).where(User.username == username)))
        filters["user"] = username
    start, end = _day("from"), _day("to")
    if start:
        stmt = stmt.where(AuditEntry.at >= _utc_start(start))
    if end:
        stmt = stmt.where(AuditEntry.at < _utc_start(end + timedelta(days=1)))
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _users_of(db, entries) -> dict:
    ids = {e.user_id for e in entries if e.user_id}
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


@bp.route("/")
@requires("admin", "reviewer")
def index():
    db = get_session()
    scoped = visible_entries(current_user)
    actions = sorted(db.scalars(scoped.with_only_columns(AuditEntry.action).distinct()))
    objects = sorted(db.scalars(scoped.with_only_columns(AuditEntry.object_type).distinct()))
    page = paginate(db, filtered_entries(db))
    rows = describe(db, page.items, _users_of(db, page.items))
    w = words()
    return render_template("audit/index.html", page=page, rows=rows, actions=actions, objects=objects,
                           action_labels=w.actions, object_labels=w.objects)


@bp.route("/export.xlsx")
@requires("admin", "reviewer")
def export():
    db = get_session()
    entries = list(db.scalars(filtered_entries(db).limit(EXPORT_LIMIT)))
    rows = describe(db, entries, _users_of(db, entries))
    sheet = Sheet("审计日志", ["时间", "操作人", "操作", "对象类型", "对象", "变更", "原因"],
                  ([local_time(e.at).replace(tzinfo=None), r.actor, r.action, r.object_kind, r.object_name,
                    "\n".join(f"{c.field}：{c.old} → {c.new}" if c.old else f"{c.field}：{c.new}" for c in r.changes),
                    r.reason] for e, r in zip(entries, rows)),
                  widths=[18, 10, 16, 10, 24, 60, 30], formats={0: DATETIME_FORMAT})
    return xlsx_response(write_workbook([sheet]), "审计日志.xlsx")
