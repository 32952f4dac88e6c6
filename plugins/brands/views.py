"""Pages of the brands plugin. Every page answers 404 in units where the plugin is not
enabled (plugin_blueprint: pages naming a branch by `branch_id` check its unit; the
others need one unit in scope with the plugin), every query is scoped, and every write
goes through a service that checks the role again (views only parse, call, render)."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.plugins.api import (CATEGORIES, Branch, CatalogueError, MenuItem, OrgNode, PeriodLocked, RuleSet,
                              UploadRefused, User, active_ruleset, attempt, can_review, file_path,
                              flash_form_errors, get_branch_or_404, get_or_404, get_session, options, paginate,
                              plugin_blueprint, requires, send_upload, unit_ids_in_scope, units_enabled_in_scope,
                              visible_branches, writer_required, xlsx_response)
from plugins.brands import evidence, forms, matrix as matrix_mod, scoring, showcase, stages
from plugins.brands.models import (STAGES, VANGUARD_TYPES, WUYOU_ITEMS, Achievement, Benchmark, Brand, BrandEvent,
                                   BrandFile, Route, RouteStop, Visit, VisitBranch)
from plugins.brands.stages import PLUGIN, TRANSITIONS, BrandError

bp = plugin_blueprint(PLUGIN, "brands", __name__, url_prefix="/brands", template_folder="templates")

MENU = [
    MenuItem("支部品牌", "品牌创建", "brands.index", order=70, plugin=PLUGIN),
    MenuItem("支部品牌", "品牌矩阵", "brands.matrix", order=71, plugin=PLUGIN),
    MenuItem("支部品牌", "标杆支部", "brands.benchmarks", order=72, plugin=PLUGIN),
    MenuItem("支部品牌", "观摩路线", "brands.routes", order=73, plugin=PLUGIN),
    MenuItem("支部品牌", "对标观摩", "brands.visits", order=74, plugin=PLUGIN),
    MenuItem("支部品牌", "品牌计分设置", "brands.settings", roles=("admin",), order=75, plugin=PLUGIN),
]

REFUSED = (BrandError, PeriodLocked, UploadRefused)


def _enabled_units() -> set[int]:
    return units_enabled_in_scope(get_session(), current_user, PLUGIN)


def _year_arg() -> int:
    try:
        return int(request.args.get("year", date.today().year))
    except ValueError:
        return date.today().year


# ------------------------------------------------------------------ list and brand page

@bp.route("/")
@requires()
def index():
    session = get_session()
    if current_user.role == "secretary" and current_user.branch_id:
        return redirect(url_for("brands.branch", branch_id=current_user.branch_id))
    stmt = (visible_branches(current_user).where(Branch.unit_id.in_(sorted(_enabled_units())),
                                                 Branch.active.is_(True))
            .outerjoin(Brand, Brand.branch_id == Branch.id))
    stage = request.args.get("stage") or ""
    if stage == "none":
        stmt = stmt.where(Brand.id.is_(None))
    elif stage in STAGES:
        stmt = stmt.where(Brand.stage == stage)
    vtype = request.args.get("vanguard_type") or ""
    if vtype in VANGUARD_TYPES:
        stmt = stmt.where(Brand.vanguard_type == vtype)
    category = request.args.get("category") or ""
    if category in CATEGORIES:
        stmt = stmt.where(Branch.category == category)
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Branch.name.contains(q) | Branch.code.contains(q) | Brand.name.contains(q))
    page = paginate(session, stmt.order_by(Branch.code))
    brands = {b.branch_id: b for b in session.scalars(
        select(Brand).where(Brand.branch_id.in_([b.id for b in page.items])))} if page.items else {}
    return render_template("brands/index.html", page=page, brands=brands, stages=STAGES, types=VANGUARD_TYPES,
                           categories=CATEGORIES, q=q)


def _render_branch(b: Branch, *, declare_form=None, file_form=None, act_forms=None, status=200):
    session = get_session()
    brand = stages.brand_of(session, b.id)
    actions = stages.allowed_actions(current_user, b, brand) if current_user.role != "viewer" else []
    act_forms = act_forms or {}
    for t in actions:
        act_forms.setdefault(t.action, forms.DeclareForm(prefix=t.action) if t.action == "declare"
                             else forms.TransitionForm(prefix=t.action))
    if declare_form is not None and "declare" in act_forms:
        act_forms["declare"] = declare_form
    if brand is not None and "declare" in act_forms and declare_form is None and not act_forms["declare"].is_submitted():
        act_forms["declare"].process(obj=brand)
    can_edit = stages.can_edit_file(current_user, b, brand)
    if can_edit and file_form is None:
        file_form = forms.BrandFileForm(prefix="file", obj=brand)
    events = []
    if brand is not None:
        events = session.execute(select(BrandEvent, User.display_name).outerjoin(User, User.id == BrandEvent.actor_id)
                                 .where(BrandEvent.brand_id == brand.id).order_by(BrandEvent.id.desc())).all()
    keep = brand is not None and brand.stage != "withdrawn" and evidence.may_keep(current_user, b)
    verify = brand is not None and brand.stage != "withdrawn" and can_review(current_user, b) \
        and current_user.role != "viewer"
    html = render_template(
        "brands/branch.html", branch=b, brand=brand, stages=STAGES, types=VANGUARD_TYPES, wuyou=WUYOU_ITEMS,
        items=evidence.items_of(session, brand), files=evidence.files_of(session, brand),
        achievements=list(brand.achievements) if brand else [], events=events, actions=actions,
        act_forms=act_forms, file_form=file_form if can_edit else None, keep=keep, verify=verify,
        evidence_form=forms.EvidenceForm(), achievement_form=forms.AchievementForm(prefix="ach"),
        transitions=TRANSITIONS)
    return html, status


@bp.route("/branch/<int:branch_id>")
@requires()
def branch(branch_id):
    b = get_branch_or_404(get_session(), current_user, branch_id)
    return _render_branch(b)


@bp.route("/branch/<int:branch_id>/act/<action>", methods=["POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def act(branch_id, action):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    if action not in TRANSITIONS:
        abort(404)
    form = forms.DeclareForm(prefix=action) if action == "declare" else forms.TransitionForm(prefix=action)
    if not form.validate_on_submit():
        flash(_("请更正下列标红的字段后再提交。"), "error")
        return _render_branch(b, act_forms={action: form}, status=422)
    values = form.values() if action == "declare" else None
    with attempt(session, *REFUSED, form=form) as done:
        stages.transition(session, b, action, actor=current_user, on=form.happened_on.data,
                          comment=form.comment.data or "", values=values)
    if not done:
        return _render_branch(b, act_forms={action: form}, status=422)
    flash(_("已办理：%(a)s", a=_(TRANSITIONS[action].label)), "success")
    return redirect(url_for("brands.branch", branch_id=b.id))


@bp.route("/branch/<int:branch_id>/file", methods=["POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def edit_file(branch_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    form = forms.BrandFileForm(prefix="file")
    if not form.validate_on_submit():
        return _render_branch(b, file_form=form, status=422)
    with attempt(session, *REFUSED, form=form) as done:
        stages.update_file(session, b, form.values(), actor=current_user)
    if not done:
        return _render_branch(b, file_form=form, status=422)
    flash(_("品牌档案已保存。"), "success")
    return redirect(url_for("brands.branch", branch_id=b.id))


@bp.route("/branch/<int:branch_id>/item/<item>", methods=["POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def save_item(branch_id, item):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    if item not in WUYOU_ITEMS:
        abort(404)
    form = forms.EvidenceForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("brands.branch", branch_id=b.id, _anchor=f"item-{item}"))
    upload = request.files.get("file")
    cfg = current_app.config
    with attempt(session, *REFUSED) as done:
        evidence.save_evidence(session, b, item, form.evidence.data or "", actor=current_user)
        if upload is not None and upload.filename:
            evidence.add_file(session, b, item, actor=current_user, filename=upload.filename, data=upload.read(),
                              upload_dir=cfg["UPLOAD_DIR"], max_bytes=cfg["ATTACHMENT_MAX_BYTES"],
                              extensions=cfg["ATTACHMENT_EXTENSIONS"])
    if done:
        flash(_("“%(item)s”的佐证已保存。", item=_(WUYOU_ITEMS[item])), "success")
    return redirect(url_for("brands.branch", branch_id=b.id, _anchor=f"item-{item}"))


@bp.route("/branch/<int:branch_id>/item/<item>/verify", methods=["POST"])
@requires("admin", "reviewer")
@writer_required
def verify_item(branch_id, item):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    if item not in WUYOU_ITEMS:
        abort(404)
    verified = request.form.get("verified") == "1"
    with attempt(session, *REFUSED) as done:
        evidence.set_verified(session, b, item, verified, actor=current_user)
    if done:
        flash(_("已核实：%(item)s", item=_(WUYOU_ITEMS[item])) if verified
              else _("已撤销核实：%(item)s", item=_(WUYOU_ITEMS[item])), "success")
    return redirect(url_for("brands.branch", branch_id=b.id, _anchor=f"item-{item}"))


def _file_or_404(session, b: Branch, file_id: int) -> BrandFile:
    f = session.get(BrandFile, file_id)
    brand = stages.brand_of(session, b.id)
    if f is None or brand is None or f.brand_id != brand.id:
        abort(404)
    return f


@bp.route("/branch/<int:branch_id>/file/<int:file_id>")
@requires()
def download(branch_id, file_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    f = _file_or_404(session, b, file_id)
    return send_upload(file_path(current_app.config["UPLOAD_DIR"], f.stored_name), f.content_type, f.original_name)


@bp.route("/branch/<int:branch_id>/file/<int:file_id>/delete", methods=["POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def delete_file(branch_id, file_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    f = _file_or_404(session, b, file_id)
    with attempt(session, *REFUSED) as done:
        evidence.delete_file(session, b, f, actor=current_user, upload_dir=current_app.config["UPLOAD_DIR"])
    if done:
        flash(_("文件已删除。"), "success")
    return redirect(url_for("brands.branch", branch_id=b.id))


@bp.route("/branch/<int:branch_id>/achievements", methods=["POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def add_achievement(branch_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    form = forms.AchievementForm(prefix="ach")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("brands.branch", branch_id=b.id, _anchor="achievements"))
    with attempt(session, *REFUSED) as done:
        evidence.add_achievement(session, b, actor=current_user, achieved_on=form.achieved_on.data,
                                 title=form.title.data, detail=form.detail.data or "")
    if done:
        flash(_("创建成效已记录。"), "success")
    return redirect(url_for("brands.branch", branch_id=b.id, _anchor="achievements"))


@bp.route("/branch/<int:branch_id>/achievements/<int:achievement_id>/delete", methods=["POST"])
@requires("admin", "reviewer", "secretary")
@writer_required
def delete_achievement(branch_id, achievement_id):
    session = get_session()
    b = get_branch_or_404(session, current_user, branch_id)
    a = get_or_404(session, Achievement, achievement_id)
    with attempt(session, *REFUSED) as done:
        evidence.delete_achievement(session, b, a, actor=current_user)
    if done:
        flash(_("创建成效已删除。"), "success")
    return redirect(url_for("brands.branch", branch_id=b.id, _anchor="achievements"))


# ------------------------------------------------------------------ matrix

@bp.route("/matrix")
@requires()
def matrix():
    session = get_session()
    try:
        unit_id = int(request.args["unit"]) if request.args.get("unit") else None
    except ValueError:
        unit_id = None
    stage = request.args.get("stage") or ""
    stage = stage if stage in matrix_mod.STAGE_FILTERS else ""
    m = matrix_mod.build(session, current_user, stage=stage, category=request.args.get("category") or "",
                         unit_id=unit_id, vanguard_type=request.args.get("vanguard_type") or "")
    if request.args.get("format") == "xlsx":
        return xlsx_response(matrix_mod.export(m, _), "品牌矩阵.xlsx")
    all_units = list(session.scalars(select(OrgNode).where(OrgNode.id.in_(sorted(_enabled_units())))
                                     .order_by(OrgNode.code)))
    return render_template("brands/matrix.html", m=m, types=VANGUARD_TYPES, stages=STAGES, categories=CATEGORIES,
                           all_units=all_units, unit_id=unit_id,
                           stage_filters={"": "培育及以上", "named": "已命名", "cultivating": "培育中（含待验收、已验收）",
                                          "declared": "已申报"})


# ------------------------------------------------------------------ benchmarks

@bp.route("/benchmarks", methods=["GET", "POST"])
@requires()
def benchmarks():
    session = get_session()
    year = _year_arg()
    form = forms.BenchmarkForm(year=year)
    if request.method == "POST":
        if current_user.role != "admin":
            abort(404)
        if form.validate_on_submit():
            with attempt(session, *REFUSED, form=form) as done:
                showcase.designate_benchmark(session, actor=current_user, year=form.year.data,
                                             category=form.category.data, branch_code=form.branch_code.data,
                                             designated_on=form.designated_on.data, note=form.note.data or "")
            if done:
                flash(_("标杆支部已确定。"), "success")
                return redirect(url_for("brands.benchmarks", year=form.year.data))
    rows = session.execute(select(Benchmark, Branch).join(Branch, Branch.id == Benchmark.branch_id)
                           .where(Benchmark.year == year).order_by(Benchmark.category)).all()
    return render_template("brands/benchmarks.html", rows=rows, year=year, form=form,
                           categories=CATEGORIES), 422 if form.errors else 200


@bp.route("/benchmarks/<int:benchmark_id>/revoke", methods=["POST"])
@requires("admin")
def revoke_benchmark(benchmark_id):
    session = get_session()
    bm = get_or_404(session, Benchmark, benchmark_id)
    year = bm.year
    with attempt(session, *REFUSED) as done:
        showcase.revoke_benchmark(session, bm, actor=current_user, reason=request.form.get("reason", ""))
    if done:
        flash(_("已撤销标杆支部。"), "success")
    return redirect(url_for("brands.benchmarks", year=year))


# ------------------------------------------------------------------ routes

def _route_form():
    form = forms.RouteForm(prefix="route")
    units = []
    if current_user.role == "admin":
        units = [("", _("集团路线"))]
    session = get_session()
    for u in session.scalars(select(OrgNode).where(OrgNode.id.in_(sorted(_enabled_units()))).order_by(OrgNode.code)):
        if showcase.may_keep_route(current_user, None, u.id):
            units.append((str(u.id), u.name))
    form.unit_id.choices = options(units)
    return form


@bp.route("/routes", methods=["GET", "POST"])
@requires()
def routes():
    session = get_session()
    form = _route_form() if current_user.role in ("admin", "reviewer") else None
    if request.method == "POST":
        if form is None:
            abort(404)
        if form.validate_on_submit():
            unit_id = int(form.unit_id.data) if form.unit_id.data else None
            with attempt(session, *REFUSED, form=form) as done:
                route = showcase.create_route(session, actor=current_user, name=form.name.data,
                                              description=form.description.data or "", unit_id=unit_id)
            if done:
                flash(_("观摩路线已创建。"), "success")
                return redirect(url_for("brands.route", route_id=route.id))
    items = list(session.scalars(showcase.visible_routes(session, current_user).options(selectinload(Route.stops))))
    counts = {r.id: len(r.stops) for r in items}
    status = 422 if form is not None and form.errors else 200
    return render_template("brands/routes.html", routes=items, counts=counts, form=form), status


def _route_or_404(session, route_id: int) -> Route:
    route = session.scalar(showcase.visible_routes(session, current_user).where(Route.id == route_id))
    if route is None:
        abort(404)
    return route


@bp.route("/routes/<int:route_id>", methods=["GET", "POST"])
@requires()
def route(route_id):
    session = get_session()
    r = _route_or_404(session, route_id)
    may = current_user.role != "viewer" and showcase.may_keep_route(current_user, r)
    form = forms.StopForm(prefix="stop") if may else None
    if request.method == "POST":
        if form is None:
            abort(404)
        if form.validate_on_submit():
            with attempt(session, *REFUSED, form=form) as done:
                showcase.add_stop(session, r, actor=current_user, branch_code=form.branch_code.data,
                                  note=form.note.data or "")
            if done:
                flash(_("已加入路线。"), "success")
                return redirect(url_for("brands.route", route_id=r.id))
    stops = session.execute(select(RouteStop, Branch).join(Branch, Branch.id == RouteStop.branch_id)
                            .where(RouteStop.route_id == r.id).order_by(RouteStop.position)).all()
    brands = {b.branch_id: b for b in session.scalars(
        select(Brand).where(Brand.branch_id.in_([br.id for _s, br in stops])))} if stops else {}
    status = 422 if form is not None and form.errors else 200
    return render_template("brands/route.html", route=r, stops=stops, brands=brands, form=form, may=may,
                           stages=STAGES), status


@bp.route("/routes/<int:route_id>/stops/<int:stop_id>/<move>", methods=["POST"])
@requires("admin", "reviewer")
def route_stop(route_id, stop_id, move):
    session = get_session()
    r = _route_or_404(session, route_id)
    stop = get_or_404(session, RouteStop, stop_id)
    if stop.route_id != r.id or move not in ("up", "down", "remove"):
        abort(404)
    with attempt(session, *REFUSED) as done:
        if move == "remove":
            showcase.remove_stop(session, r, stop, actor=current_user)
        else:
            showcase.move_stop(session, r, stop, -1 if move == "up" else 1, actor=current_user)
    if done and move == "remove":
        flash(_("已从路线移除。"), "success")
    return redirect(url_for("brands.route", route_id=r.id))


# ------------------------------------------------------------------ visits

@bp.route("/visits", methods=["GET", "POST"])
@requires()
def visits():
    session = get_session()
    form = None
    if current_user.role in ("admin", "reviewer"):
        form = forms.VisitForm(prefix="visit")
        form.route_id.choices = options([("", _("（不经路线）"))] + [
            (str(r.id), r.name) for r in session.scalars(showcase.visible_routes(session, current_user))])
    if request.method == "POST":
        if form is None:
            abort(404)
        if form.validate_on_submit():
            with attempt(session, *REFUSED, form=form) as done:
                showcase.record_visit(session, actor=current_user, host_code=form.host_code.data,
                                      visitor_codes=form.codes(), visited_on=form.visited_on.data,
                                      learned=form.learned.data,
                                      route_id=int(form.route_id.data) if form.route_id.data else None)
            if done:
                flash(_("对标观摩已记录。"), "success")
                return redirect(url_for("brands.visits"))
    units = _enabled_units()
    scope = unit_ids_in_scope(session, current_user)
    stmt = select(Visit).options(selectinload(Visit.visitors)).order_by(Visit.visited_on.desc(), Visit.id.desc())
    if scope is not None:
        stmt = stmt.where(Visit.id.in_(select(VisitBranch.visit_id).where(VisitBranch.unit_id.in_(sorted(units)))))
    page = paginate(session, stmt)
    ids = {v.host_branch_id for v in page.items} | {vb.branch_id for v in page.items for vb in v.visitors}
    names = dict(session.execute(select(Branch.id, Branch.name).where(Branch.id.in_(ids))).all()) if ids else {}
    route_names = dict(session.execute(select(Route.id, Route.name)).all())
    status = 422 if form is not None and form.errors else 200
    return render_template("brands/visits.html", page=page, names=names, route_names=route_names, form=form), status


# ------------------------------------------------------------------ settings

@bp.route("/settings", methods=["GET", "POST"])
@requires("admin")
def settings():
    session = get_session()
    year = _year_arg()
    rulesets = list(session.scalars(select(RuleSet).where(RuleSet.status != "retired")
                                    .order_by(RuleSet.year.desc(), RuleSet.version.desc())))
    try:
        rs_id = int(request.args.get("ruleset", 0))
    except ValueError:
        rs_id = 0
    ruleset = next((r for r in rulesets if r.id == rs_id), None) or active_ruleset(session, year) \
        or (rulesets[0] if rulesets else None)
    form = forms.SettingsForm()
    if ruleset is not None and request.method == "GET":
        form.load(scoring.settings_of(ruleset))
    if request.method == "POST":
        if ruleset is None:
            abort(404)
        if form.validate_on_submit():
            with attempt(session, BrandError, CatalogueError, form=form) as done:
                scoring.save_settings(session, ruleset, form.values(), actor=current_user)
            if done:
                flash(_("品牌计分设置已保存。"), "success")
                return redirect(url_for("brands.settings", ruleset=ruleset.id))
    status = 422 if form.errors else 200
    return render_template("brands/settings.html", form=form, ruleset=ruleset, rulesets=rulesets,
                           total=scoring.total_points(scoring.settings_of(ruleset)) if ruleset else None), status
