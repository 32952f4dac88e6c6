"""Pages of the 最美一线员工 plugin. Every page answers 404 unless the plugin is enabled
for a unit in the user's scope (plugin_blueprint); a declaration's pages also 404 unless
the user may see it (core scoping) and its unit has the plugin on. Views parse, call a
service, render."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from plugins.typical_staff import forms, rights, services
from plugins.typical_staff._core import (
    sep,
    Branch, Member, MenuItem, OrgNode, User, file_path, get_session, options, paginate, plugin_blueprint, requires,
    today, units_enabled_in_scope, visible_branches, visible_members)
from plugins.typical_staff.models import (
    CAMPAIGN_STATUSES, CHANNELS, PLUGIN, Campaign, Declaration, Objection, PublicityRecord,
    StudyRecord)
from plugins.typical_staff.services import StaffError

bp = plugin_blueprint(PLUGIN, "typical_staff", __name__, url_prefix="/typical-staff", template_folder="templates")

MENU = [
    MenuItem("最美一线员工", "评选活动", "typical_staff.index", order=70, plugin=PLUGIN),
    MenuItem("最美一线员工", "人选公示", "typical_staff.notices", order=71, plugin=PLUGIN),
    MenuItem("最美一线员工", "发起活动", "typical_staff.new_campaign", roles=("admin",), order=72, plugin=PLUGIN),
]


def upload_dir() -> str:
    return f"{current_app.config['UPLOAD_DIR']}/typical_staff"


def _flash_errors(form) -> None:
    for name, errs in form.errors.items():
        flash(_("%(field)s：%(errors)s", field=getattr(form, name).label.text, errors=sep("semicolon").join(errs)), "error")


def _campaign_or_404(campaign_id: int, *, drafts=False) -> Campaign:
    c = get_session().get(Campaign, campaign_id)
    if c is None or (c.status == "draft" and not (drafts or rights.is_organiser(current_user))):
        abort(404)
    return c


def _enabled_units() -> set[int]:
    return units_enabled_in_scope(get_session(), current_user, PLUGIN)


def _declaration_or_404(declaration_id: int) -> Declaration:
    d = get_session().scalar(services.visible_declarations(current_user).where(Declaration.id == declaration_id))
    if d is None or d.unit_id not in _enabled_units():
        abort(404)
    return d


def _fields_of(form) -> dict:
    return {"name": form.name.data, "gender": form.gender.data, "post": form.post.data,
            "frontline_years": form.frontline_years.data, "category_id": form.category_id.data,
            "deed": form.deed.data, "recommenders": form.recommenders.data}


def _step(call, done: str | None = None) -> bool:
    """Run one service step: commit and flash `done` on success; on a refusal roll back
    (nothing written) and flash why. Returns whether it succeeded."""
    session = get_session()
    try:
        result = call()
    except StaffError as exc:
        session.rollback()
        flash(str(exc), "error")
        return False
    session.commit()
    if done:
        flash(done(result) if callable(done) else done, "success")
    return True


# ------------------------------------------------------------------ campaigns

@bp.route("/")
@requires()
def index():
    session = get_session()
    stmt = select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())
    if not rights.is_organiser(current_user):
        stmt = stmt.where(Campaign.status != "draft")
    return render_template("typical_staff/index.html", page=paginate(session, stmt), statuses=CAMPAIGN_STATUSES)


def _campaign_values(form) -> dict:
    return {k: getattr(form, k).data for k in services.CAMPAIGN_FIELDS} | {
        "criteria": form.criteria.data or "", "categories": (form.categories.data or "").splitlines()}


def _campaign_form_page(form, campaign: Campaign | None):
    """Create (campaign None) or update a campaign from the form; a refusal shows on the form."""
    session = get_session()
    if form.validate_on_submit():
        try:
            if campaign is None:
                campaign = services.create_campaign(session, current_user, **_campaign_values(form))
                message, target = _("评选活动已创建：请分配各单位名额，然后启动申报。"), ".quotas"
            else:
                services.update_campaign(session, current_user, campaign, **_campaign_values(form))
                message, target = _("评选活动已保存。"), ".campaign"
        except StaffError as exc:
            session.rollback()
            form.categories.errors = list(form.categories.errors) + [str(exc)]
        else:
            session.commit()
            flash(message, "success")
            return redirect(url_for(target, campaign_id=campaign.id))
    return render_template("typical_staff/campaign_form.html", form=form, campaign=campaign)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@requires("admin")
def new_campaign():
    form = forms.CampaignForm()
    if request.method == "GET":
        from plugins.typical_staff.models import DEFAULT_CATEGORIES
        form.categories.data = "\n".join(DEFAULT_CATEGORIES)
        form.year.data = today().year
    return _campaign_form_page(form, None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit_campaign(campaign_id):
    c = _campaign_or_404(campaign_id)
    form = forms.CampaignForm(obj=c)
    if request.method == "GET":
        form.categories.data = "\n".join(cat.name for cat in c.categories)
    return _campaign_form_page(form, c)


@bp.route("/campaigns/<int:campaign_id>/quotas", methods=["GET", "POST"])
@requires("admin")
def quotas(campaign_id):
    session = get_session()
    c = _campaign_or_404(campaign_id)
    units = session.scalars(select(OrgNode).where(OrgNode.id.in_(_enabled_units())).order_by(OrgNode.code)).all()
    have = services.quotas_of(session, c)
    errors = {}
    if request.method == "POST":
        values = {}
        for u in units:
            try:
                values[u.id] = (int(request.form.get(f"declare_{u.id}", "0") or 0),
                                int(request.form.get(f"recommend_{u.id}", "0") or 0))
            except ValueError:
                errors[u.id] = _("请填写整数。")
        if not errors:
            try:
                services.set_quotas(session, current_user, c, values)
            except StaffError as exc:
                session.rollback()
                flash(str(exc), "error")
            else:
                session.commit()
                flash(_("名额已保存。"), "success")
                return redirect(url_for(".campaign", campaign_id=c.id))
    return render_template("typical_staff/quotas.html", campaign=c, units=units, have=have, errors=errors)


@bp.route("/campaigns/<int:campaign_id>/open", methods=["POST"])
@requires("admin")
def open_campaign(campaign_id):
    c = _campaign_or_404(campaign_id)
    _step(lambda: services.open_campaign(get_session(), current_user, c), _("已启动申报。"))
    return redirect(url_for(".campaign", campaign_id=c.id))


@bp.route("/campaigns/<int:campaign_id>")
@requires()
def campaign(campaign_id):
    session = get_session()
    c = _campaign_or_404(campaign_id)
    stmt = (services.visible_declarations(current_user)
            .where(Declaration.campaign_id == c.id, Declaration.unit_id.in_(_enabled_units())))
    status = request.args.get("status")
    if status:
        stmt = stmt.where(Declaration.status == status)
    page = paginate(session, stmt.options(selectinload(Declaration.category))
                    .order_by(Declaration.unit_id, Declaration.id))
    units = {u.id: u for u in session.scalars(select(OrgNode).where(
        OrgNode.id.in_({d.unit_id for d in page.items})))}
    quotas = services.quotas_of(session, c)
    return render_template("typical_staff/campaign.html", campaign=c, page=page, units=units, quotas=quotas,
                           today=today(), can_declare=current_user.role in ("admin", "reviewer", "secretary"),
                           organiser=rights.is_organiser(current_user),
                           open_objections=services.open_objections(session, c), status=status)


# ------------------------------------------------------------------ declarations

def _declaration_form(c: Campaign, formdata=None, obj=None):
    session = get_session()
    form = forms.DeclarationForm(formdata=formdata, obj=obj)
    enabled = _enabled_units()
    branches = session.scalars(visible_branches(current_user).where(
        Branch.unit_id.in_(enabled), Branch.active.is_(True)).order_by(Branch.code).limit(500)).all()
    blank = [] if current_user.role == "secretary" else [("", _("（单位直接申报）"))]
    form.branch_id.choices = options(blank + [(str(b.id), f"{b.code} {b.name}") for b in branches])
    members = session.scalars(visible_members(current_user).join(Branch, Branch.id == Member.branch_id).where(
        Branch.unit_id.in_(enabled), Member.active.is_(True)).order_by(Member.branch_id, Member.name).limit(2000)).all()
    form.member_id.choices = options([("", _("（非党员或不关联）"))] + [(str(m.id), m.name) for m in members])
    form.category_id.choices = options([(cat.id, cat.name) for cat in c.categories])
    return form


def _int_or_none(text) -> int | None:
    return int(text) if text and str(text).isdigit() else None


@bp.route("/campaigns/<int:campaign_id>/declare", methods=["GET", "POST"])
@requires("admin", "reviewer", "secretary")
def declare(campaign_id):
    session = get_session()
    c = _campaign_or_404(campaign_id)
    form = _declaration_form(c, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        branch_id = _int_or_none(form.branch_id.data)
        member_id = _int_or_none(form.member_id.data)
        unit_id = None
        if branch_id is None:
            if current_user.role == "reviewer" and len(current_user.unit_ids) == 1:
                unit_id = next(iter(current_user.unit_ids))
            else:
                form.branch_id.errors = [_("请选择申报支部。")]
        if not form.branch_id.errors:
            if branch_id is not None and session.scalar(visible_branches(current_user).where(Branch.id == branch_id)) is None:
                abort(404)
            if not member_id and not (form.name.data or "").strip():
                form.name.errors = [_("请填写候选人姓名或选择关联党员。")]
            else:
                try:
                    d = services.declare(session, current_user, c, unit_id=unit_id, branch_id=branch_id,
                                         member_id=member_id, today=today(), **_fields_of(form))
                except StaffError as exc:
                    session.rollback()
                    flash(str(exc), "error")
                else:
                    session.commit()
                    flash(_("已申报：请上传照片和事迹证明材料。"), "success")
                    return redirect(url_for(".declaration", declaration_id=d.id))
    return render_template("typical_staff/declaration_form.html", form=form, campaign=c, declaration=None)


@bp.route("/declarations/<int:declaration_id>")
@requires()
def declaration(declaration_id):
    session = get_session()
    d = _declaration_or_404(declaration_id)
    organiser = rights.is_organiser(current_user)
    objections = session.scalars(select(Objection).where(Objection.declaration_id == d.id)
                                 .order_by(Objection.id)).all()
    users = {}
    ids = {r.reviewer_id for r in d.reviews} | ({o.filed_by for o in objections} if organiser else set())
    if ids:
        users = {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    can_review = (d.status == "submitted" and rights.can_unit_review(current_user, d)) or (
        d.status == "recommended" and organiser)
    return render_template("typical_staff/declaration.html", d=d, campaign=d.campaign, organiser=organiser,
                           objections=objections, users=users, review_form=forms.ReviewForm(),
                           file_form=forms.FileForm(), can_review=can_review,
                           can_edit=rights.can_correct(current_user, d) and d.status in ("submitted", "returned"),
                           resolve_form=forms.ResolveForm(),
                           branch=session.get(Branch, d.branch_id) if d.branch_id else None,
                           unit=session.get(OrgNode, d.unit_id))


@bp.route("/declarations/<int:declaration_id>/edit", methods=["GET", "POST"])
@requires("admin", "reviewer", "secretary")
def edit_declaration(declaration_id):
    session = get_session()
    d = _declaration_or_404(declaration_id)
    if not rights.can_correct(current_user, d):
        abort(404)
    form = _declaration_form(d.campaign, formdata=request.form if request.method == "POST" else None, obj=d)
    if request.method == "POST" and form.validate():
        try:
            services.correct(session, current_user, d, today=today(), **_fields_of(form))
        except StaffError as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            session.commit()
            flash(_("已修改并重新提交。"), "success")
            return redirect(url_for(".declaration", declaration_id=d.id))
    return render_template("typical_staff/declaration_form.html", form=form, campaign=d.campaign, declaration=d)


@bp.route("/declarations/<int:declaration_id>/files", methods=["POST"])
@requires("admin", "reviewer", "secretary")
def upload(declaration_id):
    d = _declaration_or_404(declaration_id)
    form = forms.FileForm()
    if not form.validate():
        _flash_errors(form)
        return redirect(url_for(".declaration", declaration_id=d.id))
    cfg = current_app.config
    max_bytes = cfg["ATTACHMENT_MAX_BYTES"]
    photo_max = cfg.get("TYPICAL_STAFF_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
    data = form.file.data.stream.read(max(max_bytes, photo_max) + 1)  # never read more than a limit allows
    _step(lambda: services.add_file(get_session(), current_user, d, kind=form.kind.data,
                                    filename=form.file.data.filename, data=data, upload_dir=upload_dir(),
                                    max_bytes=max_bytes, photo_max_bytes=photo_max,
                                    extensions=cfg["ATTACHMENT_EXTENSIONS"], today=today()), _("材料已上传。"))
    return redirect(url_for(".declaration", declaration_id=d.id))


@bp.route("/declarations/<int:declaration_id>/files/<int:file_id>")
@requires()
def download(declaration_id, file_id):
    d = _declaration_or_404(declaration_id)
    f = next((f for f in d.files if f.id == file_id), None)
    if f is None:
        abort(404)
    path = file_path(upload_dir(), f.stored_name)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=f.content_type, as_attachment=f.kind != "photo", download_name=f.original_name)


@bp.route("/declarations/<int:declaration_id>/review", methods=["POST"])
@requires("admin", "reviewer")
def review(declaration_id):
    d = _declaration_or_404(declaration_id)
    form = forms.ReviewForm()
    if not form.validate():
        _flash_errors(form)
    elif _step(lambda: services.review(get_session(), current_user, d, decision=form.decision.data,
                                       comment=form.comment.data, today=today()),
               lambda _r: _("审核结论已记录：%(s)s。", s=_(d.status_label))):
        return redirect(url_for(".campaign", campaign_id=d.campaign_id))
    return redirect(url_for(".declaration", declaration_id=d.id))


# ------------------------------------------------------------------ notice and objections

@bp.route("/campaigns/<int:campaign_id>/publish", methods=["POST"])
@requires("admin")
def publish(campaign_id):
    c = _campaign_or_404(campaign_id)
    if _step(lambda: services.publish_notice(get_session(), current_user, c, today=today()),
             lambda w: _("公示已发布：%(a)s 至 %(b)s（%(n)s 个工作日）。", a=w[0].isoformat(), b=w[1].isoformat(),
                         n=c.notice_days)):
        return redirect(url_for(".notice", campaign_id=c.id))
    return redirect(url_for(".campaign", campaign_id=c.id))


@bp.route("/notices")
@requires()
def notices():
    session = get_session()
    campaigns = session.scalars(select(Campaign).where(Campaign.status.in_(("notice", "selected")))
                                .order_by(Campaign.notice_first.desc()).limit(50)).all()
    return render_template("typical_staff/notices.html", campaigns=campaigns, today=today())


@bp.route("/campaigns/<int:campaign_id>/notice")
@requires()
def notice(campaign_id):
    """The public notice: group-wide, every shortlisted (or selected) candidate."""
    session = get_session()
    c = _campaign_or_404(campaign_id)
    if c.status not in ("notice", "selected"):
        abort(404)
    shown = ("shortlisted", "selected", "withdrawn")
    rows = session.scalars(select(Declaration).where(Declaration.campaign_id == c.id, Declaration.status.in_(shown))
                           .options(selectinload(Declaration.category))
                           .order_by(Declaration.unit_id, Declaration.id)).all()
    units = {u.id: u for u in session.scalars(select(OrgNode).where(OrgNode.id.in_({d.unit_id for d in rows})))}
    organiser = rights.is_organiser(current_user)
    objections = []
    if organiser:
        objections = session.scalars(select(Objection).where(Objection.campaign_id == c.id)
                                     .options(selectinload(Objection.declaration)).order_by(Objection.id)).all()
    filers = {u.id: u.display_name for u in session.scalars(
        select(User).where(User.id.in_({o.filed_by for o in objections})))} if objections else {}
    return render_template("typical_staff/notice.html", campaign=c, rows=rows, units=units, today=today(),
                           running=services.notice_running(c, today()), objection_form=forms.ObjectionForm(),
                           organiser=organiser, objections=objections, filers=filers,
                           resolve_form=forms.ResolveForm(), open_objections=services.open_objections(session, c))


@bp.route("/campaigns/<int:campaign_id>/notice/<int:declaration_id>/object", methods=["POST"])
@requires()
def object_to(campaign_id, declaration_id):
    """Anyone logged in who can read the notice may object (viewers too: it is a public notice)."""
    session = get_session()
    c = _campaign_or_404(campaign_id)
    d = session.get(Declaration, declaration_id)
    if d is None or d.campaign_id != c.id:
        abort(404)
    form = forms.ObjectionForm()
    _step(lambda: services.file_objection(session, current_user, d, reason=form.reason.data if form.validate() else "",
                                          today=today()),
          _("异议已提交，组织方将调查核实。您的身份只对组织方可见。"))
    return redirect(url_for(".notice", campaign_id=c.id))


@bp.route("/objections/<int:objection_id>/resolve", methods=["POST"])
@requires("admin")
def resolve(objection_id):
    session = get_session()
    o = session.get(Objection, objection_id) or abort(404)
    form = forms.ResolveForm()
    if not form.validate():
        _flash_errors(form)
    else:
        _step(lambda: services.resolve_objection(session, current_user, o, upheld=form.outcome.data == "upheld",
                                                 resolution=form.resolution.data),
              lambda _r: _("异议处理结果已记录：%(s)s。", s=_(o.status_label)))
    return redirect(url_for(".notice", campaign_id=o.campaign_id))


@bp.route("/campaigns/<int:campaign_id>/select", methods=["POST"])
@requires("admin")
def select_winners(campaign_id):
    c = _campaign_or_404(campaign_id)
    if _step(lambda: services.select_winners(get_session(), current_user, c, today=today()),
             lambda winners: _("评选结果已确定：%(n)s 人当选。", n=len(winners))):
        return redirect(url_for(".publicity", campaign_id=c.id))
    return redirect(url_for(".notice", campaign_id=c.id))


# ------------------------------------------------------------------ selected list, publicity, follow-up

@bp.route("/campaigns/<int:campaign_id>/publicity", methods=["GET", "POST"])
@requires()
def publicity(campaign_id):
    session = get_session()
    c = _campaign_or_404(campaign_id)
    if c.status != "selected":
        abort(404)
    selected = session.scalars(select(Declaration).where(Declaration.campaign_id == c.id,
                                                         Declaration.status == "selected")
                               .options(selectinload(Declaration.category))
                               .order_by(Declaration.unit_id, Declaration.id)).all()
    enabled = _enabled_units()
    units = {u.id: u for u in session.scalars(select(OrgNode).where(
        OrgNode.id.in_({d.unit_id for d in selected} | enabled)))}
    form = forms.PublicityForm(prefix="p")
    form.declaration_id.choices = options([(0, _("（全体当选者）"))] + [(d.id, d.name) for d in selected])
    study_form = forms.StudyForm(prefix="s")
    study_form.unit_id.choices = options([(u, units[u].name) for u in sorted(enabled) if u in units])
    if request.method == "POST":
        if current_user.role not in ("admin", "reviewer"):
            abort(404)
        which = request.form.get("which")
        target = form if which == "publicity" else study_form
        if not target.validate():
            _flash_errors(target)
        else:
            if which == "publicity":
                def call():
                    return services.add_publicity(
                        session, current_user, c, channel=form.channel.data, published_on=form.published_on.data,
                        reference=form.reference.data, title=form.title.data,
                        declaration_id=form.declaration_id.data or None)
            else:
                if study_form.unit_id.data not in enabled:
                    abort(404)

                def call():
                    return services.add_study(
                        session, current_user, c, unit_id=study_form.unit_id.data, held_on=study_form.held_on.data,
                        title=study_form.title.data, summary=study_form.summary.data,
                        participants=study_form.participants.data)
            _step(call, _("已登记。"))
            return redirect(url_for(".publicity", campaign_id=c.id))
    records = session.scalars(select(PublicityRecord).where(PublicityRecord.campaign_id == c.id)
                              .options(selectinload(PublicityRecord.declaration))
                              .order_by(PublicityRecord.published_on, PublicityRecord.id)).all()
    studies = session.scalars(select(StudyRecord).where(StudyRecord.campaign_id == c.id,
                                                        StudyRecord.unit_id.in_(enabled))
                              .order_by(StudyRecord.unit_id, StudyRecord.held_on)).all()
    return render_template("typical_staff/publicity.html", campaign=c, selected=selected, units=units,
                           records=records, studies=studies, form=form, study_form=study_form,
                           organiser=rights.is_organiser(current_user), channels=CHANNELS)
