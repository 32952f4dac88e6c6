"""Core diagnostic tasks. `jobs.count_branches` proves a worker reaches the app's
database (used by the integration tests and by `starbranch` operators)."""
from __future__ import annotations

from celery import shared_task
from sqlalchemy import func, select

from core.db import get_session


@shared_task(name="jobs.ping")
def ping() -> str:
    """Answer "pong"; writes nothing."""
    return "pong"


@shared_task(name="jobs.count_branches")
def count_branches() -> int:
    """The number of branch rows the worker sees in its database; writes nothing."""
    from core.org.models import Branch

    return get_session().scalar(select(func.count(Branch.id)))


@shared_task(name="jobs.export", ignore_result=True)  # the job row holds the result
def export_task(job_id: str) -> dict | None:
    """Build an export job's file (core.jobs.exports.run_export); a failure is recorded
    on the job in words."""
    from core.jobs.exports import run_export
    from core.jobs.service import run_or_fail

    return run_or_fail(job_id, lambda session: run_export(session, job_id))


@shared_task(name="jobs.recover", ignore_result=True)
def recover_task() -> list[str]:
    """Send the tasks of stalled jobs again (core.jobs.recovery); the beat schedule runs
    it every JOB_RECOVER_SECONDS. Returns the ids re-sent."""
    from flask import current_app

    from core.jobs.recovery import recover, stall_seconds

    return [s.id for s in recover(get_session(), seconds=stall_seconds(current_app))]
