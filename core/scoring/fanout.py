"""The close fanned out in batches of units (a Celery chord), for groups too large for
one process.

    start_close ── commit ──▶ close_batch(units 1–10)  ┐
                              close_batch(units 11–20) ├─▶ finish_close: proportions, ranks, closed
                              …                        ┘

- `start_close` (in the asking transaction): takes the period lock, checks the same
  preconditions as the in-process close (and resolves the policy for unverified
  manual items, kept in the job's params), creates the window's cycle periods and a
  Job (kind "close", one step per unit), packs the units into batches of about
  `CLOSE_BATCH_BRANCHES` active branches (`batches_of`), and sends the chord — one
  task per batch — only after that commits.
- `close_batch` (one task per batch, any worker): evaluates the window's open cycle
  periods for the batch's branches (engine.evaluate_periods limited to its units),
  writes the unverified policy into their manual items, sums their indices, applies
  bonus/deduction/veto (aggregate.score_all), rates what of the stars depends on a
  branch alone (band, promotion, gates, veto) and stores the results without ranks;
  records one step per unit in the same transaction. The batch's stored rows are its
  scope: a rerun rewrites the same rows.
- `finish_close` (the chord's callback): under the period lock, does what compares
  branches (core.scoring.groupwide) — guide proportions per category, ranks within
  category — rewriting the window's rows once, marks the period closed and audits the
  close like close_period does.
The stored rows are those of close_period, row for row and digit for digit (the
integration test compares them on PostgreSQL); only surrogate ids and the moment of
writing may differ.

Decisions (README, "Jobs"):
- Batches, not one task per unit: a task runs the close's ~20 set-based statements
  once for its batch, so their fixed cost (and the broker's per task) is paid per
  ~5,000 branches rather than per unit of a few hundred (bench/close_workers.py). A
  unit is never split (its rows are a scope); a unit larger than the batch is a batch
  of its own. Progress still counts units.
- One lock: while a fanned-out close of a window is active, a second close of it (here
  or in-process) is refused with CloseInProgress; batch tasks hold the period row in
  share mode (PostgreSQL: FOR SHARE) so they run side by side but never beside the
  exclusive close/recompute/reopen.
- The barrier is the database, not the broker: finish_close retries until every unit's
  step is recorded (a chord callback fired early by a redelivered task waits), and does
  nothing on a window already closed (fired twice).
- Units are every unit holding a branch (active or not: a deactivated branch's old
  rows are in its unit's scope and removed there, as the in-process close removes them).
- A branch added, or moved into a unit already scored, while the batches run has no
  result: the callback then fails the job in words ("请重新结账") rather than close
  without it.
"""
from __future__ import annotations

import time

from flask_babel import gettext
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.indicators.models import RuleSet
from core.jobs import service as jobs
from core.jobs.models import Job, JobStep
from core.auth.models import User
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import get_or_create_periods, get_period
from core.scoring import aggregate, engine, groupwide, sources, stars
from core import clock
from core.scoring import manual
from core.scoring.close import CloseResult, check_close_order, check_ended, hold_period, ruleset_for
from core.scoring.compute import (CLOSE_WORK_MEM, batch_gc, _store_scores, cycle_keys,
                                  previous_stars)
from core.scoring.errors import ScoringError

JOB_KIND = "close"
#: Active branches per task when the app does not say (config CLOSE_BATCH_BRANCHES).
DEFAULT_BATCH_BRANCHES = 5000


class CloseInProgress(ScoringError):
    """A fanned-out close of the window is still running."""


class UnitsPending(RuntimeError):
    """finish_close ran before every unit's step was recorded (retry later)."""


def _key(key) -> PeriodKey:
    return key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))


def refuse_if_running(session: Session, pk: PeriodKey) -> None:
    """Raise CloseInProgress while a fanned-out close of `pk` is active (the one lock:
    called by close_period and recompute after they took the period row)."""
    job = jobs.active_job(session, JOB_KIND, pk.key)
    if job is not None:
        raise CloseInProgress(gettext("%(pk)s正在后台结账（%(done)s/%(total)s 个单位已完成），请等待其完成。",
                                      pk=pk.label, done=job.done, total=job.total))


def batches_of(session: Session, max_branches: int) -> list[list[int]]:
    """Every unit holding a branch, in id order, packed into consecutive batches of at
    most `max_branches` active branches (a larger unit alone)."""
    active = func.sum(case((Branch.active.is_(True), 1), else_=0))
    rows = session.execute(select(Branch.unit_id, active).group_by(Branch.unit_id).order_by(Branch.unit_id))
    batches: list[list[int]] = []
    size = 0
    for unit_id, n in rows:
        n = int(n or 0)
        if not batches or (size + n > max_branches and batches[-1]):
            batches.append([])
            size = 0
        batches[-1].append(unit_id)
        size += n
    return batches


def batch_branches_of_app() -> int:
    from flask import current_app
    return current_app.config.get("CLOSE_BATCH_BRANCHES") or DEFAULT_BATCH_BRANCHES


# ---- start (the asking transaction) ---------------------------------------------------

def _registry_of_app():
    from flask import current_app
    return current_app.extensions["starbranch.plugins"]


def start_close(session: Session, key, *, actor=None, dispatch=None, today=None,
                batch_branches: int | None = None) -> Job | None:
    """Check and register a fanned-out close of `key`; None when already closed.
    `dispatch(job_id, key, batches, actor_id)` runs after the commit (default: send the
    chord); `batch_branches`: active branches per batch (default: the app's
    CLOSE_BATCH_BRANCHES). Not committed."""
    pk = _key(key)
    period = hold_period(session, pk)
    if period.is_closed:
        return None
    refuse_if_running(session, pk)
    check_ended(pk, today or clock.today())
    check_close_order(session, pk)
    ruleset = ruleset_for(session, pk.year)
    # Unverified manual items are never silently 0: with the rule set's policy "refuse"
    # the close is refused (the close page lists them and can close in-process with the
    # admin's choice and reason); with "self" or "zero" (an audited setting) each batch
    # writes the policy into its units' items after evaluating them and before scoring,
    # as the in-process close does — so a batch finds its scope empty and inserts
    # straight (bulk.Direct) instead of upserting rows written here beforehand.
    kinds = sources.kinds_from(_registry_of_app())
    summary = manual.unverified_for_policy(session, pk, ruleset, kinds)
    policy, reason = manual.resolve_policy(ruleset, None, None, summary)
    unverified = None if policy is None else {"policy": policy, "reason": reason,
                                              "note": manual.policy_note(policy, reason)}
    get_or_create_periods(session, cycle_keys(pk))
    batches = batches_of(session, batch_branches or batch_branches_of_app())
    job = create_close_job(session, pk, ruleset, batches, actor, unverified=unverified)
    job_id, actor_id = job.id, getattr(actor, "id", None)
    send = dispatch or send_chord
    jobs.after_commit(session, lambda: send(job_id, pk.key, batches, actor_id))
    return job


def create_close_job(session: Session, pk: PeriodKey, ruleset, batches: list[list[int]], actor=None, *,
                     unverified: dict | None = None) -> Job:
    """`unverified`: the policy for unverified manual items the batches write
    ({"policy", "reason", "note"}), or None."""
    units = [u for batch in batches for u in batch]
    params = {"ruleset_id": ruleset.id, "units": units, "batches": batches}
    if unverified:
        params["unverified"] = unverified
    return jobs.create_job(session, JOB_KIND, target=pk.key, total=len(units), params=params, actor=actor)


def send_chord(job_id: str, key: str, batches: list[list[int]], actor_id) -> None:
    """Send the batches and their callback. Broker and result backend retry briefly
    (core.jobs.queueing): with Redis gone the caller's broker error comes within
    about a second, not after the backend's ~19 s of retries."""
    from celery import chord

    from core.jobs.queueing import PUBLISH_RETRY_POLICY, bounded_backend
    from core.scoring.tasks import close_batch_task, close_finish_task

    sig = chord([close_batch_task.si(job_id, key, b) for b in batches], close_finish_task.si(job_id, key, actor_id))
    with bounded_backend(close_batch_task.app):
        sig.apply_async(retry=True, retry_policy=PUBLISH_RETRY_POLICY)


class _Clock:
    """Wall and CPU seconds of this process since made: each batch's and the callback's
    are kept with their step and the job's result (bench/close_workers.py reports them,
    to tell the serial callback from the parallel batches)."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def spent(self) -> dict:
        return {"seconds": round(time.perf_counter() - self.wall, 3), "cpu_s": round(time.process_time() - self.cpu, 3)}


# ---- one unit ----------------------------------------------------------------------------

def _share_period(session: Session, period_id: int) -> None:
    """The period row in share mode until commit (PostgreSQL; SQLite has one writer)."""
    session.execute(select(Period.id).where(Period.id == period_id).with_for_update(read=True))


def close_batch(session: Session, job_id: str, key, unit_ids, kinds, gates=None) -> dict:
    """Score the branches of units `unit_ids` (one batch) for window `key` and store
    them without ranks (stars as far as they depend on a branch alone); record a step
    per unit. Idempotent. Not committed."""
    clock0 = _Clock()
    pk = _key(key)
    unit_ids = [int(u) for u in unit_ids]
    job = session.get(Job, job_id)
    if job is None or not job.is_active:
        return {"units": unit_ids, "skipped": True}
    window = get_period(session, pk)
    _share_period(session, window.id)
    if window.is_closed:
        return {"units": unit_ids, "skipped": True}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{CLOSE_WORK_MEM}'"))
    ruleset = session.get(RuleSet, job.params["ruleset_id"])
    kinds_d, gates_d = sources.resolve(kinds, gates)
    keys = cycle_keys(pk)
    periods = {p.key: p for p in session.scalars(select(Period).where(Period.key.in_([k.key for k in keys])))}
    open_keys = [k for k in keys if not periods[k.key].is_closed]
    # the batch's branches as a subquery: a list of thousands of ids would be as many
    # bind parameters in every statement
    branches = select(Branch.id).where(Branch.unit_id.in_(unit_ids), Branch.active.is_(True))
    with batch_gc():
        run = engine.evaluate_periods(session, open_keys, ruleset, kinds_d, store=True, periods=periods,
                                      unit_ids=unit_ids)
        _apply_unverified_policy(session, job, ruleset, kinds_d, open_keys, periods,
                                 select(Branch.id).where(Branch.unit_id.in_(unit_ids)))
        sums = aggregate.index_sums_from_db(session, [periods[k.key].id for k in keys], branches)
        adjs = aggregate.adjustments(session, pk, ruleset, branches)
        scores = aggregate.score_all(aggregate.branches_in_scope(session, branches), sums, adjs, ruleset)
        warnings = _rate_own_stars(session, pk, ruleset, scores, gates_d, branches)
        _store_scores(session, window, ruleset, scores, extra_scope=engine.unit_scope(unit_ids, session))
    data = {"batch": unit_ids[0], "units": unit_ids, "evaluations": run.evaluations, "removed": run.removed,
            "results": len(scores), "warnings": run.warnings + warnings, **clock0.spent()}
    # one step per unit (progress counts units); each carries its batch's counts, which
    # finish_close adds once per batch
    jobs.steps_done(session, job_id, [f"unit:{u}" for u in unit_ids], data)
    return data


def _apply_unverified_policy(session: Session, job: Job, ruleset, kinds: dict, open_keys, periods: dict,
                             branches) -> None:
    """The close's policy for unverified manual items (start_close), written into the
    rows of the batch's units (`branches`) as close_period writes it into all."""
    unverified = (job.params or {}).get("unverified")
    if not unverified:
        return
    period_ids = [periods[k.key].id for k in open_keys]
    manual_ids = [i.id for k in open_keys for i, _p in manual.manual_indicators(ruleset, kinds, k.kind)]
    actor = session.get(User, job.created_by) if job.created_by else None
    manual.apply_policy(session, period_ids, manual_ids, unverified["policy"], unverified["reason"], actor=actor,
                        branch_ids=branches, note=unverified.get("note"))


def _rate_own_stars(session: Session, pk: PeriodKey, ruleset, scores, gates: dict, branches) -> list[str]:
    """What of the stars depends on a branch alone — band star, promotion over its
    previous quarter, gates, veto (quarter); band and veto (year) — rated in the batch,
    in the order stars.rate_quarter/rate_year rate them. The guide proportions, which
    compare branches, are finish_close's."""
    if pk.kind == "quarter":
        return stars.rate_quarter(session, scores, ruleset, window=pk, gates=gates,
                                  previous_stars=previous_stars(session, pk, branches), proportions=False)
    if pk.kind == "year":
        return stars.rate_year(scores, ruleset, proportions=False)
    return []


# ---- the group-wide part -----------------------------------------------------------------

def _check_every_branch_scored(session: Session, scored: int) -> None:
    """Every active branch holds a result (`scored`: the results written back); a
    branch added, or moved into a unit already scored, while the batches ran has none:
    refused in words (the transaction rolls back)."""
    active = session.scalar(select(func.count()).select_from(Branch).where(Branch.active.is_(True)))
    if active != scored:
        raise ScoringError(gettext("结账期间支部有变动（%(n)s 个在用支部，%(m)s 个已评分），请重新结账。",
                                   n=active, m=scored))


def finish_close(session: Session, job_id: str, key, kinds, *, actor=None, gates=None) -> CloseResult:
    """Stars, tiers and ranks over every unit's results; mark the window closed and
    finish the job. Raises UnitsPending while a unit's step is missing. Not committed."""
    clock0 = _Clock()
    pk = _key(key)
    period = hold_period(session, pk)
    job = session.get(Job, job_id)
    if period.is_closed or job is None or job.status == "done":
        if job is not None and job.is_active:
            jobs.finish_job(session, job_id, {"already_closed": True})
        return CloseResult(key=pk.key, ruleset_id=period.ruleset_id, already_closed=True)
    steps = {s.key: s.data or {} for s in session.scalars(select(JobStep).where(JobStep.job_id == job_id))}
    missing = [u for u in job.params["units"] if f"unit:{u}" not in steps]
    if missing:
        raise UnitsPending(f"{len(missing)} units pending")
    ruleset = session.get(RuleSet, job.params["ruleset_id"])
    _kinds, gates_d = sources.resolve(kinds, gates)
    result = CloseResult(key=pk.key, ruleset_id=ruleset.id)
    batches = {data.get("batch"): data for data in steps.values()}  # a batch's counts once
    for data in batches.values():
        result.evaluations += data.get("evaluations", 0)
        result.removed_evaluations += data.get("removed", 0)
        for w in data.get("warnings", []):
            if w not in result.warnings:
                result.warnings.append(w)
    # what compares branches, set-based (core.scoring.groupwide): the batches stored
    # everything that depends on a branch alone
    changes, warnings = groupwide.apply_proportions(session, period.id, pk, ruleset, gates_d)
    result.warnings.extend(warnings)
    result.results = groupwide.rewrite_ranked(session, period.id, changes)
    _check_every_branch_scored(session, result.results)
    if pk.kind != "month":
        result.stars = groupwide.star_counts(session, period.id)
    period.status = "closed"
    period.ruleset_id = ruleset.id
    period.closed_at = utcnow()
    period.closed_by = getattr(actor, "id", None)
    record(session, actor=actor, action="period.close", obj=period,
           new={"status": "closed", "ruleset_id": ruleset.id, "evaluations": result.evaluations,
                "removed_evaluations": result.removed_evaluations, "results": result.results,
                "stars": {str(k): v for k, v in result.stars.items()}, "units": len(job.params["units"])})
    jobs.finish_job(session, job_id, {**result_dict(result), **clock0.spent()})
    session.flush()
    return result


def result_dict(result: CloseResult) -> dict:
    return {"key": result.key, "already_closed": result.already_closed, "evaluations": result.evaluations,
            "results": result.results, "stars": {str(k): v for k, v in result.stars.items()},
            "warnings": result.warnings}


def close_in_units(session: Session, key, kinds, *, actor=None, gates=None,
                   batch_branches: int | None = None) -> CloseResult:
    """The fanned-out close run here, batch after batch (tests, and the reference for the
    chord): start, every batch, finish — each committed like the tasks commit."""
    sent = []
    job = start_close(session, key, actor=actor, dispatch=lambda *a: sent.append(a), batch_branches=batch_branches)
    session.commit()
    if job is None:
        return CloseResult(key=_key(key).key, already_closed=True)
    job_id, pk_key, batches, _actor = sent[0]
    for unit_ids in batches:
        close_batch(session, job_id, pk_key, unit_ids, kinds, gates)
        session.commit()
    result = finish_close(session, job_id, pk_key, kinds, actor=actor, gates=gates)
    session.commit()
    return result
