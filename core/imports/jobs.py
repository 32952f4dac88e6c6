"""Large imports applied as jobs: with a broker configured, confirming the preview of an
import of more than IMPORT_JOB_ROWS rows sends the apply to a worker (task
`imports.apply`) and shows the job's page (progress, the counts, or why it failed).
Without a broker, or below the threshold, the apply runs in the request as before.

Decisions (README, "Jobs" and "Excel 导入与导出"):
- The job applies exactly what the user confirmed: it recomputes the plan from the
  uploaded file and refuses (failed, "data changed since the preview") when the digest
  differs from the preview's — the same rule as the in-request apply.
- All or nothing stays true: the whole apply is one transaction with the job's last
  step; any error rolls it back and the job records why in words.
- Importers are found by kind in `app.extensions["starbranch.importers"]`, filled when
  their blueprint is registered (`register_importer`), so a worker — which builds the
  same app — finds the plugin's importers as well as the core's.
- Idempotent: a run claims the job (attempt + 1); a job done or failed is left alone;
  only the latest attempt commits (checked under a row lock), so a message delivered
  twice imports once.
- The upload is handed over to the job (core.imports.pending.hand_over) and removed when
  the job ends; web servers and workers share UPLOAD_DIR (as they do for attachments).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy.orm import Session

from core.jobs import service
from core.jobs.models import Job

_KEY = "starbranch.importers"
#: Steps of an import job: the file checked against the preview, then the rows written.
STEPS = ("checked", "written")


@dataclass
class JobImporter:
    """What a worker needs of an import: plan(session, book, actor) and apply(session,
    plan, actor), and the label of what it imports."""

    kind: str
    label: str
    plan: Callable
    apply: Callable


def register_importer(app, kind: str, label: str, plan: Callable, apply: Callable) -> None:
    """Make import `kind` runnable as a job in `app` (call from a blueprint's `record`)."""
    app.extensions.setdefault(_KEY, {})[kind] = JobImporter(kind, label, plan, apply)


def job_importer(app, kind: str) -> JobImporter | None:
    return app.extensions.get(_KEY, {}).get(kind)


def should_run_as_job(app, kind: str, rows: int) -> bool:
    return (service.broker_configured(app) and job_importer(app, kind) is not None
            and rows > int(app.config.get("IMPORT_JOB_ROWS") or 5000))


def start_import_job(session: Session, stored, label: str, actor, back_url: str) -> Job:
    """Create the job for the confirmed upload `stored`, hand the upload over to it and
    send its task (after the commit). Raises QueueUnavailable (the job failed, its upload
    removed) when the broker cannot be reached."""
    from core.imports import pending
    from core.imports.tasks import import_task
    from core.jobs.queueing import QueueUnavailable

    job = service.create_job(session, "import", target=label[:60], total=len(STEPS),
                             params={"importer": stored.kind, "user_id": actor.id, "filename": stored.filename,
                                     "digest": stored.digest, "rows": stored.rows, "back": back_url},
                             actor=actor)
    session.commit()
    pending.hand_over(stored.token, job.id)
    try:
        service.send_or_fail(session, job.id, import_task)
    except QueueUnavailable:
        pending.discard_handed(job.id)
        raise
    return job


class _Refused(Exception):
    """The import cannot be applied; the message says why (nothing written)."""


def run_import(session: Session, app, job_id: str) -> dict | None:
    """Apply the job's import (the worker's side); None when the job is finished already
    or taken over by a newer attempt. Commits."""
    from core.auth.models import User
    from core.imports import pending
    from core.imports.plan import ImportRefused
    from core.imports.reader import Book, open_book

    attempt = service.claim(session, job_id)
    if attempt is None:
        return None
    job = session.get(Job, job_id)
    params = job.params or {}
    try:
        importer = job_importer(app, params.get("importer", ""))
        stored = pending.load_handed(job_id)
        actor = session.get(User, params.get("user_id"))
        if importer is None or stored is None or actor is None or not actor.active:
            raise _Refused(gettext("导入文件或导入类型已不存在，请重新上传文件。"))
        book = Book([], "memo", memo=stored.memo) if stored.memo else open_book(stored.data, stored.filename)
        try:
            plan = importer.plan(session, book, actor=actor)
        finally:
            if book.close:
                book.close()
        if not plan.ok or plan.digest() != params.get("digest"):
            raise _Refused(gettext("预览之后数据已有变化，未写入任何数据：请重新上传文件，核对新的预览后再确认。"))
        session.rollback()  # the plan wrote nothing; the check is a step of its own
        service.step_done(session, job_id, "checked")
        session.commit()
        counts = importer.apply(session, plan, actor=actor)
        if not service.still_latest(session, job_id, attempt):
            session.rollback()
            return None
        service.step_done(session, job_id, "written")
        result = {**counts, "label": importer.label, "back": params.get("back")}
        service.finish_job(session, job_id, result)
        session.commit()
    except ImportRefused as exc:
        _fail(session, job_id, attempt, str(exc) + " " + "；".join(
            f"{e.sheet} 第{e.row}行 {e.column}：{e.message}" for e in exc.errors[:20]))
        return None
    except _Refused as exc:
        _fail(session, job_id, attempt, str(exc))
        return None
    except Exception as exc:
        _fail(session, job_id, attempt, f"{type(exc).__name__}: {exc}")
        raise
    pending.discard_handed(job_id)
    return result


def _fail(session: Session, job_id: str, attempt: int, error: str) -> None:
    """Roll the import back and record why on the job — unless a newer attempt owns it."""
    from core.imports import pending

    session.rollback()
    job = session.get(Job, job_id)
    if job is not None and job.attempt == attempt:
        service.fail_job(session, job_id, error)
        pending.discard_handed(job_id)
