"""One window computed end to end: evaluate its open cycle periods, aggregate every
branch, rate stars, rank — stored (close, recompute) or as a preview (sheet).

`due_by` (a date; None = everything is due): a cycle period that has not ended before
it is not due — its items are not scored and count in no sum (the sheet shows them as
未到期, never as 0); only its manual items are stored, so they can be self-assessed
and verified from the window's start (core.scoring.manual). A close passes None (a
window may be closed only after it has ended); a 试算 passes today."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import get_or_create_periods
from core.points import to_cents
from core.scoring import aggregate, bulk, engine, stars
from core.scoring.models import ScoreResult
from core.scoring.ranking import assign_ranks



def cycle_keys(window: PeriodKey) -> list[PeriodKey]:
    """Every cycle period inside the window: months, quarters, the year — the window's
    evaluations are those of these periods."""
    return [k for cycle in ("month", "quarter", "year") for k in window.sub_periods(cycle)]


@dataclass
class WindowRun:
    window: str
    evaluation: engine.EvaluationRun
    scores: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    #: Cycle periods of the window not yet due (not scored; shown as 未到期).
    not_due: list = field(default_factory=list)


def previous_stars(session: Session, window: PeriodKey, branch_ids=None) -> dict[int, int]:
    """Stars of the previous quarter's stored, closed results (of `branch_ids`: ids or
    a SELECT of ids)."""
    prev = window.previous()
    stmt = (select(ScoreResult.branch_id, ScoreResult.stars).join(Period, Period.id == ScoreResult.period_id)
            .where(Period.key == prev.key, Period.status == "closed", ScoreResult.stars.is_not(None)))
    if branch_ids is not None:
        stmt = stmt.where(ScoreResult.branch_id.in_(aggregate.among(branch_ids)))
    return dict(session.execute(stmt).all())


@contextmanager
def batch_gc():
    """A close allocates a few hundred thousand short-lived objects; the cyclic
    collector's full passes over them cost more than the close itself. Nothing here
    makes reference cycles worth collecting mid-run, so collect once afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: work_mem for a stored run's transaction on PostgreSQL: the close's GROUP BYs over a
#: quarter of ledger records spill to disk at the 4 MB default (bench/close.py).
CLOSE_WORK_MEM = "64MB"


def compute_window(session: Session, window: PeriodKey, ruleset, kinds: dict, gates: dict, *,
                   store: bool, branch_ids=None, due_by: date | None = None, after_evaluation=None) -> WindowRun:
    if store and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{CLOSE_WORK_MEM}'"))
    with batch_gc():
        return _compute_window(session, window, ruleset, kinds, gates, store=store, branch_ids=branch_ids,
                               due_by=due_by, after_evaluation=after_evaluation)


def is_due(pk: PeriodKey, due_by: date | None) -> bool:
    """A cycle period is due once it has ended before `due_by` (None: always)."""
    return due_by is None or pk.ends_on < due_by


def _compute_window(session: Session, window: PeriodKey, ruleset, kinds: dict, gates: dict, *,
                    store: bool, branch_ids=None, due_by: date | None = None, after_evaluation=None) -> WindowRun:
    """Evaluate the window's due cycle periods that are not closed, then score every
    active branch (or `branch_ids`, preview only). store=True writes Evaluation and
    ScoreResult rows; store=False writes nothing and keeps everything on the run.
    `after_evaluation(periods, open_keys)` runs (stored runs) between the evaluation
    and the sums: the close's unverified-item policy."""
    keys = cycle_keys(window)
    if store:
        periods = get_or_create_periods(session, keys)
    else:
        periods = {p.key: p for p in session.scalars(select(Period).where(Period.key.in_([k.key for k in keys])))}
    due = [k for k in keys if is_due(k, due_by)]
    open_keys = [k for k in due if not (k.key in periods and periods[k.key].is_closed)]
    run = WindowRun(window=window.key, evaluation=engine.evaluate_periods(
        session, open_keys, ruleset, kinds, store=store, periods=periods if store else None, branch_ids=branch_ids))
    run.warnings.extend(run.evaluation.warnings)
    run.not_due = [k.key for k in keys if k not in due]
    if store and run.not_due:
        from core.scoring.manual import ensure_items
        ensure_items(session, [k for k in keys if k not in due], ruleset, kinds)
    if store and after_evaluation is not None:
        after_evaluation(periods, open_keys)
    if not due:  # nothing has ended yet: no provisional result (a trial removes stale ones)
        if store:
            _store_scores(session, periods[window.key], ruleset, [])
        return run

    if store:
        sums = aggregate.index_sums_from_db(session, [periods[k.key].id for k in due], ruleset=ruleset)
    else:
        closed_ids = [periods[k.key].id for k in due if k not in open_keys]
        sums = aggregate.index_sums_from_db(session, closed_ids, branch_ids, ruleset=ruleset)
        _add_preview(session, sums, run.evaluation.preview, periods)
    scores, warnings = score_window(session, window, ruleset, gates, sums, branch_ids=branch_ids)
    run.warnings.extend(warnings)
    run.scores = scores
    if store:
        _store_scores(session, periods[window.key], ruleset, scores)
    return run


def score_window(session: Session, window: PeriodKey, ruleset, gates: dict, sums: aggregate.IndexSums, *,
                 branch_ids=None, previous: dict[int, int] | None = None) -> tuple[list, list]:
    """(scores, warnings): every active branch (or `branch_ids`) of `window` scored from
    its index sums — bonus, deduction and veto, the formula, stars, ranks. The close's
    scoring, and a what-if's (core.scoring.whatif), which passes `previous`: the previous
    quarter's stars it has just simulated (default: the stored, closed ones)."""
    branches = aggregate.branches_in_scope(session, branch_ids)
    adjs = aggregate.adjustments(session, window, ruleset, branch_ids)
    scores = aggregate.score_all(branches, sums, adjs, ruleset)
    warnings = []
    if window.kind == "quarter":
        if previous is None:
            previous = previous_stars(session, window, branch_ids)
        warnings = stars.rate_quarter(session, scores, ruleset, window=window, gates=gates,
                                      previous_stars=previous, proportions=branch_ids is None)
    elif window.kind == "year":
        warnings = stars.rate_year(scores, ruleset, proportions=branch_ids is None)
    assign_ranks(scores)
    return scores, warnings


def _add_preview(session, sums, preview, periods) -> None:
    """Preview evaluations count with their stored self/verified values, if any."""
    from core.indicators.models import Indicator
    from core.scoring.models import Evaluation

    if not preview:
        return
    index_of = dict(session.execute(select(Indicator.id, Indicator.index_code)
                                    .where(Indicator.id.in_({p.indicator_id for p in preview}))).all())
    verified = {}
    period_ids = {periods[p.period_key].id: p.period_key for p in preview if p.period_key in periods}
    if period_ids:
        rows = session.execute(select(Evaluation.branch_id, Evaluation.indicator_id, Evaluation.period_id,
                                      Evaluation.verified_earned)
                               .where(Evaluation.period_id.in_(list(period_ids)),
                                      Evaluation.branch_id.in_({p.branch_id for p in preview}),
                                      Evaluation.verified_earned.is_not(None)))
        verified = {(b, i, period_ids[pid]): v for b, i, pid, v in rows}
    for p in preview:
        earned = verified.get((p.branch_id, p.indicator_id, p.period_key), p.auto_earned)
        aggregate.add_sums(sums, p.branch_id, index_of[p.indicator_id], to_cents(p.points),
                           to_cents(earned) if earned is not None else 0)


def _score_rows(period: Period, ruleset, scores) -> list[tuple]:
    """SCORE_RESULTS staging tuples of `scores`."""
    as_json = bulk.JsonCache(by_repr=True)
    period_id, ruleset_id = period.id, ruleset.id  # plain ints: not an ORM attribute read per row
    return [(period_id, s.branch_id, s.unit_id, s.category, ruleset_id, *s.cents,
             s.stars, s.tier, s.rank, bool(s.vetoed), as_json(s.notes or None))
            for s in scores]


def _store_scores(session, period: Period, ruleset, scores, *, extra_scope: str = "") -> None:
    """Upsert `scores` as the period's results (`extra_scope`: an SQL condition to
    append, limiting the rows replaced — one batch's, core.scoring.fanout)."""
    bulk.upsert(session, bulk.SCORE_RESULTS, _score_rows(period, ruleset, scores),
                scope=f"period_id = {int(period.id)}{extra_scope}")

