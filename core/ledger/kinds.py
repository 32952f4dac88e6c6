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

from sqlalchemy import and_, case, func, literal, or_, select

from core.formatting import sep
from core.ledger.models import ActivityRecord, AppraisalResult
from core.points import to_cents
from core.scoring.kinds import EvalContext, IndicatorKind
from core.scoring.sqlfuncs import (JsonInt, JsonStr, clamp_int, days_after, fixed_text, json_text, round_div,
                                  unindexed)


def _types(ind) -> list[str]:
    params = ind.params or {}
    types = params.get("record_types") or ([params["record_type"]] if params.get("record_type") else [])
    return list(types)


def _in_batch(ctx: EvalContext) -> list:
    """Extra conditions for one batch of a fanned-out close: only the records of its
    units. Records follow their branch to its unit (core.org.unit_follow), so this
    selects the same rows as the branch condition, but through the unit index: a batch
    reads its own records instead of the whole period's (bench/close_workers.py)."""
    return [] if ctx.unit_ids is None else [ActivityRecord.unit_id.in_(list(ctx.unit_ids))]


def _held():
    """A record counted as held: valid, and with quorum for a branch member meeting."""
    return and_(ActivityRecord.valid.is_(True),
                or_(ActivityRecord.type != "member_meeting",
                    ActivityRecord.present_full * 2 > ActivityRecord.expected_full))


def _fraction(value) -> tuple[int, int]:
    """A setting such as "0.5" as an exact integer fraction (5, 10)."""
    d = Decimal(str(value))
    scale = 10 ** max(-d.as_tuple().exponent, 0)
    return int(d * scale), scale


def _per_branch(ctx: EvalContext, ind, counts):
    """The applicable branches LEFT JOIN the per-branch `counts` subquery (its first
    column is branch_id): a branch without records still gets its row (zeros)."""
    app = ctx.applicable[ind.id].subquery()
    bid = list(app.c)[0]
    return bid, lambda col: func.coalesce(col, 0), app.outerjoin(counts, list(counts.c)[0] == bid)


def select_ledger_count(ctx: EvalContext) -> list:
    """Indicators sharing a deadline share one scan of the period's
    records: a GROUP BY (branch, type) of on-time, late and not-counted records
    (materialised once), from which each indicator sums its types. earned = points ×
    min(1, (on_time + late_factor × late) / min_count), in exact integer arithmetic."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    # A month is ~1/12 of the records: read it by the held_on range (see unindexed).
    type_col = unindexed(ActivityRecord.type) if ctx.period.kind == "month" else ActivityRecord.type
    held = _held()
    groups: dict[tuple, list] = {}
    for ind in ctx.indicators:
        groups.setdefault(_deadline(ind), []).append(ind)
    statements = []
    for n, (deadline, inds) in enumerate(groups.items()):
        on_time_c = days_after(ActivityRecord.uploaded_at, ActivityRecord.held_on) <= deadline
        counts = (select(ActivityRecord.branch_id, ActivityRecord.type,
                         func.sum(case((and_(held, on_time_c), 1), else_=0)).label("on_time"),
                         func.sum(case((and_(held, ~on_time_c), 1), else_=0)).label("late"),
                         func.sum(case((held, 0), else_=1)).label("not_counted"))
                  # no branch filter: the indicators LEFT JOIN from their applicable branches
                  .where(type_col.in_(sorted({t for ind in inds for t in _types(ind)})),
                         ActivityRecord.held_on >= start, ActivityRecord.held_on <= end)
                  .group_by(ActivityRecord.branch_id, ActivityRecord.type))
        if ctx.unit_ids is not None:  # one batch of a fanned-out close: its records only
            counts = counts.where(ActivityRecord.branch_id.in_(ctx.unit_branches()), *_in_batch(ctx))
        counts = counts.cte(f"ledger_counts_{n}").prefix_with("MATERIALIZED")
        for ind in inds:
            types = _types(ind)
            if len(types) == 1:  # already one row per branch
                mine = (select(counts.c.branch_id, counts.c.on_time, counts.c.late, counts.c.not_counted)
                        .where(counts.c.type == types[0]).subquery())
            else:
                mine = (select(counts.c.branch_id, func.sum(counts.c.on_time).label("on_time"),
                               func.sum(counts.c.late).label("late"),
                               func.sum(counts.c.not_counted).label("not_counted"))
                        .where(counts.c.type.in_(types)).group_by(counts.c.branch_id).subquery())
            bid, zero, joined = _per_branch(ctx, ind, mine)
            on_time, late, not_counted = zero(mine.c.on_time), zero(mine.c.late), zero(mine.c.not_counted)
            earned = _ledger_earned(ind, ctx.ruleset, on_time, late)
            evidence = json_text({"required": _min_count(ind), "on_time": JsonInt(on_time), "late": JsonInt(late),
                                  "not_counted": JsonInt(not_counted), "deadline_days": deadline, "types": types})
            statements.append(select(bid, literal(ind.id), earned, evidence).select_from(joined))
    return statements


def _ledger_earned(ind, ruleset, on_time, late):
    """earned = points × min(1, (on_time + late_factor × late) / min_count) in hundredths:
    min(full, got) / full, counted in units of 1/late_den (exact integers)."""
    late_num, late_den = _fraction(ruleset.setting("late_factor"))
    full = _min_count(ind) * late_den
    got = on_time * late_den + late * late_num
    return round_div(to_cents(Decimal(ind.points)) * case((got > full, full), else_=got), full)


def rescore_ledger_count(ind, ruleset, field):
    return _ledger_earned(ind, ruleset, field("on_time"), field("late"))


def _deadline(ind) -> int:
    params = ind.params or {}
    return int(params["deadline_days"] if params.get("deadline_days") is not None else 7)


def _min_count(ind) -> int:
    return max(int((ind.params or {}).get("min_count") or 1), 1)


def _percent_text(numerator, denominator):
    """numerator ÷ denominator as a percentage with two places, as text ("87.50"); 0.00
    when the denominator is 0."""
    return fixed_text(case((denominator == 0, 0), else_=round_div(numerator * 10000, denominator)), 2)


def select_attendance(ctx: EvalContext) -> list:
    """Per indicator, Σ present and Σ expected per branch over the period's records;
    earned = points × clamp((rate − low) / (high − low), 0, 1) with rate = present ÷
    expected, in exact integer arithmetic."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    # A month or quarter: read by the held_on range (see core.scoring.sqlfuncs.unindexed).
    type_col = unindexed(ActivityRecord.type) if ctx.period.kind != "year" else ActivityRecord.type
    statements = []
    for ind in ctx.indicators:
        counts = (select(ActivityRecord.branch_id, func.count().label("n"),
                         func.sum(ActivityRecord.present_full + ActivityRecord.present_probationary).label("present"),
                         func.sum(ActivityRecord.expected_full + ActivityRecord.expected_probationary).label("expected"))
                  .where(type_col.in_(_types(ind)), ActivityRecord.held_on >= start,
                         ActivityRecord.held_on <= end, ActivityRecord.branch_id.in_(ctx.applicable[ind.id]),
                         *_in_batch(ctx))
                  .group_by(ActivityRecord.branch_id).subquery())
        bid, zero, joined = _per_branch(ctx, ind, counts)
        n, present, expected = zero(counts.c.n), zero(counts.c.present), zero(counts.c.expected)
        earned = _attendance_earned(ind, ctx.ruleset, present, expected)
        evidence = json_text({"records": JsonInt(n), "present": JsonInt(present), "expected": JsonInt(expected),
                              "rate": JsonStr(_percent_text(present, expected)), "types": _types(ind)})
        statements.append(select(bid, literal(ind.id), earned, evidence).select_from(joined))
    return statements


def _attendance_earned(ind, ruleset, present, expected):
    """earned = points × clamp((rate − low) / (high − low), 0, 1) in hundredths, rate =
    present ÷ expected; (rate − low)/(high − low) = (present·S − low·expected) /
    (expected·(high − low)) with S the settings' common scale (exact integers)."""
    low, low_den = _fraction(ruleset.setting("attendance_low"))
    high, high_den = _fraction(ruleset.setting("attendance_high"))
    scale = max(low_den, high_den)
    low, high = low * scale // low_den, high * scale // high_den
    over_low, span = present * scale - low * expected, expected * (high - low)
    return case((expected == 0, 0), else_=round_div(to_cents(Decimal(ind.points)) * clamp_int(over_low, 0, span), span))


def rescore_attendance(ind, ruleset, field):
    return _attendance_earned(ind, ruleset, field("present"), field("expected"))


def select_appraisal(ctx: EvalContext) -> list:
    """Per indicator, results rated 优秀 or 合格 ÷ all results per branch; earned =
    points × that share."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    good = AppraisalResult.result.in_(("excellent", "qualified"))
    statements = []
    for ind in ctx.indicators:
        counts = (select(ActivityRecord.branch_id, func.count(AppraisalResult.id).label("rated"),
                         func.sum(case((good, 1), else_=0)).label("good"))
                  .join(AppraisalResult, AppraisalResult.record_id == ActivityRecord.id)
                  .where(ActivityRecord.type == "appraisal", ActivityRecord.held_on >= start,
                         ActivityRecord.held_on <= end, ActivityRecord.branch_id.in_(ctx.applicable[ind.id]),
                         *_in_batch(ctx))
                  .group_by(ActivityRecord.branch_id).subquery())
        bid, zero, joined = _per_branch(ctx, ind, counts)
        rated, good_n = zero(counts.c.rated), zero(counts.c.good)
        earned = _appraisal_earned(ind, rated, good_n)
        evidence = json_text({"rated": JsonInt(rated), "excellent_or_qualified": JsonInt(good_n)})
        statements.append(select(bid, literal(ind.id), earned, evidence).select_from(joined))
    return statements


def _appraisal_earned(ind, rated, good):
    """earned = points × good ÷ rated in hundredths (0 when nobody was rated)."""
    return case((rated == 0, 0), else_=round_div(to_cents(Decimal(ind.points)) * good, rated))


def rescore_appraisal(ind, ruleset, field):
    return _appraisal_earned(ind, field("rated"), field("excellent_or_qualified"))


# ---- the evidence in words (core.scoring.evidence) -------------------------------------

def _type_names(types) -> str:
    from flask_babel import gettext
    from core.ledger.models import ACTIVITY_TYPES
    return sep("list").join(gettext(ACTIVITY_TYPES.get(t, t)) for t in types or [])


def describe_ledger_count(ev: dict, ind, ruleset) -> str:
    """应开 1 次，按时上传 1 次，逾期 0 次（7 天内上传为按时；逾期按 0.5 次计）."""
    from flask_babel import gettext
    from core.scoring.evidence import setting
    text = gettext("%(types)s：应开 %(need)s 次，按时上传 %(on_time)s 次，逾期 %(late)s 次（%(days)s 天内上传为按时；逾期按 %(factor)s 次计）",
                   types=_type_names(ev.get("types")), need=ev["required"], on_time=ev["on_time"], late=ev["late"],
                   days=ev["deadline_days"], factor=setting(ruleset, "late_factor", "0.5"))
    if ev.get("not_counted"):
        text += gettext("；另有 %(n)s 次不计（无效或党员大会未达半数）", n=ev["not_counted"])
    return text + gettext("。")


def describe_attendance(ev: dict, ind, ruleset) -> str:
    """出勤 45 / 应到 50 人次，出勤率 90.00%（…低于 50% 不得分，达到 90% 得满分）."""
    from flask_babel import gettext
    from core.scoring.evidence import percent, setting
    if not ev.get("records"):
        return gettext("%(types)s：本期无活动记录，出勤率按 0 计，不得分。", types=_type_names(ev.get("types")))
    return gettext("%(types)s：%(n)s 次活动，实到 %(present)s / 应到 %(expected)s 人次，出勤率 %(rate)s%%（不高于 %(low)s%% 不得分，达到 %(high)s%% 得满分，其间按比例）。",
                   types=_type_names(ev.get("types")), n=ev["records"], present=ev["present"],
                   expected=ev["expected"], rate=ev["rate"], low=percent(setting(ruleset, "attendance_low", "0.5")),
                   high=percent(setting(ruleset, "attendance_high", "0.9")))


def describe_appraisal(ev: dict, ind, ruleset) -> str:
    """参评党员 20 人，评为优秀或合格 19 人（按比例得分）."""
    from flask_babel import gettext
    if not ev.get("rated"):
        return gettext("本期无民主评议结果，不得分。")
    return gettext("参评党员 %(rated)s 人，评为优秀或合格 %(good)s 人（按比例得分）。",
                   rated=ev["rated"], good=ev["excellent_or_qualified"])


KINDS = [
    IndicatorKind("ledger_count", "台账上传标准（次数与时限）", None, select=select_ledger_count,
                  params=("record_types", "min_count", "deadline_days"), describe=describe_ledger_count,
                  reads_settings=frozenset({"late_factor"}), rescore=rescore_ledger_count,
                  formula_params=frozenset({"min_count"})),
    IndicatorKind("attendance", "党员出勤率", None, select=select_attendance, params=("record_types",),
                  describe=describe_attendance, reads_settings=frozenset({"attendance_low", "attendance_high"}),
                  rescore=rescore_attendance),
    IndicatorKind("appraisal", "民主评议结果", None, select=select_appraisal, describe=describe_appraisal,
                  reads_settings=frozenset(), rescore=rescore_appraisal),
]
