"""Honours register pages: the scoped register, a branch's honours, add/edit/delete
(reviewers of the unit and admins), evidence download, Excel export."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import extract, or_, select

from core.analysis.queries import paginate_rows, scope_units
from core.auth.access import requires, writer_required
from core.auth.scoping import branch_clause, can_review, get_branch_or_404
from core.db import get_session
from core.honours import services
from core.honours.forms import HonourForm
from core.honours.models import LEVELS, Honour
from core.ledger import storage
from core.org.models import Branch, OrgNode
from core.plugins.web import MenuItem
from core.views_util import attempt, get_or_404, posted_version
from core.xlsx import CN_DATE_FORMAT, Sheet, write_workbook, xlsx_response

bp = Blueprint("honours", __name__, template_folder="templates")

MENU = [MenuItem("统计分析", "荣誉登记", "honours.register", order=40)]


def _register_stmt(args):
    stmt = (select(Honour, Branch.name, OrgNode.name).join(Branch, Branch.id == Honour.branch_id)
            .join(OrgNode, OrgNode.id == Honour.unit_id)
            .where(branch_clause(current_user, Honour.branch_id, Honour.unit_id)))
    if (unit := args.get("unit", "")).isdigit():
        stmt = stmt.where(Honour.unit_id == int(unit))
    if args.get("level") in LEVELS:
        stmt = stmt.where(Honour.level == args["level"])
    if (year := args.get("year", "")).isdigit():
        stmt = stmt.where(extract("year", Honour.awarded_on) == int(year))
    if q := (args.get("q") or "").strip()[:60]:
        stmt = stmt.where(or_(Branch.name.like(f"%{q}%"), Honour.title.like(f"%{q}%"), Honour.issuer.like(f"%{q}%")))
    return stmt.order_by(Honour.awarded_on.desc(), Honour.id.desc())


@bp.route("/honours")
@requires()
def register():
    session = get_session()
    stmt = _register_stmt(request.args)
    try:
        page_no = int(request.args.get("page", 1))
    except ValueError:
        page_no = 1
    page = paginate_rows(session, stmt, page_no, current_app.config["PAGE_SIZE"])
    return render_template("honours/register.html", page=page, levels=LEVELS,
                           units=scope_units(session, current_user), args=request.args)


@bp.route("/honours.xlsx")
@requires()
def export():
    session = get_session()
    rows = session.execute(_register_stmt(request.args))
    data = write_workbook([Sheet(_("荣誉登记"), [_("党支部"), _("二级单位"), _("荣誉名称"), _("级别"), _("颁发单位"),
                                                _("授予日期"), _("证明材料")],
                                 ([b, u, h.title, h.level_label, h.issuer, h.awarded_on, h.evidence_name or ""]
                                  for h, b, u in rows), widths=[28, 24, 36, 10, 28, 16, 28], formats={5: CN_DATE_FORMAT})])
    return xlsx_response(data, "荣誉登记.xlsx")


@bp.route("/branches/<int:branch_id>/honours")
@requires()
def branch_honours(branch_id):
    session = get_session()
    branch = get_branch_or_404(session, current_user, branch_id)
    honours = list(session.scalars(select(Honour).where(Honour.branch_id == branch.id)
                                   .order_by(Honour.awarded_on.desc(), Honour.id.desc())))
    return render_template("honours/branch.html", branch=branch, honours=honours,
                           can_write=can_review(current_user, branch))


def _evidence(form):
    f = form.evidence.data
    if not f or not getattr(f, "filename", ""):
        return None
    cfg = current_app.config
    return services.save_evidence(cfg["UPLOAD_DIR"], f.filename, f.read(),
                                  allowed=cfg["ATTACHMENT_EXTENSIONS"], max_bytes=cfg["ATTACHMENT_MAX_BYTES"])


def _values(form):
    return {"title": form.title.data, "level": form.level.data, "issuer": form.issuer.data,
            "awarded_on": form.awarded_on.data, "note": form.note.data}


@bp.route("/branches/<int:branch_id>/honours/new", methods=["GET", "POST"])
@requires("admin", "reviewer")
@writer_required
def new(branch_id):
    session = get_session()
    branch = get_branch_or_404(session, current_user, branch_id, can_review)
    form = HonourForm()
    if form.validate_on_submit():
        with attempt(session, services.HonourError) as done:
            services.create_honour(session, branch=branch, actor=current_user, values=_values(form),
                                   evidence=_evidence(form))
        if done:
            flash(_("已登记荣誉。"), "success")
            return redirect(url_for("honours.branch_honours", branch_id=branch.id))
    return render_template("honours/form.html", form=form, branch=branch, honour=None)


def _honour_or_404(session, honour_id) -> tuple[Honour, Branch]:
    honour = get_or_404(session, Honour, honour_id)
    return honour, get_branch_or_404(session, current_user, honour.branch_id, can_review)


@bp.route("/honours/<int:honour_id>/edit", methods=["GET", "POST"])
@requires("admin", "reviewer")
@writer_required
def edit(honour_id):
    session = get_session()
    honour, branch = _honour_or_404(session, honour_id)
    form = HonourForm(obj=honour if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = honour.version
    if form.validate_on_submit():
        with attempt(session, services.HonourError) as done:
            version = posted_version(form)
            services.update_honour(session, honour, actor=current_user, values=_values(form), version=version,
                                   evidence=_evidence(form))
        if done:
            flash(_("已保存。"), "success")
            return redirect(url_for("honours.branch_honours", branch_id=branch.id))
    return render_template("honours/form.html", form=form, branch=branch, honour=honour)


@bp.route("/honours/<int:honour_id>/delete", methods=["POST"])
@requires("admin", "reviewer")
@writer_required
def delete(honour_id):
    session = get_session()
    honour, branch = _honour_or_404(session, honour_id)
    services.delete_honour(session, honour, actor=current_user, reason=request.form.get("reason") or None)
    session.commit()
    flash(_("已删除该荣誉。"), "success")
    return redirect(url_for("honours.branch_honours", branch_id=branch.id))


@bp.route("/honours/<int:honour_id>/evidence")
@requires()
def evidence(honour_id):
    session = get_session()
    honour = session.scalar(select(Honour).where(Honour.id == honour_id,
                                                 branch_clause(current_user, Honour.branch_id, Honour.unit_id)))
    if honour is None:
        abort(404)
    path = services.evidence_file(current_app.config["UPLOAD_DIR"], honour)
    if path is None:
        abort(404)
    return storage.download_response(path, honour.evidence_name or path.name,
                                     storage.CONTENT_TYPES.get(storage.extension_of(path.name)))
