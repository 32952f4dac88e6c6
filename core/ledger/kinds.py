"""Scoring methods read from the electronic ledger (电子台账): the upload standard
(`ledger_count`), attendance (`attendance`) and the democratic appraisal results
(`appraisal`). Each evaluator runs one GROUP BY per indicator over all applicable
branches (LEFT JOIN from the applicable set, so a branch with no record gets 0).

Decisions (README, scoring section):
- ledger_count: a record counts as held when `valid` is true and, for a 支部党员大会,
  the full members present are more than half of those expected (re-checked from the
  counts, so an import that forgot `valid` cannot count an inquorate meeting). It is
  on time when the calendar day of `uploaded_at` is at most `deadline_days` after
  `held_on`. earned = points × min(1, (on_time + late_factor × late) / min_count).
- attendance: the rate is pooled over the period's records of the listed types,
  r = Σ present ÷ Σ expected, full and probationary members together (probationary
  members must attend too; only the quorum counts full members apart). Inquorate
  meetings are included — poor attendance is what the indicator measures. No record
  or nobody expected: r = 0. earned = points × clamp((r − low)/(high − low), 0, 1).
- appraisal: s = results rated 优秀 or 合格 ÷ all results in the period's 民主评议党员
  records (every result row counts; no record → 0). earned = points × s.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from core.ledger.models import ActivityRecord, AppraisalResult
from core.points import ZERO, clamp
from core.scoring.kinds import EvalContext, EvalRow, IndicatorKind
from core.scoring.sqlfuncs import days_after, unindexed

ONE = Decimal(1)


def _types(ind) -> list[str]:
    params = ind.params or {}
    types = params.get("record_types") or ([params["record_type"]] if params.get("record_type") else [])
    return list(types)


def _held():
    """A record counted as held: valid, and with quorum for a branch member meeting."""
    return and_(ActivityRecord.valid.is_(True),
                or_(ActivityRecord.type != "member_meeting",
                    ActivityRecord.present_full * 2 > ActivityRecord.expected_full))


def evaluate_ledger_count(ctx: EvalContext):
    """One GROUP BY (branch, type) per group of indicators sharing deadline and
    applicability (the default catalogue: one statement per cycle period)."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    late_factor = Decimal(str(ctx.ruleset.setting("late_factor")))
    groups: dict[tuple, list] = {}
    for ind in ctx.indicators:
        params = ind.params or {}
        deadline = int(params.get("deadline_days") if params.get("deadline_days") is not None else 7)
        key = (deadline, tuple(sorted(ind.categories or ())), ind.plugin)
        groups.setdefault(key, []).append(ind)
    conn = ctx.session.connection()
    for (deadline, _cats, _plugin), inds in groups.items():
        types = sorted({t for ind in inds for t in _types(ind)})
        applicable = ctx.applicable[inds[0].id]
        held = _held()
        on_time_c = days_after(ActivityRecord.uploaded_at, ActivityRecord.held_on) <= deadline
        # A month is ~1/12 of the records: read it by the held_on range (see unindexed).
        type_col = unindexed(ActivityRecord.type) if ctx.period.kind == "month" else ActivityRecord.type
        stmt = (select(ActivityRecord.branch_id, ActivityRecord.type,
                       func.sum(case((and_(held, on_time_c), 1), else_=0)),
                       func.sum(case((and_(held, ~on_time_c), 1), else_=0)),
                       func.sum(case((held, 0), else_=1)))
                .where(type_col.in_(types), ActivityRecord.held_on >= start,
                       ActivityRecord.held_on <= end, ActivityRecord.branch_id.in_(applicable))
                .group_by(ActivityRecord.branch_id, ActivityRecord.type))
        counts: dict[tuple, tuple] = {(b, t): (int(a), int(l), int(x)) for b, t, a, l, x in conn.execute(stmt).all()}
        branch_ids = list(conn.execute(applicable).scalars())
        for ind in inds:
            ind_types = _types(ind)
            need = max(int((ind.params or {}).get("min_count") or 1), 1)
            points = Decimal(ind.points)
            # identical counts give identical results: compute each combination once
            memo: dict[tuple, tuple] = {}
            for branch_id in branch_ids:
                on_time = late = not_counted = 0
                for t in ind_types:
                    c = counts.get((branch_id, t))
                    if c:
                        on_time += c[0]
                        late += c[1]
                        not_counted += c[2]
                key = (on_time, late, not_counted)
                hit = memo.get(key)
                if hit is None:
                    share = min(ONE, (on_time + late_factor * late) / need)
                    hit = memo[key] = (points * share, {
                        "required": need, "on_time": on_time, "late": late, "not_counted": not_counted,
                        "deadline_days": deadline, "types": ind_types})
                yield EvalRow(branch_id, ind.id, hit[0], hit[1])


def evaluate_attendance(ctx: EvalContext):
    start, end = ctx.period.starts_on, ctx.period.ends_on
    low = Decimal(str(ctx.ruleset.setting("attendance_low")))
    high = Decimal(str(ctx.ruleset.setting("attendance_high")))
    # A month or quarter: read by the held_on range (see core.scoring.sqlfuncs.unindexed).
    type_col = unindexed(ActivityRecord.type) if ctx.period.kind != "year" else ActivityRecord.type
    for ind in ctx.indicators:
        types = _types(ind)
        counts = (select(ActivityRecord.branch_id.label("branch_id"),
                         func.count().label("n"),
                         func.sum(ActivityRecord.present_full + ActivityRecord.present_probationary).label("present"),
                         func.sum(ActivityRecord.expected_full + ActivityRecord.expected_probationary).label("expected"))
                  .where(type_col.in_(types), ActivityRecord.held_on >= start,
                         ActivityRecord.held_on <= end, ActivityRecord.branch_id.in_(ctx.applicable[ind.id]))
                  .group_by(ActivityRecord.branch_id).subquery())
        app = ctx.applicable[ind.id].subquery()
        bid = list(app.c)[0]
        stmt = (select(bid, counts.c.n, counts.c.present, counts.c.expected)
                .select_from(app).outerjoin(counts, counts.c.branch_id == bid))
        points = Decimal(ind.points)
        for branch_id, n, present, expected in ctx.session.connection().execute(stmt).all():
            present, expected = int(present or 0), int(expected or 0)
            rate = Decimal(present) / expected if expected else ZERO
            share = clamp((rate - low) / (high - low), ZERO, ONE)
            yield EvalRow(branch_id, ind.id, points * share,
                          {"records": int(n or 0), "present": present, "expected": expected,
                           "rate": str((rate * 100).quantize(Decimal("0.01"))), "types": types})


def evaluate_appraisal(ctx: EvalContext):
    start, end = ctx.period.starts_on, ctx.period.ends_on
    for ind in ctx.indicators:
        good = AppraisalResult.result.in_(("excellent", "qualified"))
        counts = (select(ActivityRecord.branch_id.label("branch_id"),
                         func.count(AppraisalResult.id).label("rated"),
                         func.sum(case((good, 1), else_=0)).label("good"))
                  .join(AppraisalResult, AppraisalResult.record_id == ActivityRecord.id)
                  .where(ActivityRecord.type == "appraisal", ActivityRecord.held_on >= start,
                         ActivityRecord.held_on <= end, ActivityRecord.branch_id.in_(ctx.applicable[ind.id]))
                  .group_by(ActivityRecord.branch_id).subquery())
        app = ctx.applicable[ind.id].subquery()
        bid = list(app.c)[0]
        stmt = (select(bid, counts.c.rated, counts.c.good)
                .select_from(app).outerjoin(counts, counts.c.branch_id == bid))
        points = Decimal(ind.points)
        for branch_id, rated, good_n in ctx.session.connection().execute(stmt).all():
            rated, good_n = int(rated or 0), int(good_n or 0)
            share = Decimal(good_n) / rated if rated else ZERO
            yield EvalRow(branch_id, ind.id, points * share, {"rated": rated, "excellent_or_qualified": good_n})


KINDS = [
    IndicatorKind("ledger_count", "台账上传标准（次数与时限）", evaluate_ledger_count,
                  params=("record_types", "min_count", "deadline_days")),
    IndicatorKind("attendance", "党员出勤率", evaluate_attendance, params=("record_types",)),
    IndicatorKind("appraisal", "民主评议结果", evaluate_appraisal),
]

