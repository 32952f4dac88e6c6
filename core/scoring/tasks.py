"""Celery tasks of the scoring engine. They take period keys and ids, never objects,
and are idempotent (closing a closed window changes nothing).

`scoring.close_period` runs the whole close in one task; `scoring.close_batch` and
`scoring.close_finish` are the chord of a close fanned out in batches of units
(core.scoring.fanout). A failing batch or callback records why on its Job.
"""
from __future__ import annotations

from celery import shared_task

from core.db import get_session


def _actor(user_id):
    if user_id is None:
        return None
    from core.auth.models import User
    return get_session().get(User, user_id)


@shared_task(name="scoring.close_period")
def close_period_task(key: str, actor_id: int | None = None, unverified: str | None = None,
                      reason: str | None = None) -> dict:
    """Close window `key` ('2026-03', '2026Q1', '2026') with the admin's choice for
    unverified manual items (`unverified`, `reason`); returns the counts."""
    from flask import current_app

    from core.scoring.close import close_period

    session = get_session()
    try:
        result = close_period(session, key, kinds=current_app.extensions["starbranch.plugins"], actor=_actor(actor_id),
                              unverified=unverified, reason=reason)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return {"key": result.key, "already_closed": result.already_closed, "evaluations": result.evaluations,
            "results": result.results, "stars": {str(k): v for k, v in result.stars.items()},
            "warnings": result.warnings}


@shared_task(name="scoring.recompute")
def recompute_task(key: str, actor_id: int | None = None) -> dict:
    """Recompute (store evaluations and provisional results of) an open window."""
    from flask import current_app

    from core.scoring.close import recompute

    session = get_session()
    try:
        result = recompute(session, key, current_app.extensions["starbranch.plugins"], actor=_actor(actor_id))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return {"key": result.key, "evaluations": result.evaluations, "results": result.results}


@shared_task(name="scoring.close_batch")
def close_batch_task(job_id: str, key: str, unit_ids: list[int]) -> dict:
    """One batch of units of a fanned-out close (core.scoring.fanout.close_batch)."""
    from flask import current_app

    from core.jobs.service import run_or_fail
    from core.scoring.fanout import close_batch

    return run_or_fail(job_id, lambda s: close_batch(s, job_id, key, unit_ids,
                                                     current_app.extensions["starbranch.plugins"]))


@shared_task(name="scoring.close_finish", bind=True, max_retries=120)
def close_finish_task(self, job_id: str, key: str, actor_id: int | None = None) -> dict:
    """The chord's callback: stars, ranks, period closed (core.scoring.fanout.finish_close).
    Retries every 2 s while a unit's step is missing (the database is the barrier)."""
    from flask import current_app

    from core.scoring.fanout import UnitsPending, finish_close, result_dict

    session = get_session()
    try:
        result = finish_close(session, job_id, key, current_app.extensions["starbranch.plugins"],
                              actor=_actor(actor_id))
        session.commit()
    except UnitsPending as exc:
        session.rollback()
        raise self.retry(exc=exc, countdown=2)
    except Exception as exc:
        from core.jobs.service import fail_job
        session.rollback()
        fail_job(session, job_id, f"{type(exc).__name__}: {exc}")
        raise
    return result_dict(result)
