"""Scoring services for the UI, the CLI and tasks — plain functions taking a session.

    branch_sheet(session, branch_id, key, kinds=None)   the explainable sheet (preview for open windows)
    self_assess(session, item, earned, note, actor, expected_version=None)
    verify_item(session, item, earned, reason, expected_version, actor)
    recompute(session, key, kinds, actor=None, today=…) store evaluations of an open window (due periods)
    close_period(session, key, kinds=…, actor=…, unverified=…, reason=…, today=…)   score and lock
    reopen_period(session, key, reason, actor=…)        unlock, with a reason
    window_results(session, key)                        stored results in display order
    start_notice / file_objection / resolve_objection / finalise_grades / commendation_list

`kinds` is the plugin registry (`app.extensions["starbranch.plugins"]`, or
`core.scoring.sources.app_sources()` inside a request) or a list of IndicatorKind.
Refusals raise subclasses of `core.scoring.errors.ScoringError` (and PeriodLocked),
all ValueErrors with a Chinese message for the user. Nothing here commits.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.org.models import Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring.adjust import self_assess, verify_item
from core.scoring.close import CloseResult, close_period, recompute, reopen_period
from core.scoring.models import ScoreResult
from core.scoring.notice import (commendation_list, current_notice, file_objection, finalise_grades,
                                 resolve_objection, start_notice)
from core.scoring.ranking import ordered
from core.scoring.sheet import BranchSheet, branch_sheet


def window_results(session: Session, key, *, branch_clause=None) -> list[tuple[ScoreResult, Branch, OrgNode]]:
    """Stored results of a window with branch and unit, in display order (category,
    rank, performance, code). `branch_clause`: a scoping clause on Branch
    (core.auth.scoping.branch_clause(user)) — pass it from views."""
    pk = key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))
    stmt = (select(ScoreResult, Branch, OrgNode).join(Period, Period.id == ScoreResult.period_id)
            .join(Branch, Branch.id == ScoreResult.branch_id).join(OrgNode, OrgNode.id == ScoreResult.unit_id)
            .where(Period.key == pk.key))
    if branch_clause is not None:
        stmt = stmt.where(branch_clause)
    rows = [tuple(r) for r in session.execute(stmt).all()]
    return ordered(rows, of=lambda row: _RankedResult(*row[:2]))


class _RankedResult:
    """A stored result as ranking.ordered reads it (the code is the branch's)."""

    def __init__(self, result: ScoreResult, branch: Branch):
        self.category, self.rank, self.total = result.category, result.rank, result.total
        self.code, self.index_scores = branch.code, result.index_scores()


__all__ = ["BranchSheet", "CloseResult", "branch_sheet", "self_assess", "verify_item", "recompute",
           "close_period", "reopen_period", "window_results", "start_notice", "file_objection",
           "resolve_objection", "finalise_grades", "commendation_list", "current_notice"]
