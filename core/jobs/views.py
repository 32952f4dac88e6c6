"""The job pages: one page for any job (a fanned-out close, an export, an import) with
its progress, its result link and why it failed; a list of recent jobs for admins.

Decisions (README, "Jobs"): admins see every job; another user sees the jobs she
started (an export she asked for), nobody else's — a job id alone grants nothing.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from core.auth.access import requires
from core.db import get_session
from core.jobs.models import KINDS, Job
from core.jobs.recovery import is_stalled
from core.jobs.service import progress
from core.plugins.web import MenuItem
from core.xlsx import xlsx_response

bp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")

MENU = [MenuItem("系统管理", "后台任务", "jobs.index", roles=("admin",), order=90)]


def _is_admin() -> bool:
    return current_user.role == "admin"


@bp.route("/")
@requires("admin")
def index():
    jobs = list(get_session().scalars(select(Job).order_by(Job.created_at.desc()).limit(100)))
    return render_template("jobs/index.html", jobs=jobs, kinds=KINDS, progress=progress)


def _job_or_404(job_id) -> Job:
    job = get_session().get(Job, job_id)
    if job is None or not (_is_admin() or job.created_by == current_user.id):
        abort(404)
    return job


@bp.route("/<job_id>")
@requires()
def show(job_id):
    job = _job_or_404(job_id)
    return render_template("jobs/job.html", job=job, kinds=KINDS, percent=progress(job),
                           stalled=is_stalled(job, current_app))


@bp.route("/<job_id>/download")
@requires()
def download(job_id):
    """The file a finished job produced (an export)."""
    job = _job_or_404(job_id)
    if job.status != "done" or job.output is None:
        abort(404)
    return xlsx_response(job.output, job.output_name or f"{job.id}.xlsx")
