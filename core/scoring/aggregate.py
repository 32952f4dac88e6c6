"""From evaluations to a window's total (SCORING.md "One formula for every window").

    ratio_i = Σ earned / Σ points  over the evaluations of index i in the window
    score_i = W'_c,i × ratio_i     exact (a fraction)
    base    = Σ score_i            (W' = W re-scaled to 100 over indices with Σ points > 0)
    total   = clamp(base + bonus − deduction, 0, 100), rounded half-up once to 0.01

Sums are integers (hundredths) from SQL; the index scores and the base are exact
fractions here, rounded once, so SQLite and PostgreSQL give the same digits and a
branch earning every available point scores 100.00. The shown (stored) index scores
are apportioned by the largest-remainder method so that they add up to the shown base.

Decisions (README, scoring section):
- earned of an evaluation = verified, else automatic, else 0 (an unverified manual item
  counts 0 at close; the self-assessment is a claim, never a score).
- Re-scaling: W'_i = W_i × 100 ÷ Σ W over the indices that have evaluations; the stored
  index scores are the re-scaled ones, so they add up to base; notes list the indices
  that dropped out. No evaluation at all: base 0 (note "no_evaluations").
- bonus(w) = min(Σ bonus records dated in w, bonus_cap) — the cap applies per window
  (month, quarter and year alike).
- deduction(w) = Σ deduction records dated in w; records citing a deduction indicator
  of the rule set are capped, per that indicator's cycle period, at its points ("the
  most that can be taken off"); other records count in full. The total never falls
  below 0 (deduction floor) nor rises above 100.
- Veto: any veto record dated in w sets `vetoed` (stars are capped in core.scoring.stars).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from math import lcm

from flask_babel import gettext
from sqlalchemy import Integer, Select, any_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from core.formatting import sep
from core.indicators.models import INDICES, Indicator, RuleSet
from core.ledger.models import PointRecord
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.points import ZERO, div_half_up, from_cents, to_cents
from core.scoring.models import Evaluation

#: branch id → index code → (Σ points cents, Σ earned cents)
IndexSums = dict[int, dict[str, tuple[int, int]]]


@dataclass
class BranchScore:
    """One branch's result for a window, before it is stored as a ScoreResult."""

    branch_id: int
    unit_id: int
    category: str
    code: str
    index_scores: dict[str, Decimal | None] = field(default_factory=dict)
    base: Decimal = ZERO
    bonus: Decimal = ZERO
    deduction: Decimal = ZERO
    total: Decimal = ZERO
    vetoed: bool = False
    stars: int | None = None
    tier: int | None = None
    rank: int = 0
    notes: dict = field(default_factory=dict)
    #: The stored integers: the five index scores (INDICES order, None = dropped), base,
    #: bonus, deduction and total in hundredths (set by `score`).
    cents: tuple = ()

    @property
    def performance(self) -> Decimal:
        return self.index_scores.get("performance") or ZERO


def among(branch_ids):
    """`branch_ids` for an IN: a SELECT of ids stays a subquery, ids become a list."""
    return branch_ids if isinstance(branch_ids, Select) else list(branch_ids)


def key_among(session: Session, column, branch_ids):
    """`column` IN `branch_ids`, for a column an index leads to (branches.id, or
    evaluations' key after period_id): on PostgreSQL a SELECT of ids becomes
    = ANY(ARRAY(…)), so the index is probed for these branches only rather than every
    row (of the periods) scanned and filtered against the subquery (one batch of a
    fanned-out close; see engine.unit_scope)."""
    if isinstance(branch_ids, Select) and session.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(branch_ids.scalar_subquery()))
    return column.in_(among(branch_ids))


def branches_in_scope(session: Session, branch_ids=None) -> list[tuple]:
    """(id, unit_id, category, code) of the active branches (of `branch_ids`: ids or a
    SELECT of ids), by code."""
    stmt = select(Branch.id, Branch.unit_id, Branch.category, Branch.code).where(Branch.active.is_(True))
    if branch_ids is not None:
        stmt = stmt.where(key_among(session, Branch.id, branch_ids))
    return list(session.execute(stmt.order_by(Branch.code)))


def index_sums_from_db(session: Session, period_ids: list[int], branch_ids=None, *, ruleset=None,
                       index_of: dict[int, str] | None = None,
                       rescored: dict[int, tuple[int, object]] | None = None) -> IndexSums:
    """One GROUP BY: Σ points and Σ earned (verified ▸ auto ▸ 0) per branch and index.
    The indicators are those of the periods' years, and `ruleset`'s (a draft of
    another year scored in a what-if) — or exactly `index_of` (indicator id → index
    code; rows of other indicators count nowhere): a what-if counting stored rows of
    the closed rule set under the draft's indices (core.scoring.whatif), whose
    `rescored` rows (indicator id → (points in hundredths, SQL of the automatic earned))
    count other points and another automatic value than the stored ones."""
    sums: IndexSums = defaultdict(dict)
    if not period_ids:
        return sums
    if index_of is not None:
        return _index_sums(session, period_ids, branch_ids, index_of, sums, rescored)
    # The index of each indicator as a CASE over the (few dozen) indicators of the
    # periods' years rather than a join: the plan then does not depend on statistics,
    # which are stale right after a close has inserted the period's rows (PostgreSQL
    # chose a nested loop over 268 000 rows: 0.40 s instead of 0.13 s).
    years = select(Period.year).where(Period.id.in_(period_ids))
    index_of = dict(session.execute(select(Indicator.id, Indicator.index_code)
                                    .join(RuleSet, RuleSet.id == Indicator.ruleset_id)
                                    .where(RuleSet.year.in_(years))).all())
    if ruleset is not None:
        index_of.update((i.id, i.index_code) for i in ruleset.indicators)
    return _index_sums(session, period_ids, branch_ids, index_of, sums)


def _index_sums(session: Session, period_ids: list[int], branch_ids, index_of: dict[int, str],
                sums: IndexSums, rescored: dict[int, tuple[int, object]] | None = None) -> IndexSums:
    if not index_of:
        return sums
    # one integer per (branch, index) to group by: SQLite sorts it faster than the pair
    # (branch, code text) — 0.1 s of the 0.9 s a what-if spends here at 20,000 branches
    codes = sorted(set(index_of.values()))
    key = Evaluation.branch_id * len(codes) + case({i: codes.index(c) for i, c in index_of.items()},
                                                   value=Evaluation.indicator_id)
    points, auto = type_coerce(Evaluation.points, Integer), type_coerce(Evaluation.auto_earned, Integer)
    if rescored:
        points = case({i: p for i, (p, _e) in rescored.items()}, value=Evaluation.indicator_id, else_=points)
        auto = case(*((Evaluation.indicator_id == i, e) for i, (_p, e) in rescored.items()), else_=auto)
    # type_coerce: keep the raw integer hundredths (no Decimal per row)
    earned = type_coerce(func.coalesce(Evaluation.verified_earned, auto, 0), Integer)
    stmt = (select(key, type_coerce(func.sum(points), Integer), type_coerce(func.sum(earned), Integer))
            .where(Evaluation.period_id.in_(period_ids), Evaluation.indicator_id.in_(list(index_of)))
            .group_by(key))
    if branch_ids is not None:
        stmt = stmt.where(key_among(session, Evaluation.branch_id, branch_ids))
    # one row per (branch, index): plain assignment. The DBAPI cursor's own tuples: the
    # columns need no conversion (int() takes PostgreSQL's numeric SUM), and ~100,000
    # Row objects cost a third of this function (bench/whatif.py).
    result = session.connection().execute(stmt)
    try:
        for key, pts, got in result.cursor.fetchall():
            branch_id, n = divmod(key, len(codes))
            sums[branch_id][codes[n]] = (int(pts), int(got))
    finally:
        result.close()
    return sums


def _cents(value) -> int:
    """A SUM over a PointsType column: SQLAlchemy may hand back a Decimal (typed) or
    the raw integer of hundredths."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int((value * 100).to_integral_value())
    return int(value)


def add_sums(sums: IndexSums, branch_id: int, index_code: str, points_cents: int, earned_cents: int) -> None:
    pts, got = sums[branch_id].get(index_code, (0, 0))
    sums[branch_id][index_code] = (pts + points_cents, got + earned_cents)


@dataclass
class Adjustments:
    """Bonus, deduction and veto of one branch in a window."""

    bonus_raw: Decimal = ZERO
    deduction: Decimal = ZERO
    veto_codes: list = field(default_factory=list)
    vetoes: int = 0


def adjustments(session: Session, window: PeriodKey, ruleset, branch_ids=None) -> dict[int, Adjustments]:
    """One GROUP BY over the point records dated in the window."""
    stmt = (select(PointRecord.branch_id, PointRecord.kind, PointRecord.indicator_code, PointRecord.dated,
                   func.sum(PointRecord.points), func.count())
            .where(PointRecord.dated >= window.starts_on, PointRecord.dated <= window.ends_on)
            .group_by(PointRecord.branch_id, PointRecord.kind, PointRecord.indicator_code, PointRecord.dated))
    if branch_ids is not None:
        stmt = stmt.where(PointRecord.branch_id.in_(among(branch_ids)))
    caps = {i.code: (Decimal(i.points), i.cycle) for i in ruleset.indicators if i.kind == "deduction"}
    out: dict[int, Adjustments] = defaultdict(Adjustments)
    capped: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for branch_id, kind, code, dated, pts, n in session.execute(stmt):
        pts = from_cents(_cents(pts))
        adj = out[branch_id]
        if kind == "bonus":
            adj.bonus_raw += pts
        elif kind == "veto":
            adj.vetoes += int(n)
            if code and code not in adj.veto_codes:
                adj.veto_codes.append(code)
        elif kind == "deduction":
            if code in caps:
                capped[(branch_id, code, PeriodKey.of_date(caps[code][1], dated).key)] += pts
            else:
                adj.deduction += pts
    for (branch_id, code, _period), pts in capped.items():
        out[branch_id].deduction += min(pts, caps[code][0])
    for adj in out.values():
        adj.veto_codes.sort()
    return out


def weights_of(ruleset) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for w in ruleset.weights:
        out[w.category][w.index_code] = int(w.weight)
    return out


_NO_ADJUSTMENTS = Adjustments()


class Money(dict):
    """Integer hundredths → Decimal points, memoised for one run: index scores and totals
    take at most 10 001 values, so most branches reuse a Decimal already made."""

    def __missing__(self, cents: int) -> Decimal:
        value = self[cents] = from_cents(cents)
        return value


def shown_indices(exact: dict[str, tuple[int, int]]) -> tuple[dict[str, int], int]:
    """The exact index scores in hundredths, each a fraction (numerator, denominator >
    0) → the shown ones and the shown base, in hundredths. base = Σ exact, rounded
    half-up once; each index is its exact value rounded down, and the hundredths still
    missing to reach the shown base go one each to the indices with the largest
    remainders (largest-remainder method; ties in INDICES order), so the shown indices
    add up to the shown base. Integer arithmetic over a common denominator (a close
    calls this for every distinct branch input)."""
    codes = sorted(exact, key=_INDEX_ORDER.__getitem__)
    common = lcm(*(exact[i][1] for i in codes))
    # each exact value as an integer over the common denominator: sums and comparisons exact
    scaled = [exact[i][0] * (common // exact[i][1]) for i in codes]
    floors = [x // common for x in scaled]
    remainders = [x - f * common for x, f in zip(scaled, floors)]
    base = sum(floors) + div_half_up(sum(remainders), common)
    missing = base - sum(floors)
    if missing > 0:
        # sorted() is stable: equal remainders keep INDICES order
        for n in sorted(range(len(codes)), key=lambda n: -remainders[n])[:missing]:
            floors[n] += 1
    return dict(zip(codes, floors)), base


_INDEX_ORDER = {code: n for n, code in enumerate(INDICES)}


def score(branch: tuple, sums: dict[str, tuple[int, int]], adj: Adjustments | None, weights: dict[str, int],
          bonus_cap: Decimal, memo: dict | None = None, money: dict | None = None) -> BranchScore:
    """Apply the one formula to one branch (pure function). Arithmetic is exact: each
    index score_i = W'_i × Σ earned ÷ Σ points is a fraction, base is their exact sum
    rounded half-up once to hundredths, and the shown index scores are apportioned to
    add up to it (`shown_indices`); bonus and deduction are whole hundredths, so the
    total is exact too. `memo` (one per run and category: the weights are not in its
    keys) and `money` (one per run) keep results and
    Decimals already computed for the same integer inputs. `result.cents` holds the
    stored integers."""
    money = Money() if money is None else money
    memo = {} if memo is None else memo
    branch_id, unit_id, category, code = branch
    result = BranchScore(branch_id, unit_id, category, code)
    present = [i for i in INDICES if i in sums and sums[i][0] > 0]
    notes: dict = {}
    index_cents: dict[str, int | None] = dict.fromkeys(INDICES)
    key = (tuple(present), *[sums[i] for i in present])  # the weights are the category's
    hit = memo.get(key)
    if hit is None:
        weight_present = sum(weights.get(i, 0) for i in present)
        if weight_present == 0:
            hit = ({i: 0 for i in present}, 0)
        else:
            # W × 100 / W_present × got / pts points = that × 100 hundredths, exactly
            hit = shown_indices({i: (weights.get(i, 0) * 10000 * sums[i][1], weight_present * sums[i][0])
                                 for i in present})
        memo[key] = hit
    shown, base = hit
    index_cents.update(shown)
    if not present:
        notes["no_evaluations"] = True
    elif len(present) < len(INDICES):
        notes["rescaled"] = [i for i in INDICES if i not in present]
    adj = adj or _NO_ADJUSTMENTS
    bonus = to_cents(min(adj.bonus_raw, bonus_cap)) if adj.bonus_raw else 0
    if adj.bonus_raw > bonus_cap:
        notes["bonus_capped_from"] = str(adj.bonus_raw)
    deduction = to_cents(adj.deduction) if adj.deduction else 0
    # base is the exact base rounded once; bonus and deduction are whole hundredths and
    # the bounds 0 and 100 too, so rounding the exact total gives the same digits
    raw_total = base + bonus - deduction
    total = 0 if raw_total < 0 else 10000 if raw_total > 10000 else raw_total
    if raw_total != total:
        notes["clamped_from"] = str(from_cents(raw_total))
    result.vetoed = adj.vetoes > 0
    if result.vetoed:
        notes["veto"] = adj.veto_codes or True
    result.index_scores = {i: None if c is None else money[c] for i, c in index_cents.items()}
    result.base, result.bonus, result.deduction, result.total = money[base], money[bonus], money[deduction], money[total]
    result.cents = (*(index_cents[i] for i in INDICES), base, bonus, deduction, total)
    result.notes = notes
    return result


def score_all(branches: list[tuple], sums: IndexSums, adjs: dict[int, Adjustments], ruleset) -> list[BranchScore]:
    weights = weights_of(ruleset)
    bonus_cap = Decimal(str(ruleset.setting("bonus_cap")))
    missing = sorted({b[2] for b in branches} - set(weights))
    if missing:
        from core.org.models import CATEGORIES
        from core.scoring.errors import ScoringError
        raise ScoringError(gettext("考核细则“%(name)s”缺少以下支部类别的指数权重：%(missing)s。",
                                   name=ruleset.name, missing=sep("list").join(gettext(CATEGORIES.get(c, c)) for c in missing)))
    memos: dict = defaultdict(dict)  # per category: its weights are part of the inputs
    money = Money()
    empty: dict = {}
    # Branches of one category with the same index sums and no bonus, deduction or veto
    # get the same result: most of a month's 20 000 branches fall into a few dozen such
    # groups, so each group is scored once and the rest copy it.
    same: dict[tuple, BranchScore] = {}
    out = []
    for b in branches:
        branch_sums = sums.get(b[0], empty)
        adj = adjs.get(b[0])
        if adj is not None:
            out.append(score(b, branch_sums, adj, weights[b[2]], bonus_cap, memos[b[2]], money))
            continue
        key = (b[2], *branch_sums.items())
        model = same.get(key)
        if model is None:
            model = same[key] = score(b, branch_sums, None, weights[b[2]], bonus_cap, memos[b[2]], money)
            out.append(model)
            continue
        out.append(BranchScore(b[0], b[1], b[2], b[3], dict(model.index_scores), model.base, model.bonus,
                               model.deduction, model.total, model.vetoed, notes=dict(model.notes),
                               cents=model.cents))
    return out
