"""Who is told (收件人): the active users a notification about a branch or a unit may go
to — the branch's secretaries, the unit's reviewers, the group's admins. Each is a user
who may see that branch or unit (core.auth.scoping), so a message never reaches
someone the object is hidden from. Used by the reminders and, through the plugin API,
by plugins."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.models import User, UserUnit


def secretaries_of(session: Session, branch_ids=None) -> dict[int, list[int]]:
    """branch id → ids of the active secretaries keeping it (every branch when None)."""
    stmt = select(User.id, User.branch_id).where(User.role == "secretary", User.active.is_(True),
                                                 User.branch_id.is_not(None))
    if branch_ids is not None:
        stmt = stmt.where(User.branch_id.in_(sorted(set(branch_ids))))
    out: dict[int, list[int]] = defaultdict(list)
    for user_id, branch_id in session.execute(stmt.order_by(User.id)):
        out[branch_id].append(user_id)
    return dict(out)


def reviewers_of(session: Session, unit_ids=None) -> dict[int, list[int]]:
    """unit id → ids of the active reviewers of that unit (its 党委 staff; every unit when None)."""
    stmt = (select(User.id, UserUnit.unit_id).join(UserUnit, UserUnit.user_id == User.id)
            .where(User.role == "reviewer", User.active.is_(True)))
    if unit_ids is not None:
        stmt = stmt.where(UserUnit.unit_id.in_(sorted(set(unit_ids))))
    out: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in session.execute(stmt.order_by(User.id)):
        out[unit_id].append(user_id)
    return dict(out)


def admin_ids(session: Session) -> tuple[int, ...]:
    """Ids of the active group admins."""
    return tuple(session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True))
                                 .order_by(User.id)))
