"""Scoring of the production measures (SCORING.md "Plugin measures"), and the
set-based evaluator the engine calls through `starbranch_indicator_kinds`.

    a      = actual / target (higher is better) or target / actual (lower is better)
    earned = points × clamp((a − floor) / (1 − floor), 0, 1)
             + min(bonus_rate × (a − 1) × points, bonus_cap × points)   when a > 1

Zero cases (decided here):
- higher is better, plan 0: nothing was asked, a = 1 (full points, no bonus).
- lower is better, plan 0 (e.g. "0 incidents"): actual 0 → a = 1 (full points, no
  bonus); actual > 0 → a = 0 (nothing).
- lower is better, plan > 0, actual 0: the plan is beaten outright; a is unbounded, so
  the bonus is its cap (bonus_cap × points) when bonus_rate > 0.
- plan present, actual missing: earned 0 (evidence says 未报送实绩).
- no plan for the branch and window: no evaluation (the measure does not apply).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from core.points import ZERO, clamp, to_points
from core.scoring.kinds import EvalContext, EvalRow, IndicatorKind
from plugins.production.measures import METHOD, PLUGIN
from plugins.production.models import Acceptance, Actual, Measure, Plan, Setting

ONE = Decimal(1)
#: Sentinel for an unbounded attainment (lower is better, actual 0, plan > 0).
UNBOUNDED = None


def attainment(direction: str, target: Decimal, actual: Decimal) -> Decimal | None:
    """Attainment a ≥ 0, or UNBOUNDED (None) when a lower-is-better plan is beaten to 0."""
    target, actual = Decimal(target), Decimal(actual)
    if direction == "lower":
        if actual == 0:
            return ONE if target == 0 else UNBOUNDED
        return target / actual
    if target == 0:
        return ONE
    return actual / target


def earned(points: Decimal, a: Decimal | None, *, floor: Decimal = Decimal("0.8"),
           bonus_rate: Decimal = ZERO, bonus_cap: Decimal = ZERO) -> Decimal:
    """Points earned at attainment `a` (None = unbounded), rounded by core.points."""
    points, floor = Decimal(points), Decimal(floor)
    bonus_rate, bonus_cap = Decimal(bonus_rate), Decimal(bonus_cap)
    if a is UNBOUNDED:
        return to_points(points + (bonus_cap * points if bonus_rate > 0 else ZERO))
    if a >= ONE:
        bonus = min(bonus_rate * (a - ONE) * points, bonus_cap * points) if a > ONE else ZERO
        return to_points(points + max(bonus, ZERO))
    if a <= floor:
        return ZERO
    return to_points(points * clamp((a - floor) / (ONE - floor), ZERO, ONE))


def acceptance_rule(session, year: int) -> str:
    rule = session.scalar(select(Setting.acceptance_rule).where(Setting.year == year))
    return rule or "computed"


def _window_quarter(period) -> str | None:
    """The quarter whose acceptance applies to a month or quarter window."""
    if period.kind == "year":
        return None
    return f"{period.year}Q{(period.starts_on.month - 1) // 3 + 1}"


def _sums(ctx: EvalContext, measure_of: dict[int, int]):
    """One statement: Σ plan, Σ actual and month counts per (measure, branch) over the
    window's months (GROUP BY), each measure restricted to its indicator's applicable
    branches. Rows: (indicator_id, branch_id, plan, actual, n_plan, n_actual)."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    cols = (func.sum(Plan.value), func.sum(Actual.value), func.count(Plan.id), func.count(Actual.id))
    join = and_(Actual.branch_id == Plan.branch_id, Actual.measure_id == Plan.measure_id, Actual.month == Plan.month)
    by_measure: dict[int, list[int]] = {}
    for ind_id, mid in measure_of.items():
        by_measure.setdefault(mid, []).append(ind_id)
    if all(len(v) == 1 for v in by_measure.values()):
        # The usual case: one indicator per measure → a single scan of the window's plans.
        # A month window has one plan per (measure, branch): no GROUP BY needed.
        month = ctx.period.kind == "month"
        picked = ((Plan.value, Actual.value, literal(1), case((Actual.id.is_(None), 0), else_=1))
                  if month else cols)
        stmt = (select(Plan.measure_id, Plan.branch_id, *picked).select_from(Plan).outerjoin(Actual, join)
                .where(Plan.month == start if month else and_(Plan.month >= start, Plan.month <= end),
                       or_(*[and_(Plan.measure_id == mid, Plan.branch_id.in_(ctx.applicable[ids[0]]))
                             for mid, ids in sorted(by_measure.items())])))
        if not month:
            stmt = stmt.group_by(Plan.measure_id, Plan.branch_id)
        for mid, branch_id, *rest in ctx.session.execute(stmt):
            yield (by_measure[mid][0], branch_id, *rest)
        return
    # Several indicators share a measure (an admin's copy): one GROUP BY per indicator, in one UNION ALL.
    parts = [select(literal(ind_id).label("indicator_id"), Plan.branch_id, *cols).select_from(Plan)
             .outerjoin(Actual, join)
             .where(Plan.month >= start, Plan.month <= end, Plan.measure_id == mid,
                    Plan.branch_id.in_(ctx.applicable[ind_id]))
             .group_by(Plan.branch_id)
             for ind_id, mid in sorted(measure_of.items())]
    yield from ctx.session.execute(union_all(*parts))


@dataclass(frozen=True)
class _Spec:
    """An indicator's scoring inputs, resolved once per run (not per row)."""

    indicator_id: int
    points: Decimal
    measure: Measure
    direction: str
    floor: Decimal
    bonus_rate: Decimal
    bonus_cap: Decimal


def _spec(ind, measure: Measure) -> _Spec:
    params = {"direction": measure.direction, "floor": measure.floor, "bonus_rate": measure.bonus_rate,
              "bonus_cap": measure.bonus_cap,
              **{k: v for k, v in (ind.params or {}).items() if v is not None and k != "measure"}}
    return _Spec(ind.id, Decimal(ind.points), measure, params["direction"], Decimal(str(params["floor"])),
                 Decimal(str(params["bonus_rate"])), Decimal(str(params["bonus_cap"])))


def evaluate(ctx: EvalContext):
    """Score every applicable branch of the window at once: the plan × actual GROUP BY,
    plus the quarter's acceptances (and the measure and setting look-ups)."""
    session = ctx.session
    codes = {ind.id: (ind.params or {}).get("measure") for ind in ctx.indicators}
    measures = {m.code: m for m in session.scalars(select(Measure).where(Measure.code.in_(set(codes.values()) - {None})))}
    specs = {ind.id: _spec(ind, measures[codes[ind.id]]) for ind in ctx.indicators if codes[ind.id] in measures}
    if not specs:
        return []
    measure_of = {iid: spec.measure.id for iid, spec in specs.items()}
    rule = acceptance_rule(session, ctx.period.year)
    decisions = {}
    quarter = _window_quarter(ctx.period)
    if quarter:
        decisions = {(b, m): (st, c) for b, m, st, c in session.execute(
            select(Acceptance.branch_id, Acceptance.measure_id, Acceptance.status, Acceptance.comment)
            .where(Acceptance.quarter == quarter, Acceptance.measure_id.in_(set(measure_of.values()))))}
    window = ctx.period.key
    check_acceptance = ctx.period.kind != "year"
    return [_row(specs[ind_id], branch_id, plan, actual, n_plan, n_actual,
                 decisions.get((branch_id, specs[ind_id].measure.id)), rule, window, check_acceptance)
            for ind_id, branch_id, plan, actual, n_plan, n_actual in _sums(ctx, measure_of)]


def _as_quantity(value) -> Decimal:
    """Σ of a QuantityType column: SQLAlchemy applies the type (Decimal); guard raw ints."""
    return value if isinstance(value, Decimal) else Decimal(value or 0)


_Q4 = Decimal("0.0001")


def _row(spec: _Spec, branch_id, plan, actual, n_plan, n_actual, decision, rule, window,
         check_acceptance) -> EvalRow:
    measure = spec.measure
    plan = _as_quantity(plan)
    # Kept small (it is stored per branch, measure and month): the unit, direction and
    # curve are on the indicator's params; month counts only when they say something.
    evidence = {"plan": str(plan)}
    if n_plan > 1 or n_actual < n_plan:
        evidence.update(months_planned=n_plan, months_reported=n_actual)
    if n_actual < n_plan:
        evidence["note"] = "未报送实绩"
        return EvalRow(branch_id, spec.indicator_id, ZERO, evidence)
    actual = _as_quantity(actual)
    a = attainment(spec.direction, plan, actual)
    value = earned(spec.points, a, floor=spec.floor, bonus_rate=spec.bonus_rate, bonus_cap=spec.bonus_cap)
    evidence["actual"] = str(actual)
    evidence["attainment"] = "∞" if a is UNBOUNDED else str(a.quantize(_Q4))
    if measure.key and check_acceptance:
        status = decision[0] if decision else None
        if status or rule != "computed":
            evidence["acceptance"] = status or "pending"
        if decision and decision[1]:
            evidence["acceptance_comment"] = decision[1]
        if (rule == "rejected_zero" and status == "rejected") or (rule == "accepted_only" and status != "accepted"):
            evidence["note"] = "季度验收未通过，按规则记 0 分" if status == "rejected" else "尚未通过季度验收，按规则记 0 分"
            evidence["computed"] = str(value)
            value = ZERO
    return EvalRow(branch_id, spec.indicator_id, value, evidence)


def max_earned(ind) -> Decimal:
    """Beating the plan may earn up to (1 + bonus_cap) × points (SCORING.md); the
    engine clamps to this bound instead of the bare points."""
    return Decimal(ind.points) * (1 + Decimal(str((ind.params or {}).get("bonus_cap") or 0)))


KIND = IndicatorKind(method=METHOD, label="生产经营指标（计划与实绩）", evaluate=evaluate, plugin=PLUGIN,
                     params=("measure", "direction", "floor", "bonus_rate", "bonus_cap"), max_earned=max_earned)
