"""The contract between the engine and whoever scores indicators (core or plugins).

An `IndicatorKind` is a scoring method. Its evaluator is *set-based*: given one cycle
period and the indicators of that method, it scores every applicable branch at once,
from a handful of SQL statements (GROUP BY), never a query per branch. The engine then
stores Evaluations, applies verification and aggregates.

Two forms, one contract:
- `select(ctx)` (preferred): SELECT statements that compute the result inside the
  database — rows (branch_id, indicator_id, earned, evidence) with earned in integer
  hundredths, already rounded (core.scoring.sqlfuncs.round_div), and evidence as
  canonical JSON text (sqlfuncs.json_text). A close inserts them into the staging
  table with INSERT … SELECT: no row passes through Python (bench/close.py).
- `evaluate(ctx)`: yields `EvalRow`s computed in Python, for methods whose arithmetic
  SQL cannot do exactly.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from core.points import from_cents


@dataclass(frozen=True)
class EvalRow:
    """One branch's result on one indicator. `earned` is a Decimal in [0, max_earned]
    (the kind's upper bound, by default the indicator's points; the engine rounds and
    clamps); `evidence` is JSON-able and shown on the sheet."""

    branch_id: int
    indicator_id: int
    earned: Decimal
    evidence: dict = field(default_factory=dict)


@dataclass
class EvalContext:
    """What an evaluator gets for one cycle period.

    - `period`: a `core.periods.keys.PeriodKey` (the cycle period, e.g. 2026-02 for a
      monthly indicator), with `starts_on`/`ends_on`.
    - `indicators`: the `Indicator` rows of this method and cycle.
    - `applicable`: indicator id → a SQL select of the branch ids it applies to
      (active, right category, plugin enabled for the unit); use it in a WHERE … IN.
    - `ruleset`: the `RuleSet` used (its `setting()` gives the (cfg) numbers).
    - `unit_ids`: set when one batch of units of a fanned-out close is scored
      (core.scoring.fanout): a kind that scans records of all branches should then
      limit its scan to `unit_branches()` (the applicable sets already are).
    """

    session: Session
    period: object
    ruleset: object
    indicators: list
    applicable: dict
    unit_ids: tuple | None = None

    def unit_branches(self):
        """SELECT of the ids of the batch's branches (None when not limited to units)."""
        if self.unit_ids is None:
            return None
        from sqlalchemy import select

        from core.org.models import Branch
        return select(Branch.id).where(Branch.unit_id.in_(list(self.unit_ids)))


@dataclass(frozen=True)
class IndicatorKind:
    """A scoring method. `method` is the code stored on Indicator.method; `plugin` is
    the owning plugin (None for the core); `select(ctx)` returns the SQL form of the
    evaluator, or `evaluate(ctx)` yields EvalRows (see the module docstring).

    A kind with neither is manual: the engine creates empty evaluations that a
    secretary self-assesses and a reviewer scores."""

    method: str
    label: str
    evaluate: Callable[[EvalContext], Iterable[EvalRow]] | None
    plugin: str | None = None
    #: Names of the params the method reads from Indicator.params, for admin forms.
    params: tuple[str, ...] = ()
    #: The most an evaluation of `indicator` may earn, when a method allows more than
    #: the indicator's points (e.g. a bonus for beating a plan, capped); None = points.
    #: The engine clamps automatic values to [0, max_earned(indicator)].
    max_earned: Callable[[object], Decimal] | None = None
    #: The SQL form of the evaluator: EvalContext → SELECT statements (module docstring).
    select: Callable[[EvalContext], list] | None = None
    #: The evidence in words for people: (evidence dict, Indicator, RuleSet or None) →
    #: a sentence through gettext (Chinese and English). The dict stays the data for
    #: machines; core.scoring.evidence calls this and falls back to key=value.
    describe: Callable[[dict, object, object], str] | None = None
    #: Rule-set settings the evaluation reads (e.g. late_factor); None = not declared,
    #: so a what-if treats any changed evaluation setting as read (core.scoring.whatif).
    reads_settings: frozenset[str] | None = None
    #: The evaluation again from what it stored, for a what-if (core.scoring.whatif):
    #: (Indicator, RuleSet, field) → SQL of earned in integer hundredths computed from
    #: the stored evidence (`field(name)`: that evidence number as an SQL integer) with
    #: the indicator's points and params and the rule set's settings — the evaluator's
    #: own formula over the counts the close stored. Valid only when what was counted is
    #: unchanged: same method, cycle, categories and plugin, params differing at most in
    #: `formula_params`, changed settings among `reads_settings` (the what-if checks).
    rescore: Callable[[object, object, Callable], object] | None = None
    #: Params that enter only the formula, not which records are counted (min_count).
    formula_params: frozenset[str] = frozenset()

    @property
    def is_manual(self) -> bool:
        return self.evaluate is None and self.select is None

    def rows(self, ctx: EvalContext) -> Iterable[EvalRow]:
        """The evaluator's results as EvalRows whichever form it has (previews, tests);
        a SQL form's earned comes back as points with two places."""
        if self.select is None:
            yield from (self.evaluate(ctx) if self.evaluate else ())
            return
        conn = ctx.session.connection()
        for stmt in self.select(ctx):
            for branch_id, indicator_id, earned, evidence in conn.execute(stmt):
                yield EvalRow(branch_id, indicator_id, from_cents(earned), json.loads(evidence) if evidence else {})

    def upper_bound(self, indicator) -> Decimal:
        """The clamp's upper bound for `indicator` (its points unless max_earned says more)."""
        if self.max_earned is None:
            return Decimal(indicator.points)
        return Decimal(self.max_earned(indicator))


#: The core's manual method: no automatic score; the secretary self-assesses and a
#: reviewer scores (0 ≤ earned ≤ points). Collected by core.plugins.builtin.
def describe_manual(evidence: dict, indicator, ruleset) -> str:
    from flask_babel import gettext
    return gettext("人工评分：支部自评，审核人按评分标准评定（0 至 %(p)s 分）。", p=indicator.points)


KINDS = [IndicatorKind("manual", "人工评分（自评＋审核）", None, describe=describe_manual, reads_settings=frozenset())]
