"""Period close and lock (结账锁定), reopening, and recompute of open windows.

- close_period: refuses a quarter whose months are not all closed (or whose previous
  quarter of the same year is open — its stars feed 逐级晋升), and a year whose
  quarters are not all closed. Scores the window with the active rule set of its year,
  stores evaluations and results, marks the Period closed with that rule set. Closing
  a closed window changes nothing (returns `already_closed`); reopening and closing
  again over unchanged evidence rewrites byte-identical rows.
- reopen_period: needs a reason; refused while the parent window (quarter, year) is
  closed; reopening a year cancels its public notice. Audited.
- recompute: stores evaluations and provisional results of an open window; refused
  for a closed one (a ScoreResult is final only when its Period is closed).
The audit log gets one entry per close/reopen/recompute with the counts, not one per
evaluation row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.indicators.catalogue import active_ruleset
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import get_or_create_period, get_period
from core.scoring import sources
from core.scoring.compute import compute_window
from core.scoring.errors import AlreadyClosed, CloseOrderError, NoActiveRuleSet, ReasonRequired
from core.scoring.models import Evaluation, ScoreResult


@dataclass
class CloseResult:
    """Counts of a close (or recompute)."""

    key: str
    ruleset_id: int | None = None
    already_closed: bool = False
    evaluations: int = 0
    removed_evaluations: int = 0
    results: int = 0
    stars: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def _key(key) -> PeriodKey:
    return key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))


def ruleset_for(session: Session, year: int):
    ruleset = active_ruleset(session, year)
    if ruleset is None:
        raise NoActiveRuleSet(year)
    return ruleset


def _closed_keys(session: Session, keys: list[str]) -> set[str]:
    return set(session.scalars(select(Period.key).where(Period.key.in_(keys), Period.status == "closed")))


def check_close_order(session: Session, pk: PeriodKey) -> None:
    children = pk.children()
    if children:
        closed = _closed_keys(session, [c.key for c in children])
        open_ = [c for c in children if c.key not in closed]
        if open_:
            names = '、'.join(c.label for c in open_)
            if pk.kind == "quarter":
                raise CloseOrderError(gettext("%(pk)s的以下月份尚未结账：%(open)s；请先结账这些月份。",
                                              pk=pk.label, open=names))
            raise CloseOrderError(gettext("%(pk)s的以下季度尚未结账：%(open)s；请先结账这些季度。",
                                          pk=pk.label, open=names))
    if pk.kind == "quarter" and pk.number > 1:
        prev = pk.previous()
        if prev.key not in _closed_keys(session, [prev.key]):
            raise CloseOrderError(gettext("%(prev)s尚未结账；季度须按顺序结账（逐级晋升以上一季度星级为准）。", prev=prev.label))


def _result_from(run, pk, ruleset) -> CloseResult:
    result = CloseResult(key=pk.key, ruleset_id=ruleset.id, evaluations=run.evaluation.evaluations,
                         removed_evaluations=run.evaluation.removed, results=len(run.scores),
                         warnings=list(run.warnings))
    if pk.kind != "month":
        for s in run.scores:
            result.stars[s.stars] = result.stars.get(s.stars, 0) + 1
        result.stars = dict(sorted(result.stars.items()))
    return result


def hold_period(session: Session, period: Period) -> None:
    """Take the period row's write lock for the rest of the transaction, then read its
    status again. A second close or recompute of the same window started meanwhile (a
    double click, the CLI and the UI at once) waits here until the first commits and
    then sees the window closed — it never writes the same rows twice (on PostgreSQL the
    row lock; on SQLite the database's single write lock)."""
    session.execute(update(Period).where(Period.id == period.id).values(status=Period.status)
                    .execution_options(synchronize_session=False))
    session.refresh(period)


def _refuse_if_fanned_out(session: Session, pk: PeriodKey) -> None:
    """One lock: a fanned-out close of the window in progress refuses this one."""
    from core.scoring.fanout import refuse_if_running
    refuse_if_running(session, pk)


def close_period(session: Session, key, *, kinds, actor=None, gates=None) -> CloseResult:
    """Score and lock window `key`. `kinds`: the plugin registry or a list of
    IndicatorKind; `gates`: star gates (default: the registry's). Not committed."""
    pk = _key(key)
    period = get_or_create_period(session, pk)
    hold_period(session, period)
    if period.is_closed:
        n = session.scalar(select(func.count()).select_from(ScoreResult).where(ScoreResult.period_id == period.id))
        return CloseResult(key=pk.key, ruleset_id=period.ruleset_id, already_closed=True, results=n or 0)
    _refuse_if_fanned_out(session, pk)
    check_close_order(session, pk)
    ruleset = ruleset_for(session, pk.year)
    kinds_d, gates_d = sources.resolve(kinds, gates)
    run = compute_window(session, pk, ruleset, kinds_d, gates_d, store=True)
    period.status = "closed"
    period.ruleset_id = ruleset.id
    period.closed_at = utcnow()
    period.closed_by = getattr(actor, "id", None)
    result = _result_from(run, pk, ruleset)
    record(session, actor=actor, action="period.close", obj=period,
           new={"status": "closed", "ruleset_id": ruleset.id, "evaluations": result.evaluations,
                "removed_evaluations": result.removed_evaluations, "results": result.results,
                "stars": {str(k): v for k, v in result.stars.items()}})
    session.flush()
    return result


def recompute(session: Session, key, kinds, *, actor=None, gates=None) -> CloseResult:
    """Evaluate and store an open window (provisional results). Refused when closed."""
    pk = _key(key)
    period = get_or_create_period(session, pk)
    hold_period(session, period)
    if period.is_closed:
        raise AlreadyClosed(gettext("%(pk)s已结账锁定，不能重新计算；如需更正，请先重新开启该期间。", pk=pk.label))
    _refuse_if_fanned_out(session, pk)
    ruleset = ruleset_for(session, pk.year)
    kinds_d, gates_d = sources.resolve(kinds, gates)
    run = compute_window(session, pk, ruleset, kinds_d, gates_d, store=True)
    result = _result_from(run, pk, ruleset)
    record(session, actor=actor, action="period.recompute", object_type="periods", object_id=pk.key,
           new={"evaluations": result.evaluations, "removed_evaluations": result.removed_evaluations,
                "results": result.results, "ruleset_id": ruleset.id})
    session.flush()
    return result


def parent_keys(pk: PeriodKey) -> list[PeriodKey]:
    if pk.kind == "month":
        return [PeriodKey.of_date("quarter", pk.starts_on), PeriodKey(pk.year, "year", 0)]
    if pk.kind == "quarter":
        return [PeriodKey(pk.year, "year", 0)]
    return []


def reopen_period(session: Session, key, reason: str, *, actor=None) -> Period:
    """Unlock a closed window. Stored results stay until the next close rewrites them."""
    pk = _key(key)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(gettext("重新开启已结账期间必须填写原因。"))
    period = get_period(session, pk)
    if period is None or not period.is_closed:
        raise CloseOrderError(gettext("%(pk)s未结账，无需重新开启。", pk=pk.label))
    closed_parents = _closed_keys(session, [p.key for p in parent_keys(pk)])
    if closed_parents:
        label = next(p.label for p in parent_keys(pk) if p.key in closed_parents)
        raise CloseOrderError(gettext("%(label)s已结账，须先重新开启%(label)s，才能重新开启%(pk)s。", label=label, pk=pk.label))
    if pk.kind == "quarter":
        nxt = PeriodKey(pk.year, "quarter", pk.number + 1) if pk.number < 4 else None
        if nxt and nxt.key in _closed_keys(session, [nxt.key]):
            raise CloseOrderError(gettext("%(nxt)s已结账（其星级以本季度为基础），须先重新开启%(nxt)s。", nxt=nxt.label))
    period.status = "open"
    period.reopen_reason = reason
    record(session, actor=actor, action="period.reopen", obj=period,
           old={"status": "closed", "ruleset_id": period.ruleset_id}, new={"status": "open"}, reason=reason)
    if pk.kind == "year":
        from core.scoring.notice import cancel_notice
        cancel_notice(session, period, actor=actor, reason=reason)
    session.flush()
    return period


def dump_rows(session: Session, key) -> list[tuple]:
    """Every stored Evaluation and ScoreResult row of the window's cycle periods, as raw
    column tuples (for idempotence checks and tests)."""
    from sqlalchemy import text

    from core.scoring.compute import cycle_keys
    keys = [k.key for k in cycle_keys(_key(key))]
    ids = list(session.scalars(select(Period.id).where(Period.key.in_(keys))))
    if not ids:
        return []
    id_list = ", ".join(str(i) for i in ids)
    conn = session.connection()
    ev = conn.execute(text(f"SELECT * FROM evaluations WHERE period_id IN ({id_list}) "
                           "ORDER BY period_id, branch_id, indicator_id")).all()
    sr = conn.execute(text(f"SELECT * FROM score_results WHERE period_id IN ({id_list}) ORDER BY id")).all()
    return [("E", *map(_plain, r)) for r in ev] + [("S", *map(_plain, r)) for r in sr]


def _plain(v):
    return v if isinstance(v, (int, str, type(None), bool)) else str(v)


__all__ = ["CloseResult", "close_period", "reopen_period", "recompute", "ruleset_for", "dump_rows", "Evaluation"]
