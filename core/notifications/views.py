"""The notification centre (消息提醒: list, mark read, mail preference) and the admin's
schedule page (计划任务)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.audit.service import record
from core.auth.access import requires
from core.db import get_session
from core.notifications.forms import MailPreferenceForm, ScheduleStepForm
from core.notifications.models import KINDS, MailPreference, Notification, ScheduleRun, ScheduleStep
from core.notifications.schedule import STEPS, steps
from core.notifications.services import mark_read, unread_count, user_notifications
from core.plugins.web import MenuItem
from core.views_util import get_or_404
from core.web import paginate

bp = Blueprint("notifications", __name__, template_folder="templates")

MENU = [MenuItem("系统管理", "计划任务", "notifications.schedule", roles=("admin",), order=40)]


def _kind_labels() -> dict[str, str]:
    """The core's kinds, and each loaded plugin's name → its label (a plugin's
    notifications carry its name as their kind)."""
    registry = current_app.extensions["starbranch.plugins"]
    return {**{name: m.label for name, m in registry.manifests.items()}, **KINDS}


@bp.app_context_processor
def _bell():
    """The unread count for the header's bell (one COUNT per page, logged-in users only)."""
    def unread():
        if not current_user.is_authenticated:
            return 0
        return unread_count(get_session(), current_user.id)
    return {"unread_notifications": unread}


@bp.route("/notifications")
@requires()
def index():
    db = get_session()
    page = paginate(db, user_notifications(current_user.id))
    pref = db.get(MailPreference, current_user.id)
    form = MailPreferenceForm(obj=pref, formdata=None) if pref else MailPreferenceForm(formdata=None, digest=True)
    return render_template("notifications/index.html", page=page, kinds=_kind_labels(), form=form)


@bp.route("/notifications/<int:notification_id>")
@requires()
def open_one(notification_id):
    """Mark read and go where the user acts on it."""
    db = get_session()
    note = get_or_404(db, Notification, notification_id)
    if note.user_id != current_user.id:
        abort(404)
    mark_read(db, current_user.id, note.id)
    db.commit()
    return redirect(note.url if note.url and note.url.startswith("/") and not note.url.startswith("//")
                    else url_for("notifications.index"))


@bp.route("/notifications/read", methods=["POST"])
@requires()
def read_all():
    db = get_session()
    n = mark_read(db, current_user.id)
    db.commit()
    flash(_("已将 %(n)s 条消息标为已读。", n=n), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/mail", methods=["POST"])
@requires()
def mail_preference():
    db = get_session()
    form = MailPreferenceForm()
    if not form.validate_on_submit():
        page = paginate(db, user_notifications(current_user.id))
        return render_template("notifications/index.html", page=page, kinds=_kind_labels(), form=form), 400
    pref = db.get(MailPreference, current_user.id) or MailPreference(user_id=current_user.id)
    pref.email, pref.digest = (form.email.data or "").strip() or None, bool(form.digest.data)
    db.add(pref)
    db.commit()
    flash(_("邮件摘要设置已保存。"), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/admin/schedule", methods=["GET"])
@requires("admin")
def schedule():
    db = get_session()
    runs = db.scalars(select(ScheduleRun).order_by(ScheduleRun.at.desc(), ScheduleRun.id.desc()).limit(30)).all()
    return render_template("notifications/schedule.html", rows=steps(db), runs=runs, labels=STEPS,
                           form=ScheduleStepForm(formdata=None))


@bp.route("/admin/schedule/<code>", methods=["POST"])
@requires("admin")
def schedule_step(code):
    if code not in STEPS:
        abort(404)
    db = get_session()
    form = ScheduleStepForm()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for message in errors:
                flash(f"{getattr(form, field).label.text}：{message}", "error")
        return redirect(url_for("notifications.schedule")), 303
    row = db.get(ScheduleStep, code)
    before = None
    if row is None:
        enabled, day, working, hour = STEPS[code].default
        row = ScheduleStep(code=code, enabled=enabled, day=day, working_day=working, hour=hour)
        db.add(row)
    else:
        before = {"enabled": row.enabled, "day": row.day, "working_day": row.working_day, "hour": row.hour}
    row.enabled, row.day = bool(form.enabled.data), form.day.data
    row.working_day, row.hour = bool(form.working_day.data), form.hour.data
    record(db, actor=current_user, action="schedule.update", object_type="schedule_steps", object_id=code,
           old=before, new={"enabled": row.enabled, "day": row.day, "working_day": row.working_day, "hour": row.hour})
    db.commit()
    flash(_("已保存：%(s)s", s=_(STEPS[code].label)), "success")
    return redirect(url_for("notifications.schedule"))
