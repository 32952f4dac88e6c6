"""Indicator evaluation (线上自动考核), set-based: for each cycle period, each scoring
method's evaluator scores all applicable branches at once; the results are upserted
as Evaluation rows (self-assessed and verified values are kept; a re-run replaces the
automatic value and its evidence only).

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.indicators.models import Indicator
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.plugins.models import UnitPlugin
from core.points import ZERO, to_cents, to_points
from core.scoring import bulk
from core.scoring.kinds import EvalContext

SCORED_KINDS = ("basic", "special")


def applicable_select(indicator: Indicator, plugin: str | None = None, branch_ids=None):
    """SELECT of the ids of the branches `indicator` applies to."""
    stmt = select(Branch.id).where(Branch.active.is_(True))
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
                     periods: dict | None = None, branch_ids=None) -> EvaluationRun:
    """Evaluate every scored indicator of `ruleset` for each cycle period in `keys`.

    store=True upserts Evaluation rows (`periods`: key text → Period, required) and
    removes the period's evaluations the run did not produce; store=False returns the
    results in `run.preview` and writes nothing. `branch_ids` limits the branches
    (preview of one sheet); a stored run always covers all branches."""
    if store and branch_ids is not None:
        raise ValueError("a stored evaluation covers all branches")
    run = EvaluationRun()
    units = dict(session.execute(select(Branch.id, Branch.unit_id).where(Branch.active.is_(True))).all())
    staged: list[tuple] = []
    as_json = bulk.JsonCache()
    for pk in keys:
        run.period_keys.append(pk.key)
        by_method: dict[str, list[Indicator]] = defaultdict(list)
        for ind in indicators_for(ruleset, pk.kind):
            by_method[ind.method].append(ind)
        period_id = periods[pk.key].id if store else None
        for method in sorted(by_method):
            inds = sorted(by_method[method], key=lambda i: i.id)
            kind = kinds.get(method)
            if kind is None:
                run.warnings.append(f"评分方法 {method} 未加载（插件未安装或加载失败），指标 "
                                    f"{'、'.join(i.code for i in inds)} 未评分。")
                continue
            points = {i.id: Decimal(i.points) for i in inds}
            points_c = {i: to_cents(p) for i, p in points.items()}
            applicable = {i.id: applicable_select(i, kind.plugin, branch_ids) for i in inds}
            n = 0
            if kind.evaluate is None:
                for ind in inds:
                    for bid in session.scalars(applicable[ind.id]):
                        n += 1
                        if store:
                            staged.append((bid, units[bid], ind.id, period_id, points_c[ind.id], None, None))
                        else:
                            run.preview.append(PreviewEvaluation(bid, ind.id, pk.key, points[ind.id], None, None))
            else:
                ctx = EvalContext(session=session, period=pk, ruleset=ruleset, indicators=inds, applicable=applicable)
                clamp_to = {i.id: _Clamp(kind.upper_bound(i)) for i in inds}
                for row in kind.evaluate(ctx):
                    earned, earned_c = clamp_to[row.indicator_id](row.earned)
                    n += 1
                    if store:
                        staged.append((row.branch_id, units[row.branch_id], row.indicator_id, period_id,
                                       points_c[row.indicator_id], earned_c, as_json(row.evidence)))
                    else:
                        run.preview.append(PreviewEvaluation(row.branch_id, row.indicator_id, pk.key,
                                                             points[row.indicator_id], earned, row.evidence))
            run.per_method[method] = run.per_method.get(method, 0) + n
            run.evaluations += n
    if store and keys:
        ids = ", ".join(str(int(periods[pk.key].id)) for pk in keys)
        run.removed = bulk.upsert(session, bulk.EVALUATIONS, staged, stale_scope=f"period_id IN ({ids})",
                                  order_by=["period_id", "indicator_id", "branch_id"])
    return run
