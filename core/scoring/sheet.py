"""A branch's explainable sheet (考核明细表) for one window: every item with its rule,
points, automatic / self / verified values, reason and evidence, grouped by index;
the index scores, bonus/deduction/veto records, total, star and the notes.

Each item carries its evidence in words (`words`, core.scoring.evidence) when the
scoring kinds are given. Closed window: read from the stored rows. Open window: a live preview computed for the
one branch (nothing written) when scoring `kinds` are given, merged with the stored
self-assessed and verified values; otherwise the stored (recomputed) rows, if any.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.indicators.models import CYCLES, INDICATOR_KINDS, INDICES, Indicator, RuleSet
from core.ledger.models import POINT_KINDS, PointRecord
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.points import ZERO
from core.scoring.aggregate import weights_of
from core.scoring.models import Evaluation, ScoreResult, tier_of


@dataclass
class SheetItem:
    """One indicator evaluated for one cycle period."""

    indicator_id: int
    code: str
    name: str
    kind: str
    kind_label: str
    method: str
    cycle: str
    cycle_label: str
    period_key: str
    standard: str | None
    points: Decimal
    auto_earned: Decimal | None
    self_earned: Decimal | None
    self_note: str | None
    verified_earned: Decimal | None
    verify_reason: str | None
    verified_by: int | None
    verified_at: object
    evidence: dict | None
    #: The stored evaluation's period id (with the branch and indicator, its key); None
    #: in a preview of an item never stored (run a recompute to self-assess it).
    period_id: int | None = None
    version: int | None = None
    #: True when a closed window holds the item (no edit possible).
    locked: bool = False
    #: The evidence in words (core.scoring.evidence; key=value without the method's kinds).
    words: str = ""

    @property
    def earned(self) -> Decimal:
        """The value that counts: verified ▸ automatic ▸ 0."""
        if self.verified_earned is not None:
            return self.verified_earned
        return self.auto_earned if self.auto_earned is not None else ZERO

    @property
    def is_manual(self) -> bool:
        return self.auto_earned is None


@dataclass
class IndexSection:
    index_code: str
    label: str
    weight: int
    score: Decimal | None
    points: Decimal = ZERO
    earned: Decimal = ZERO
    items: list[SheetItem] = field(default_factory=list)

    @property
    def dropped(self) -> bool:
        """No evaluation in the window: the index is left out and the others re-scaled."""
        return self.score is None


@dataclass
class PointItem:
    id: int
    kind: str
    kind_label: str
    points: Decimal
    dated: object
    reason: str
    indicator_code: str | None


@dataclass
class BranchSheet:
    branch_id: int
    branch_code: str
    branch_name: str
    category: str
    window: str
    window_label: str
    closed: bool
    #: "stored" (closed or recomputed rows), "preview" (computed now), "empty".
    source: str
    ruleset_id: int | None
    ruleset_name: str | None
    sections: list[IndexSection] = field(default_factory=list)
    point_records: list[PointItem] = field(default_factory=list)
    base: Decimal | None = None
    bonus: Decimal | None = None
    deduction: Decimal | None = None
    total: Decimal | None = None
    stars: int | None = None
    tier: int | None = None
    rank: int | None = None
    vetoed: bool = False
    notes: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def branch_sheet(session: Session, branch_id: int, key, *, kinds=None, gates=None, today=None) -> BranchSheet:
    """The sheet of `branch_id` for window `key`. Scoping is the caller's job (views
    call core.auth.scoping.get_branch_or_404 first). A preview scores only the cycle
    periods ended before `today` (default core.clock), as a trial does."""
    from core.scoring.compute import compute_window, cycle_keys
    from core.scoring.close import ruleset_for
    from core.scoring import sources

    pk = key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))
    branch = session.get(Branch, branch_id)
    if branch is None:
        from core.scoring.errors import NotFound
        raise NotFound(gettext("支部不存在。"))
    keys = [k.key for k in cycle_keys(pk)]
    periods = {p.key: p for p in session.scalars(select(Period).where(Period.key.in_(keys)))}
    window_period = periods.get(pk.key)
    closed = bool(window_period and window_period.is_closed)
    closed_keys = {k for k, p in periods.items() if p.is_closed}
    # Locked: the item's cycle period is closed, or a window containing it is.
    locked_keys = closed_keys | (set(keys) if closed else set())

    stored = _stored_items(session, branch_id, [p.id for p in periods.values()], periods)
    stored_result = None
    if window_period is not None:
        stored_result = session.scalar(select(ScoreResult).where(ScoreResult.period_id == window_period.id,
                                                                 ScoreResult.branch_id == branch_id))
    ruleset = None
    if closed and window_period.ruleset_id:
        ruleset = session.get(RuleSet, window_period.ruleset_id)
    sheet = BranchSheet(branch_id=branch.id, branch_code=branch.code, branch_name=branch.name,
                        category=branch.category, window=pk.key, window_label=pk.label, closed=closed,
                        source="empty", ruleset_id=None, ruleset_name=None)
    items: list[SheetItem] = []
    score = None
    if closed or kinds is None:
        items = list(stored.values())
        if stored_result is not None:
            score = _from_result(stored_result)
            sheet.source = "stored"
        if ruleset is None:
            from core.indicators.catalogue import active_ruleset
            ruleset = (session.get(RuleSet, stored_result.ruleset_id) if stored_result else None) or active_ruleset(session, pk.year)
    else:
        ruleset = ruleset_for(session, pk.year)
        kinds_d, gates_d = sources.resolve(kinds, gates)
        from core import clock
        run = compute_window(session, pk, ruleset, kinds_d, gates_d, store=False, branch_ids=[branch_id],
                             due_by=today or clock.today())
        sheet.warnings = run.warnings
        previewed = {(p.indicator_id, p.period_key) for p in run.evaluation.preview}
        indicators = {i.id: i for i in session.scalars(select(Indicator).where(
            Indicator.id.in_({p.indicator_id for p in run.evaluation.preview})))}
        for (ind_id, pkey), item in stored.items():
            if pkey in closed_keys:
                items.append(item)
        for p in run.evaluation.preview:
            base = stored.get((p.indicator_id, p.period_key))
            item = _item(indicators[p.indicator_id], p.period_key, p.points, p.auto_earned, p.evidence)
            if base is not None:
                item.self_earned, item.self_note = base.self_earned, base.self_note
                item.verified_earned, item.verify_reason = base.verified_earned, base.verify_reason
                item.verified_by, item.verified_at = base.verified_by, base.verified_at
                item.period_id, item.version = base.period_id, base.version
            items.append(item)
        _ = previewed
        score = run.scores[0] if run.scores else None
        if score is not None:
            score.rank = None  # a one-branch preview has no rank
        sheet.source = "preview"
    from core.scoring.evidence import describe
    kinds_by_method = sources.kinds_from(kinds) if kinds is not None else {}
    indicator_of = {i.id: i for i in session.scalars(select(Indicator).where(
        Indicator.id.in_({i.indicator_id for i in items})))} if items else {}
    for item in items:
        item.locked = item.period_key in locked_keys
        item.words = describe(item.evidence, indicator_of[item.indicator_id], ruleset, kinds_by_method)
    if ruleset is not None:
        sheet.ruleset_id, sheet.ruleset_name = ruleset.id, ruleset.name
    weights = weights_of(ruleset).get(branch.category, {}) if ruleset is not None else {}
    index_scores = score.index_scores if score is not None else {}
    for code, label in INDICES.items():
        section = IndexSection(code, label, weights.get(code, 0), index_scores.get(code))
        section.items = sorted((i for i in items if _index_of(i, session) == code),
                               key=lambda i: (i.period_key, i.code))
        section.points = sum((i.points for i in section.items), ZERO)
        section.earned = sum((i.earned for i in section.items), ZERO)
        sheet.sections.append(section)
    sheet.point_records = [
        PointItem(r.id, r.kind, POINT_KINDS.get(r.kind, r.kind), r.points, r.dated, r.reason, r.indicator_code)
        for r in session.scalars(select(PointRecord).where(
            PointRecord.branch_id == branch_id, PointRecord.dated >= pk.starts_on, PointRecord.dated <= pk.ends_on)
            .order_by(PointRecord.dated, PointRecord.id))]
    if score is not None:
        sheet.base, sheet.bonus, sheet.deduction, sheet.total = score.base, score.bonus, score.deduction, score.total
        sheet.stars, sheet.tier, sheet.rank = score.stars, tier_of(score.stars), score.rank
        sheet.vetoed, sheet.notes = score.vetoed, dict(score.notes or {})
    return sheet


_INDEX_CACHE_ATTR = "_index_code"


def _index_of(item: SheetItem, session) -> str:
    return getattr(item, _INDEX_CACHE_ATTR)


def _item(ind: Indicator, period_key: str, points, auto, evidence) -> SheetItem:
    item = SheetItem(indicator_id=ind.id, code=ind.code, name=ind.name, kind=ind.kind,
                     kind_label=INDICATOR_KINDS.get(ind.kind, ind.kind), method=ind.method, cycle=ind.cycle,
                     cycle_label=CYCLES.get(ind.cycle, ind.cycle), period_key=period_key, standard=ind.standard,
                     points=points, auto_earned=auto, self_earned=None, self_note=None, verified_earned=None,
                     verify_reason=None, verified_by=None, verified_at=None, evidence=evidence)
    setattr(item, _INDEX_CACHE_ATTR, ind.index_code)
    return item


def _stored_items(session, branch_id, period_ids, periods) -> dict[tuple, SheetItem]:
    if not period_ids:
        return {}
    key_of = {p.id: k for k, p in periods.items()}
    out = {}
    for ev, ind in session.execute(select(Evaluation, Indicator).join(Indicator, Indicator.id == Evaluation.indicator_id)
                                   .where(Evaluation.branch_id == branch_id, Evaluation.period_id.in_(period_ids))):
        item = _item(ind, key_of[ev.period_id], ev.points, ev.auto_earned, ev.evidence)
        item.self_earned, item.self_note = ev.self_earned, ev.self_note
        item.verified_earned, item.verify_reason = ev.verified_earned, ev.verify_reason
        item.verified_by, item.verified_at = ev.verified_by, ev.verified_at
        item.period_id, item.version = ev.period_id, ev.version
        out[(ind.id, item.period_key)] = item
    return out


@dataclass
class _StoredScore:
    index_scores: dict
    base: Decimal
    bonus: Decimal
    deduction: Decimal
    total: Decimal
    stars: int | None
    rank: int | None
    vetoed: bool
    notes: dict


def _from_result(r: ScoreResult) -> _StoredScore:
    return _StoredScore(r.index_scores(), r.base, r.bonus, r.deduction, r.total, r.stars, r.rank, r.vetoed,
                        r.notes or {})
