"""Celery task of the imports: a large import's apply as a job (core.imports.jobs)."""
from __future__ import annotations

from celery import shared_task

from core.db import get_session


@shared_task(name="imports.apply", ignore_result=True)  # the job row holds the result
def import_task(job_id: str) -> None:
    """Apply a large import (core.imports.jobs.run_import)."""
    from flask import current_app

    from core.imports.jobs import run_import

    run_import(get_session(), current_app, job_id)
