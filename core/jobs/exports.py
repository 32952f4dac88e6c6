"""Large exports as jobs: with a broker configured, an export of more than
EXPORT_JOB_ROWS rows is built by a worker (task `jobs.export`) and downloaded from its
job page; below that, or without a broker, the page answers with the file at once.

Decisions (README, "Jobs"):
- An export is named in EXPORTS ("name" → "module:function"); the function takes
  (session, user, args) and returns (bytes, file name, rows) — built for that user, so
  the scoping of the page applies to the job as well.
- The file is stored on the Job (jobs.output), not on a disk only the worker sees.
- The task is sent right after the job row's commit; a broker that cannot be reached
  marks the job failed with the reason (core.jobs.queueing), shown on its page.
"""
from __future__ import annotations

import importlib

from flask import current_app, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.orm import Session

from core.jobs import service

#: Exports that may run as jobs.
EXPORTS = {
    "rankings": "core.analysis.exports:rankings_workbook",
}

#: An export with more rows than this runs as a job when a broker is configured.
EXPORT_JOB_ROWS = 5000


def builder(name: str):
    module, func = EXPORTS[name].split(":")
    return getattr(importlib.import_module(module), func)


def as_job_if_large(session: Session, name: str, rows: int, args: dict, label: str):
    """A redirect to a new export job when `rows` is large and a broker is configured;
    None otherwise (the caller answers with the file itself)."""
    if rows <= current_app.config.get("EXPORT_JOB_ROWS", EXPORT_JOB_ROWS) or not service.broker_configured(current_app):
        return None
    job = service.create_job(session, "export", target=label, total=1,
                             params={"export": name, "args": args, "user_id": current_user.id}, actor=current_user)
    job_id = job.id
    session.commit()
    from core.jobs.queueing import QueueUnavailable, could_not_queue_message
    from core.jobs.tasks import export_task
    try:
        service.send_or_fail(session, job_id, export_task)
    except QueueUnavailable:
        flash(could_not_queue_message(), "error")  # the job page shows it failed, and why
    return redirect(url_for("jobs.show", job_id=job_id))


def run_export(session: Session, job_id: str) -> dict | None:
    """Build the job's file and store it on the job (idempotent: a done job is left
    as it is). Not committed."""
    from core.auth.models import User
    from core.jobs.models import Job

    job = session.get(Job, job_id)
    if job is None or not job.is_active:
        return None
    user = session.get(User, job.params["user_id"])
    data, filename, rows = builder(job.params["export"])(session, user, job.params.get("args") or {})
    job.output, job.output_name = data, filename
    service.step_done(session, job_id, "file")
    result = {"rows": rows, "file": filename, "download": True}
    service.finish_job(session, job_id, result)
    return result
