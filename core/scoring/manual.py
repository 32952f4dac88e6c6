"""Manual items (人工评分项) of open windows: present from the window's start, never
silently 0 at a close (SCORING.md "Manual and verified items").

- `expected_items`: the manual items a window has — every scored indicator whose
  method is manual × the branches it applies to × the window's open cycle periods —
  with their stored self-assessed and verified values, whether or not an evaluation
  row exists yet. Set-based: one SELECT per (indicator, cycle period), UNION ALL.
- `unverified_items` / `UnverifiedSummary`: those without a verified value, counted per
  unit (the close page, `starbranch close`, reviewers' to-do).
- `count_unverified` / `unverified_counts`: the same items counted in SQL — in all (the
  home page) or per unit and cycle period (the reviewers' reminders); `started_open_keys`:
  the cycle periods of a year that have started and are open (where items are expected).
  Every caller counts through `_item_selects`, the one rule of what a window expects.
- `ensure_items`: inserts the missing evaluation rows of manual items (automatic value
  NULL) for open cycle periods, keeping every stored row: so a secretary can self-assess
  and a reviewer verify before any 试算 or close has run.
- `apply_policy`: at a close, writes the admin's choice into the unverified rows as
  their verified value — the self-assessment (0 when there is none) or 0 — with a
  reason naming the choice, so the sheet shows why each item counts what it counts.

Decided (README, "Scoring"): policies are `refuse` (default), `self`, `zero`
(RuleSet setting `unverified_policy`, the choice pre-selected on the close page). A
close with unverified items is refused under `refuse`. The admin may choose `self` or
`zero` at the close with a reason; a rule set whose setting is `self` or `zero` applies
it without one (the setting was chosen on the audited settings page). Either way the
close's audit entry records the policy, the reason and the count per unit. A 试算 (trial) counts an
unverified item 0 in its provisional result and says how many there are.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import Integer, and_, func, insert, literal, select, type_coerce, union_all, update
from sqlalchemy.orm import Session

from core.formatting import sep
from core.db import utcnow
from core.indicators.models import UNVERIFIED_POLICIES, Indicator
from core.org.models import Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.points import to_cents
from core.scoring.aggregate import key_among
from core.scoring.engine import applicable_select, indicators_for
from core.scoring.errors import ReasonRequired, ScoringError
from core.scoring.models import Evaluation


class UnverifiedItems(ScoringError):
    """A close refused because manual items are still unverified; `.summary` lists them."""

    def __init__(self, message: str, summary: UnverifiedSummary):
        super().__init__(message)
        self.summary = summary


@dataclass(frozen=True)
class ManualItem:
    branch_id: int
    unit_id: int
    indicator_id: int
    period_key: str
    self_earned: Decimal | None
    verified: bool


@dataclass
class UnverifiedSummary:
    """The unverified manual items of a window: per unit (id → count) and every item."""

    window: str
    items: list[ManualItem] = field(default_factory=list)
    per_unit: dict[int, int] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)
    self_assessed: int = 0
    #: The number of items when only counted (unverified_for_policy), not listed.
    counted: int | None = None

    @property
    def count(self) -> int:
        return len(self.items) if self.counted is None else self.counted

    def lines(self) -> list[str]:
        """'炼钢厂党委：12 项' per unit, by unit name."""
        return [gettext("%(unit)s：%(n)s 项", unit=self.unit_names.get(u, str(u)), n=n)
                for u, n in sorted(self.per_unit.items(), key=lambda kv: self.unit_names.get(kv[0], ""))]


def _first_units(summary: UnverifiedSummary, shown: int = 8) -> str:
    lines = summary.lines()
    text = sep("semicolon").join(lines[:shown])
    if len(lines) > shown:
        text += gettext("；等 %(n)s 个单位", n=len(lines))
    return text


def manual_indicators(ruleset, kinds: dict, cycle: str) -> list[tuple[Indicator, str | None]]:
    """(indicator, plugin of its method) for the scored indicators of `cycle` whose
    method is manual."""
    out = []
    for ind in indicators_for(ruleset, cycle):
        kind = kinds.get(ind.method)
        if kind is not None and kind.is_manual:
            out.append((ind, kind.plugin))
    return out


def _period_ids(session: Session, keys: list[PeriodKey]) -> dict[str, int]:
    return dict(session.execute(select(Period.key, Period.id).where(Period.key.in_([k.key for k in keys]))).all())


def open_cycle_keys(session: Session, keys: list[PeriodKey]) -> list[PeriodKey]:
    closed = set(session.scalars(select(Period.key).where(Period.key.in_([k.key for k in keys]),
                                                           Period.status == "closed")))
    return [k for k in keys if k.key not in closed]


def _item_selects(session: Session, keys: list[PeriodKey], ruleset, kinds: dict, *, branch_clause=None,
                  only_unverified: bool = False) -> list:
    """The one rule of which manual items the cycle periods `keys` have: one SELECT per
    (indicator, cycle period) of every applicable branch, outer-joined to its stored row
    (columns: branch id, unit_id, indicator_id, period_key, self_earned, verified)."""
    ids = _period_ids(session, keys)
    selects = []
    for pk in keys:
        pid = ids.get(pk.key, 0)  # no Period row yet: nothing stored, every item unverified
        for ind, plugin in manual_indicators(ruleset, kinds, pk.kind):
            stmt = (applicable_select(ind, plugin)
                    .add_columns(Branch.unit_id.label("unit_id"), literal(ind.id).label("indicator_id"),
                                 literal(pk.key).label("period_key"), Evaluation.self_earned.label("self_earned"),
                                 Evaluation.verified_earned.is_not(None).label("verified"))
                    .outerjoin(Evaluation, and_(Evaluation.period_id == pid, Evaluation.branch_id == Branch.id,
                                                Evaluation.indicator_id == ind.id)))
            if branch_clause is not None:
                stmt = stmt.where(branch_clause)
            if only_unverified:
                stmt = stmt.where(Evaluation.verified_earned.is_(None))
            selects.append(stmt)
    return selects


def _union(selects):
    return selects[0] if len(selects) == 1 else union_all(*selects)


def expected_items(session: Session, keys: list[PeriodKey], ruleset, kinds: dict, *, branch_clause=None,
                   only_unverified: bool = False) -> list[ManualItem]:
    """The manual items of the cycle periods `keys` (callers pass open ones), stored or
    not, with their self-assessed value and whether they are verified."""
    selects = _item_selects(session, keys, ruleset, kinds, branch_clause=branch_clause,
                            only_unverified=only_unverified)
    if not selects:
        return []
    return [ManualItem(b, u, i, k, s, bool(v)) for b, u, i, k, s, v in session.execute(_union(selects))]


def unverified_items(session: Session, window: PeriodKey, ruleset, kinds: dict, *, branch_clause=None,
                     keys: list[PeriodKey] | None = None) -> UnverifiedSummary:
    """The window's unverified manual items in its open cycle periods (or `keys`)."""
    from core.scoring.compute import cycle_keys

    keys = open_cycle_keys(session, cycle_keys(window)) if keys is None else keys
    items = expected_items(session, keys, ruleset, kinds, branch_clause=branch_clause, only_unverified=True)
    items.sort(key=lambda i: (i.unit_id, i.branch_id, i.period_key, i.indicator_id))
    per_unit = dict(Counter(i.unit_id for i in items))
    names = dict(session.execute(select(OrgNode.id, OrgNode.name).where(OrgNode.id.in_(list(per_unit)))).all()) \
        if per_unit else {}
    return UnverifiedSummary(window=window.key, items=items, per_unit=per_unit, unit_names=names,
                             self_assessed=sum(1 for i in items if i.self_earned is not None))


def unverified_for_policy(session: Session, window: PeriodKey, ruleset, kinds: dict) -> UnverifiedSummary:
    """What resolve_policy needs with the rule set's own policy (a fanned-out close): the
    items listed only when that policy refuses (its message names the units); else one
    COUNT — listing a quarter's 200,000 items took seconds of the close's serial start."""
    from core.scoring.compute import cycle_keys

    if ruleset.setting("unverified_policy") == "refuse":
        return unverified_items(session, window, ruleset, kinds)
    keys = open_cycle_keys(session, cycle_keys(window))
    return UnverifiedSummary(window=window.key, counted=count_unverified(session, keys, ruleset, kinds))


def ensure_items(session: Session, keys: list[PeriodKey], ruleset, kinds: dict, *, branch_ids=None) -> int:
    """Insert the missing evaluation rows of the manual items of the open cycle periods
    `keys` (their Period rows are created). Stored rows are left as they are. Returns
    the number of rows inserted. Not committed."""
    from core.periods.services import get_or_create_periods

    keys = open_cycle_keys(session, keys)
    if not keys:
        return 0
    periods = get_or_create_periods(session, keys)
    n = 0
    for pk in keys:
        pid = periods[pk.key].id
        for ind, plugin in manual_indicators(ruleset, kinds, pk.kind):
            stored = select(Evaluation.branch_id).where(Evaluation.period_id == pid,
                                                        Evaluation.indicator_id == ind.id)
            rows = (applicable_select(ind, plugin, branch_ids)
                    .add_columns(Branch.unit_id, literal(ind.id), literal(pid), literal(to_cents(ind.points)),
                                 literal(1))
                    .where(Branch.id.not_in(stored)))
            result = session.execute(insert(Evaluation.__table__).from_select(
                ["branch_id", "unit_id", "indicator_id", "period_id", "points", "version"], rows))
            n += max(result.rowcount or 0, 0)
    return n


def ensure_branch_items(session: Session, branch_id: int, window: PeriodKey, kinds, *, today=None) -> int:
    """The manual items of one branch's sheet for `window`: rows for the open cycle
    periods that have started by `today` (default core.clock), under the year's active
    rule set (none: nothing). Cheap — one branch — so the sheet calls it on every view."""
    from core import clock
    from core.indicators.catalogue import active_ruleset
    from core.scoring import sources
    from core.scoring.compute import cycle_keys

    ruleset = active_ruleset(session, window.year)
    if ruleset is None:
        return 0
    today = today or clock.today()
    keys = [k for k in cycle_keys(window) if k.starts_on <= today]
    return ensure_items(session, keys, ruleset, sources.kinds_from(kinds), branch_ids=[branch_id]) if keys else 0


def count_unverified(session: Session, keys: list[PeriodKey], ruleset, kinds: dict, *, branch_clause=None) -> int:
    """How many manual items of the cycle periods `keys` are unverified (one COUNT)."""
    selects = _item_selects(session, keys, ruleset, kinds, branch_clause=branch_clause, only_unverified=True)
    if not selects:
        return 0
    return session.scalar(select(func.count()).select_from(_union(selects).subquery())) or 0


def unverified_counts(session: Session, keys: list[PeriodKey], ruleset, kinds: dict, *,
                      branch_clause=None) -> dict[tuple[int, str], int]:
    """(unit id, cycle period key) → how many manual items are unverified, stored or not
    (one grouped COUNT): the reviewers' reminders."""
    selects = _item_selects(session, keys, ruleset, kinds, branch_clause=branch_clause, only_unverified=True)
    if not selects:
        return {}
    rows = _union(selects).subquery()
    return {(unit_id, key): n for unit_id, key, n in session.execute(
        select(rows.c.unit_id, rows.c.period_key, func.count()).group_by(rows.c.unit_id, rows.c.period_key))}


def started_open_keys(session: Session, year: int, today) -> list[PeriodKey]:
    """The cycle periods of `year` that have started by `today` and are not closed: where
    manual items are expected (from a window's start, stored or not)."""
    from core.periods.services import all_keys_of_year

    return open_cycle_keys(session, [k for k in all_keys_of_year(year) if k.starts_on <= today])


def resolve_policy(ruleset, choice: str | None, reason: str | None,
                   summary: UnverifiedSummary) -> tuple[str | None, str]:
    """(policy, reason) a close applies to `summary`'s items, or raise; policy None:
    nothing to do. No choice, or the rule set's own setting chosen: the setting applies
    (its reason is the setting, changed only through the audited settings page); any
    other choice needs the admin's reason."""
    if summary.count == 0:
        return None, ""
    setting = ruleset.setting("unverified_policy")
    policy = choice or setting
    if policy not in UNVERIFIED_POLICIES:
        raise ScoringError(gettext("未审核人工评分项的处理方式无效：%(p)s", p=policy))
    if policy == "refuse":
        raise UnverifiedItems(gettext(
            "还有 %(n)s 项人工评分项未审核（%(units)s），不能结账：请审核单位完成审核，或由管理员选择按自评或按 0 分计并填写理由。",
            n=summary.count, units=_first_units(summary)), summary)
    reason = (reason or "").strip()
    if not reason:
        if policy != setting:
            raise ReasonRequired(gettext("有 %(n)s 项人工评分项未审核：选择“%(p)s”须填写理由（记入审计日志）。",
                                         n=summary.count, p=gettext(UNVERIFIED_POLICIES[policy])))
        reason = gettext("考核细则“%(name)s”的设置", name=ruleset.name)
    return policy, reason


def policy_note(policy: str, reason: str) -> str:
    """The verify_reason written with `policy` (in the asking request's language)."""
    return gettext("结账时未审核，%(p)s（管理员选择，理由：%(r)s）", p=gettext(UNVERIFIED_POLICIES[policy]),
                   r=reason.strip())


def apply_policy(session: Session, period_ids: list[int], manual_ids: list[int], policy: str, reason: str,
                 *, actor=None, branch_ids=None, note: str | None = None) -> int:
    """Write `policy` into the unverified manual rows of `period_ids` as their verified
    value, with a reason naming it (`note`: that text made earlier, policy_note).
    `branch_ids` (a SELECT of ids): only their rows (one batch of a fanned-out close).
    Returns the number of rows changed."""
    if not period_ids or not manual_ids:
        return 0
    zero = literal(0, Integer)
    value = func.coalesce(type_coerce(Evaluation.self_earned, Integer), zero) if policy == "self" else zero
    stmt = (update(Evaluation)
            .where(Evaluation.period_id.in_(period_ids), Evaluation.indicator_id.in_(manual_ids),
                   Evaluation.verified_earned.is_(None)))
    if branch_ids is not None:
        stmt = stmt.where(key_among(session, Evaluation.branch_id, branch_ids))
    result = session.execute(
        stmt.values(verified_earned=type_coerce(value, Integer),
                    verify_reason=note or policy_note(policy, reason), verified_by=getattr(actor, "id", None),
                    verified_at=utcnow(), version=Evaluation.version + 1)
        .execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)


__all__ = ["UnverifiedItems", "UnverifiedSummary", "ManualItem", "expected_items", "unverified_items",
           "ensure_items", "ensure_branch_items", "count_unverified", "unverified_counts",
           "started_open_keys", "unverified_for_policy", "resolve_policy", "policy_note", "apply_policy", "manual_indicators"]
