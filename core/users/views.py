"""User administration pages (用户管理), admins only."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from core.auth.access import requires
from core.auth.models import ROLES, User
from core.auth.services import one_time_password
from core.db import get_session
from core.forms_util import options
from core.org.models import Branch, OrgNode
from core.org.services import OrgError, StaleEdit
from core.plugins.web import MenuItem
from core.users import services
from core.users.forms import NewUserForm, PasswordResetForm, UserForm
from core.views_util import attempt, get_or_404, toggle_active
from core.web import paginate

bp = Blueprint("users", __name__, url_prefix="/admin/users", template_folder="templates")

MENU = [MenuItem("系统管理", "用户管理", "users.index", roles=("admin",), order=10)]


def _fill_choices(db, form):
    units = db.scalars(select(OrgNode).where(OrgNode.kind == "unit").order_by(OrgNode.code))
    form.unit_ids.choices = options((str(u.id), u.name) for u in units)



@bp.route("/")
@requires("admin")
def index():
    db = get_session()
    stmt = select(User)
    q = request.args.get("q", "").strip()
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(User.username.like(like, escape="\\"), User.display_name.like(like, escape="\\")))
    role = request.args.get("role", "")
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    show = request.args.get("show", "active")
    if show != "all":
        stmt = stmt.where(User.active.is_(show != "inactive"))
    page = paginate(db, stmt.order_by(User.role, User.username))
    branch_ids = {u.branch_id for u in page.items if u.branch_id}
    unit_ids = {uid for u in page.items for uid in u.unit_ids}
    branches = {b.id: b for b in db.scalars(select(Branch).where(Branch.id.in_(branch_ids)))} if branch_ids else {}
    units = {n.id: n for n in db.scalars(select(OrgNode).where(OrgNode.id.in_(unit_ids)))} if unit_ids else {}
    return render_template("users/index.html", page=page, roles=ROLES, branches=branches, units=units)


@bp.route("/new", methods=["GET", "POST"])
@requires("admin")
def new():
    db = get_session()
    form = NewUserForm()
    _fill_choices(db, form)
    if form.validate_on_submit():
        with attempt(db, OrgError, form=form) as done:
            user = services.create_user(db, form.values(), password=form.password.data, actor=current_user)
        if done:
            flash(_("已创建用户：%(u)s", u=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit(user_id):
    db = get_session()
    user = get_or_404(db, User, user_id)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    if request.method == "GET":
        form.version.data = user.version
        form.unit_ids.data = sorted(user.unit_ids)
        if user.branch_id:
            form.branch_code.data = db.scalar(select(Branch.code).where(Branch.id == user.branch_id))
    _fill_choices(db, form)
    if form.validate_on_submit():
        with attempt(db, OrgError, form=form) as done:
            services.update_user(db, user, form.values(), version=form.version_value(), actor=current_user)
        if done:
            flash(_("已保存。"), "success")
            return redirect(url_for("users.index"))
        if isinstance(done.error, StaleEdit):
            return render_template("users/form.html", form=form, user=user), 409
    return render_template("users/form.html", form=form, user=user)


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@requires("admin")
def password(user_id):
    db = get_session()
    user = get_or_404(db, User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        password = form.password.data or one_time_password()
        services.reset_password(db, user, password, actor=current_user)
        db.commit()
        flash(_("已重置 %(u)s 的密码，其已登录的会话和 API 令牌全部失效；首次登录后须修改密码。", u=user.username),
              "success")
        if form.password.data:
            return redirect(url_for("users.index"))
        return render_template("users/password.html", form=PasswordResetForm(formdata=None), user=user,
                               one_time=password)
    return render_template("users/password.html", form=form, user=user)


@bp.route("/<int:user_id>/deactivate", methods=["POST"], endpoint="deactivate",
          defaults={"active": False})
@bp.route("/<int:user_id>/activate", methods=["POST"], endpoint="activate",
          defaults={"active": True})
@requires("admin")
def set_active(user_id, active):
    """停用 (deactivate) or 恢复 (reactivate); one view under both endpoints."""
    db = get_session()
    user = get_or_404(db, User, user_id)
    return toggle_active(db, services.set_user_active, user, active,
                         name=user.username, refused=OrgError,
                         next_url=url_for("users.index"))
