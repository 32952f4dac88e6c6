"""Organisation administration pages: the tree's nodes (admins), branches and members
(scoped: reviewers their units, secretaries their branch, viewers read-only), transfers,
Excel import/export. Views parse, call core.org.services / importing, render."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from core.auth.access import requires
from core.auth.scoping import (get_branch_or_404, get_member_or_404, visible_branches, visible_members,
                               visible_units)
from core.db import get_session
from core.forms_util import options
from core.formatting import with_code
from core.org import importing, services
from core.org.forms import BranchForm, MemberForm, NodeForm, TransferForm
from core.org.models import CATEGORIES, MEMBER_STATUSES, NODE_KINDS, Branch, Member, OrgNode
from core.plugins.web import MenuItem
from core.views_util import attempt, get_or_404, toggle_active
from core.web import paginate
from core.imports.web import Importer, import_flow
from core.xlsx import xlsx_response

bp = Blueprint("org", __name__, url_prefix="/org", template_folder="templates")

MENU = [
    MenuItem("组织管理", "组织机构", "org.units", roles=("admin",), order=10),
    MenuItem("组织管理", "党支部", "org.branches", order=20),
    MenuItem("组织管理", "党员", "org.members", order=30),
]

MANAGERS = ("admin", "reviewer")
WRITERS = ("admin", "reviewer", "secretary")


# ---------------------------------------------------------------- small helpers

def _int_arg(name):
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _active_filter(stmt, column):
    show = request.args.get("show", "active")
    if show == "inactive":
        return stmt.where(column.is_(False))
    if show == "all":
        return stmt
    return stmt.where(column.is_(True))


def _scope_units(db):
    return list(db.scalars(visible_units(current_user).order_by(OrgNode.code)))


# ---------------------------------------------------------------- nodes (admins)

def _node_parent_choices(db, exclude_id=None):
    nodes = db.scalars(select(OrgNode).where(OrgNode.active.is_(True)).order_by(OrgNode.unit_id, OrgNode.code))
    return options([("", _("（无）"))] + [(str(n.id), f"{_(n.kind_label)} · {services.node_label(n)}")
                                          for n in nodes if n.id != exclude_id])


@bp.route("/units")
@requires("admin")
def units():
    db = get_session()
    stmt = select(OrgNode).options(joinedload(OrgNode.parent))
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(or_(OrgNode.name.like(_like(q), escape="\\"), OrgNode.code.like(_like(q), escape="\\")))
    kind = request.args.get("kind", "")
    if kind in NODE_KINDS:
        stmt = stmt.where(OrgNode.kind == kind)
    unit = _int_arg("unit")
    if unit:
        stmt = stmt.where(OrgNode.unit_id == unit)
    stmt = _active_filter(stmt, OrgNode.active).order_by(OrgNode.unit_id.is_not(None), OrgNode.unit_id, OrgNode.code)
    page = paginate(db, stmt)
    return render_template("org/units.html", page=page, kinds=NODE_KINDS, all_units=_scope_units(db))


@bp.route("/units/new", methods=["GET", "POST"])
@requires("admin")
def unit_new():
    db = get_session()
    form = NodeForm()
    form.parent_id.choices = _node_parent_choices(db)
    if form.validate_on_submit():
        with attempt(db, services.OrgError, form=form) as done:
            node = services.create_node(db, form.values(), actor=current_user)
        if done:
            flash(_("已创建组织：%(name)s", name=node.name), "success")
            return redirect(url_for("org.units"))
    return render_template("org/node_form.html", form=form, node=None)



@bp.route("/units/<int:node_id>/edit", methods=["GET", "POST"])
@requires("admin")
def unit_edit(node_id):
    db = get_session()
    node = get_or_404(db, OrgNode, node_id)
    form = NodeForm(obj=node) if request.method == "GET" else NodeForm()
    if request.method == "GET":
        form.version.data = node.version
        form.parent_id.data = node.parent_id
    form.parent_id.choices = _node_parent_choices(db, exclude_id=node.id)
    if form.validate_on_submit():
        with attempt(db, services.OrgError, form=form) as done:
            services.update_node(db, node, form.values(), version=form.version_value(), actor=current_user)
        if done:
            flash(_("已保存。"), "success")
            return redirect(url_for("org.units"))
        if isinstance(done.error, services.StaleEdit):
            return render_template("org/node_form.html", form=form, node=node), 409
    return render_template("org/node_form.html", form=form, node=node)


@bp.route("/units/<int:node_id>/deactivate", methods=["POST"], endpoint="unit_deactivate",
          defaults={"active": False})
@bp.route("/units/<int:node_id>/activate", methods=["POST"], endpoint="unit_activate",
          defaults={"active": True})
@requires("admin")
def unit_set_active(node_id, active):
    """停用 (deactivate) or 恢复 (reactivate); one view under both endpoints."""
    db = get_session()
    node = get_or_404(db, OrgNode, node_id)
    return toggle_active(db, services.set_node_active, node, active,
                         name=node.name, refused=services.OrgError,
                         next_url=url_for("org.units"))


# ---------------------------------------------------------------- branches

def _branch_query():
    stmt = visible_branches(current_user)
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(or_(Branch.name.like(_like(q), escape="\\"), Branch.code.like(_like(q), escape="\\")))
    unit = _int_arg("unit")
    if unit:
        stmt = stmt.where(Branch.unit_id == unit)
    category = request.args.get("category", "")
    if category in CATEGORIES:
        stmt = stmt.where(Branch.category == category)
    return _active_filter(stmt, Branch.active).order_by(Branch.unit_id, Branch.code)


@bp.route("/branches")
@requires()
def branches():
    db = get_session()
    stmt = _branch_query().options(joinedload(Branch.unit), joinedload(Branch.parent))
    page = paginate(db, stmt)
    counts = services.member_counts(db, [b.id for b in page.items])
    return render_template("org/branches.html", page=page, counts=counts, categories=CATEGORIES,
                           all_units=_scope_units(db), may_manage=current_user.role in MANAGERS)


@bp.route("/branches/export.xlsx")
@requires()
def branches_export():
    db = get_session()
    data = importing.export_branches(db, _branch_query())
    return xlsx_response(data, f"党支部_{date.today():%Y%m%d}.xlsx")


def _parent_choices(db):
    return options((str(n.id), f"{_(n.kind_label)} · {services.node_label(n)}")
                   for n in services.parent_nodes_for(db, current_user))


@bp.route("/branches/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def branch_new():
    db = get_session()
    form = BranchForm()
    form.parent_id.choices = _parent_choices(db)
    if form.validate_on_submit():
        with attempt(db, services.OrgError, form=form) as done:
            branch = services.create_branch(db, form.values(), actor=current_user)
        if done:
            flash(_("已创建支部：%(name)s", name=branch.name), "success")
            return redirect(url_for("org.branch_detail", branch_id=branch.id))
    return render_template("org/branch_form.html", form=form, branch=None)


@bp.route("/branches/<int:branch_id>")
@requires()
def branch_detail(branch_id):
    db = get_session()
    branch = get_branch_or_404(db, current_user, branch_id)
    stmt = _active_filter(select(Member).where(Member.branch_id == branch.id), Member.active)
    page = paginate(db, stmt.order_by(Member.status, Member.name, Member.id))
    return render_template("org/branch_detail.html", branch=branch, page=page,
                           may_manage=services.can_manage_branch(current_user, branch),
                           may_edit_members=services.can_edit_members(current_user, branch))


@bp.route("/branches/<int:branch_id>/edit", methods=["GET", "POST"])
@requires(*MANAGERS)
def branch_edit(branch_id):
    db = get_session()
    branch = get_branch_or_404(db, current_user, branch_id, services.can_manage_branch)
    form = BranchForm(obj=branch) if request.method == "GET" else BranchForm()
    if request.method == "GET":
        form.version.data = branch.version
    form.parent_id.choices = _parent_choices(db)
    if form.validate_on_submit():
        with attempt(db, services.OrgError, form=form) as done:
            services.update_branch(db, branch, form.values(), version=form.version_value(), actor=current_user)
        if done:
            flash(_("已保存。"), "success")
            return redirect(url_for("org.branch_detail", branch_id=branch.id))
        if isinstance(done.error, services.StaleEdit):
            return render_template("org/branch_form.html", form=form, branch=branch), 409
    return render_template("org/branch_form.html", form=form, branch=branch)


@bp.route("/branches/<int:branch_id>/deactivate", methods=["POST"], endpoint="branch_deactivate",
          defaults={"active": False})
@bp.route("/branches/<int:branch_id>/activate", methods=["POST"], endpoint="branch_activate",
          defaults={"active": True})
@requires(*MANAGERS)
def branch_set_active(branch_id, active):
    """停用 (deactivate) or 恢复 (reactivate); one view under both endpoints."""
    db = get_session()
    branch = get_branch_or_404(db, current_user, branch_id, services.can_manage_branch)
    return toggle_active(db, services.set_branch_active, branch, active,
                         name=branch.name, refused=services.OrgError,
                         next_url=url_for("org.branch_detail", branch_id=branch.id))


# ---------------------------------------------------------------- members

def _member_query():
    stmt = visible_members(current_user).join(Member.branch)
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(or_(Member.name.like(_like(q), escape="\\"), Branch.code.like(_like(q), escape="\\")))
    unit = _int_arg("unit")
    if unit:
        stmt = stmt.where(Branch.unit_id == unit)
    branch = _int_arg("branch")
    if branch:
        stmt = stmt.where(Member.branch_id == branch)
    status = request.args.get("status", "")
    if status in MEMBER_STATUSES:
        stmt = stmt.where(Member.status == status)
    return _active_filter(stmt, Member.active).order_by(Branch.unit_id, Branch.code, Member.name, Member.id)


@bp.route("/members")
@requires()
def members():
    db = get_session()
    page = paginate(db, _member_query().options(joinedload(Member.branch)))
    branch_filter = None
    if _int_arg("branch"):
        branch_filter = db.scalar(visible_branches(current_user).where(Branch.id == _int_arg("branch")))
    return render_template("org/members.html", page=page, statuses=MEMBER_STATUSES, all_units=_scope_units(db),
                           branch_filter=branch_filter, may_import=current_user.role in MANAGERS)


@bp.route("/members/export.xlsx")
@requires()
def members_export():
    db = get_session()
    data = importing.export_members(db, _member_query())
    return xlsx_response(data, f"党员_{date.today():%Y%m%d}.xlsx")


@bp.route("/branches/<int:branch_id>/members/new", methods=["GET", "POST"])
@requires(*WRITERS)
def member_new(branch_id):
    db = get_session()
    branch = get_branch_or_404(db, current_user, branch_id, services.can_edit_members)
    form = MemberForm()
    if form.validate_on_submit():
        with attempt(db, services.OrgError, form=form) as done:
            member = services.create_member(db, branch, form.values(), actor=current_user)
        if done:
            flash(_("已添加党员：%(name)s", name=member.name), "success")
            return redirect(url_for("org.branch_detail", branch_id=branch.id))
    return render_template("org/member_form.html", form=form, member=None, branch=branch)


@bp.route("/members/<int:member_id>")
@requires()
def member_detail(member_id):
    db = get_session()
    member = get_member_or_404(db, current_user, member_id)
    return render_template("org/member_detail.html", member=member,
                           history=services.transfer_history(db, member),
                           may_edit=services.can_edit_members(current_user, member.branch),
                           may_transfer=services.can_manage_branch(current_user, member.branch))


def _editable_member_or_404(db, member_id) -> Member:
    member = get_member_or_404(db, current_user, member_id)
    if not services.can_edit_members(current_user, member.branch):
        abort(404)
    return member


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@requires(*WRITERS)
def member_edit(member_id):
    db = get_session()
    member = _editable_member_or_404(db, member_id)
    form = MemberForm(obj=member) if request.method == "GET" else MemberForm()
    if request.method == "GET":
        form.version.data = member.version
    if form.validate_on_submit():
        with attempt(db, services.OrgError, form=form) as done:
            services.update_member(db, member, form.values(), version=form.version_value(), actor=current_user)
        if done:
            flash(_("已保存。"), "success")
            return redirect(url_for("org.member_detail", member_id=member.id))
        if isinstance(done.error, services.StaleEdit):
            return render_template("org/member_form.html", form=form, member=member, branch=member.branch), 409
    return render_template("org/member_form.html", form=form, member=member, branch=member.branch)


@bp.route("/members/<int:member_id>/deactivate", methods=["POST"], endpoint="member_deactivate",
          defaults={"active": False})
@bp.route("/members/<int:member_id>/activate", methods=["POST"], endpoint="member_activate",
          defaults={"active": True})
@requires(*WRITERS)
def member_set_active(member_id, active):
    """停用 (deactivate) or 恢复 (reactivate); one view under both endpoints."""
    db = get_session()
    member = _editable_member_or_404(db, member_id)
    return toggle_active(db, services.set_member_active, member, active,
                         name=member.name, refused=services.OrgError,
                         next_url=url_for("org.member_detail", member_id=member.id))


@bp.route("/members/<int:member_id>/transfer", methods=["GET", "POST"])
@requires(*MANAGERS)
def member_transfer(member_id):
    db = get_session()
    member = get_member_or_404(db, current_user, member_id)
    if not services.can_manage_branch(current_user, member.branch):
        abort(404)
    form = TransferForm()
    targets = services.transfer_targets(db, current_user, member)
    form.to_branch_id.choices = options((str(b.id), with_code(b.name, b.code)) for b in targets)
    if request.method == "GET":
        form.version.data = member.version
        form.transferred_on.data = date.today()
    if form.validate_on_submit():
        to_branch = get_branch_or_404(db, current_user, form.to_branch_id.data)
        with attempt(db, services.OrgError, form=form) as done:
            services.transfer_member(db, member, to_branch, on=form.transferred_on.data,
                                     reason=(form.reason.data or "").strip(), version=form.version_value(),
                                     actor=current_user)
        if done:
            flash(_("已将 %(m)s 转入 %(b)s。", m=member.name, b=to_branch.name), "success")
            return redirect(url_for("org.member_detail", member_id=member.id))
        if isinstance(done.error, services.StaleEdit):
            return render_template("org/transfer_form.html", form=form, member=member), 409
    return render_template("org/transfer_form.html", form=form, member=member)


# ---------------------------------------------------------------- Excel import (preview, then apply)

IMPORTS = {
    "branches": (importing.plan_branches, importing.apply_branches, importing.branch_template, "党支部", "org.branches"),
    "members": (importing.plan_members, importing.apply_members, importing.member_template, "党员", "org.members"),
}


@bp.record
def _importers_for_jobs(state):
    from core.imports.jobs import register_importer
    for what, (plan, apply, _template, label, _back) in IMPORTS.items():
        register_importer(state.app, what, label, plan, apply)


@bp.route("/import/<any(branches, members):what>", methods=["GET", "POST"])
@requires(*MANAGERS)
def import_page(what):
    plan, apply, _template, label, back = IMPORTS[what]
    return import_flow(Importer(what, label, plan, apply, url_for("org.import_template", what=what), url_for(back)))


@bp.route("/import/<any(branches, members):what>/template.xlsx")
@requires(*MANAGERS)
def import_template(what):
    template, label = IMPORTS[what][2], IMPORTS[what][3]
    return xlsx_response(template(), f"{label}导入模板.xlsx")
