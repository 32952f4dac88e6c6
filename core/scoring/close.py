"""Period close and lock (结账锁定), reopening, and recompute of open windows.

- close_period: refuses a window that has not ended (today from core.clock, or
  `today=`), a month whose previous month of the same year is open, a quarter whose
  months are not all closed (or whose previous quarter of the same year is open — its
  stars feed 逐级晋升), and a year whose quarters are not all closed. Unverified manual
  items are listed and refused, or counted as the admin chooses with a reason
  (core.scoring.manual). Scores the window with the active rule set of its year,
  stores evaluations and results, marks the Period closed with that rule set. Closing
  a closed window changes nothing (returns `already_closed`); reopening and closing
  again over unchanged evidence rewrites byte-identical rows.
- reopen_period: needs a reason; refused while the parent window (quarter, year) is
  closed; reopening a year cancels its public notice. Audited.
- recompute (试算): stores evaluations and provisional results of an open window,
  scoring only the cycle periods that have ended before today (the others are 未到期
  and count nothing); refused for a closed one (a ScoreResult is final only when its
  Period is closed).
The audit log gets one entry per close/reopen/recompute with the counts, not one per
evaluation row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.audit.service import record
from core.db import utcnow
from core.formatting import cn_date, sep
from core.indicators.catalogue import active_ruleset
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.locks import hold_windows, lock_windows
from core.periods.services import get_or_create_period, get_period
from core.scoring import manual, sources
from core.scoring.compute import compute_window, cycle_keys
from core.scoring.errors import AlreadyClosed, CloseOrderError, NoActiveRuleSet, ReasonRequired, ScoringError
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
    #: Unverified manual items found and the policy applied to them (close), or
    #: counted 0 in a provisional result (trial).
    unverified: int = 0
    unverified_policy: str | None = None
    #: Cycle periods of the window not yet due (trial of an unfinished window).
    not_due: list = field(default_factory=list)


def _key(key) -> PeriodKey:
    return key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))


def ruleset_for(session: Session, year: int):
    ruleset = active_ruleset(session, year)
    if ruleset is None:
        raise NoActiveRuleSet(year)
    return ruleset


def _closed_keys(session: Session, keys: list[str]) -> set[str]:
    return set(session.scalars(select(Period.key).where(Period.key.in_(keys), Period.status == "closed")))


def check_ended(pk: PeriodKey, today) -> None:
    """A window may be closed only after its last day."""
    if pk.ends_on >= today:
        raise CloseOrderError(gettext("%(pk)s尚未结束（截至 %(end)s），不能结账；可先试算查看到期部分的临时结果。",
                                      pk=pk.label, end=cn_date(pk.ends_on)))


def check_close_order(session: Session, pk: PeriodKey) -> None:
    if pk.kind == "month" and pk.number > 1:
        prev = pk.previous()
        if prev.key not in _closed_keys(session, [prev.key]):
            raise CloseOrderError(gettext("%(prev)s尚未结账；月份须按顺序结账。", prev=prev.label))
    children = pk.children()
    if children:
        closed = _closed_keys(session, [c.key for c in children])
        open_ = [c for c in children if c.key not in closed]
        if open_:
            names = sep("list").join(c.label for c in open_)
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


def hold_period(session: Session, key) -> Period:
    """Take window `key` and its sub-windows exclusively for the rest of the transaction
    (core/periods/locks.hold_windows: year → quarter → month) and return its Period row,
    read after the lock. Writes into those windows wait until this transaction ends and
    are then refused; a second close or recompute of an overlapping window (a double
    click, the CLI and the UI at once, a quarter's 试算 during its month's close) waits
    here until the first commits and then sees the window as that one left it."""
    return hold_windows(session, key)


def _refuse_if_fanned_out(session: Session, pk: PeriodKey) -> None:
    """One lock: a fanned-out close of the window in progress refuses this one."""
    from core.scoring.fanout import refuse_if_running
    refuse_if_running(session, pk)


@dataclass
class CloseCheck:
    """What the close page shows before a close: refusals (not ended, order, no rule
    set) and the unverified manual items per unit."""

    key: str
    problems: list = field(default_factory=list)
    unverified: manual.UnverifiedSummary | None = None
    default_policy: str = "refuse"
    closed: bool = False

    @property
    def can_close(self) -> bool:
        return not self.problems and not self.closed


def close_check(session: Session, key, *, kinds, today=None) -> CloseCheck:
    """The close page's preflight for window `key` (writes nothing)."""
    pk = _key(key)
    check = CloseCheck(key=pk.key)
    period = get_period(session, pk)
    if period is not None and period.is_closed:
        check.closed = True
        return check
    ruleset = None
    for step in (lambda: check_ended(pk, today or clock.today()), lambda: check_close_order(session, pk)):
        try:
            step()
        except ScoringError as exc:
            check.problems.append(str(exc))
    try:
        ruleset = ruleset_for(session, pk.year)
    except ScoringError as exc:
        check.problems.append(str(exc))
    if ruleset is not None:
        check.default_policy = ruleset.setting("unverified_policy")
        check.unverified = manual.unverified_items(session, pk, ruleset, sources.kinds_from(kinds))
    return check


def close_period(session: Session, key, *, kinds, actor=None, gates=None, today=None, unverified: str | None = None,
                 reason: str | None = None, ruleset=None) -> CloseResult:
    """Score and lock window `key`. `kinds`: the plugin registry or a list of
    IndicatorKind; `gates`: star gates (default: the registry's). `unverified`: the
    admin's choice for unverified manual items (refuse/self/zero; default the rule
    set's setting) and `reason` its reason. `ruleset`: score with this rule set instead
    of the year's active one (what-if only). Not committed."""
    pk = _key(key)
    period = hold_period(session, pk)
    if period.is_closed:
        n = session.scalar(select(func.count()).select_from(ScoreResult).where(ScoreResult.period_id == period.id))
        return CloseResult(key=pk.key, ruleset_id=period.ruleset_id, already_closed=True, results=n or 0)
    _refuse_if_fanned_out(session, pk)
    check_ended(pk, today or clock.today())
    check_close_order(session, pk)
    ruleset = ruleset or ruleset_for(session, pk.year)
    kinds_d, gates_d = sources.resolve(kinds, gates)
    summary = manual.unverified_items(session, pk, ruleset, kinds_d)
    policy, reason = manual.resolve_policy(ruleset, unverified, reason, summary)
    changed = []

    def settle(periods, open_keys):
        if policy is not None:
            ids = [periods[k.key].id for k in open_keys]
            manual_ids = [i.id for k in open_keys for i, _p in manual.manual_indicators(ruleset, kinds_d, k.kind)]
            changed.append(manual.apply_policy(session, ids, manual_ids, policy, reason, actor=actor))

    run = compute_window(session, pk, ruleset, kinds_d, gates_d, store=True, after_evaluation=settle)
    period.status = "closed"
    period.ruleset_id = ruleset.id
    period.closed_at = utcnow()
    period.closed_by = getattr(actor, "id", None)
    result = _result_from(run, pk, ruleset)
    result.unverified, result.unverified_policy = summary.count, policy
    new = {"status": "closed", "ruleset_id": ruleset.id, "evaluations": result.evaluations,
           "removed_evaluations": result.removed_evaluations, "results": result.results,
           "stars": {str(k): v for k, v in result.stars.items()}}
    if policy is not None:
        new["unverified"] = {"policy": policy, "items": summary.count, "written": sum(changed),
                             "per_unit": {str(u): n for u, n in summary.per_unit.items()}}
    record(session, actor=actor, action="period.close", obj=period, new=new, reason=reason or None)
    session.flush()
    return result


def recompute(session: Session, key, kinds, *, actor=None, gates=None, today=None) -> CloseResult:
    """Evaluate and store an open window (provisional results), scoring only the cycle
    periods ended before `today` (default core.clock). Refused when closed."""
    pk = _key(key)
    period = hold_period(session, pk)
    if period.is_closed:
        raise AlreadyClosed(gettext("%(pk)s已结账锁定，不能重新计算；如需更正，请先重新开启该期间。", pk=pk.label))
    _refuse_if_fanned_out(session, pk)
    ruleset = ruleset_for(session, pk.year)
    kinds_d, gates_d = sources.resolve(kinds, gates)
    run = compute_window(session, pk, ruleset, kinds_d, gates_d, store=True, due_by=today or clock.today())
    result = _result_from(run, pk, ruleset)
    result.not_due = list(run.not_due)
    due = [k for k in cycle_keys(pk) if k.key not in run.not_due]
    result.unverified = manual.unverified_items(session, pk, ruleset, kinds_d,
                                                keys=manual.open_cycle_keys(session, due)).count
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
    period = lock_windows(session, [*parent_keys(pk), pk], exclusive=True)[-1]
    if not period.is_closed:
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


__all__ = ["CloseCheck", "CloseResult", "close_check", "close_period", "reopen_period", "recompute", "ruleset_for", "dump_rows", "Evaluation"]
