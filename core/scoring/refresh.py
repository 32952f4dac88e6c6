"""Refreshing one branch's provisional results after its items change (a verification,
a self-assessment, a confirm-all): the sheet's result box must agree with its items
at once, not after the next 试算.

Decisions (README, "The sheet a reviewer can follow"):
- Which results: the stored (trial) result of every open window containing the
  item's cycle period (month, quarter, year) that already has one for the branch. A
  window never tried gets none (the sheet says 未试算); a closed window is never touched.
- How: the engine's own per-branch path over the stored evaluations —
  aggregate.index_sums_from_db / adjustments / score_all, then stars.rate_quarter or
  rate_year with the previous quarter's closed star and the gates — the same
  functions a 试算 runs, restricted to the branch, so the two can never disagree.
  Proportions (a whole category's share) are left as the last trial set them: one
  branch cannot re-decide them (the next 试算 or the close does).
- The branch's rank in its category is re-derived from the stored totals of the
  window (same competition ranking), and the others' ranks move with it.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring import aggregate, stars
from core.scoring.models import ScoreResult
from core.scoring.ranking import assign_ranks

_INDEX_COLUMNS = ("team", "management", "performance", "brand", "service")


def refresh_branch(session: Session, branch_id: int, period_id: int, gates=None) -> list[str]:
    """Recompute the stored open-window results of `branch_id` that contain cycle period
    `period_id`; returns the refreshed window keys. `gates`: a registry or gates dict
    (core.scoring.sources). Not committed."""
    from core.scoring.close import parent_keys
    from core.scoring.gates import gates_from

    period = session.get(Period, period_id)
    if period is None:
        return []
    keys = [period.key] + [k.key for k in parent_keys(period.pkey)]
    windows = list(session.scalars(select(Period).where(Period.key.in_(keys), Period.status != "closed")))
    gates_d = gates_from(gates)
    done = []
    for window in windows:
        row = session.scalar(select(ScoreResult).where(ScoreResult.period_id == window.id,
                                                       ScoreResult.branch_id == branch_id))
        if row is not None and _refresh_window(session, row, window, gates_d):
            done.append(window.key)
    session.flush()
    return done


def _refresh_window(session: Session, row: ScoreResult, window: Period, gates: dict) -> bool:
    from core.indicators.models import RuleSet
    from core.scoring.compute import cycle_keys, previous_stars

    pk = window.pkey
    ruleset = session.get(RuleSet, row.ruleset_id)
    if ruleset is None:
        return False
    ids = list(session.scalars(select(Period.id).where(Period.key.in_([k.key for k in cycle_keys(pk)]))))
    bid = [row.branch_id]
    branches = aggregate.branches_in_scope(session, bid)
    if not branches:
        return False
    scores = aggregate.score_all(branches, aggregate.index_sums_from_db(session, ids, bid),
                                 aggregate.adjustments(session, pk, ruleset, bid), ruleset)
    if pk.kind == "quarter":
        stars.rate_quarter(session, scores, ruleset, window=pk, gates=gates,
                           previous_stars=previous_stars(session, pk, bid), proportions=False)
    elif pk.kind == "year":
        stars.rate_year(scores, ruleset, proportions=False)
    s = scores[0]
    # Two reviewers refreshing branches of one category rewrite each other's ranks: take
    # the category's rows of this window in one fixed order before writing any of them,
    # so the second waits for the first instead of deadlocking (PostgreSQL; SQLite has
    # one writer anyway).
    session.execute(select(ScoreResult.id).where(ScoreResult.period_id == window.id,
                                                 ScoreResult.category == row.category)
                    .order_by(ScoreResult.id).with_for_update())
    for code in _INDEX_COLUMNS:
        setattr(row, code, s.index_scores.get(code))
    row.base, row.bonus, row.deduction, row.total = s.base, s.bonus, s.deduction, s.total
    row.stars, row.tier, row.vetoed, row.notes = s.stars, s.tier, bool(s.vetoed), s.notes or None
    session.flush()
    _rerank(session, window.id, row.category)
    return True


def _rerank(session: Session, period_id: int, category: str) -> None:
    """Competition ranks of one window and category from the stored totals."""
    rows = session.execute(select(ScoreResult.id, ScoreResult.total, ScoreResult.performance, ScoreResult.rank,
                                  Branch.code).join(Branch, Branch.id == ScoreResult.branch_id)
                           .where(ScoreResult.period_id == period_id, ScoreResult.category == category)).all()
    members = [SimpleNamespace(id=i, total=t, index_scores={"performance": p}, code=c, category=category, rank=r,
                               old=r) for i, t, p, r, c in rows]
    assign_ranks(members)
    for m in members:
        if m.rank != m.old:
            session.execute(update(ScoreResult).where(ScoreResult.id == m.id).values(rank=m.rank)
                            .execution_options(synchronize_session=False))
