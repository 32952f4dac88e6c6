"""The plugin enabling page (插件启用管理): units × loaded plugins, admins only."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired, ValidationError

from core.formatting import sep
from core.auth.access import requires
from core.db import get_session
from core.forms_util import options
from core.org.models import OrgNode
from core.plugins import service
from core.plugins.models import UnitPlugin
from core.plugins.web import MenuItem, get_registry

bp = Blueprint("plugins", __name__, url_prefix="/admin/plugins", template_folder="templates")

MENU = [MenuItem("系统管理", "插件启用", "plugins.index", roles=("admin",), order=20)]


class ToggleForm(FlaskForm):
    unit_id = HiddenField(validators=[DataRequired(_l("缺少二级单位。"))])
    plugin = HiddenField(validators=[DataRequired(_l("缺少插件名称。"))])
    action = SelectField(choices=options([("enable", _l("启用")), ("disable", _l("停用"))]))

    def validate_plugin(self, field):
        if field.data not in get_registry().manifests:
            raise ValidationError(_("未知或无法加载的插件：%(p)s", p=field.data))

    def validate_unit_id(self, field):
        unit = get_session().get(OrgNode, int(field.data)) if (field.data or "").isdigit() else None
        if unit is None or unit.kind != "unit":
            raise ValidationError(_("二级单位不存在。"))


@bp.route("/")
@requires("admin")
def index():
    return _page()


def _page():
    db = get_session()
    registry = get_registry()
    units = list(db.scalars(select(OrgNode).where(OrgNode.kind == "unit").order_by(OrgNode.code)))
    enabled = {(r.unit_id, r.plugin) for r in db.scalars(select(UnitPlugin))}
    manifests = list(registry.manifests.values())
    return render_template("plugins/index.html", units=units, manifests=manifests, broken=registry.broken,
                           enabled=enabled, adds={m.name: registry.contributions(m.name) for m in manifests},
                           dependents={m.name: sorted(registry.dependents_of(m.name)) for m in manifests},
                           labels={m.name: m.label for m in manifests})


@bp.route("/toggle", methods=["POST"])
@requires("admin")
def toggle():
    db = get_session()
    registry = get_registry()
    form = ToggleForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _page(), 400  # refused, nothing written
    unit_id, name = int(form.unit_id.data), form.plugin.data
    label = _(registry.manifests[name].label)
    try:
        if form.action.data == "enable":
            added = service.enable(db, registry, unit_id=unit_id, name=name, actor=current_user)
            extra = [_(registry.manifests[n].label) for n in added if n != name]
            message = _("已启用：%(p)s", p=label)
            if extra:
                message += _("（同时启用依赖插件：%(d)s）", d=sep("list").join(extra))
        else:
            service.disable(db, registry, unit_id=unit_id, name=name, actor=current_user)
            message = _("已停用：%(p)s", p=label)
    except service.PluginError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        flash(message, "success")
    return redirect(url_for("plugins.index"))
