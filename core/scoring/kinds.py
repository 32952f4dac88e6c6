"""The contract between the engine and whoever scores indicators (core or plugins).

An `IndicatorKind` is a scoring method. Its evaluator is *set-based*: given one cycle
period and the indicators of that method, it returns the earned points of every
applicable branch at once, from a handful of SQL statements (GROUP BY), never a query
per branch. The engine then stores Evaluations, applies verification and aggregates.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session


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
    """

    session: Session
    period: object
    ruleset: object
    indicators: list
    applicable: dict


@dataclass(frozen=True)
class IndicatorKind:
    """A scoring method. `method` is the code stored on Indicator.method; `plugin` is
    the owning plugin (None for the core); `evaluate(ctx)` yields EvalRows.

    A kind with `evaluate=None` is manual: the engine creates empty evaluations that
    a secretary self-assesses and a reviewer scores."""

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

    def upper_bound(self, indicator) -> Decimal:
        """The clamp's upper bound for `indicator` (its points unless max_earned says more)."""
        if self.max_earned is None:
            return Decimal(indicator.points)
        return Decimal(self.max_earned(indicator))


#: The core's manual method: no automatic score; the secretary self-assesses and a
#: reviewer scores (0 ≤ earned ≤ points). Collected by core.plugins.builtin.
KINDS = [IndicatorKind("manual", "人工评分（自评＋审核）", None)]
