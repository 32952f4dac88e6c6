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

from decimal import Decimal

from sqlalchemy import and_, func, literal, select, union_all

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
        base = points
        bonus = bonus_cap * points if bonus_rate > 0 else ZERO
    else:
        base = points * clamp((a - floor) / (ONE - floor), ZERO, ONE)
        bonus = min(bonus_rate * (a - ONE) * points, bonus_cap * points) if a > ONE else ZERO
    return to_points(base + max(bonus, ZERO))


def acceptance_rule(session, year: int) -> str:
    rule = session.scalar(select(Setting.acceptance_rule).where(Setting.year == year))
    return rule or "computed"


def _window_quarter(period) -> str | None:
    """The quarter whose acceptance applies to a month or quarter window."""
    if period.kind == "year":
        return None
    return f"{period.year}Q{(period.starts_on.month - 1) // 3 + 1}"


def _statement(ctx: EvalContext, measure_ids: dict[int, int]):
    """One statement: per indicator, Σ plan, Σ actual and counts per branch over the
    window's months (GROUP BY), restricted to the indicator's applicable branches."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    quarter = _window_quarter(ctx.period)
    parts = []
    for ind in ctx.indicators:
        mid = measure_ids.get(ind.id)
        if mid is None:
            continue
        parts.append(
            select(literal(ind.id).label("indicator_id"), Plan.branch_id.label("branch_id"),
                   func.sum(Plan.value).label("plan"), func.sum(Actual.value).label("actual"),
                   func.count(Plan.id).label("n_plan"), func.count(Actual.id).label("n_actual"))
            .select_from(Plan)
            .outerjoin(Actual, and_(Actual.branch_id == Plan.branch_id, Actual.measure_id == Plan.measure_id,
                                    Actual.month == Plan.month))
            .where(Plan.measure_id == mid, Plan.month >= start, Plan.month <= end,
                   Plan.branch_id.in_(ctx.applicable[ind.id]))
            .group_by(Plan.branch_id))
    if not parts:
        return None, None
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    acc = None
    if quarter:
        acc = (select(Acceptance.branch_id, Acceptance.measure_id, Acceptance.status, Acceptance.comment)
               .where(Acceptance.quarter == quarter, Acceptance.measure_id.in_(set(measure_ids.values()))))
    return stmt, acc


def evaluate(ctx: EvalContext):
    """Score every applicable branch of the window at once (two statements: the plan ×
    actual GROUP BY, and the quarter's acceptances)."""
    session = ctx.session
    codes = {ind.id: (ind.params or {}).get("measure") for ind in ctx.indicators}
    measures = {m.code: m for m in session.scalars(select(Measure).where(Measure.code.in_(set(codes.values()) - {None})))}
    measure_ids = {iid: measures[c].id for iid, c in codes.items() if c in measures}
    stmt, acc_stmt = _statement(ctx, measure_ids)
    if stmt is None:
        return []
    rule = acceptance_rule(session, ctx.period.year)
    decisions = {}
    if acc_stmt is not None:
        decisions = {(b, m): (s, c) for b, m, s, c in session.execute(acc_stmt)}
    by_id = {ind.id: ind for ind in ctx.indicators}
    out = []
    for ind_id, branch_id, plan, actual, n_plan, n_actual in session.execute(stmt):
        ind = by_id[ind_id]
        measure = measures[codes[ind_id]]
        params = {**_curve(measure), **{k: v for k, v in (ind.params or {}).items() if v is not None}}
        out.append(_row(ind, measure, params, branch_id, plan, actual, n_plan, n_actual,
                        decisions.get((branch_id, measure.id)), rule, ctx.period))
    return out


def _curve(measure: Measure) -> dict:
    return {"direction": measure.direction, "floor": measure.floor,
            "bonus_rate": measure.bonus_rate, "bonus_cap": measure.bonus_cap}


def _as_quantity(value) -> Decimal:
    """Σ of a QuantityType column: SQLAlchemy applies the type (Decimal); guard raw ints."""
    return value if isinstance(value, Decimal) else Decimal(value or 0)


def _row(ind, measure, params, branch_id, plan, actual, n_plan, n_actual, decision, rule, period) -> EvalRow:
    points = Decimal(ind.points)
    plan = _as_quantity(plan)
    evidence = {"measure": measure.code, "unit": measure.unit, "window": period.key,
                "direction": params["direction"], "plan": str(plan), "months_planned": n_plan,
                "months_reported": n_actual, "floor": str(params["floor"])}
    if n_actual < n_plan:
        evidence["note"] = "未报送实绩"
        return EvalRow(branch_id, ind.id, ZERO, evidence)
    actual = _as_quantity(actual)
    a = attainment(params["direction"], plan, actual)
    value = earned(points, a, floor=Decimal(params["floor"]), bonus_rate=Decimal(params["bonus_rate"]),
                   bonus_cap=Decimal(params["bonus_cap"]))
    evidence.update(actual=str(actual), attainment="∞" if a is UNBOUNDED else str(a.quantize(Decimal("0.0001"))),
                    computed=str(value))
    if measure.key and period.kind != "year":
        status = decision[0] if decision else None
        evidence["acceptance"] = status or "pending"
        if decision and decision[1]:
            evidence["acceptance_comment"] = decision[1]
        if (rule == "rejected_zero" and status == "rejected") or (rule == "accepted_only" and status != "accepted"):
            evidence["note"] = "季度验收未通过，按规则记 0 分" if status == "rejected" else "尚未通过季度验收，按规则记 0 分"
            value = ZERO
    return EvalRow(branch_id, ind.id, value, evidence)


KIND = IndicatorKind(method=METHOD, label="生产经营指标（计划与实绩）", evaluate=evaluate, plugin=PLUGIN,
                     params=("measure", "direction", "floor", "bonus_rate", "bonus_cap"))
