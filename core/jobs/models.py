"""Jobs (后台任务): one row per piece of work sent to the workers — a fanned-out close,
a large export or import — with its progress, its result and why it failed.

Decisions (README, "Jobs"):
- One model and one page for every kind of job; `kind` says what it is, `target` what
  it works on (a period key for a close), `params` the ids the tasks need.
- Progress is counted from JobStep rows (one per unit of a close, one per chunk of an
  export), written in the same transaction as the step's work: a task redelivered
  after a worker was killed writes its step again without counting it twice.
- A job is active while `queued` or `running`; `done` and `failed` are final.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: What the job does (label shown on the job page).
KINDS = {
    "close": "期间结账",
    "export": "导出",
    "import": "导入",
    "documents": "批量出具文件",
}

ACTIVE = ("queued", "running")


class Job(Base):
    """One job: kind, target, progress (done of total), result or error."""

    __tablename__ = "jobs"

    #: A uuid (hex): also the id the job's page shows.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: One of KINDS.
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: What it works on, e.g. the period key "2026Q1".
    target: Mapped[str] = mapped_column(String(60), default="")
    #: queued, running, done or failed.
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    #: Steps to do (units of a close) and steps done.
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    #: The ids the tasks need (ruleset id, file name …).
    params: Mapped[dict | None] = mapped_column(JSON)
    #: What the job produced (counts; `url` of a result to download).
    result: Mapped[dict | None] = mapped_column(JSON)
    #: Why it failed, in words.
    error: Mapped[str | None] = mapped_column(Text)
    #: The file a job produced (an export), kept in the database so that a worker on
    #: another machine hands it to the web server; and its download name.
    output: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    output_name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The last sign of life: when it was queued (or re-sent by a recovery) or a step was
    #: done. An active job silent for longer than JOB_STALL_SECONDS is stalled.
    beat_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: How many times a worker started the job (an import: only the latest attempt commits).
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class JobStep(Base):
    """One step of a job done (e.g. "unit:12"); written with the step's work."""

    __tablename__ = "job_steps"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: What the step did (counts of a unit's close).
    data: Mapped[dict | None] = mapped_column(JSON)
