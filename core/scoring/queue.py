"""The verification queue (待审核队列): the branches of a reviewer's scope that still
have unverified items in a window, in the order the reviewer steps through them.

Decisions (README, "How the work flows"):
- An item is waiting when no reviewer has verified it (verified_earned is NULL) and
  its cycle period is open; items of closed periods are final and never wait.
- Order: unit, then branch code — the order of the unit's roster; the sheet's
  "下一个待审核支部" goes to the next waiting branch after the current one in that
  order, wrapping round to the first, so a reviewer steps through the whole unit.
- Scope: core.auth.scoping.visible_branches (a reviewer sees his unit, an admin all);
  an optional unit narrows it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.auth.scoping import visible_branches
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring.models import Evaluation


@dataclass(frozen=True)
class Waiting:
    branch_id: int
    code: str
    name: str
    unit_id: int
    #: Unverified items of the branch in the window (automatic and manual).
    unverified: int
    #: Of which manual (no automatic score): these need the reviewer's judgement.
    manual: int


def waiting_branches(session: Session, user, window: PeriodKey, unit_id: int | None = None) -> list[Waiting]:
    """The queue: one GROUP BY over the window's open cycle periods."""
    from core.scoring.compute import cycle_keys
    ids = select(Period.id).where(Period.key.in_([k.key for k in cycle_keys(window)]), Period.status != "closed")
    stmt = (select(Branch.id, Branch.code, Branch.name, Branch.unit_id, func.count(),
                   func.sum(case((Evaluation.auto_earned.is_(None), 1), else_=0)))
            .join(Evaluation, Evaluation.branch_id == Branch.id)
            .where(Evaluation.period_id.in_(ids), Evaluation.verified_earned.is_(None), Branch.active.is_(True),
                   Branch.id.in_(visible_branches(user).with_only_columns(Branch.id)))
            .group_by(Branch.id, Branch.code, Branch.name, Branch.unit_id)
            .order_by(Branch.unit_id, Branch.code))
    if unit_id is not None:
        stmt = stmt.where(Branch.unit_id == unit_id)
    return [Waiting(b, c, n, u, int(k), int(m or 0)) for b, c, n, u, k, m in session.execute(stmt)]


def next_waiting(queue: list[Waiting], current: Branch) -> Waiting | None:
    """The waiting branch after `current` in queue order (unit, code), wrapping round;
    never `current` itself; None when no other branch waits."""
    others = [w for w in queue if w.branch_id != current.id]
    if not others:
        return None
    here = (current.unit_id, current.code)
    return next((w for w in others if (w.unit_id, w.code) > here), others[0])
