"""Celery tasks of the scoring engine. They take period keys and ids, never objects,
and are idempotent (closing a closed window changes nothing).

Design: one task runs the whole close. The close is already set-based (a handful of
statements over all branches); fanning it out per unit would multiply statements and
need a second barrier step for stars, proportions and ranks, which are category-wide.
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
