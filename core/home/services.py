"""What the landing page summarises for each role: a handful of aggregate queries,
all scoped through core.auth.scoping."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.auth.scoping import branch_clause
from core.org.models import Branch
from core.periods.models import Period
from core.scoring.models import Objection, ScoreResult


@dataclass
class HomeSummary:
    n_branches: int = 0
    #: The latest closed quarter and the star counts of the branches in scope.
    quarter: Period | None = None
    stars: dict[int, int] = field(default_factory=dict)
    #: The latest closed month.
    month: Period | None = None
    #: Manual items of the current year's started, open cycle periods that no reviewer
    #: has verified yet — stored or not (core.scoring.manual).
    awaiting_review: int = 0
    open_objections: int = 0
    #: A secretary's own branch: its latest quarter result and checklist.
    branch: Branch | None = None
    branch_result: ScoreResult | None = None
    checklist: list = field(default_factory=list)


def _latest_closed(session: Session, kind: str) -> Period | None:
    return session.scalar(select(Period).where(Period.kind == kind, Period.status == "closed")
                          .order_by(Period.starts_on.desc()).limit(1))


def _awaiting_review(session: Session, user, today: date, kinds) -> int:
    from core.indicators.catalogue import active_ruleset
    from core.scoring import manual, sources

    ruleset = active_ruleset(session, today.year)
    if ruleset is None or kinds is None:
        return 0
    return manual.count_unverified(session, manual.started_open_keys(session, today.year, today), ruleset,
                                   sources.kinds_from(kinds), branch_clause=branch_clause(user, Branch.id, Branch.unit_id))


def home_summary(session: Session, user, today: date | None = None, *, kinds=None) -> HomeSummary:
    """`kinds`: the plugin registry (which scoring methods are manual); without it the
    reviewers' count of items awaiting review is 0."""
    scope = branch_clause(user, Branch.id, Branch.unit_id)
    summary = HomeSummary(
        n_branches=session.scalar(select(func.count(Branch.id)).where(scope, Branch.active.is_(True))) or 0,
        quarter=_latest_closed(session, "quarter"),
        month=_latest_closed(session, "month"),
    )
    if summary.quarter is not None:
        rows = session.execute(
            select(ScoreResult.stars, func.count(ScoreResult.id))
            .where(ScoreResult.period_id == summary.quarter.id,
                   branch_clause(user, ScoreResult.branch_id, ScoreResult.unit_id))
            .group_by(ScoreResult.stars))
        summary.stars = {stars: n for stars, n in rows if stars}
    if user.role in ("admin", "reviewer"):
        summary.awaiting_review = _awaiting_review(session, user, today or clock.today(), kinds)
        summary.open_objections = session.scalar(
            select(func.count(Objection.id))
            .where(Objection.status == "open", branch_clause(user, Objection.branch_id, Objection.unit_id))) or 0
    if user.role == "secretary" and user.branch_id:
        from core.ledger.checklist import checklists

        summary.branch = session.get(Branch, user.branch_id)
        if summary.quarter is not None:
            summary.branch_result = session.scalar(select(ScoreResult).where(
                ScoreResult.period_id == summary.quarter.id, ScoreResult.branch_id == user.branch_id))
        summary.checklist = checklists(session, [user.branch_id], today).get(user.branch_id, [])
    return summary
