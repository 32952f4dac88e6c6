"""The one import page flow every import uses: upload → preview (nothing written) →
apply or cancel. Views of the core and of plugins call `import_flow` with their
Importer; the page is theirs (their blueprint, their URL, their access rules).

Decisions: apply recomputes the plan from the stored file and compares it with the
preview the user saw (Plan.digest): when the database changed in between, the new
preview is shown instead of writing. Cancel, an expired or foreign token and any error
write nothing. With a broker, an apply of more than IMPORT_JOB_ROWS rows runs as a job
(core.imports.jobs) under the same rules, and the page follows the job."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from core.db import get_session
from core.imports import jobs as import_jobs, pending
from core.imports.plan import ImportRefused, Plan, shown
from core.imports.reader import Book, open_book
from core.xlsx import ImportFileError

#: Rows of each list shown on the preview page (the counts are always complete).
PREVIEW_ROWS = 300


class UploadForm(FlaskForm):
    file = FileField(_l("文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择要导入的文件。"))])


class TokenForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


@dataclass
class Importer:
    """One import: `plan(session, book, actor)` builds the preview, `apply(session, plan,
    actor)` writes it and returns counts; `label` names what is imported (党员)."""

    kind: str
    label: str
    plan: Callable[..., Plan]
    apply: Callable[..., dict]
    template_url: str
    back_url: str
    hint: str = ""
    #: the template is made for a month the user picks (pre-filled templates)
    template_month: bool = False


def build_plan(importer: Importer, session, data: bytes, filename: str, memo: dict | None = None
               ) -> tuple[Plan, dict]:
    """Open and plan a file (raises ImportFileError for an unreadable or refused file);
    with `memo` (the tables its preview parsed) the file is not parsed again."""
    book = Book([], "memo", memo=memo) if memo else open_book(data, filename)
    try:
        return importer.plan(session, book, actor=current_user), book.memo
    finally:
        if book.close:
            book.close()


def import_flow(importer: Importer):
    """Handle GET (upload page) and POST (?step=preview|apply|cancel) of an import page."""
    step = request.args.get("step", "")
    session = get_session()
    user_id = current_user.id
    if request.method == "POST" and step in ("apply", "cancel"):
        token_form = TokenForm()
        if not token_form.validate_on_submit():
            flash(_("请求无效，请重新上传文件。"), "error")
            return redirect(request.path)
        token = token_form.token.data
        if step == "cancel":
            pending.discard(token)
            flash(_("已取消导入，未写入任何数据。"), "info")
            return redirect(request.path)
        stored = pending.load(token, importer.kind, user_id)
        if stored is None:
            flash(_("预览已过期或不存在，请重新上传文件。"), "error")
            return redirect(request.path)
        if import_jobs.should_run_as_job(current_app, importer.kind, stored.rows):
            return _apply_as_job(importer, session, stored)
        try:
            plan, _memo = build_plan(importer, session, stored.data, stored.filename, stored.memo)
        except ImportFileError as exc:
            pending.discard(token)
            flash(str(exc), "error")
            return redirect(request.path)
        if not plan.ok or plan.digest() != stored.digest:
            session.rollback()
            pending.discard(token)
            if plan.ok:
                flash(_("预览之后数据已有变化，请核对新的预览后再确认。"), "warning")
            return _preview(importer, plan, stored.filename, stored.data)
        try:
            counts = importer.apply(session, plan, actor=current_user)
        except ImportRefused as exc:
            session.rollback()
            pending.discard(token)
            for e in exc.errors:
                plan.problems.error(e.sheet, e.row, e.column, e.message)
            return _preview(importer, plan, stored.filename, stored.data)
        session.commit()
        pending.discard(token)
        flash(_("导入成功：新增 %(c)s 条，修改 %(u)s 条，未变 %(n)s 条%(what)s记录。", c=counts["created"],
                u=counts["updated"], n=counts["unchanged"], what=_(importer.label)), "success")
        return redirect(importer.back_url)
    form = UploadForm()
    if request.method == "POST" and form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), upload.filename or ""
        try:
            plan, memo = build_plan(importer, session, data, filename)
        except ImportFileError as exc:
            form.file.errors = [str(exc)]
        else:
            session.rollback()  # a plan writes nothing; make sure of it
            return _preview(importer, plan, filename, data, memo)
    return render_template("imports/upload.html", form=form, importer=importer,
                           today_month=date.today().strftime("%Y-%m"))


def _apply_as_job(importer: Importer, session, stored):
    """A large import with a broker: the worker applies it; the job page follows it."""
    from core.jobs.queueing import QueueUnavailable, could_not_queue_message

    try:
        job = import_jobs.start_import_job(session, stored, importer.label, current_user, importer.back_url)
    except QueueUnavailable:
        flash(could_not_queue_message() + _("请重新上传文件。"), "error")
        return redirect(request.path)
    return redirect(url_for("jobs.show", job_id=job.id))


def _preview(importer: Importer, plan: Plan, filename: str, data: bytes, memo: dict | None = None):
    token = None
    if plan.ok and plan.has_changes:
        token = pending.store(importer.kind, current_user.id, filename, data, plan.digest(), memo,
                              rows=len(plan.new) + len(plan.changed) + plan.unchanged)
    return render_template("imports/preview.html", importer=importer, plan=plan, filename=filename,
                           token_form=TokenForm(token=token) if token else None, limit=PREVIEW_ROWS, shown=shown)
