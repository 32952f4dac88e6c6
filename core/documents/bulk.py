"""Bulk issue (批量出具): all certificates of a year (or of one unit) as one ZIP of
individual PDFs or one merged PDF, as a job whose progress a page can watch.

Decisions (README, "Documents"):
- A job is a `DocumentJob` row. With a Celery broker the task `documents.bulk_issue`
  runs it in a worker; without one (the default) it runs in a thread of the web process
  (so the page can show progress while it runs) — except on an in-memory SQLite
  database, which one connection holds, where it runs before the response.
- The renders use the render worker processes (both cores). Progress is committed on
  the job row after each chunk; nothing else is written until every PDF exists, then
  the files, the register rows and the archive are written in one transaction.
- The archive is written under UPLOAD_DIR/documents/jobs/ and downloaded by the user
  who started the job (or an admin). ZIP entries are named "<unit>/<branch>-<serial>.pdf".
- A run first claims the job (queued/running → running, attempt + 1, in one UPDATE); a
  job already done or failed is left alone, so a message delivered twice (a redelivery,
  a recovery's re-send) issues nothing twice. A run commits its documents only while
  it is still the job's latest attempt (checked under a row lock just before the
  commit); an older attempt that finishes late throws its PDFs away. README, "Jobs —
  when Redis stops".
- Sending to a broker that cannot be reached marks the job failed with the reason
  (core.jobs.queueing) and raises QueueUnavailable for the page to say so.
"""
from __future__ import annotations

import io
import re
import threading
import zipfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import get_session, utcnow
from core.documents.models import DocumentJob
from core.documents.render import RenderProblem
from core.documents.service import RenderSettings, issue
from core.documents.types import DocumentRefused, IssueRequest, document_types

OUTPUTS = {"zip": "ZIP（每份一个PDF）", "pdf": "合并为一个PDF"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def create_job(session: Session, doc_type: str, period_key: str, *, unit_id=None, output="zip", actor=None) -> DocumentJob:
    now = utcnow()
    job = DocumentJob(doc_type=doc_type, period_key=period_key, unit_id=unit_id, output=output, status="queued",
                      created_by=getattr(actor, "id", None), created_at=now, beat_at=now, attempt=0)
    session.add(job)
    session.flush()
    return job


def zip_of(documents, pdfs, unit_names: dict[int, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
        for doc, pdf in zip(documents, pdfs):
            unit = _UNSAFE.sub("_", unit_names.get(doc.unit_id, "")) or "集团"
            zf.writestr(f"{unit}/{_UNSAFE.sub('_', doc.recipient)}-{doc.serial}.pdf", pdf)
    return buf.getvalue()


def unit_names(session: Session) -> dict[int, str]:
    from sqlalchemy import select

    from core.org.models import OrgNode
    return dict(session.execute(select(OrgNode.id, OrgNode.name).where(OrgNode.kind == "unit")).all())


def claim(session: Session, job_id: int) -> int | None:
    """Start an attempt at the job: its number, or None when the job is finished (done,
    failed) or gone. Committed."""
    attempt = session.execute(
        update(DocumentJob).where(DocumentJob.id == job_id, DocumentJob.status.in_(("queued", "running")))
        .values(status="running", attempt=DocumentJob.attempt + 1, beat_at=utcnow())
        .returning(DocumentJob.attempt)).scalar()
    session.commit()
    return attempt


def _still_latest(session: Session, job_id: int, attempt: int) -> bool:
    """This attempt is still the job's latest and the job still active; the row stays
    locked until the commit, so no newer attempt can claim it in between."""
    row = session.execute(select(DocumentJob.attempt, DocumentJob.status).where(DocumentJob.id == job_id)
                          .with_for_update()).one_or_none()
    return row is not None and row.attempt == attempt and row.status == "running"


def run_job(session: Session, app, job_id: int, *, actor=None) -> DocumentJob | None:
    """Run job `job_id` to the end (status done or failed, committed); a job finished
    already, or taken over by a newer attempt, is left as it is."""
    attempt = claim(session, job_id)
    job = session.get(DocumentJob, job_id)
    if attempt is None:
        return job

    def progress(done):
        job.done, job.beat_at = done, utcnow()
        session.commit()

    request = IssueRequest(doc_type=job.doc_type, period_key=job.period_key, unit_id=job.unit_id)
    try:
        result = issue(session, document_types(app), request, RenderSettings.from_app(app), actor=actor,
                       progress=progress, job_id=job.id, merged=job.output == "pdf")
        if not _still_latest(session, job_id, attempt):
            _discard(session, app, result.documents)
            return session.get(DocumentJob, job_id)
        job.total = job.done = len(result.documents)
        folder = Path(app.config["UPLOAD_DIR"]) / "documents" / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        body = result.pdfs[0] if job.output == "pdf" else zip_of(result.documents, result.pdfs, unit_names(session))
        name = f"job-{job.id}.{job.output}"
        (folder / name).write_bytes(body)
        job.file_name = name
        job.status = "done"
        job.finished_at = job.beat_at = utcnow()
        session.commit()
    except (DocumentRefused, RenderProblem) as exc:
        return _failed(session, job_id, str(exc), attempt)
    except Exception as exc:
        _failed(session, job_id, f"{type(exc).__name__}: {exc}", attempt)
        raise
    return job


def _discard(session: Session, app, documents) -> None:
    """Throw away an outdated attempt's work: its rows (rolled back) and its PDF files."""
    names = [d.file_name for d in documents]
    session.rollback()
    folder = Path(app.config["UPLOAD_DIR"]) / "documents"
    for name in names:
        (folder / name).unlink(missing_ok=True)


def _failed(session: Session, job_id: int, error: str, attempt: int | None = None) -> DocumentJob | None:
    """Record the failure on the job row (nothing else of the job was written) — unless
    a newer attempt has taken the job over."""
    session.rollback()
    job = session.get(DocumentJob, job_id)
    if job is not None and (attempt is None or job.attempt == attempt) and job.status != "done":
        job.status, job.error, job.finished_at = "failed", error, utcnow()
        session.commit()
    return job


def count_papers(session: Session, app, doc_type: str, period_key: str, unit_id=None) -> int:
    """How many documents a job will issue (checked before it starts: refusals show at once)."""
    types = document_types(app)
    return len(types[doc_type].build(session, IssueRequest(doc_type=doc_type, period_key=period_key, unit_id=unit_id)))


def start(job: DocumentJob, actor_id: int | None) -> None:
    """Run the committed job in the background (see the module docstring). Raises
    QueueUnavailable (the job marked failed, committed) when the broker cannot be reached."""
    app = current_app._get_current_object()
    if app.config.get("CELERY_BROKER_URL"):
        from core.documents.tasks import bulk_issue_task
        from core.jobs.queueing import QueueUnavailable, could_not_queue_message, send
        try:
            send(bulk_issue_task, job.id, actor_id)
        except QueueUnavailable as exc:
            _failed(get_session(), job.id, f"{could_not_queue_message()}（{exc}）")
            raise
        return
    if app.config["DATABASE_URL"] in ("sqlite://", "sqlite:///:memory:"):
        _run_in_app(app, job.id, actor_id, session=get_session())
        return
    threading.Thread(target=_run_in_app, args=(app, job.id, actor_id), daemon=True,
                     name=f"documents-job-{job.id}").start()


def resend(session: Session, job: DocumentJob) -> None:
    """Send a stalled job's task again (core.jobs.recovery): its sign of life is reset
    first, so the next recovery waits a full stall period before sending it once more."""
    from core.documents.tasks import bulk_issue_task
    from core.jobs.queueing import send

    job.beat_at = utcnow()
    session.commit()
    send(bulk_issue_task, job.id, job.created_by)


def _run_in_app(app, job_id, actor_id, session=None):
    with app.app_context():
        session = session or get_session()
        from core.auth.models import User
        actor = session.get(User, actor_id) if actor_id else None
        try:
            run_job(session, app, job_id, actor=actor)
        except Exception:  # recorded on the job row; a thread has nobody to raise to
            app.logger.exception("documents job %s failed", job_id)
