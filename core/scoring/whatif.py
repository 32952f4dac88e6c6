"""What-if (规则调整模拟): how a draft rule set would change a closed year's star
distribution, ranks and tiers — computed with the real close and stored nowhere.

How: inside a SAVEPOINT the year's windows are marked open, the stored verifications
and self-assessments are moved to the draft's indicators of the same code, and every
window is closed again in order with the draft (`close_period(..., ruleset=draft)`,
the same set-based engine); the new results are read and the savepoint is rolled
back, so the database is as before (tested: every row identical, no audit entry).

Decided (README, "Scoring"):
- Only a closed year (its 17 windows closed) can be tried; its stored results are the
  "before". Reviewers' values carry over by indicator code; items only the draft has
  are unverified — manual ones count as the draft's setting says (`refuse` counts 0 in a
  what-if) and the report says how many.
- Compared: each quarter's and the year's star distribution; per unit and category the
  branches gaining and losing a star in the annual grade; the movers (grade, rank or
  tier changed) with why — the total before → after and the largest index changes,
  and the star steps (逐级晋升, gates, veto, proportions) that differ.
- While it runs (seconds) the year's period rows are locked, so a close or reopen of
  that year waits.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.indicators.models import INDICES, Indicator, RuleSet
from core.org.models import Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import all_keys_of_year
from core.scoring.close import close_period
from core.scoring.errors import ScoringError
from core.scoring.models import Evaluation, ScoreResult, tier_of

#: The windows compared: the quarters (stars) and the year (annual grade).
_COMPARED = ("quarter", "year")


@dataclass(frozen=True)
class Outcome:
    total: Decimal
    stars: int | None
    rank: int
    tier: int | None
    indices: tuple
    steps: tuple


@dataclass
class Mover:
    branch_id: int
    code: str
    name: str
    unit: str
    category: str
    before: Outcome
    after: Outcome
    reasons: list[str] = field(default_factory=list)

    @property
    def star_change(self) -> int:
        return (self.after.stars or 0) - (self.before.stars or 0)


@dataclass
class WhatIfReport:
    year: int
    draft_id: int
    draft_name: str
    #: window key → ({stars: n} before, {stars: n} after)
    distribution: dict = field(default_factory=dict)
    #: (unit name, category) → {"branches", "gain", "loss", "before_avg", "after_avg"}
    groups: dict = field(default_factory=dict)
    #: Branches whose annual grade, rank or tier changes, biggest star change first.
    movers: list[Mover] = field(default_factory=list)
    unverified: int = 0
    seconds: float = 0.0
    #: window key → branch id → Outcome, stored (before) and simulated (after).
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    @property
    def gains(self) -> list[Mover]:
        return [m for m in self.movers if m.star_change > 0]

    @property
    def losses(self) -> list[Mover]:
        return [m for m in self.movers if m.star_change < 0]


def _outcomes(session: Session, year: int) -> dict[str, dict[int, Outcome]]:
    """window key → branch id → Outcome, for the year's quarters and the year."""
    keys = [k.key for k in all_keys_of_year(year) if k.kind in _COMPARED]
    rows = session.execute(select(Period.key, ScoreResult).join(Period, Period.id == ScoreResult.period_id)
                           .where(Period.key.in_(keys))).all()
    out: dict[str, dict[int, Outcome]] = defaultdict(dict)
    for key, r in rows:
        steps = tuple(sorted((s.get("rule"), s.get("to")) for s in (r.notes or {}).get("steps") or []))
        out[key][r.branch_id] = Outcome(r.total, r.stars, r.rank, r.tier, tuple(r.index_scores().values()), steps)
    return out


def _carry_over(session: Session, period_ids: list[int], draft: RuleSet) -> None:
    """Point the stored evaluations (verified and self-assessed values) at the draft's
    indicator of the same code; the others are left to the close, which replaces them."""
    by_code = {i.code: i.id for i in draft.indicators}
    used = session.execute(select(Indicator.id, Indicator.code).where(
        Indicator.id.in_(select(Evaluation.indicator_id).where(Evaluation.period_id.in_(period_ids)).distinct()))).all()
    for old_id, code in used:
        new_id = by_code.get(code)
        if new_id is not None and new_id != old_id:
            session.execute(update(Evaluation).where(Evaluation.period_id.in_(period_ids),
                                                     Evaluation.indicator_id == old_id)
                            .values(indicator_id=new_id).execution_options(synchronize_session=False))


def run_whatif(session: Session, draft: RuleSet, year: int, *, kinds, gates=None) -> WhatIfReport:
    """The what-if of `draft` on closed `year`. Writes nothing (a rolled-back savepoint);
    the caller should not commit what it did not write either."""
    started = time.perf_counter()
    keys = all_keys_of_year(year)
    periods = {p.key: p for p in session.scalars(select(Period).where(Period.key.in_([k.key for k in keys])))}
    if len(periods) < len(keys) or not all(p.is_closed for p in periods.values()):
        raise ScoringError(gettext("%(y)s年度尚未全部结账：模拟只能在已结账的年度上进行。", y=year))
    before = _outcomes(session, year)
    policy = draft.setting("unverified_policy")
    report = WhatIfReport(year=year, draft_id=draft.id, draft_name=draft.name)
    savepoint = session.begin_nested()
    try:
        ids = [p.id for p in periods.values()]
        session.execute(update(Period).where(Period.id.in_(ids)).values(status="open")
                        .execution_options(synchronize_session=False))
        session.expire_all()
        _carry_over(session, ids, draft)
        for pk in keys:
            result = close_period(session, pk, kinds=kinds, gates=gates, ruleset=draft,
                                  today=PeriodKey(year + 1, "year", 0).ends_on,
                                  unverified="zero" if policy == "refuse" else policy,
                                  reason=gettext("规则调整模拟"))
            report.unverified += result.unverified
        after = _outcomes(session, year)
    finally:
        savepoint.rollback()
        session.expire_all()
    report.before, report.after = dict(before), dict(after)
    _compare(session, report, before, after)
    report.seconds = time.perf_counter() - started
    return report


def _distribution(outcomes: dict[int, Outcome]) -> dict[int, int]:
    return dict(sorted(Counter(o.stars for o in outcomes.values() if o.stars).items(), reverse=True))


def _reasons(before: Outcome, after: Outcome) -> list[str]:
    out = [gettext("总分 %(a)s → %(b)s", a=before.total, b=after.total)] if before.total != after.total else []
    deltas = []
    for code, b, a in zip(INDICES, before.indices, after.indices):
        if b != a:
            deltas.append((abs((a or 0) - (b or 0)), code, b, a))
    for _d, code, b, a in sorted(deltas, reverse=True)[:2]:
        out.append(gettext("%(i)s %(b)s → %(a)s", i=gettext(INDICES[code]), b=b if b is not None else "—",
                           a=a if a is not None else "—"))
    labels = {"veto": gettext("一票否决封顶"), "promotion": gettext("逐级晋升"), "gate": gettext("星级门槛"),
              "proportion": gettext("星级比例")}
    for rule, _to in sorted(set(after.steps) - set(before.steps)):
        out.append(gettext("新增：%(r)s", r=labels.get(rule, rule)))
    for rule, _to in sorted(set(before.steps) - set(after.steps)):
        out.append(gettext("不再受限：%(r)s", r=labels.get(rule, rule)))
    return out


def _compare(session: Session, report: WhatIfReport, before: dict, after: dict) -> None:
    for pk in all_keys_of_year(report.year):
        if pk.kind in _COMPARED:
            report.distribution[pk.key] = (_distribution(before.get(pk.key, {})), _distribution(after.get(pk.key, {})))
    year_key = str(report.year)
    grades_before, grades_after = before.get(year_key, {}), after.get(year_key, {})
    info = {b.id: (b.code, b.name, u.name, b.category) for b, u in session.execute(
        select(Branch, OrgNode).join(OrgNode, OrgNode.id == Branch.unit_id)
        .where(Branch.id.in_(set(grades_before) | set(grades_after))))}
    groups: dict = defaultdict(lambda: {"branches": 0, "gain": 0, "loss": 0, "before_sum": Decimal(0),
                                        "after_sum": Decimal(0)})
    for branch_id in sorted(set(grades_before) | set(grades_after)):
        b, a = grades_before.get(branch_id), grades_after.get(branch_id)
        if b is None or a is None:
            continue
        code, name, unit, category = info[branch_id]
        g = groups[(unit, category)]
        g["branches"] += 1
        g["before_sum"] += b.total
        g["after_sum"] += a.total
        g["gain"] += (a.stars or 0) > (b.stars or 0)
        g["loss"] += (a.stars or 0) < (b.stars or 0)
        if (b.stars, b.rank, tier_of(b.stars)) != (a.stars, a.rank, tier_of(a.stars)):
            report.movers.append(Mover(branch_id, code, name, unit, category, b, a, _reasons(b, a)))
    report.groups = {k: {**v, "before_avg": (v["before_sum"] / v["branches"]).quantize(Decimal("0.01")),
                         "after_avg": (v["after_sum"] / v["branches"]).quantize(Decimal("0.01"))}
                     for k, v in sorted(groups.items())}
    report.movers.sort(key=lambda m: (-abs(m.star_change), m.category, m.after.rank, m.code))


__all__ = ["WhatIfReport", "Mover", "Outcome", "run_whatif"]
