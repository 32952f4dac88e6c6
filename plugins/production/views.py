"""Pages of the production plugin. Every page answers 404 in units where the plugin is
not enabled (plugin_blueprint) and every query is scoped (core.auth.scoping)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.plugins.api import (CATEGORIES, N_, sep, Branch, Importer, MenuItem, PeriodKey, PeriodLocked, can_keep_ledger, can_review,
                              get_branch_or_404, get_session, get_unit_or_404, import_flow, paginate, plugin_blueprint,
                              register_importer, requires, units_enabled_in_scope, visible_branches, writer_required,
                              xlsx_response, year_arg)
from plugins.production import forms, services
from plugins.production.importing import apply_import, plan_import, template
from plugins.production.measures import EDITABLE, MeasureError, all_measures, update_measure
from plugins.production.models import ACCEPTANCE_RULES, Incident, Measure

bp = plugin_blueprint("production", "production", __name__, url_prefix="/production",
                      template_folder="templates")

MENU = [
    MenuItem("生产经营", "生产经营指标", "production.index", order=60, plugin="production"),
    MenuItem("生产经营", "实绩导入", "production.import_page", roles=("admin", "reviewer", "secretary"),
             order=61, plugin="production"),
    MenuItem("生产经营", "季度验收", "production.acceptance_units", roles=("admin", "reviewer"), order=62,
             plugin="production"),
    MenuItem("生产经营", "指标定义", "production.measures", roles=("admin",), order=63, plugin="production"),
    MenuItem("生产经营", "计分规则设置", "production.settings", roles=("admin",), order=64, plugin="production"),
]


def _this_year() -> int:
    return date.today().year


def _year_arg() -> int:
    return year_arg(default=_this_year())


def _enabled_branches():
    enabled = units_enabled_in_scope(get_session(), current_user, "production")
    return visible_branches(current_user).where(Branch.unit_id.in_(enabled), Branch.active.is_(True))


@bp.route("/")
@requires()
def index():
    stmt = _enabled_branches()
    category = request.args.get("category")
    if category in CATEGORIES:
        stmt = stmt.where(Branch.category == category)
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Branch.name.contains(q) | Branch.code.contains(q))
    page = paginate(get_session(), stmt.order_by(Branch.code))
    return render_template("production/index.html", page=page, categories=CATEGORIES, category=category, q=q)


@bp.route("/branch/<int:branch_id>", methods=["GET", "POST"])
@requires()
def branch(branch_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    year = _year_arg()
    measures = services.measures_of(session, b.category)
    can_plan = current_user.role != "viewer" and can_review(current_user, b)
    can_enter = current_user.role != "viewer" and can_keep_ledger(current_user, b)
    form = forms.month_entry_form(measures, can_plan, formdata=request.form if request.method == "POST" else None,
                                  month=request.args.get("month") or f"{year}-{date.today().month:02d}")
    if request.method == "POST":
        if not can_enter:
            abort(404)
        if form.validate():
            month = services.parse_month(form.month.data)
            entries = []
            for m in measures:
                plan = getattr(form, f"plan_{m.id}").data if can_plan else None
                actual = getattr(form, f"actual_{m.id}").data
                if plan is not None or actual is not None:
                    entries.append(services.Entry(ref=m.slot_label, branch=b.code, measure=m.code, month=month,
                                                  plan=plan, actual=actual))
            if not entries:
                flash(_("没有填写任何数值。"), "error")
            else:
                result, errors = services.save_entries(session, current_user, entries, source="form")
                if errors:
                    session.rollback()
                    for e in errors:
                        flash(_("%(ref)s：%(message)s", ref=e.ref, message=e.message), "error")
                else:
                    session.commit()
                    flash(_("已保存：新增 %(c)s 项，修改 %(u)s 项，未变 %(n)s 项。", c=result.created,
                            u=result.updated, n=result.unchanged), "success")
                    return redirect(url_for(".branch", branch_id=b.id, year=month.year))
    grid = services.branch_year(session, b, year)
    incidents = session.scalars(select(Incident).where(Incident.branch_id == b.id)
                                .order_by(Incident.occurred_on.desc()).limit(50)).all()
    return render_template("production/branch.html", branch=b, year=year, measures=measures, grid=grid,
                           months=[date(year, m, 1) for m in range(1, 13)], form=form, can_plan=can_plan,
                           can_enter=can_enter, incidents=incidents, incident_form=forms.IncidentForm(),
                           delete_form=forms.DeleteForm(), can_review=can_review(current_user, b),
                           safe_days=services.days_without_incident(session, b.id, date.today()))


@bp.route("/branch/<int:branch_id>/incidents", methods=["POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def add_incident(branch_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    form = forms.IncidentForm()
    if not form.validate():
        for name, errs in form.errors.items():
            flash(_("%(field)s：%(errors)s", field=getattr(form, name).label.text, errors=sep("semicolon").join(errs)), "error")
        return redirect(url_for(".branch", branch_id=b.id))
    try:
        incident = services.record_incident(session, current_user, b, occurred_on=form.occurred_on.data,
                                             severity=form.severity.data, description=form.description.data)
    except (services.ProductionError, PeriodLocked) as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".branch", branch_id=b.id))
    session.commit()
    flash(_("安全事件已登记。") + (_("已按规则生成否决记录。") if incident.veto_record_id else ""), "success")
    return redirect(url_for(".branch", branch_id=b.id))


@bp.route("/branch/<int:branch_id>/incidents/<int:incident_id>/delete", methods=["POST"])
@requires("admin", "reviewer")
def delete_incident(branch_id, incident_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    incident = session.scalar(select(Incident).where(Incident.id == incident_id, Incident.branch_id == b.id))
    if incident is None:
        abort(404)
    form = forms.DeleteForm()
    if not form.validate():
        flash(_("删除必须填写原因。"), "error")
        return redirect(url_for(".branch", branch_id=b.id))
    try:
        services.delete_incident(session, current_user, incident, reason=form.reason.data)
    except (services.ProductionError, PeriodLocked) as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".branch", branch_id=b.id))
    session.commit()
    flash(_("安全事件已删除。"), "success")
    return redirect(url_for(".branch", branch_id=b.id))


# ------------------------------------------------------------------ quarterly acceptance

@bp.route("/acceptance")
@requires("admin", "reviewer")
def acceptance_units():
    session = get_session()
    enabled = units_enabled_in_scope(session, current_user, "production")
    from core.plugins.api import OrgNode, visible_units
    units = session.scalars(visible_units(current_user).where(OrgNode.id.in_(enabled)).order_by(OrgNode.code)).all()
    quarter = PeriodKey.of_date("quarter", date.today()).key
    return render_template("production/acceptance_units.html", units=units, quarter=quarter)


@bp.route("/unit/<int:unit_id>/acceptance", methods=["GET", "POST"])
@requires("admin", "reviewer")
def acceptance(unit_id):
    """One decision per row, or 全部验收通过 in one submit with the exceptions marked."""
    session = get_session()
    unit = get_unit_or_404(session, current_user, unit_id)
    try:
        quarter = PeriodKey.parse(request.args.get("quarter") or PeriodKey.of_date("quarter", date.today()).key)
        if quarter.kind != "quarter":
            raise ValueError
    except ValueError:
        abort(404)
    form = forms.AcceptanceForm()
    if request.method == "POST" and request.form.get("all"):
        return _accept_all(session, unit, quarter)
    if request.method == "POST":
        if form.validate():
            b = get_branch_or_404(session, current_user, int(form.branch_id.data))
            measure = session.get(Measure, int(form.measure_id.data)) if form.measure_id.data.isdigit() else None
            if b.unit_id != unit.id or measure is None:
                abort(404)
            try:
                services.decide_acceptance(session, current_user, b, measure, quarter.key,
                                           status=form.status.data, comment=form.comment.data)
            except (services.ProductionError, PeriodLocked) as exc:
                session.rollback()
                flash(str(exc), "error")
            else:
                session.commit()
                flash(_("已记录 %(b)s 的%(m)s验收结论。", b=b.name, m=_(measure.slot_label)), "success")
                closed = services.closed_months(session, quarter.key)
                if closed and services.get_setting(session, quarter.year).acceptance_rule != "computed":
                    flash(_("%(m)s已结账：验收结论须在这些月份重新开启并重新结账后才计入其得分。",
                            m=sep("list").join(closed)), "warning")
        else:
            flash(_("请选择验收结论。"), "error")
        return redirect(url_for(".acceptance", unit_id=unit.id, quarter=quarter.key))
    stmt = _enabled_branches().where(Branch.unit_id == unit.id).order_by(Branch.code)
    page = paginate(session, stmt)
    ids = [b.id for b in page.items]
    decisions = services.acceptances(session, ids, quarter.key)
    measures = [m for m in all_measures(session) if m.key and m.active]
    totals = services.window_figures(session, ids, quarter, {m.id: m for m in measures})
    return render_template("production/acceptance.html", unit=unit, quarter=quarter, page=page,
                           decisions=decisions, totals=totals, measures=measures,
                           setting=services.get_setting(session, quarter.year), rules=ACCEPTANCE_RULES)


def _accept_all(session, unit, quarter):
    """The bulk submit (CSRF checked by the app's CSRFProtect): exceptions are the ticked
    rows (except=<branch>-<measure>) with their comment (comment-<branch>-<measure>)."""
    exceptions = {}
    for value in request.form.getlist("except"):
        b, _sep, m = value.partition("-")
        if not (b.isdigit() and m.isdigit()):
            abort(400)
        exceptions[(int(b), int(m))] = request.form.get(f"comment-{b}-{m}", "")
    ids = list(session.scalars(_enabled_branches().where(Branch.unit_id == unit.id).with_only_columns(Branch.id)))
    measures = [m for m in all_measures(session) if m.key and m.active]
    try:
        accepted, rejected = services.accept_all(session, current_user, unit.id, quarter.key, ids, measures,
                                                 exceptions)
    except (services.ProductionError, PeriodLocked) as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("已验收：通过 %(a)s 项，不通过 %(r)s 项（未报齐实绩或已有结论的项目未改动）。", a=accepted, r=rejected),
              "success")
    return redirect(url_for(".acceptance", unit_id=unit.id, quarter=quarter.key))


# ------------------------------------------------------------------ import

IMPORT_LABEL = N_("生产经营计划与实绩")


@bp.record
def _importer_for_jobs(state):
    register_importer(state.app, "production", IMPORT_LABEL, plan_import, apply_import)


@bp.route("/import", methods=["GET", "POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def import_page():
    return import_flow(Importer(
        "production", IMPORT_LABEL, plan_import, apply_import, url_for(".import_template"),
        url_for(".import_page"),
        hint=_("每月一张工作表，名称为月份（如 2026-03）；列：支部编码、支部名称（仅核对）、指标（产量/成本/质量/安全）、"
               "计划、实绩。模板已按您可填报的支部和指标预先列出所选月份的各行，只需填写数字。"), template_month=True))


@bp.route("/export.xlsx")
@requires()
def export():
    """Plans and actuals of a month (?month=2026-03) for the branches the user may see,
    in the import's layout."""
    try:
        month = services.parse_month(request.args["month"]) if request.args.get("month") else date.today()
    except ValueError:
        month = date.today()
    data = template(get_session(), current_user, month, export=True)
    return xlsx_response(data, f"生产经营计划与实绩_{services.month_key(month)}.xlsx")


@bp.route("/import/template")
@requires("admin", "reviewer", "secretary")
def import_template():
    try:
        month = services.parse_month(request.args["month"]) if request.args.get("month") else date.today()
    except ValueError:
        month = date.today()
    data = template(get_session(), current_user, month)
    return xlsx_response(data, f"生产经营计划与实绩_{services.month_key(month)}.xlsx")


# ------------------------------------------------------------------ admin: measures and settings

@bp.route("/measures")
@requires("admin")
def measures():
    session = get_session()
    return render_template("production/measures.html", measures=all_measures(session), categories=CATEGORIES)


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit_measure(measure_id):
    session = get_session()
    measure = session.get(Measure, measure_id) or abort(404)
    form = forms.MeasureForm(obj=measure)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in EDITABLE}
        values["meaning"] = values["meaning"] or ""
        values["unit"] = values["unit"] or ""
        try:
            n = update_measure(session, measure, values, actor=current_user, reason=form.reason.data or None)
        except MeasureError as exc:
            session.rollback()
            form.floor.errors = list(form.floor.errors) + [str(exc)]
        else:
            session.commit()
            flash(_("指标定义已保存，已同步到 %(n)s 个未结账规则集中的指标。", n=n), "success")
            return redirect(url_for(".measures"))
    return render_template("production/measure_edit.html", form=form, measure=measure)


@bp.route("/settings", methods=["GET", "POST"])
@requires("admin")
def settings():
    session = get_session()
    year = _year_arg()
    current = services.get_setting(session, year)
    form = forms.SettingForm(obj=current)
    if form.validate_on_submit():
        try:
            services.save_setting(session, current_user, form.year.data, acceptance_rule=form.acceptance_rule.data,
                                  veto_on_major=form.veto_on_major.data)
        except services.ProductionError as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            session.commit()
            flash(_("计分规则已保存。"), "success")
            return redirect(url_for(".settings", year=form.year.data))
    return render_template("production/settings.html", form=form, year=year)

