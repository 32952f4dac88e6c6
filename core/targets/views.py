"""Target pages (目标管控): lists per unit/branch with overdue flags, decomposition to
branches, monthly progress entry."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.auth.access import requires, writer_required
from core.auth.scoping import (branch_clause, can_keep_ledger, can_review, get_branch_or_404, visible_branches,
                               visible_units)
from core.db import get_session
from core.indicators.models import INDICES
from core.org.models import Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.locks import PeriodLocked
from core.plugins.web import MenuItem
from core.targets.forms import DecomposeForm, ProgressForm, TargetFilterForm, TargetForm
from core.targets.models import TARGET_GROUPS, Target
from core.targets.services import (TargetError, create_targets, delete_target, is_overdue, latest_completions,
                                   record_progress, target_rows, update_target)
from core.views_util import attempt, posted_version
from core.web import paginate

bp = Blueprint("targets", __name__, url_prefix="/targets", template_folder="templates")

MENU = [MenuItem("台账与考核", "目标管控", "targets.index", order=20)]

REFUSED = (TargetError, PeriodLocked)


def _scope():
    return branch_clause(current_user, Target.branch_id, Target.unit_id)


def _target_or_404(db, target_id) -> Target:
    t = db.scalar(select(Target).where(Target.id == target_id, _scope()))
    if t is None:
        abort(404)
    return t


def _list(branch=None):
    db = get_session()
    form = TargetFilterForm(request.args)
    unit_id = request.args.get("unit", type=int) if branch is None else None
    today = date.today()
    stmt = target_rows(_scope(), today=today, group=form.group.data or None, overdue=form.overdue.data == "1",
                       branch_id=branch.id if branch else None, unit_id=unit_id)
    page = paginate(db, stmt)
    completions = latest_completions(db, [t.id for t in page.items])
    names = dict(db.execute(select(Branch.id, Branch.name).where(
        Branch.id.in_({t.branch_id for t in page.items}))).all()) if page.items else {}
    units = list(db.scalars(visible_units(current_user).order_by(OrgNode.code))) if branch is None else []
    return render_template("targets/list.html", page=page, form=form, branch=branch, completions=completions,
                           names=names, units=units, unit_id=unit_id, today=today, is_overdue=is_overdue,
                           groups=TARGET_GROUPS, indices=INDICES,
                           can_create=current_user.role in ("admin", "reviewer"))


@bp.route("/export.xlsx")
@requires()
def export():
    """Targets with their monthly progress, of the branches the user may see
    (?branch=… for one branch)."""
    from core.auth.scoping import branch_clause
    from core.exports import target_sheets
    from core.xlsx import write_workbook, xlsx_response

    db = get_session()
    stmt = select(Target).where(branch_clause(current_user, Target.branch_id))
    if request.args.get("branch", type=int):
        stmt = stmt.where(Target.branch_id == get_branch_or_404(db, current_user, request.args.get("branch", type=int)).id)
    return xlsx_response(write_workbook(target_sheets(db, stmt)), "目标管控.xlsx")


@bp.route("/")
@requires()
def index():
    if current_user.role == "secretary" and current_user.branch_id:
        return redirect(url_for("targets.branch", branch_id=current_user.branch_id, **request.args))
    return _list()


@bp.route("/branch/<int:branch_id>")
@requires()
def branch(branch_id):
    return _list(get_branch_or_404(get_session(), current_user, branch_id))


def _branch_choices(db, unit_id=None, category=None, q=None):
    """The branches the picker offers: in scope, narrowed by unit, category and a name
    or code filter (the choices of a POST are the same, from the same query string)."""
    stmt = visible_branches(current_user).where(Branch.active.is_(True))
    if current_user.role == "reviewer":
        stmt = stmt.where(Branch.unit_id.in_(sorted(current_user.unit_ids)))
    if unit_id:
        stmt = stmt.where(Branch.unit_id == unit_id)
    if category:
        stmt = stmt.where(Branch.category == category)
    if q:
        stmt = stmt.where(Branch.name.contains(q) | Branch.code.contains(q))
    return [(b.id, f"{b.code} {b.name}") for b in db.scalars(stmt.order_by(Branch.code))]


@bp.route("/new", methods=["GET", "POST"])
@requires("admin", "reviewer")
def create():
    db = get_session()
    form = DecomposeForm()
    from core.org.models import CATEGORIES
    unit_id = request.args.get("unit", type=int)
    category = request.args.get("category") if request.args.get("category") in CATEGORIES else None
    q = (request.args.get("q") or "").strip()[:60] or None
    form.branches.choices = _branch_choices(db, unit_id, category, q)
    error = None
    if form.validate_on_submit():
        chosen = list(db.scalars(visible_branches(current_user).where(Branch.id.in_(form.branches.data))))
        if len(chosen) != len(set(form.branches.data)) or not all(can_review(current_user, b) for b in chosen):
            abort(404)
        with attempt(db, REFUSED, quiet=True) as done:
            targets = create_targets(db, actor=current_user, data=form.data, branches=chosen)
        if done:
            flash(_("目标已分解到 %(n)s 个党支部。", n=len(targets)), "success")
            return redirect(url_for("targets.index"))
        error = str(done.error)
    units = list(db.scalars(visible_units(current_user).order_by(OrgNode.code)))
    return render_template("targets/form.html", form=form, error=error, target=None, units=units, unit_id=unit_id,
                           categories=CATEGORIES, category=category, q=q or "")


@bp.route("/<int:target_id>", methods=["GET", "POST"])
@requires()
def detail(target_id):
    """A target with its monthly progress; the progress form posts here."""
    db = get_session()
    t = _target_or_404(db, target_id)
    br = get_branch_or_404(db, current_user, t.branch_id)
    can_track = can_keep_ledger(current_user, br)
    form = ProgressForm()
    error = None
    if request.method == "POST":
        if not can_track:
            abort(404)
        if form.validate_on_submit():
            with attempt(db, REFUSED, quiet=True) as done:
                record_progress(db, target=t, actor=current_user, month=form.month.data,
                                completion=form.completion.data, note=form.note.data)
            if done:
                flash(_("进度已登记。"), "success")
                return redirect(url_for("targets.detail", target_id=t.id))
            error = str(done.error)
            t = _target_or_404(db, target_id)
    elif not form.month.data:
        form.month.data = PeriodKey.of_date("month", date.today()).key
    latest = t.progress[-1].completion if t.progress else None
    return render_template("targets/detail.html", target=t, branch=br, form=form, error=error,
                           can_track=can_track, can_edit=can_review(current_user, br),
                           overdue=is_overdue(t, latest, date.today()), latest=latest,
                           groups=TARGET_GROUPS, indices=INDICES)


@bp.route("/<int:target_id>/edit", methods=["GET", "POST"])
@requires("admin", "reviewer")
def edit(target_id):
    db = get_session()
    t = _target_or_404(db, target_id)
    br = get_branch_or_404(db, current_user, t.branch_id, can_review)
    form = TargetForm(obj=t) if request.method == "GET" else TargetForm()
    if request.method == "GET":
        form.version.data = t.version
        form.points.data = str(t.points)
    error = None
    if form.validate_on_submit():
        with attempt(db, REFUSED, quiet=True) as done:
            version = posted_version(form)
            update_target(db, target=t, actor=current_user, data=form.data, expected_version=version)
        if done:
            flash(_("已保存。"), "success")
            return redirect(url_for("targets.detail", target_id=t.id))
        error = str(done.error)
    return render_template("targets/form.html", form=form, error=error, target=t, units=[], unit_id=None)


@bp.route("/<int:target_id>/delete", methods=["POST"])
@requires("admin", "reviewer")
@writer_required
def delete(target_id):
    db = get_session()
    t = _target_or_404(db, target_id)
    br = get_branch_or_404(db, current_user, t.branch_id, can_review)
    with attempt(db, REFUSED) as done:
        delete_target(db, target=t, actor=current_user)
    if done:
        flash(_("目标已删除。"), "success")
        return redirect(url_for("targets.branch", branch_id=br.id))
    return redirect(url_for("targets.detail", target_id=target_id))
