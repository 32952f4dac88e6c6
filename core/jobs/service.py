"""Jobs as plain functions on a session: create one, count its steps, finish or fail
it, and send Celery work only once the transaction that asked for it has committed.

Decisions (README, "Jobs"):
- `after_commit(session, fn)`: `fn` runs after the session's next commit and is
  dropped on rollback — a rolled-back transaction enqueues nothing, and a worker never
  looks for a job row that is not committed yet.
- `step_done` is idempotent: the step row is the proof, `done` is recounted from the
  rows (a redelivered task does not count twice).
- `fail_job` records the error in words and is committed on its own, after the failed
  work was rolled back.
"""
from __future__ import annotations

import uuid

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.jobs.models import ACTIVE, Job, JobStep

_PENDING = "starbranch.after_commit"


def broker_configured(app) -> bool:
    """A real broker (Redis, RabbitMQ) is configured: jobs go to workers."""
    return bool(app.config.get("CELERY_BROKER_URL"))


def after_commit(session: Session, fn) -> None:
    """Call `fn()` after the session's next commit; forget it on rollback."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        if not session.info.get(_PENDING + ".hooked"):
            session.info[_PENDING + ".hooked"] = True
            event.listen(session, "after_commit", _run_pending)
            event.listen(session, "after_soft_rollback", _drop_pending)
    pending.append(fn)


def _run_pending(session) -> None:
    pending = session.info.pop(_PENDING, None) or []
    for fn in pending:
        fn()


def _drop_pending(session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a savepoint rolled back: the outer work goes on
        session.info.pop(_PENDING, None)


def create_job(session: Session, kind: str, *, target: str = "", total: int = 0, params=None, actor=None) -> Job:
    now = utcnow()
    job = Job(id=uuid.uuid4().hex, kind=kind, target=target, status="queued", total=total, done=0,
              params=params or {}, created_by=getattr(actor, "id", None), created_at=now, beat_at=now, attempt=0)
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: str) -> int | None:
    """Start an attempt at a queued or running job: its number, or None when the job is
    finished or gone (a message delivered twice then does nothing). Committed."""
    from sqlalchemy import update

    attempt = session.execute(
        update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
        .values(status="running", attempt=Job.attempt + 1, beat_at=utcnow())
        .returning(Job.attempt)).scalar()
    session.commit()
    return attempt


def still_latest(session: Session, job_id: str, attempt: int) -> bool:
    """This attempt is still the job's latest and the job active; the row stays locked
    until the commit, so no newer attempt claims it in between."""
    row = session.execute(select(Job.attempt, Job.status).where(Job.id == job_id).with_for_update()).one_or_none()
    return row is not None and row.attempt == attempt and row.status in ACTIVE


def active_job(session: Session, kind: str, target: str) -> Job | None:
    return session.scalars(select(Job).where(Job.kind == kind, Job.target == target, Job.status.in_(ACTIVE))
                           .order_by(Job.created_at.desc())).first()


def step_done(session: Session, job_id: str, key: str, data: dict | None = None) -> None:
    """Record step `key` of the job (once; a rerun replaces its data) and recount the
    job's progress. Not committed."""
    steps_done(session, job_id, [key], data)


def steps_done(session: Session, job_id: str, keys: list[str], data: dict | None = None) -> None:
    """Record steps `keys` of the job, each with `data` (once; a rerun replaces their
    data), then recount the job's progress once. Not committed."""
    for key in keys:
        step = session.get(JobStep, (job_id, key))
        if step is None:
            session.add(JobStep(job_id=job_id, key=key, at=utcnow(), data=data))
        else:
            step.data = data
    session.flush()
    job = session.get(Job, job_id)
    if job is not None:
        job.done = session.scalar(select(func.count()).select_from(JobStep).where(JobStep.job_id == job_id))
        job.beat_at = utcnow()
        if job.status == "queued":
            job.status = "running"


def finish_job(session: Session, job_id: str, result: dict) -> None:
    job = session.get(Job, job_id)
    if job is not None:
        job.status, job.result, job.finished_at = "done", result, utcnow()
        job.beat_at = job.finished_at
        job.done = max(job.done, job.total)


def fail_job(session: Session, job_id: str, error: str) -> None:
    """Mark the job failed with `error` and commit (call after rolling back)."""
    job = session.get(Job, job_id)
    if job is not None and job.status != "done":
        job.status, job.error, job.finished_at = "failed", error[:4000], utcnow()
        session.commit()


def send_or_fail(session: Session, job_id: str, task, *args) -> None:
    """Send the committed job's task (core.jobs.queueing.send); when the broker cannot be
    reached, mark the job failed with the reason (committed) and raise QueueUnavailable."""
    from core.jobs.queueing import QueueUnavailable, could_not_queue_message, send

    try:
        send(task, job_id, *args)
    except QueueUnavailable as exc:
        session.rollback()
        fail_job(session, job_id, f"{could_not_queue_message()}（{exc}）")
        raise


def run_or_fail(job_id: str, fn):
    """For a task: run `fn(session)` and commit; on an error roll back, record why on
    the job (committed), and re-raise (the task then fails as well)."""
    from core.db import get_session

    session = get_session()
    try:
        out = fn(session)
        session.commit()
        return out
    except Exception as exc:
        session.rollback()
        fail_job(session, job_id, f"{type(exc).__name__}: {exc}")
        raise


def progress(job: Job) -> int:
    """Percent done (0–100)."""
    if job.status == "done":
        return 100
    return int(job.done * 100 // job.total) if job.total else 0
