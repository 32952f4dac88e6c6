"""The admin's working-day calendar page: one year's holidays and adjusted working days,
where the table overrides `chinesecalendar` (core.workdays.service)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.access import requires
from core.clock import today
from core.db import get_session
from core.plugins.web import MenuItem
from core.views_util import get_or_404
from core.workdays import service
from core.workdays.forms import CalendarDayForm
from core.workdays.models import SOURCES, CalendarDay

bp = Blueprint("workdays", __name__, url_prefix="/admin/workdays", template_folder="templates")

MENU = [MenuItem("系统管理", "工作日历", "workdays.index", roles=("admin",), order=95)]


def _year() -> int:
    try:
        year = int(request.args.get("year", today().year))
    except ValueError:
        return today().year
    return year if 2000 <= year <= 2100 else today().year


@bp.route("/", methods=["GET", "POST"])
@requires("admin")
def index():
    session = get_session()
    year = _year()
    form = CalendarDayForm()
    if form.validate_on_submit():
        try:
            service.set_day(session, day=form.day.data, is_workday=form.kind.data == "work",
                            name=form.name.data, actor=current_user, reason=form.reason.data or None)
        except service.CalendarError as exc:
            session.rollback()
            form.name.errors = list(form.name.errors) + [str(exc)]
        else:
            session.commit()
            flash(_("已保存 %(d)s 的安排。", d=form.day.data.isoformat()), "success")
            return redirect(url_for(".index", year=form.day.data.year))
    return render_template("workdays/index.html", year=year, rows=service.year_rows(session, year), form=form,
                           library=service.library_covers(year), sources=SOURCES)


@bp.route("/<int:row_id>/delete", methods=["POST"])
@requires("admin")
def delete(row_id):
    session = get_session()
    row = get_or_404(session, CalendarDay, row_id)
    year = row.day.year
    service.delete_day(session, row=row, actor=current_user)
    session.commit()
    flash(_("已删除该日安排。"), "success")
    return redirect(url_for(".index", year=year))
