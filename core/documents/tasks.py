"""Celery task of the documents module (used when a broker is configured)."""
from __future__ import annotations

from celery import shared_task

from core.db import get_session


@shared_task(name="documents.bulk_issue", ignore_result=True)  # the job row holds the result
def bulk_issue_task(job_id: int, actor_id: int | None = None) -> dict:
    """Run bulk job `job_id`; returns its status and counts."""
    from flask import current_app

    from core.auth.models import User
    from core.documents.bulk import run_job

    session = get_session()
    actor = session.get(User, actor_id) if actor_id else None
    job = run_job(session, current_app, job_id, actor=actor)
    if job is None:
        return {"job": job_id, "status": "gone"}
    return {"job": job.id, "status": job.status, "done": job.done, "error": job.error}
