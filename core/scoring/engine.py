"""Indicator evaluation (线上自动考核), set-based: for each cycle period, each scoring
method's evaluator scores all applicable branches at once; the results are upserted
as Evaluation rows (self-assessed and verified values are kept; a re-run replaces the
automatic value and its evidence only). A method's SQL form (IndicatorKind.select) and
the manual method are inserted with INSERT … SELECT (points and the clamp added in the
database); a Python form's rows are bulk-loaded.

`applicable` for an indicator is a SELECT of branch ids: active branches whose category
is in indicator.categories (null = all) and, when the indicator (or its method) belongs
to a plugin, whose unit has that plugin enabled.

Decisions (README, scoring section):
- Deduction and veto indicators get no evaluations: they are the catalogue entries that
  bonus/deduction/veto PointRecords cite (see core.scoring.aggregate).
- An indicator whose method no loaded kind provides (plugin missing) is skipped and
  reported in the run's warnings.
- Re-evaluating a period deletes its evaluations that the run no longer produces (an
  indicator gone from the rule set, a branch no longer applicable, a target no longer
  due), including any verified value on them; the count is returned and audited.
- A re-run does not bump Evaluation.version (it guards reviewer edits only).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, Text, case, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from core.indicators.models import Indicator
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.plugins.models import UnitPlugin
from core.points import ZERO, to_cents, to_points
from core.scoring import bulk
from core.scoring.kinds import EvalContext
from core.scoring.sqlfuncs import clamp_int

SCORED_KINDS = ("basic", "special")


def applicable_select(indicator: Indicator, plugin: str | None = None, branch_ids=None, unit_ids=None):
    """SELECT of the ids of the branches `indicator` applies to (of units `unit_ids`
    only, when given: one batch of a fanned-out close)."""
    stmt = select(Branch.id).where(Branch.active.is_(True))
    if unit_ids is not None:
        stmt = stmt.where(Branch.unit_id.in_(list(unit_ids)))
    if indicator.categories:
        stmt = stmt.where(Branch.category.in_(list(indicator.categories)))
    plugin = indicator.plugin or plugin
    if plugin:
        stmt = stmt.where(Branch.unit_id.in_(select(UnitPlugin.unit_id).where(UnitPlugin.plugin == plugin)))
    if branch_ids is not None:
        stmt = stmt.where(Branch.id.in_(list(branch_ids)))
    return stmt


@dataclass
class PreviewEvaluation:
    """An evaluation computed but not stored (open windows, sheet preview)."""

    branch_id: int
    indicator_id: int
    period_key: str
    points: Decimal
    auto_earned: Decimal | None
    evidence: dict | None


@dataclass
class EvaluationRun:
    """What one evaluation pass did."""

    period_keys: list[str] = field(default_factory=list)
    evaluations: int = 0
    removed: int = 0
    per_method: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    preview: list[PreviewEvaluation] = field(default_factory=list)


class _Clamp:
    """earned → (rounded and clamped to [0, upper], its integer hundredths), memoised:
    set-based evaluators hand back few distinct values (most branches hold the same
    counts), and a close converts one per branch and indicator."""

    def __init__(self, upper: Decimal):
        self.upper = upper
        self._seen: dict[Decimal, tuple[Decimal, int]] = {}

    def __call__(self, earned: Decimal) -> tuple[Decimal, int]:
        hit = self._seen.get(earned)
        if hit is None:
            value = to_points(ZERO if earned < 0 else self.upper if earned > self.upper else earned)
            hit = self._seen[earned] = (value, bulk.cents(value))
        return hit


def indicators_for(ruleset, cycle: str) -> list[Indicator]:
    return [i for i in ruleset.indicators if i.cycle == cycle and i.kind in SCORED_KINDS]


def evaluate_periods(session: Session, keys: list[PeriodKey], ruleset, kinds: dict, *, store: bool,
                     periods: dict | None = None, branch_ids=None, unit_ids=None,
                     indicator_ids=None) -> EvaluationRun:
    """Evaluate every scored indicator of `ruleset` for each cycle period in `keys`.

    store=True upserts Evaluation rows (`periods`: key text → Period, required) and
    removes the period's evaluations the run did not produce; store=False returns the
    results in `run.preview` and writes nothing. `branch_ids` limits the branches
    (preview of one sheet); a stored run covers all branches, or every branch of the
    units `unit_ids` (core.scoring.fanout: their rows are then the scope).
    `indicator_ids`: only these indicators of `ruleset`, and only their rows are the
    stored scope (a what-if re-evaluates just the indicators its draft changes)."""
    if store and branch_ids is not None:
        raise ValueError("a stored evaluation covers all branches")
    run = EvaluationRun()
    only = None if indicator_ids is None else {int(i) for i in indicator_ids}
    writer = None
    if store and keys and only != set():
        ids = ", ".join(str(int(periods[pk.key].id)) for pk in keys)
        scope = f"period_id IN ({ids})" + unit_scope(unit_ids, session)
        if only is not None:
            scope += f" AND indicator_id IN ({', '.join(map(str, sorted(only)))})"
        writer = bulk.open_writer(session, bulk.EVALUATIONS, scope=scope)
    python_rows = _PythonRows(session, unit_ids)
    for pk in keys:
        run.period_keys.append(pk.key)
        by_method: dict[str, list[Indicator]] = defaultdict(list)
        for ind in indicators_for(ruleset, pk.kind):
            if only is not None and ind.id not in only:
                continue
            by_method[ind.method].append(ind)
        period_id = periods[pk.key].id if store else None
        for method in sorted(by_method):
            inds = sorted(by_method[method], key=lambda i: i.id)
            kind = kinds.get(method)
            if kind is None:
                run.warnings.append(f"评分方法 {method} 未加载（插件未安装或加载失败），指标 "
                                    f"{'、'.join(i.code for i in inds)} 未评分。")
                continue
            ctx = EvalContext(session=session, period=pk, ruleset=ruleset, indicators=inds,
                              applicable={i.id: applicable_select(i, kind.plugin, branch_ids, unit_ids) for i in inds},
                              unit_ids=None if unit_ids is None else tuple(unit_ids))
            if kind.is_manual:
                statements = [ctx.applicable[i.id].add_columns(literal(i.id), cast(null(), BigInteger), cast(null(), Text))
                              for i in inds]
            elif kind.select is not None:
                statements = kind.select(ctx)
            else:
                statements = None
            if statements is None:
                n = _evaluate_in_python(kind, ctx, period_id, python_rows if store else None, run)
            elif not statements:  # the SQL form found nothing to score
                n = 0
            elif store:
                n = writer.add_select(bulk.EVALUATIONS_COLUMNS, _staged_select(statements, kind, inds, period_id))
            else:
                n = _preview_sql(kind, ctx, run)
            run.per_method[method] = run.per_method.get(method, 0) + n
            run.evaluations += n
    if writer is not None:
        writer.add_rows(python_rows.rows)
        run.removed = writer.merge()
    return run


def _staged_select(statements: list, kind, inds: list[Indicator], period_id: int):
    """The staging rows of a SQL-form (or manual) evaluation: the kind's rows with the
    branch's unit, the period, the indicator's points and earned clamped to
    [0, upper bound] — computed in the database."""
    # explicit labels: the kinds' columns are often anonymous (literals, CASTs)
    named = [stmt.with_only_columns(*(c.label(n) for n, c in zip(_KIND_COLUMNS, stmt.selected_columns)))
             for stmt in statements]
    rows = (named[0] if len(named) == 1 else union_all(*named)).subquery()
    branch_id, indicator_id, earned, evidence = (rows.c[n] for n in _KIND_COLUMNS)
    points = case({i.id: to_cents(Decimal(i.points)) for i in inds}, value=indicator_id)
    upper = case({i.id: to_cents(kind.upper_bound(i)) for i in inds}, value=indicator_id)
    values = [branch_id, Branch.unit_id, indicator_id, literal(int(period_id)), points,
              clamp_int(earned, 0, upper), evidence]
    return (select(*(v.label(n) for n, v in zip(bulk.EVALUATIONS_COLUMNS, values)))
            .select_from(rows).join(Branch, Branch.id == branch_id))


_KIND_COLUMNS = ("branch_id", "indicator_id", "earned", "evidence")


def unit_scope(unit_ids, session: Session | None = None) -> str:
    """SQL condition (to append) limiting stored rows to the branches of units
    `unit_ids` (their branches now: a branch moved away leaves with its rows), or "".
    On PostgreSQL (`session` given) the ids are an array of the subquery: the tables'
    keys start (period_id, branch_id), so each batch then probes its own branches'
    rows instead of scanning the whole period's (which grows with every other batch:
    at 200,000 branches a quadratic cost)."""
    if unit_ids is None:
        return ""
    listed = ", ".join(str(int(u)) for u in unit_ids) or "NULL"
    branches = f"SELECT id FROM branches WHERE unit_id IN ({listed})"
    if session is not None and session.get_bind().dialect.name == "postgresql":
        return f" AND branch_id = ANY(ARRAY({branches}))"
    return f" AND branch_id IN ({branches})"


def _preview_sql(kind, ctx: EvalContext, run: EvaluationRun) -> int:
    points = {i.id: Decimal(i.points) for i in ctx.indicators}
    clamp_to = {i.id: _Clamp(kind.upper_bound(i)) for i in ctx.indicators}
    n = 0
    if kind.is_manual:
        for ind in ctx.indicators:
            for bid in ctx.session.scalars(ctx.applicable[ind.id]):
                run.preview.append(PreviewEvaluation(bid, ind.id, ctx.period.key, points[ind.id], None, None))
                n += 1
        return n
    for row in kind.rows(ctx):
        run.preview.append(PreviewEvaluation(row.branch_id, row.indicator_id, ctx.period.key,
                                             points[row.indicator_id], clamp_to[row.indicator_id](row.earned)[0],
                                             row.evidence))
        n += 1
    return n


class _PythonRows:
    """Staging tuples of Python-form evaluators, with the branch → unit map they need
    (loaded once, only when such an evaluator runs)."""

    def __init__(self, session: Session, unit_ids=None):
        self.session = session
        self.unit_ids = unit_ids
        self.rows: list[tuple] = []
        self._units: dict | None = None
        self.as_json = bulk.JsonCache()

    @property
    def units(self) -> dict:
        if self._units is None:
            stmt = select(Branch.id, Branch.unit_id)
            if self.unit_ids is not None:
                stmt = stmt.where(Branch.unit_id.in_(list(self.unit_ids)))
            self._units = dict(self.session.execute(stmt).all())
        return self._units


def _evaluate_in_python(kind, ctx: EvalContext, period_id, staged: _PythonRows | None, run: EvaluationRun) -> int:
    points = {i.id: Decimal(i.points) for i in ctx.indicators}
    points_c = {i: to_cents(p) for i, p in points.items()}
    clamp_to = {i.id: _Clamp(kind.upper_bound(i)) for i in ctx.indicators}
    n = 0
    for row in kind.evaluate(ctx):
        earned, earned_c = clamp_to[row.indicator_id](row.earned)
        n += 1
        if staged is not None:
            staged.rows.append((row.branch_id, staged.units[row.branch_id], row.indicator_id, period_id,
                                points_c[row.indicator_id], earned_c, staged.as_json(row.evidence)))
        else:
            run.preview.append(PreviewEvaluation(row.branch_id, row.indicator_id, ctx.period.key,
                                                 points[row.indicator_id], earned, row.evidence))
    return n
