"""Catalogue admin (指标库与考核细则), admin only: rule sets per year (seed, copy as
new version, activate), index weights, star bands, settings and indicators."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.auth.access import requires
from core.db import get_session
from core.forms_util import options
from core.indicators import admin
from core.indicators.catalogue import CatalogueError, seed_ruleset
from core.indicators.forms import (BandsForm, CopyRuleSetForm, IndicatorForm, NewRuleSetForm, SettingsForm,
                                   weight_field_name, weights_form_class)
from core.indicators.models import CYCLES, INDICATOR_KINDS, INDICES, Indicator, RuleSet, ruleset_status_label
from core.org.models import CATEGORIES
from core.periods.models import Period
from core.plugins.web import MenuItem
from core.views_util import attempt, flash_form_errors, get_or_404

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue", template_folder="templates")

MENU = [MenuItem("考核设置", "考核细则与指标库", "catalogue.index", roles=("admin",), order=10)]



def registered_methods() -> dict[str, tuple[str, str | None]]:
    """Scoring methods from the indicator-kind hook: code → (label, plugin); manual always."""
    registry = current_app.extensions["starbranch.plugins"]
    methods = {"manual": ("人工评分（审核员评定）", None)}
    for batch in registry.hook.starbranch_indicator_kinds():
        for kind in batch:
            methods[kind.method] = (kind.label, kind.plugin)
    return methods


@bp.route("/")
@requires("admin")
def index():
    db = get_session()
    rulesets = list(db.scalars(select(RuleSet).order_by(RuleSet.year.desc(), RuleSet.version.desc())))
    used = set(db.scalars(select(Period.ruleset_id).where(Period.status == "closed", Period.ruleset_id.is_not(None))))
    return render_template("indicators/index.html", rulesets=rulesets, used=used, status_label=ruleset_status_label,
                           new_form=NewRuleSetForm(), copy_form=CopyRuleSetForm())


@bp.route("/seed", methods=["POST"])
@requires("admin")
def seed():
    db = get_session()
    form = NewRuleSetForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("catalogue.index"))
    rs = seed_ruleset(db, form.year.data, current_user, registry=current_app.extensions["starbranch.plugins"])
    db.commit()
    flash(_("已按默认指标库创建 %(name)s。", name=rs.name), "success")
    return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))


@bp.route("/<int:ruleset_id>/copy", methods=["POST"])
@requires("admin")
def copy(ruleset_id):
    db = get_session()
    source = get_or_404(db, RuleSet, ruleset_id)
    form = CopyRuleSetForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("catalogue.index"))
    with attempt(db, CatalogueError) as done:
        rs = admin.copy_ruleset(db, source, year=form.year.data, actor=current_user)
    if not done:
        return redirect(url_for("catalogue.index"))
    flash(_("已复制为 %(name)s（草稿）。", name=rs.name), "success")
    return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))


@bp.route("/<int:ruleset_id>/activate", methods=["POST"])
@requires("admin")
def activate(ruleset_id):
    db = get_session()
    rs = get_or_404(db, RuleSet, ruleset_id)
    with attempt(db, CatalogueError) as done:
        admin.activate_ruleset(db, rs, actor=current_user)
    if done:
        flash(_("已启用 %(name)s。", name=rs.name), "success")
    return redirect(url_for("catalogue.ruleset", ruleset_id=ruleset_id))


@bp.route("/<int:ruleset_id>")
@requires("admin")
def ruleset(ruleset_id):
    db = get_session()
    rs = get_or_404(db, RuleSet, ruleset_id)
    weights = {(w.category, w.index_code): w.weight for w in rs.weights}
    locked_by = admin.closed_period_using(db, rs)
    return render_template("indicators/ruleset.html", rs=rs, weights=weights, locked_by=locked_by,
                           categories=CATEGORIES, indices=INDICES, kinds=INDICATOR_KINDS, cycles=CYCLES,
                           methods=registered_methods(), status_label=ruleset_status_label, copy_form=CopyRuleSetForm())


def _refuse_if_locked(db, rs):
    try:
        admin.ensure_editable(db, rs)
    except CatalogueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))
    return None


@bp.route("/<int:ruleset_id>/weights", methods=["GET", "POST"])
@requires("admin")
def weights(ruleset_id):
    db = get_session()
    rs = get_or_404(db, RuleSet, ruleset_id)
    if (refused := _refuse_if_locked(db, rs)) is not None:
        return refused
    form = weights_form_class()()
    if request.method == "GET":
        for w in rs.weights:
            field = getattr(form, weight_field_name(w.category, w.index_code), None)
            if field is not None:
                field.data = w.weight
    error = None
    row_errors: dict[str, str] = {}
    if form.validate_on_submit():
        rows = [(c, i, getattr(form, weight_field_name(c, i)).data) for c in CATEGORIES for i in INDICES]
        for cat in CATEGORIES:
            total = sum(w for c, _i, w in rows if c == cat)
            if total != 100:
                row_errors[cat] = _("合计 %(t)s，应为 100", t=total)
                for idx in INDICES:
                    getattr(form, weight_field_name(cat, idx)).errors = [_("本行合计须为 100")]
        with attempt(db, CatalogueError, quiet=True) as done:
            admin.save_weights(db, rs, rows, actor=current_user)
        if done:
            flash(_("指数权重已保存。"), "success")
            return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))
        error = str(done.error)
    elif request.method == "POST":
        error = _("请更正标红的权重。")
    totals = {c: sum((getattr(form, weight_field_name(c, i)).data or 0) for i in INDICES
                     if isinstance(getattr(form, weight_field_name(c, i)).data, int)) for c in CATEGORIES}
    return render_template("indicators/weights.html", rs=rs, form=form, error=error, row_errors=row_errors,
                           totals=totals, categories=CATEGORIES, indices=INDICES, name=weight_field_name)


@bp.route("/<int:ruleset_id>/bands", methods=["GET", "POST"])
@requires("admin")
def bands(ruleset_id):
    db = get_session()
    rs = get_or_404(db, RuleSet, ruleset_id)
    if (refused := _refuse_if_locked(db, rs)) is not None:
        return refused
    form = BandsForm()
    if request.method == "GET":
        for b in rs.bands:
            getattr(form, f"min_{b.stars}").data = b.min_score
    error = None
    if form.validate_on_submit():
        values = {s: getattr(form, f"min_{s}").data for s in range(1, 6)}
        if values[1] != 0:
            form.min_1.errors = [_("一星须从 0 分开始")]
        for s in range(2, 6):
            if values[s] <= values[s - 1]:
                getattr(form, f"min_{s}").errors = [_("须高于%(n)s星的最低分", n=s - 1)]
            if values[s] > 100:
                getattr(form, f"min_{s}").errors = [_("不能超过 100")]
        with attempt(db, CatalogueError, quiet=True) as done:
            admin.save_bands(db, rs, sorted(values.items()), actor=current_user)
        if done:
            flash(_("星级分段已保存。"), "success")
            return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))
        error = str(done.error)
    return render_template("indicators/bands.html", rs=rs, form=form, error=error)


@bp.route("/<int:ruleset_id>/settings", methods=["GET", "POST"])
@requires("admin")
def settings(ruleset_id):
    db = get_session()
    rs = get_or_404(db, RuleSet, ruleset_id)
    if (refused := _refuse_if_locked(db, rs)) is not None:
        return refused
    form = SettingsForm()
    if request.method == "GET":
        form.load(rs)
    error = None
    if form.validate_on_submit():
        total = sum(getattr(form, f"tg_{g}").data or 0 for g in ("safety_production", "basic_work", "key_tasks"))
        if total != 100:
            for g in ("safety_production", "basic_work", "key_tasks"):
                getattr(form, f"tg_{g}").errors = [_("三个分组合计 %(t)s，应为 100", t=total)]
        with attempt(db, CatalogueError, quiet=True) as done:
            admin.save_settings(db, rs, form.to_values(), actor=current_user)
        if done:
            flash(_("考核参数已保存。"), "success")
            return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))
        error = str(done.error)
    return render_template("indicators/settings.html", rs=rs, form=form, error=error)


def _indicator_form(rs, indicator=None):
    form = IndicatorForm(obj=indicator) if (indicator is not None and request.method == "GET") else IndicatorForm()
    methods = registered_methods()
    form.method.choices = options((code, _(label)) for code, (label, _p) in methods.items())
    if indicator is not None and request.method == "GET":
        params = indicator.params or {}
        form.categories.data = indicator.categories or []
        form.record_types.data = params.get("record_types", [])
        form.min_count.data = params.get("min_count")
        form.deadline_days.data = params.get("deadline_days")
    return form, methods


def _save_indicator(rs, indicator=None):
    db = get_session()
    if (refused := _refuse_if_locked(db, rs)) is not None:
        return refused
    form, methods = _indicator_form(rs, indicator)
    error = None
    if form.validate_on_submit():
        with attempt(db, CatalogueError, quiet=True) as done:
            admin.save_indicator(db, rs, form.data, actor=current_user, indicator=indicator,
                                 methods={code: plugin for code, (_l, plugin) in methods.items()})
        if done:
            flash(_("指标已保存。"), "success")
            return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))
        error = str(done.error)
    return render_template("indicators/indicator_form.html", rs=rs, form=form, indicator=indicator, error=error)


@bp.route("/<int:ruleset_id>/indicators/new", methods=["GET", "POST"])
@requires("admin")
def new_indicator(ruleset_id):
    return _save_indicator(get_or_404(get_session(), RuleSet, ruleset_id))


@bp.route("/<int:ruleset_id>/indicators/<int:indicator_id>", methods=["GET", "POST"])
@requires("admin")
def edit_indicator(ruleset_id, indicator_id):
    db = get_session()
    rs = get_or_404(db, RuleSet, ruleset_id)
    ind = db.scalar(select(Indicator).where(Indicator.id == indicator_id, Indicator.ruleset_id == rs.id))
    if ind is None:
        abort(404)
    return _save_indicator(rs, ind)


@bp.route("/<int:ruleset_id>/indicators/<int:indicator_id>/delete", methods=["POST"])
@requires("admin")
def delete_indicator(ruleset_id, indicator_id):
    db = get_session()
    rs = get_or_404(db, RuleSet, ruleset_id)
    ind = db.scalar(select(Indicator).where(Indicator.id == indicator_id, Indicator.ruleset_id == rs.id))
    if ind is None:
        abort(404)
    with attempt(db, CatalogueError) as done:
        admin.delete_indicator(db, rs, ind, actor=current_user)
    if done:
        flash(_("指标已删除。"), "success")
    return redirect(url_for("catalogue.ruleset", ruleset_id=rs.id))
