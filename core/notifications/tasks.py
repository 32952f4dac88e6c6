"""Celery tasks of the notification centre and the schedule. `notifications.tick` is
put on Celery beat every 10 minutes (core.jobs.celery_app); it runs the steps due."""
from __future__ import annotations

from datetime import datetime

from celery import shared_task

from core.db import get_session


@shared_task(name="notifications.tick")
def tick(now_iso: str | None = None) -> dict:
    """Run the scheduled steps due now (group-zone wall clock; tests pass `now_iso`)."""
    from flask import current_app

    from core.formatting import local_time
    from core.notifications.schedule import run_due_steps
    from core.db import utcnow

    now = datetime.fromisoformat(now_iso) if now_iso else local_time(utcnow()).replace(tzinfo=None)
    return run_due_steps(get_session(), current_app._get_current_object(), now)


@shared_task(name="notifications.remind")
def remind() -> int:
    from core import clock
    from core.notifications.reminders import send_reminders

    session = get_session()
    created = send_reminders(session, clock.today())
    session.commit()
    return created
