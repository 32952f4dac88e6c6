"""Recovery of jobs whose task the broker lost: the database's job row is the truth, the
broker's message only a reminder to a worker.

Decisions (README, "Jobs — when Redis stops"):
- Redis runs without persistence here (`--save '' --appendonly no` is common, and even
  with AOF the last second can be lost): after a restart the queue and the unacknowledged
  messages are gone. A job still queued or running whose last sign of life (`beat_at`:
  queued, started, a chunk or step done) is older than JOB_STALL_SECONDS is *stalled*.
- `recover` sends a stalled job's task again (bulk documents, exports, imports, the
  close's chord). That is safe because every task is idempotent: a bulk issue claims its
  job and only its latest attempt commits documents (core.documents.bulk); an import
  does the same with its rows (core.imports.jobs), in one transaction; an export does
  nothing for a finished job, and two copies at once only build the same file twice;
  a close unit's step row is written with its work. A job re-sent while it
  was only slow costs a second message, never a second set of rows.
- It runs from the beat schedule (task `jobs.recover`, every JOB_RECOVER_SECONDS) and
  from `starbranch jobs recover`; `starbranch jobs status` and the job pages mark
  stalled jobs.
- A running task is not lost by a Redis restart: it finishes and commits (its result in
  the database); only the message's acknowledgement is lost, and there is nothing left
  to redeliver.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.jobs.models import ACTIVE, Job

#: A job silent for this long (seconds) is stalled. Longer than the slowest chunk or step
#: (a chunk of certificates takes seconds; a close unit well under a minute).
JOB_STALL_SECONDS = 300
#: How often the beat schedule runs the recovery (seconds).
JOB_RECOVER_SECONDS = 300


@dataclass
class Stalled:
    """A stalled job: its table ("jobs" or "documents"), id, kind, status and silence."""

    table: str
    id: str
    kind: str
    status: str
    silent_seconds: int


def stall_seconds(app) -> int:
    return int(app.config.get("JOB_STALL_SECONDS") or JOB_STALL_SECONDS)


def _silent(now: datetime, beat: datetime | None, created: datetime) -> int:
    return int((now - (beat or created)).total_seconds())


def is_stalled(job, app, now: datetime | None = None) -> bool:
    """An active job (of either table) silent for longer than JOB_STALL_SECONDS."""
    if job.status not in ACTIVE:
        return False
    return _silent(now or utcnow(), job.beat_at, job.created_at) >= stall_seconds(app)


def stalled_jobs(session: Session, *, seconds: int, now: datetime | None = None) -> list[Stalled]:
    """Queued or running jobs (of both tables) with no sign of life for `seconds`."""
    from core.documents.models import DocumentJob

    now = now or utcnow()
    cutoff = now - timedelta(seconds=seconds)
    out = [Stalled("jobs", j.id, j.kind, j.status, _silent(now, j.beat_at, j.created_at))
           for j in session.scalars(select(Job).where(Job.status.in_(ACTIVE),
                                                      func.coalesce(Job.beat_at, Job.created_at) <= cutoff)
                                    .order_by(Job.created_at))]
    out += [Stalled("documents", str(j.id), "documents", j.status, _silent(now, j.beat_at, j.created_at))
            for j in session.scalars(select(DocumentJob).where(
                DocumentJob.status.in_(ACTIVE), func.coalesce(DocumentJob.beat_at, DocumentJob.created_at) <= cutoff)
                .order_by(DocumentJob.created_at))]
    return out


def _resend_job(session: Session, job: Job) -> None:
    from core.jobs.queueing import send

    job.beat_at = utcnow()  # the next recovery waits a full stall period again
    session.commit()
    if job.kind == "export":
        from core.jobs.tasks import export_task
        send(export_task, job.id)
    elif job.kind == "import":
        from core.imports.tasks import import_task
        send(import_task, job.id)
    elif job.kind == "close":
        from core.jobs.queueing import QueueUnavailable, broker_errors
        from core.scoring.fanout import send_chord
        # every batch again: a batch already done rewrites its own rows and steps
        # (idempotent), and the chord's counter, kept in Redis, is made anew
        params = job.params or {}
        batches = params.get("batches") or [[u] for u in params.get("units") or []]  # jobs from before batches
        try:
            send_chord(job.id, job.target, batches, job.created_by)
        except broker_errors() as exc:
            raise QueueUnavailable(f"{type(exc).__name__}: {exc}") from exc
    else:
        raise ValueError(f"no recovery for jobs of kind {job.kind}")


def recover(session: Session, *, seconds: int, now: datetime | None = None) -> list[Stalled]:
    """Send every stalled job's task again; returns the jobs re-sent. Raises
    core.jobs.queueing.QueueUnavailable when the broker is still down (nothing lost:
    the next run tries again)."""
    from core.documents import bulk
    from core.documents.models import DocumentJob

    stalled = stalled_jobs(session, seconds=seconds, now=now)
    for s in stalled:
        if s.table == "documents":
            bulk.resend(session, session.get(DocumentJob, int(s.id)))
        else:
            _resend_job(session, session.get(Job, s.id))
    return stalled
