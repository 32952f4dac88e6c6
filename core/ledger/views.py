"""The electronic ledger (电子台账) pages: records per branch with attendance, appraisal
results and attachments, the secretaries' checklist, and bonus/deduction/veto records."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.auth.access import requires, writer_required
from core.auth.scoping import (branch_clause, can_keep_ledger, can_review, get_branch_or_404,
                               visible_branches, visible_units)
from core.db import get_session
from core.http_inputs import year_arg
from core.clock import today
from core.indicators.models import CYCLES, INDICES
from core.ledger import storage
from core.ledger.checklist import checklists
from core.ledger.field_help import ledger_help
from core.ledger.forms import (APPRAISAL_CHOICES, AttachmentForm, FilterForm, PointRecordForm, ReasonForm,
                               RecordForm, parse_appraisal, parse_presence)
from core.ledger.models import ACTIVITY_TYPES, APPRAISAL_RESULTS, POINT_KINDS, ActivityRecord, Attachment, PointRecord
from core.ledger.services import (LedgerError, add_attachment, add_point_record, appraisal_results,
                                  delete_attachment, delete_point_record, delete_record, has_quorum, roster,
                                  save_appraisal, save_record)
from core.ledger.storage import UploadRefused
from core.org.models import Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.locks import PeriodLocked
from core.plugins.web import MenuItem
from core.views_util import attempt, posted_version, send_upload
from core.web import paginate

bp = Blueprint("ledger", __name__, url_prefix="/ledger", template_folder="templates")

MENU = [
    MenuItem("台账与考核", "电子台账", "ledger.index", order=10),
    MenuItem("台账与考核", "台账检查清单", "ledger.overview", roles=("admin", "reviewer", "viewer"), order=11),
]

REFUSED = (LedgerError, PeriodLocked, UploadRefused)
#: "每%(c)s至少 n 次": a cycle as the word after 每 (msgids).
CYCLE_WORDS = {"month": "月", "quarter": "季度", "year": "年"}


def _record_or_404(db, record_id: int) -> ActivityRecord:
    record = db.scalar(select(ActivityRecord).where(
        ActivityRecord.id == record_id,
        branch_clause(current_user, ActivityRecord.branch_id, ActivityRecord.unit_id)))
    if record is None:
        abort(404)
    return record


def _kept_record_or_404(db, record_id: int) -> tuple[ActivityRecord, Branch]:
    """A record and its branch, for a user who keeps that branch's ledger (else 404)."""
    rec = _record_or_404(db, record_id)
    return rec, get_branch_or_404(db, current_user, rec.branch_id, can_keep_ledger)


@bp.route("/")
@requires()
def index():
    if current_user.role == "secretary":
        if not current_user.branch_id:
            abort(404)
        return redirect(url_for("ledger.branch", branch_id=current_user.branch_id))
    return redirect(url_for("ledger.overview"))


@bp.route("/overview")
@requires("admin", "reviewer", "viewer")
def overview():
    """Branches in scope with their checklist badges (one grouped count for the page)."""
    db = get_session()
    stmt = visible_branches(current_user).where(Branch.active.is_(True)).order_by(Branch.unit_id, Branch.code)
    unit_id = request.args.get("unit", type=int)
    if unit_id:
        stmt = stmt.where(Branch.unit_id == unit_id)
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Branch.name.contains(q) | Branch.code.contains(q))
    page = paginate(db, stmt)
    lists = checklists(db, [b.id for b in page.items])
    units = list(db.scalars(visible_units(current_user).order_by(OrgNode.code)))
    return render_template("ledger/overview.html", page=page, lists=lists, units=units, unit_id=unit_id, q=q,
                           types=ACTIVITY_TYPES)


@bp.route("/export.xlsx")
@requires()
def export():
    """Records (with attendance counts) and point records of the branches the user may
    see, for a year (?year=2026, default this year), optionally one unit or branch."""
    from core.auth.scoping import branch_clause
    from core.exports import ledger_sheets, point_sheet
    from core.xlsx import write_workbook, xlsx_response

    db = get_session()
    year = year_arg()
    records = select(ActivityRecord).where(branch_clause(current_user, ActivityRecord.branch_id),
                                           ActivityRecord.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    points = select(PointRecord).where(branch_clause(current_user, PointRecord.branch_id),
                                       PointRecord.dated.between(date(year, 1, 1), date(year, 12, 31)))
    name = f"{year}年电子台账"
    if request.args.get("branch", type=int):
        br = get_branch_or_404(db, current_user, request.args.get("branch", type=int))
        records = records.where(ActivityRecord.branch_id == br.id)
        points = points.where(PointRecord.branch_id == br.id)
        name = f"{br.name}_{name}"
    elif request.args.get("unit", type=int):
        records = records.where(ActivityRecord.unit_id == request.args.get("unit", type=int))
        points = points.where(PointRecord.unit_id == request.args.get("unit", type=int))
    return xlsx_response(write_workbook(ledger_sheets(db, records) + [point_sheet(db, points)]), f"{name}.xlsx")


@bp.route("/branch/<int:branch_id>")
@requires()
def branch(branch_id):
    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id)
    form = FilterForm(request.args)
    stmt = select(ActivityRecord).where(ActivityRecord.branch_id == br.id)
    if form.type.data in ACTIVITY_TYPES:
        stmt = stmt.where(ActivityRecord.type == form.type.data)
    month_error = None
    if form.month.data:
        try:
            pk = PeriodKey.parse(form.month.data)
            stmt = stmt.where(ActivityRecord.held_on >= pk.starts_on, ActivityRecord.held_on <= pk.ends_on)
        except ValueError as exc:
            month_error = str(exc)
    stmt = stmt.order_by(ActivityRecord.held_on.desc(), ActivityRecord.id.desc())
    page = paginate(db, stmt)
    n_files = dict(db.execute(select(Attachment.record_id, func.count()).where(
        Attachment.record_id.in_([r.id for r in page.items])).group_by(Attachment.record_id)).all()) if page.items else {}
    items = checklists(db, [br.id])[br.id]
    return render_template("ledger/branch.html", branch=br, page=page, form=form, month_error=month_error,
                           checklist=items, n_files=n_files, types=ACTIVITY_TYPES,
                           can_write=can_keep_ledger(current_user, br), can_review=can_review(current_user, br))


def _render_record_form(br, form, members, formdata, record=None, error=None, status=200):
    presence = {}
    for m in members:
        if formdata is not None:
            presence[m.id] = (formdata.get(f"present_{m.id}") in ("1", "on", "y", "true"),
                              formdata.get(f"reason_{m.id}") or "")
        elif record is not None:
            entry = next((e for e in record.attendance if e.member_id == m.id), None)
            presence[m.id] = (entry.present, entry.absence_reason or "") if entry else (False, "")
        else:
            presence[m.id] = (True, "")
    year = record.held_on.year if record is not None else today().year
    return render_template("ledger/record_form.html", branch=br, form=form, members=members, presence=presence,
                           record=record, error=error, field_help=ledger_help(get_session(), year),
                           types=ACTIVITY_TYPES, indices=INDICES, cycles=CYCLES), status


@bp.route("/branch/<int:branch_id>/new", methods=["GET", "POST"])
@requires()
@writer_required
def create(branch_id):
    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id, can_keep_ledger)
    members = roster(db, br)
    form = RecordForm()
    if request.method == "GET":
        form.type.data = request.args.get("type") if request.args.get("type") in ACTIVITY_TYPES else None
        return _render_record_form(br, form, members, None)
    if not form.validate_on_submit():
        return _render_record_form(br, form, members, request.form)
    with attempt(db, REFUSED, quiet=True) as done:
        record = save_record(db, branch=br, actor=current_user, data=form.data,
                             presence=parse_presence(request.form, members))
    if not done:
        return _render_record_form(br, form, members, request.form, error=str(done.error))
    _flash_saved(record)
    return redirect(url_for("ledger.record", record_id=record.id))


def _flash_saved(record):
    if not record.valid:
        flash(_("已保存。注意：本次支部党员大会到会正式党员 %(p)s 人，未超过应到正式党员 %(e)s 人的半数，"
                "会议无效——记录保留在台账中，但不计入考核。", p=record.present_full, e=record.expected_full), "error")
    else:
        flash(_("已保存。"), "success")


@bp.route("/record/<int:record_id>")
@requires()
def record(record_id):
    db = get_session()
    rec = _record_or_404(db, record_id)
    br = get_branch_or_404(db, current_user, rec.branch_id)
    members = {m.id: m for m in roster(db, br, rec)}
    results = {r.member_id: r.result for r in appraisal_results(db, rec)}
    return render_template("ledger/record.html", branch=br, record=rec, members=members, results=results,
                           results_labels=APPRAISAL_RESULTS, types=ACTIVITY_TYPES,
                           attachment_form=AttachmentForm(), can_write=can_keep_ledger(current_user, br),
                           max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
                           extensions=current_app.config["ATTACHMENT_EXTENSIONS"])


@bp.route("/record/<int:record_id>/edit", methods=["GET", "POST"])
@requires()
@writer_required
def edit(record_id):
    db = get_session()
    rec, br = _kept_record_or_404(db, record_id)
    members = roster(db, br, rec)
    if request.method == "GET":
        form = RecordForm(obj=rec)
        form.version.data = rec.version
        return _render_record_form(br, form, members, None, record=rec)
    form = RecordForm()
    if not form.validate_on_submit():
        return _render_record_form(br, form, members, request.form, record=rec)
    with attempt(db, REFUSED, quiet=True) as done:
        version = posted_version(form)
        save_record(db, branch=br, actor=current_user, data=form.data, record=rec,
                    presence=parse_presence(request.form, members), expected_version=version)
    if not done:
        rec = _record_or_404(db, record_id)
        return _render_record_form(br, form, members, request.form, record=rec, error=str(done.error))
    _flash_saved(rec)
    return redirect(url_for("ledger.record", record_id=rec.id))


@bp.route("/record/<int:record_id>/delete", methods=["POST"])
@requires()
@writer_required
def delete(record_id):
    db = get_session()
    rec, br = _kept_record_or_404(db, record_id)
    with attempt(db, REFUSED) as done:
        delete_record(db, record=rec, actor=current_user, upload_dir=current_app.config["UPLOAD_DIR"])
    if not done:
        return redirect(url_for("ledger.record", record_id=record_id))
    flash(_("记录已删除。"), "success")
    return redirect(url_for("ledger.branch", branch_id=br.id))


@bp.route("/record/<int:record_id>/appraisal", methods=["GET", "POST"])
@requires()
@writer_required
def appraisal(record_id):
    db = get_session()
    rec, br = _kept_record_or_404(db, record_id)
    if rec.type != "appraisal":
        abort(404)
    members = roster(db, br, rec)
    error = None
    if request.method == "POST":
        with attempt(db, REFUSED, quiet=True) as done:  # CSRF is checked for every POST by CSRFProtect
            save_appraisal(db, record=rec, branch=br, actor=current_user,
                           results=parse_appraisal(request.form, members))
        if done:
            flash(_("评议结果已保存。"), "success")
            return redirect(url_for("ledger.record", record_id=rec.id))
        error = str(done.error)
        current = {m.id: request.form.get(f"result_{m.id}", "") for m in members}
    else:
        current = {r.member_id: r.result for r in appraisal_results(db, rec)}
    return render_template("ledger/appraisal.html", branch=br, record=rec, members=members, current=current,
                           choices=APPRAISAL_CHOICES, error=error)


@bp.route("/record/<int:record_id>/attachments", methods=["POST"])
@requires()
@writer_required
def upload(record_id):
    db = get_session()
    rec, br = _kept_record_or_404(db, record_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    file = request.files.get("file")
    max_bytes = current_app.config["ATTACHMENT_MAX_BYTES"]
    with attempt(db, REFUSED) as done:
        if file is None or not file.filename:
            raise UploadRefused(_("请选择要上传的文件。"))
        data = file.stream.read(max_bytes + 1)  # never read more than the limit allows
        add_attachment(db, record=rec, actor=current_user, filename=file.filename, data=data,
                       upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=max_bytes,
                       extensions=current_app.config["ATTACHMENT_EXTENSIONS"])
    if done:
        flash(_("附件已上传。"), "success")
    return redirect(url_for("ledger.record", record_id=rec.id))


def _attachment_or_404(db, attachment_id):
    row = db.execute(select(Attachment, ActivityRecord).join(ActivityRecord, ActivityRecord.id == Attachment.record_id)
                     .where(Attachment.id == attachment_id,
                            branch_clause(current_user, ActivityRecord.branch_id, ActivityRecord.unit_id))).first()
    if row is None:
        abort(404)
    return row


@bp.route("/attachment/<int:attachment_id>")
@requires()
def download(attachment_id):
    db = get_session()
    att, _rec = _attachment_or_404(db, attachment_id)
    return send_upload(storage.file_path(current_app.config["UPLOAD_DIR"], att.stored_name), att.content_type,
                       att.original_name)


@bp.route("/attachment/<int:attachment_id>/delete", methods=["POST"])
@requires()
@writer_required
def delete_file(attachment_id):
    db = get_session()
    att, rec = _attachment_or_404(db, attachment_id)
    br = get_branch_or_404(db, current_user, rec.branch_id, can_keep_ledger)
    with attempt(db, REFUSED) as done:
        delete_attachment(db, attachment=att, record=rec, actor=current_user, upload_dir=current_app.config["UPLOAD_DIR"])
    if done:
        flash(_("附件已删除。"), "success")
    return redirect(url_for("ledger.record", record_id=rec.id))


# ---- bonus / deduction / veto records ------------------------------------------------

@bp.route("/branch/<int:branch_id>/points", methods=["GET", "POST"])
@requires()
def points(branch_id):
    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id)
    reviewer = can_review(current_user, br)
    form = PointRecordForm()
    error = warning = None
    if request.method == "POST":
        if not reviewer:
            abort(404)
        if form.validate_on_submit():
            warning = _over_cap(db, br, form)
            if warning:
                form.confirm_over_cap.data = "1"
            else:
                with attempt(db, REFUSED, quiet=True) as done:
                    add_point_record(db, branch=br, actor=current_user, kind=form.kind.data, points=form.points.data,
                                     dated=form.dated.data, reason=form.reason.data,
                                     indicator_code=form.indicator_code.data)
                if done:
                    flash(_("已记录。"), "success")
                    return redirect(url_for("ledger.points", branch_id=br.id))
                error = str(done.error)
    stmt = (select(PointRecord).where(PointRecord.branch_id == br.id)
            .order_by(PointRecord.dated.desc(), PointRecord.id.desc()))
    page = paginate(db, stmt)
    from core.ledger.point_catalogue import point_indicators
    return render_template("ledger/points.html", branch=br, page=page, form=form, error=error, warning=warning,
                           kinds=POINT_KINDS, can_write=reviewer, delete_form=ReasonForm(),
                           catalogue=point_indicators(db, (form.dated.data or date.today()).year) if reviewer else [],
                           cycles=CYCLES, cycle_words=CYCLE_WORDS)


def _over_cap(db, branch, form) -> str | None:
    """The warning for a deduction above its indicator's cap, unless already confirmed
    with the same values (a changed entry is checked again)."""
    from core.ledger.point_catalogue import cap_status, resolve
    from core.ledger.services import parse_points
    if form.kind.data != "deduction" or form.confirm_over_cap.data == "1":
        return None
    try:
        indicator = resolve(db, "deduction", form.indicator_code.data, form.dated.data)
        entry = parse_points(form.points.data)
    except (ValueError, LedgerError):
        return None  # the service refuses it with its own message
    if indicator is None:
        return None
    status = cap_status(db, branch.id, indicator, form.dated.data, entry)
    return status.warning() if status.over else None


@bp.route("/points/<int:record_id>/delete", methods=["POST"])
@requires("admin", "reviewer")
def delete_points(record_id):
    db = get_session()
    rec = db.scalar(select(PointRecord).where(
        PointRecord.id == record_id, branch_clause(current_user, PointRecord.branch_id, PointRecord.unit_id)))
    if rec is None:
        abort(404)
    br = get_branch_or_404(db, current_user, rec.branch_id, can_review)
    form = ReasonForm()
    with attempt(db, REFUSED) as done:
        delete_point_record(db, rec=rec, actor=current_user, reason=form.reason.data if form.validate_on_submit() else "")
    if done:
        flash(_("已删除。"), "success")
    return redirect(url_for("ledger.points", branch_id=br.id))


@bp.app_template_global("quorum_ok")
def quorum_ok(record) -> bool:
    return has_quorum(record.type, record.expected_full, record.present_full)


@bp.app_template_global("has_endpoint")
def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


@bp.app_template_filter("filesize")
def filesize(n) -> str:
    return storage._human(int(n or 0))

