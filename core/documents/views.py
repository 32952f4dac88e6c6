"""Documents pages: the register (scoped), issuing, bulk jobs with progress, downloads,
revoking, the template editor with preview, and the public verification page.
Views parse, call the services, render."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, false, or_, select

from core.analysis.queries import paginate_rows, scope_units
from core.auth.access import public, requires
from core.auth.scoping import branch_clause, unit_clause
from core.db import get_session
from core.documents import bulk, service, templates_admin
from core.documents.forms import BulkForm, IssueForm, RevokeForm, TemplateForm
from core.documents.models import DocumentJob, IssuedDocument
from core.documents.render import RenderProblem
from core.documents.types import DocumentRefused, IssueRequest, document_types
from core.jobs.queueing import QueueUnavailable, could_not_queue_message
from core.jobs.recovery import is_stalled
from core.org.models import Branch
from core.plugins.web import MenuItem, plugins_enabled_in_scope
from core.views_util import get_or_404, posted_version

bp = Blueprint("documents", __name__, template_folder="templates")

MENU = [MenuItem("统计分析", "文书与证书", "documents.register", order=50)]


def _types():
    return document_types(current_app)


def _settings():
    return service.RenderSettings.from_app(current_app, current_app.config.get("PUBLIC_URL") or request.host_url)


def document_clause(user):
    """Which register rows `user` may see and download: a secretary her branch's; a
    reviewer or viewer his units' and the group-wide ones; an admin all."""
    if user.role == "secretary":
        return branch_clause(user, IssuedDocument.branch_id)
    group_wide = and_(IssuedDocument.unit_id.is_(None), IssuedDocument.branch_id.is_(None))
    if user.role in ("admin", "reviewer", "viewer"):
        return or_(unit_clause(user, IssuedDocument.unit_id), group_wide)
    return false()


def _visible_document_or_404(doc_id: int) -> IssuedDocument:
    doc = get_session().scalar(select(IssuedDocument).where(IssuedDocument.id == doc_id,
                                                           document_clause(current_user)))
    if doc is None:
        abort(404)
    return doc


def _issuable(user) -> dict:
    """Types the user may issue; a plugin's types only where that plugin is enabled in
    one of the user's units."""
    enabled = plugins_enabled_in_scope(get_session(), user)
    return {code: t for code, t in _types().items()
            if t.may_issue(user) and (t.plugin is None or t.plugin in enabled)}


def _unit_choices(session):
    return [("", _("全部"))] + [(str(u.id), u.name) for u in scope_units(session, current_user)]


def _forms(session):
    issuable = _issuable(current_user)
    issue_form = IssueForm(prefix="issue")
    issue_form.doc_type.choices = [(c, _(t.label)) for c, t in issuable.items()]
    issue_form.unit.choices = _unit_choices(session)
    bulk_form = BulkForm(prefix="bulk")
    bulk_form.doc_type.choices = [(c, _(t.label)) for c, t in issuable.items() if t.bulk]
    bulk_form.unit.choices = _unit_choices(session)
    bulk_form.output.choices = [(k, _(v)) for k, v in bulk.OUTPUTS.items()]
    return issue_form, bulk_form


@bp.route("/documents")
@requires()
def register(issue_form=None, bulk_form=None):
    session = get_session()
    stmt = (select(IssuedDocument).where(document_clause(current_user))
            .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc()))
    args = request.args
    if args.get("type") in _types():
        stmt = stmt.where(IssuedDocument.doc_type == args["type"])
    if period := (args.get("period") or "").strip()[:10]:
        stmt = stmt.where(IssuedDocument.period_key == period)
    if q := (args.get("q") or "").strip()[:60]:
        stmt = stmt.where(or_(IssuedDocument.recipient.like(f"%{q}%"), IssuedDocument.serial == q.upper()))
    if args.get("status") == "valid":
        stmt = stmt.where(IssuedDocument.revoked_at.is_(None))
    elif args.get("status") == "revoked":
        stmt = stmt.where(IssuedDocument.revoked_at.is_not(None))
    try:
        page_no = max(1, int(args.get("page", 1)))
    except ValueError:
        page_no = 1
    page = paginate_rows(session, stmt, page_no, current_app.config["PAGE_SIZE"])
    default_issue, default_bulk = _forms(session)
    jobs = []
    if current_user.role == "admin":
        jobs = list(session.scalars(select(DocumentJob).order_by(DocumentJob.id.desc()).limit(5)))
    return render_template("documents/register.html", page=page, types=_types(), args=args,
                           issue_form=issue_form or default_issue, bulk_form=bulk_form or default_bulk, jobs=jobs,
                           revoke_form=RevokeForm())


def _branch_ids(session, form) -> list[int] | None:
    code = (form.branch_code.data or "").strip()
    if not code:
        return None
    branch = session.scalar(select(Branch).where(Branch.code == code, branch_clause(current_user, Branch.id, Branch.unit_id)))
    if branch is None:
        form.branch_code.errors = list(form.branch_code.errors) + [_("没有这个党支部编码（或不在您的范围内）。")]
        return []
    return [branch.id]


@bp.route("/documents/issue", methods=["POST"])
@requires("admin", "reviewer")
def issue():
    session = get_session()
    form, bulk_form = _forms(session)
    if not form.validate_on_submit():
        return register(issue_form=form), 400
    branch_ids = _branch_ids(session, form)
    if branch_ids == []:
        return register(issue_form=form), 400
    request_ = IssueRequest(doc_type=form.doc_type.data, period_key=form.period.data.strip(), branch_ids=branch_ids,
                            unit_id=int(form.unit.data) if (form.unit.data or "").isdigit() else None)
    try:
        result = service.issue(session, _types(), request_, _settings(), actor=current_user)
        session.commit()
    except (DocumentRefused, RenderProblem) as exc:
        session.rollback()
        form.doc_type.errors = list(form.doc_type.errors) + [str(exc)]
        return register(issue_form=form), 400
    docs = result.documents
    message = _("已出具 %(n)s 份文书。", n=len(docs))
    if result.revoked:
        message += _("（重新出具，原文书 %(n)s 份已作废）", n=result.revoked)
    flash(message, "success")
    if len(docs) == 1:
        return redirect(url_for("documents.detail", doc_id=docs[0].id))
    return redirect(url_for("documents.register", period=request_.period_key, type=request_.doc_type))


@bp.route("/documents/bulk", methods=["POST"])
@requires("admin")
def bulk_issue():
    session = get_session()
    issue_form, form = _forms(session)
    if not form.validate_on_submit():
        return register(bulk_form=form), 400
    unit_id = int(form.unit.data) if (form.unit.data or "").isdigit() else None
    try:
        total = bulk.count_papers(session, current_app, form.doc_type.data, form.period.data.strip(), unit_id)
    except DocumentRefused as exc:
        session.rollback()
        form.period.errors = list(form.period.errors) + [str(exc)]
        return register(bulk_form=form), 400
    if total == 0:
        form.period.errors = list(form.period.errors) + [_("没有可出具的文书：所选期间没有符合条件的对象。")]
        return register(bulk_form=form), 400
    job = bulk.create_job(session, form.doc_type.data, form.period.data.strip(), unit_id=unit_id,
                          output=form.output.data, actor=current_user)
    job.total = total
    session.commit()
    try:
        bulk.start(job, current_user.id)
    except QueueUnavailable:
        flash(could_not_queue_message(), "error")
        return register(bulk_form=form), 503
    return redirect(url_for("documents.job", job_id=job.id))


def _job_or_404(job_id: int) -> DocumentJob:
    job = get_or_404(get_session(), DocumentJob, job_id)
    if current_user.role != "admin" and job.created_by != current_user.id:
        abort(404)
    return job


@bp.route("/documents/jobs/<int:job_id>")
@requires("admin")
def job(job_id):
    session = get_session()
    session.expire_all()
    job = _job_or_404(job_id)
    return render_template("documents/job.html", job=job, types=_types(), stalled=is_stalled(job, current_app))


@bp.route("/documents/jobs/<int:job_id>/download")
@requires("admin")
def job_download(job_id):
    job = _job_or_404(job_id)
    if job.status != "done" or not job.file_name:
        abort(404)
    from pathlib import Path
    path = Path(current_app.config["UPLOAD_DIR"]) / "documents" / "jobs" / job.file_name
    if not path.is_file():
        abort(404)
    label = _types().get(job.doc_type).label if job.doc_type in _types() else job.doc_type
    return send_file(path, as_attachment=True, download_name=f"{job.period_key}-{label}.{job.output}",
                     mimetype="application/zip" if job.output == "zip" else "application/pdf")


@bp.route("/documents/<int:doc_id>")
@requires()
def detail(doc_id):
    doc = _visible_document_or_404(doc_id)
    replaced_by = get_session().get(IssuedDocument, doc.replaced_by_id) if doc.replaced_by_id else None
    return render_template("documents/detail.html", doc=doc, types=_types(), revoke_form=RevokeForm(),
                           replaced_by=replaced_by)


@bp.route("/documents/<int:doc_id>/download")
@requires()
def download(doc_id):
    doc = _visible_document_or_404(doc_id)
    path = service.file_path(current_app.config["UPLOAD_DIR"], doc)
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"{doc.recipient}-{doc.title}-{doc.serial}.pdf",
                     mimetype="application/pdf")


@bp.route("/documents/<int:doc_id>/revoke", methods=["POST"])
@requires("admin")
def revoke(doc_id):
    doc = _visible_document_or_404(doc_id)
    form = RevokeForm()
    session = get_session()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(error, "error")
        return redirect(url_for("documents.detail", doc_id=doc.id))
    try:
        service.revoke(session, doc, form.reason.data, actor=current_user)
        session.commit()
        flash(_("文书 %(s)s 已作废。", s=doc.serial), "success")
    except DocumentRefused as exc:
        session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("documents.detail", doc_id=doc.id))


# ------------------------------------------------------------------ templates

def _type_or_404(code: str):
    doc_type = _types().get(code)
    if doc_type is None:
        abort(404)
    return doc_type


@bp.route("/documents/templates")
@requires("admin")
def templates():
    return render_template("documents/templates.html", types=_types())


@bp.route("/documents/templates/<code>", methods=["GET", "POST"])
@requires("admin")
def template_edit(code):
    doc_type = _type_or_404(code)
    session = get_session()
    settings = _settings()
    current, row = templates_admin.current(session, doc_type, settings.upload_dir)
    form = TemplateForm()
    if request.method == "GET":
        form.issuer.data = row.issuer if row else ""
        form.number_prefix.data = row.number_prefix if row else ""
        form.color.data = current.color
        form.source.data = current.source
        form.version.data = str(row.version) if row else ""
    status = 200
    if form.validate_on_submit():
        draft = templates_admin.Draft(source=form.source.data, issuer=form.issuer.data or "",
                                      number_prefix=form.number_prefix.data or "", color=form.color.data)
        try:
            upload = request.files.get(form.seal.name)
            if upload and upload.filename:
                data = upload.read(templates_admin.SEAL_MAX_BYTES + 1)
                draft.seal, draft.seal_mime = data, templates_admin.seal_mime(data)
            if request.form.get("action") == "preview":
                pdf = templates_admin.preview(session, doc_type, draft, settings)
                return Response(pdf, mimetype="application/pdf",
                                headers={"Content-Disposition": "inline; filename=preview.pdf"})
            templates_admin.save(session, doc_type, draft, settings, actor=current_user,
                                 expected_version=posted_version(form))
            session.commit()
            flash(_("模板已保存。"), "success")
            return redirect(url_for("documents.template_edit", code=code))
        except templates_admin.TemplateRefused as exc:
            session.rollback()
            target = getattr(form, exc.field or "", None) or form.source
            target.errors = list(target.errors) + [str(exc)]
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("documents/template_edit.html", form=form, doc_type=doc_type, row=row,
                           current=current), status


@bp.route("/documents/templates/<code>/reset", methods=["POST"])
@requires("admin")
def template_reset(code):
    doc_type = _type_or_404(code)
    session = get_session()
    templates_admin.reset(session, doc_type, actor=current_user)
    session.commit()
    flash(_("已恢复默认模板。"), "success")
    return redirect(url_for("documents.template_edit", code=code))


# ------------------------------------------------------------------ public verification

@bp.route("/verify", methods=["GET"])
@public
def verify_form():
    serial = (request.args.get("serial") or "").strip()
    if serial:
        return redirect(url_for("documents.verify", serial=serial[:40]))
    return render_template("documents/verify.html", doc=None, serial=None, types=None)


@bp.route("/verify/<serial>")
@public
def verify(serial):
    """What the paper shows and whether it stands — nothing else of the system."""
    doc = service.by_serial(get_session(), serial)
    labels = {code: t.label for code, t in _types().items()}
    return render_template("documents/verify.html", doc=doc, serial=serial[:40], labels=labels), (200 if doc else 404)
