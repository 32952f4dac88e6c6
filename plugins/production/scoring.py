"""Scoring of the production measures (SCORING.md "Plugin measures"): the SQL form the
engine runs for a close (`select_measures`, registered on KIND), and its Python twin
(`attainment`, `earned`) for the dashboard panel and the tests — both follow the same
integer arithmetic, so they agree to the hundredth.

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
- key measures in month and quarter windows: the quarter's acceptance applies by the
  year's rule (computed / rejected_zero / accepted_only, models.ACCEPTANCE_RULES).

Rounding (decided here; exact integer arithmetic, identical on SQLite and PostgreSQL
and in Python):
- The attainment is rounded half-up to millionths first, from the stored integer
  ten-thousandths: a_u = round(actual × 10⁶ ÷ plan) (plan × 10⁶ ÷ actual when lower is
  better), computed by long division (two steps of 10³) so that no intermediate exceeds
  1000 × the divisor. The floor, bonus rate and bonus cap are rounded half-up to
  millionths.
- earned is computed from a_u in hundredths of points and rounded half-up once:
  points × (a_u − floor_u) ÷ (10⁶ − floor_u) between the floor and the plan; at or
  above the plan, points + min(points × bonus_rate × (a_u − 10⁶) ÷ 10⁶, points ×
  bonus_cap), each side of the min rounded to hundredths (rounding is monotonic, so
  this is the rounded min).
- So an attainment within half a millionth of a boundary may score one hundredth away
  from the exact formula: with floor 0.9999, actual 999.9949 on a plan of 1000 (a =
  0.9999949 → 0.999995) earns 9.50 of 10 where the unrounded formula gives 9.49.
- Bounds: exact while each of a window's sums (plan, actual) stays below 9.2 × 10¹⁵
  ten-thousandths (9.2 × 10¹¹ in the measure's unit); an attainment above 10⁹ counts as
  10⁹ (only a plan near 0 gets there). `_Curve.check` refuses points and bonus
  parameters whose products could leave 64-bit integers.
- Evidence: plan and actual as stored, without trailing zeros ("2800", "85.5");
  attainment = a_u rounded half-up to four places ("0.9333"; "∞" when unbounded); a
  score zeroed by the acceptance rule keeps its computed value with two places
  ("7.50"); the acceptance comment is JSON-escaped by the database (json_quote on
  SQLite, to_json on PostgreSQL — both give the bytes of core.scoring.bulk.canonical_json).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, Integer, Text, and_, case, cast, false, func, literal, null, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from core.plugins.api import (Branch, sep, EvalContext, IndicatorKind, as_bigint, canonical_json, div_half_up, fixed_text,
                              padded_text, round_div, to_cents, unindexed)
from plugins.production.measures import METHOD, PLUGIN
from plugins.production.models import Acceptance, Actual, Measure, Plan, Setting

#: Attainments are integers of millionths.
U = 10 ** 6
#: The long division's step: two steps of 10³ make the 10⁶.
_STEP = 10 ** 3
#: The largest attainment counted (an attainment above it counts as A_MAX).
A_MAX = 10 ** 9
_INT64 = 2 ** 63 - 1
#: Sentinel for an unbounded attainment (lower is better, actual 0, plan > 0).
UNBOUNDED = None


# ------------------------------------------------------------------ integer arithmetic

def _millionths(value) -> int:
    """A (cfg) number such as "0.8" as integer millionths, rounded half-up."""
    return int((Decimal(str(value)) * U).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _attainment_u(lower: bool, plan: int, actual: int) -> int | None:
    """The attainment in millionths from integer quantities (any common scale);
    UNBOUNDED (None) when a lower-is-better plan is beaten to 0."""
    if lower:
        if actual == 0:
            return U if plan == 0 else UNBOUNDED
        n, d = plan, actual
    else:
        if plan == 0:
            return U
        n, d = actual, plan
    return min(div_half_up(n * U, d), A_MAX * U)


@dataclass(frozen=True)
class _Curve:
    """An indicator's curve as integers: points in hundredths, floor, bonus rate and cap
    in millionths. The SQL form reads the same numbers (columns of the targets)."""

    points_c: int
    floor_u: int
    rate_u: int
    cap_u: int

    @classmethod
    def of(cls, points, floor, bonus_rate, bonus_cap) -> "_Curve":
        rate_u, cap_u = _millionths(bonus_rate), _millionths(bonus_cap)
        if rate_u <= 0 or cap_u <= 0:   # no bonus (a negative one is none either)
            rate_u = cap_u = 0
        return cls(to_cents(Decimal(points)), _millionths(floor), rate_u, cap_u)

    @property
    def span(self) -> int:
        """10⁶ − floor; at least 1 (a floor ≥ 1 leaves no linear part: below the plan
        earns 0, so the division is never reached)."""
        return max(U - self.floor_u, 1)

    @property
    def excess_max(self) -> int:
        """The excess (a_u − 10⁶) from which the bonus is at its cap:
        ceil(cap ÷ rate × 10⁶). Clamping the excess to it changes nothing and keeps
        the product small (and is the unbounded case's excess)."""
        return -(-self.cap_u * U // self.rate_u) if self.rate_u else 0

    @property
    def bonus_full(self) -> int:
        """The capped bonus, hundredths: points × bonus_cap, rounded half-up."""
        return div_half_up(self.points_c * self.cap_u, U)

    def check(self, code: str = "") -> "_Curve":
        """Refuse numbers whose products could leave 64-bit integers in SQL."""
        biggest = max(2 * self.points_c * self.span + self.span,                  # the linear part
                      2 * self.points_c * self.rate_u * self.excess_max + U * U)   # the bonus
        if biggest > _INT64:
            raise ValueError(f"生产经营指标 {code} 的分值或超额奖励参数过大，无法精确计分。")
        return self

    def earned_c(self, a_u: int | None) -> int:
        """Hundredths earned at attainment a_u (millionths; None = unbounded)."""
        if a_u is UNBOUNDED or a_u >= U:
            excess = self.excess_max if a_u is UNBOUNDED else min(a_u - U, self.excess_max)
            return self.points_c + min(div_half_up(self.points_c * self.rate_u * excess, U * U), self.bonus_full)
        if a_u <= self.floor_u:
            return 0
        return div_half_up(self.points_c * (a_u - self.floor_u), self.span)


def _scaled(*values: Decimal) -> list[int]:
    """Decimals as integers on a common scale (their ratio is unchanged)."""
    places = max([0] + [-v.as_tuple().exponent for v in values])
    return [int(v.scaleb(places)) for v in values]


def attainment(direction: str, target, actual) -> Decimal | None:
    """Attainment a ≥ 0 rounded half-up to millionths, or UNBOUNDED (None) when a
    lower-is-better plan is beaten to 0 (the module docstring's rounding)."""
    plan, act = _scaled(Decimal(target), Decimal(actual))
    a_u = _attainment_u(direction == "lower", plan, act)
    return UNBOUNDED if a_u is UNBOUNDED else Decimal(a_u).scaleb(-6)


def earned(points, a: Decimal | None, *, floor=Decimal("0.8"), bonus_rate=Decimal(0),
           bonus_cap=Decimal(0)) -> Decimal:
    """Points earned at attainment `a` (None = unbounded; rounded half-up to millionths
    first), in hundredths rounded half-up — what select_measures computes."""
    a_u = UNBOUNDED if a is UNBOUNDED else _millionths(a)
    cents = _Curve.of(points, floor, bonus_rate, bonus_cap).check().earned_c(a_u)
    return Decimal(cents).scaleb(-2)


# ------------------------------------------------------------------ specs

def acceptance_rule(session, year: int) -> str:
    rule = session.scalar(select(Setting.acceptance_rule).where(Setting.year == year))
    return rule or "computed"


def _window_quarter(period) -> str | None:
    """The quarter whose acceptance applies to a month or quarter window."""
    if period.kind == "year":
        return None
    return f"{period.year}Q{(period.starts_on.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class _Spec:
    """An indicator's scoring inputs, resolved once per run (not per row)."""

    indicator_id: int
    measure: Measure
    lower: bool
    curve: _Curve


def _specs(ctx: EvalContext) -> list[_Spec]:
    """The indicators whose measure exists, with the measure's curve overridden by the
    indicator's params (one query for the measures)."""
    codes = {ind.id: (ind.params or {}).get("measure") for ind in ctx.indicators}
    measures = {m.code: m for m in ctx.session.scalars(
        select(Measure).where(Measure.code.in_(set(codes.values()) - {None})))}
    specs = []
    for ind in ctx.indicators:
        measure = measures.get(codes[ind.id])
        if measure is None:
            continue
        params = {"direction": measure.direction, "floor": measure.floor, "bonus_rate": measure.bonus_rate,
                  "bonus_cap": measure.bonus_cap,
                  **{k: v for k, v in (ind.params or {}).items() if v is not None and k != "measure"}}
        curve = _Curve.of(ind.points, params["floor"], params["bonus_rate"], params["bonus_cap"]).check(ind.code)
        specs.append(_Spec(ind.id, measure, params["direction"] == "lower", curve))
    return specs


# ------------------------------------------------------------------ SQL form

class json_quoted(FunctionElement):
    """json_quoted(text): the text as a JSON string literal (quotes and escapes), the
    bytes json.dumps(…, ensure_ascii=False) gives — SQLite's json_quote, PostgreSQL's
    to_json. For free text (acceptance comments) in evidence built in SQL."""

    type = Text()
    inherit_cache = True
    name = "json_quoted"


@compiles(json_quoted)  # PostgreSQL
def _json_quoted_default(element, compiler, **kw):
    return f"CAST(to_json(CAST({compiler.process(list(element.clauses)[0], **kw)} AS TEXT)) AS TEXT)"


@compiles(json_quoted, "sqlite")
def _json_quoted_sqlite(element, compiler, **kw):
    return f"json_quote({compiler.process(list(element.clauses)[0], **kw)})"


def _big(value: int):
    return cast(literal(int(value)), BigInteger)


def _text(value: str):
    return literal(value, Text)


def _digits(expr):
    return cast(expr, Text)


def _quantity_text(v):
    """Integer ten-thousandths ≥ 0 as the decimal text str(Decimal) gives for the
    stored quantity: "2800", "85.5", "0.0001" (no trailing zeros)."""
    frac = v % 10000
    return _digits(v // 10000).concat(case(
        (frac == 0, _text("")),
        (frac % 1000 == 0, _text(".").concat(_digits(frac // 1000))),
        (frac % 100 == 0, _text(".").concat(padded_text(frac // 100, 2))),
        (frac % 10 == 0, _text(".").concat(padded_text(frac // 10, 3))),
        else_=_text(".").concat(padded_text(frac, 4))))


def _ratio_u(n, d):
    """round(n × 10⁶ ÷ d) half-up, capped at A_MAX × 10⁶, for BIGINT n ≥ 0, d > 0, by
    long division: n = q·d + r, then two steps of 10³ on the remainder, so the largest
    intermediate is below 10³ × d (the Python twin multiplies out: _attainment_u)."""
    q0, r0 = n // d, n % d
    t1 = r0 * _STEP
    t2 = (t1 % d) * _STEP
    rounded = case((t2 % d * 2 >= d, 1), else_=0)
    return case((q0 >= A_MAX, _big(A_MAX * U)), else_=q0 * U + (t1 // d) * _STEP + t2 // d + rounded)


def _targets(ctx: EvalContext, specs: list[_Spec]):
    """One row per (applicable branch, indicator) with the indicator's numbers as
    columns — the set the window's plans are joined to."""
    parts = []
    for s in specs:
        app = ctx.applicable[s.indicator_id]
        c = s.curve
        parts.append(app.with_only_columns(
            app.selected_columns[0].label("branch_id"),
            cast(literal(s.indicator_id), Integer).label("indicator_id"),
            cast(literal(s.measure.id), Integer).label("measure_id"),
            _big(int(s.lower)).label("lower"), _big(int(bool(s.measure.key))).label("checked"),
            _big(c.points_c).label("points_c"), _big(c.floor_u).label("floor_u"), _big(c.span).label("span"),
            _big(c.rate_u).label("rate_u"), _big(c.excess_max).label("excess_max"),
            _big(c.bonus_full).label("bonus_full"), _big(int(s.measure.is_rate)).label("rate")))
    # Materialised (both databases): inlined, SQLite pushes the whole scoring into
    # each arm of the UNION ALL — one scan of the window's plans per indicator.
    return (parts[0] if len(parts) == 1 else union_all(*parts)).cte("targets").prefix_with("MATERIALIZED")


def _figures(ctx: EvalContext, t, measure_ids: list[int]):
    """(from clause, plan, actual, n_plan, n_actual) of the window per target: the
    month's plan LEFT JOIN its actual (one plan per branch, measure and month: no
    GROUP BY), or the sums over a quarter's or year's months. A target without a plan
    gets no row."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    if ctx.period.kind == "month":
        month = (select(Plan.branch_id, Plan.measure_id, Plan.value.label("plan"), Actual.value.label("actual"),
                        case((Actual.id.is_(None), 0), else_=1).label("reported"))
                 .outerjoin(Actual, and_(Actual.branch_id == Plan.branch_id, Actual.measure_id == Plan.measure_id,
                                         Actual.month == start))
                 .where(Plan.month == start))
        if ctx.session.get_bind().dialect.name == "postgresql":
            # Fenced (OFFSET 0): the month's plans LEFT JOIN its actuals as one hash join.
            # Flattened into the join with the targets CTE (which has no statistics),
            # PostgreSQL under-estimates the rows and probes the actuals' index once per
            # plan (0.47 s instead of 0.27 s for 80 000 plans). SQLite, which joins by
            # index look-ups, must not get the fence: it would scan the materialised
            # subquery once per target.
            month = month.offset(0)
        month = month.subquery("month_figures")
        joined = t.join(month, and_(month.c.branch_id == t.c.branch_id, month.c.measure_id == t.c.measure_id))
        return (joined, as_bigint(month.c.plan), func.coalesce(as_bigint(month.c.actual), 0), literal(1),
                month.c.reported)
    sums = (select(Plan.branch_id, Plan.measure_id, func.sum(Plan.value).label("plan"),
                   func.sum(Actual.value).label("actual"), func.count(Plan.id).label("n_plan"),
                   func.count(Actual.id).label("n_actual"))
            .outerjoin(Actual, and_(Actual.branch_id == Plan.branch_id, Actual.measure_id == Plan.measure_id,
                                    Actual.month == Plan.month))
            # read by the month range (see sqlfuncs.unindexed): a measure's plans span the year
            .where(Plan.month >= start, Plan.month <= end, unindexed(Plan.measure_id).in_(measure_ids))
            .group_by(Plan.branch_id, Plan.measure_id).subquery("sums"))
    joined = t.join(sums, and_(sums.c.branch_id == t.c.branch_id, sums.c.measure_id == t.c.measure_id))
    return (joined, as_bigint(sums.c.plan), func.coalesce(as_bigint(sums.c.actual), 0),
            sums.c.n_plan, sums.c.n_actual)


def select_measures(ctx: EvalContext) -> list:
    """One SELECT scoring every applicable branch on every measure indicator of the
    window, inside the database: targets JOIN the window's plans (LEFT JOIN actuals and
    the quarter's acceptances); attainment, earned and evidence in integer arithmetic
    (the module docstring). Rows: (branch_id, indicator_id, earned hundredths, evidence)."""
    specs = _specs(ctx)
    if not specs:
        # nothing to score (the indicators' measures are gone): a SELECT of no rows
        return [select(Branch.id, cast(null(), Integer), _big(0), cast(null(), Text)).where(false())]
    quarter = _window_quarter(ctx.period)
    accept = quarter is not None and any(s.measure.key for s in specs)
    rule = acceptance_rule(ctx.session, ctx.period.year) if accept else "computed"

    t = _targets(ctx, specs)
    joined, plan, actual, n_plan, n_actual = _figures(ctx, t, sorted({s.measure.id for s in specs}))
    status = comment = null()
    if accept:
        joined = joined.outerjoin(Acceptance, and_(Acceptance.branch_id == t.c.branch_id,
                                                   Acceptance.measure_id == t.c.measure_id,
                                                   Acceptance.quarter == quarter))
        status, comment = Acceptance.status, Acceptance.comment
    lower = t.c.lower == 1
    base = (select(t.c.branch_id, t.c.indicator_id, t.c.lower, t.c.checked, t.c.points_c, t.c.floor_u, t.c.span,
                   t.c.rate_u, t.c.excess_max, t.c.bonus_full, t.c.rate,
                   plan.label("plan"), actual.label("actual"),
                   n_plan.label("n_plan"), n_actual.label("n_actual"),
                   case((lower, plan), else_=actual).label("num"), case((lower, actual), else_=plan).label("den"),
                   status.label("status"), comment.label("comment"))
            .select_from(joined).subquery("base"))

    # the attainment (millionths); unbounded: lower is better, plan > 0, actual 0
    b = base.c
    unbounded = and_(b.lower == 1, b.den == 0, b.num > 0)
    # OFFSET 0 keeps this subquery from being flattened into the next ones (SQLite and
    # PostgreSQL alike), so the long division runs once per row, not once per use of a_u.
    att = select(base, case((b.den == 0, U), else_=_ratio_u(b.num, b.den)).label("a_u"),
                 case((unbounded, 1), else_=0).label("unbounded")).offset(0).subquery("att")

    # earned before the acceptance rule, hundredths
    a = att.c
    missing = a.n_actual < a.n_plan
    excess = case((a.unbounded == 1, a.excess_max), (a.a_u - U < a.excess_max, a.a_u - U), else_=a.excess_max)
    bonus = round_div(a.points_c * a.rate_u * excess, _big(U * U))
    computed = case(
        (missing, 0),
        (or_(a.unbounded == 1, a.a_u >= U), a.points_c + case((bonus < a.bonus_full, bonus), else_=a.bonus_full)),
        (a.a_u <= a.floor_u, 0),
        else_=round_div(a.points_c * (a.a_u - a.floor_u), a.span))
    if accept and rule == "rejected_zero":
        zero_rule = a.status == "rejected"
    elif accept and rule == "accepted_only":
        zero_rule = or_(a.status.is_(None), a.status != "accepted")
    else:
        zero_rule = None
    zeroed = and_(a.checked == 1, ~missing, zero_rule) if zero_rule is not None else None
    scored = select(att, computed.label("computed"),
                    (case((zeroed, 1), else_=0) if zeroed is not None else literal(0)).label("zeroed")
                    ).subquery("scored")

    s = scored.c
    earned_c = case((s.zeroed == 1, 0), else_=s.computed)
    return [select(s.branch_id, s.indicator_id, earned_c, _evidence(s, accept, rule))]


def _evidence(s, accept: bool, rule: str):
    """The canonical JSON evidence of a scored row (sorted keys, no spaces): optional
    keys are fragments ending in a comma; "plan", last in key order, always closes it.
    Keys, in that (sorted) order: acceptance, acceptance_comment, actual, aggregate,
    attainment, computed, months_planned, months_reported, note, plan. A rate (unit %)
    over several months shows plan and actual as the mean of the months, rounded
    half-up to the stored 4 places, with "aggregate": "mean" (the attainment is the
    same either way: Σ actual ÷ Σ plan over the same months)."""
    missing = s.n_actual < s.n_plan
    reported = s.n_actual >= s.n_plan
    mean = and_(s.rate == 1, s.n_plan > 1)

    def as_shown(v):
        return case((mean, round_div(v, s.n_plan)), else_=v)

    def key(name: str):
        return _text(canonical_json(name) + ":")

    def when(cond, fragment):
        return case((cond, fragment), else_=_text(""))

    def string(expr):
        return _text('"').concat(expr).concat(_text('",'))

    parts = [_text("{")]
    if accept:
        checked = and_(s.checked == 1, reported)
        shown = s.status.is_not(None) if rule == "computed" else True
        parts.append(when(and_(checked, shown),
                          key("acceptance").concat(string(func.coalesce(s.status, _text("pending"))))))
        parts.append(when(and_(checked, s.comment.is_not(None), s.comment != ""),
                          key("acceptance_comment").concat(json_quoted(s.comment)).concat(_text(","))))
    parts.append(when(reported, key("actual").concat(string(_quantity_text(as_shown(s.actual))))))
    parts.append(when(mean, key("aggregate").concat(_text('"mean",'))))
    parts.append(when(reported, key("attainment").concat(string(
        case((s.unbounded == 1, _text("∞")), else_=fixed_text(round_div(s.a_u, 100), 4))))))
    parts.append(when(s.zeroed == 1, key("computed").concat(string(fixed_text(s.computed, 2)))))
    parts.append(when(or_(s.n_plan > 1, missing),
                      key("months_planned").concat(_digits(s.n_plan)).concat(_text(","))
                      .concat(key("months_reported")).concat(_digits(s.n_actual)).concat(_text(","))))
    note = [(missing, _NOTE_MISSING)]
    if accept:
        note += [(and_(s.zeroed == 1, s.status == "rejected"), _NOTE_REJECTED), (s.zeroed == 1, _NOTE_PENDING)]
    parts.append(case(*((cond, _text(canonical_json("note") + ":" + canonical_json(text) + ",")) for cond, text in note),
                      else_=_text("")))
    parts.append(key("plan").concat(_text('"')).concat(_quantity_text(as_shown(s.plan))).concat(_text('"}')))
    expr = parts[0]
    for part in parts[1:]:
        expr = expr.concat(part)
    return expr


_NOTE_MISSING = "未报送实绩"
_NOTE_REJECTED = "季度验收未通过，按规则记 0 分"
_NOTE_PENDING = "尚未通过季度验收，按规则记 0 分"


def max_earned(ind) -> Decimal:
    """Beating the plan may earn up to (1 + bonus_cap) × points (SCORING.md); the
    engine clamps to this bound instead of the bare points."""
    return Decimal(ind.points) * (1 + Decimal(str((ind.params or {}).get("bonus_cap") or 0)))


def describe(ev: dict, ind, ruleset) -> str:
    """计划 2800，实绩 2900，完成率 103.57%（完成率不高于 80% 不得分）；季度验收：验收通过."""
    from flask_babel import gettext
    from plugins.production.models import ACCEPTANCE_STATUSES
    params = ind.params or {}
    parts = []
    if "actual" in ev:
        parts.append(gettext("计划 %(plan)s，实绩 %(actual)s", plan=ev["plan"], actual=ev["actual"]))
        if ev.get("attainment") == "∞":
            parts.append(gettext("实绩为 0，优于计划"))
        elif "attainment" in ev:
            a = (Decimal(ev["attainment"]) * 100).quantize(Decimal("0.01"))
            parts.append(gettext("完成率 %(a)s%%（完成率不高于 %(floor)s%% 不得分，达到 100%% 得满分）", a=a,
                                 floor=format((Decimal(str(params.get("floor", "0.8"))) * 100).normalize(), "f")))
    else:
        parts.append(gettext("计划 %(plan)s，未报送实绩", plan=ev["plan"]))
    if ev.get("aggregate") == "mean":
        parts.append(gettext("比率指标按各月平均计"))
    if "months_planned" in ev:
        parts.append(gettext("计划 %(p)s 个月，已报送 %(r)s 个月", p=ev["months_planned"], r=ev["months_reported"]))
    if "acceptance" in ev:
        status = ACCEPTANCE_STATUSES.get(ev["acceptance"])
        parts.append(gettext("季度验收：%(s)s", s=gettext(status) if status else gettext("待验收")))
    if ev.get("acceptance_comment"):
        parts.append(gettext("验收意见：%(c)s", c=ev["acceptance_comment"]))
    if "computed" in ev:
        parts.append(gettext("按公式应得 %(c)s 分", c=ev["computed"]))
    if ev.get("note") and ev["note"] != _NOTE_MISSING:
        parts.append(gettext(ev["note"]))
    return sep("semicolon").join(parts) + gettext("。")


KIND = IndicatorKind(method=METHOD, label="生产经营指标（计划与实绩）", evaluate=None, plugin=PLUGIN,
                     params=("measure", "direction", "floor", "bonus_rate", "bonus_cap"), max_earned=max_earned,
                     select=select_measures, describe=describe)
