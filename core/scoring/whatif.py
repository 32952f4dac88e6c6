"""What-if (规则调整模拟): how a draft rule set would change a closed year's star
distribution, ranks and tiers — computed with the close's own engine and stored nowhere.

How (inside a SAVEPOINT that is rolled back, so the database is as before — tested:
every row identical, no audit entry):
- Evaluations: an indicator whose definition is the same in the draft as in the rule
  set the year was closed with (method, parameters, points, cycle, categories, plugin,
  and no change to the settings that evaluations read) would be evaluated to the very
  rows the close stored: those rows are counted as they are, under the draft's index.
  Only the indicators the draft adds or changes are evaluated, by the close's engine
  (`engine.evaluate_periods` limited to them) for the year's 17 cycle periods at once;
  their rows then take the stored verifications and self-assessments by indicator code.
  When the stored rows cannot stand for a re-close — branches added, moved or
  re-categorised since the close, a plugin enabled or disabled in a unit since, the
  year closed with several rule sets, or an evaluation setting changed — every
  indicator is evaluated again (slower, same answer), and the report says why.
- Results: only what is compared is scored — the four quarters in order (each one's
  逐级晋升 looks at the previous simulated quarter; Q1 at the stored previous Q4) and
  the year — with the close's scoring (`compute.score_window`: sums, formula, stars,
  ranks), from index sums over the windows' cycle periods. Months get no result (no
  month result feeds a quarter or the year), and nothing is written but the changed
  indicators' evaluations, which the rollback removes.

Decided (README, "Scoring"):
- Only a closed year (its 17 windows closed) can be tried; its stored results are the
  "before". Reviewers' values carry over by indicator code; items only the draft has
  are unverified — manual ones count as the draft's setting says (`refuse` counts 0 in a
  what-if) and the report says how many.
- Unchanged indicators count their evidence as the close stored it: the close locks
  the records of its windows, so a real close with the draft finds the same evidence.
- Compared: each quarter's and the year's star distribution; per unit and category the
  branches gaining and losing a star in the annual grade; the movers (grade, rank or
  tier changed) with why — the total before → after and the largest index changes,
  and the star steps (逐级晋升, gates, veto, proportions) that differ.
- While it runs (seconds) the year's period rows are locked, so a close or reopen of
  that year waits.
"""
from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from flask_babel import gettext
from sqlalchemy import BigInteger, Integer, Text, and_, case, cast, func, or_, select, text, type_coerce, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from core.analysis.queries import category_key
from core.audit.models import AuditEntry
from core.indicators.models import DEFAULT_SETTINGS, INDICES, Indicator, RuleSet
from core.org.models import Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import all_keys_of_year
from core.points import to_cents
from core.scoring import aggregate, compute, engine, manual, sources
from core.scoring.close import hold_period
from core.scoring.errors import ScoringError
from core.scoring.models import Evaluation, ScoreResult, tier_of
from core.scoring.sqlfuncs import clamp_int, evidence_int

#: The windows compared: the quarters (stars) and the year (annual grade).
_COMPARED = ("quarter", "year")

#: Rule-set settings read only by the sums, stars, ranks and the close's policy — never
#: by an indicator's evaluation (the kinds read late_factor, attendance_low/high,
#: target_groups, a plugin's own settings…): a draft changing only these leaves every
#: stored evaluation valid. Any other setting changed: everything is evaluated again.
RATING_SETTINGS = frozenset({"bonus_cap", "veto_cap", "promotion_step", "gates", "proportion_mode",
                             "proportion_rounding", "proportion_scope", "proportions", "unverified_policy",
                             "notice_days", "commendation_top_n"})

#: Audit actions after which a unit's plugin indicators may apply to other branches.
_PLUGIN_ACTIONS = ("plugin.enable", "plugin.disable")


class Outcome(NamedTuple):
    """One branch's result in one window, as compared (a tuple: 100,000 are made)."""

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
    #: The report's wording, translated once (the reasons are worded from it when read).
    phrases: _Phrases | None = field(default=None, repr=False, compare=False)

    @cached_property
    def reasons(self) -> list[str]:
        """Why it moves (see `_reasons`), worded when first read: the page shows 200
        movers and the CLI 30 of up to every branch (17,720 of 20,000 in the bench's
        rating draft), and wording them all cost a tenth of the what-if."""
        return _reasons(self.before, self.after, self.phrases)

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
    #: Codes of the draft's indicators evaluated again, and of those whose stored
    #: evaluations were counted as they are.
    evaluated: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    #: Codes of the indicators re-scored from the stored evidence (what was counted is
    #: unchanged; the draft's points, formula params or settings differ).
    rescored: list[str] = field(default_factory=list)
    #: Why every indicator had to be evaluated again (None: only the changed ones were).
    full_reason: str | None = None

    @property
    def gains(self) -> list[Mover]:
        return [m for m in self.movers if m.star_change > 0]

    @property
    def losses(self) -> list[Mover]:
        return [m for m in self.movers if m.star_change < 0]


def _steps(notes) -> tuple:
    steps = notes.get("steps") if notes else None
    return tuple(sorted((s.get("rule"), s.get("to")) for s in steps)) if steps else ()


def _outcomes(session: Session, year: int) -> dict[str, dict[int, Outcome]]:
    """window key → branch id → Outcome, for the year's stored quarters and year. Raw
    columns — hundredths and the notes' text — each distinct value converted once:
    100,000 rows through the ORM's types cost seconds."""
    keys = [k.key for k in all_keys_of_year(year) if k.kind in _COMPARED]
    sr = ScoreResult
    points = [type_coerce(c, Integer) for c in (sr.total, sr.team, sr.management, sr.performance, sr.brand,
                                                  sr.service)]
    key_of = dict(session.execute(select(Period.id, Period.key).where(Period.key.in_(keys))).all())
    stmt = (select(sr.period_id, sr.branch_id, sr.stars, sr.rank, sr.tier, cast(sr.notes, Text), *points)
            .where(sr.period_id.in_(list(key_of))))
    money = aggregate.Money()
    money[None] = None  # a dropped index stays None
    cents = money.__getitem__
    steps = _StepsOfText()
    out: dict[str, dict[int, Outcome]] = {key: {} for key in key_of.values()}
    by_period = {period_id: out[key] for period_id, key in key_of.items()}
    # the DBAPI cursor's own tuples: 100,000 Row objects cost a third of this function
    result = session.connection().execute(stmt)
    try:
        for period_id, branch_id, stars, rank, tier, notes, total, *indices in result.cursor.fetchall():
            by_period[period_id][branch_id] = Outcome(money[total], stars, rank, tier, tuple(map(cents, indices)),
                                                      steps[notes])
    finally:
        result.close()
    return {key: rows for key, rows in out.items() if rows}


class _StepsOfText(dict):
    """Stored notes (JSON text) → their steps, parsed once per distinct text."""

    def __missing__(self, notes: str | None) -> tuple:
        value = self[notes] = _steps(json.loads(notes) if notes else None)
        return value


def _outcome(score: aggregate.BranchScore) -> Outcome:
    # index_scores is built in INDICES order (aggregate.score), as stored
    return Outcome(score.total, score.stars, score.rank, score.tier, tuple(score.index_scores.values()),
                   _steps(score.notes))


def _counting(ind: Indicator, formula_params=frozenset()) -> tuple:
    """What decides which records an indicator's evaluation counts: its method, cycle,
    categories, plugin and params (but `formula_params`, which only enter the formula)."""
    params = {k: v for k, v in (ind.params or {}).items() if k not in formula_params}
    return (ind.method, json.dumps(params, sort_keys=True, default=str), ind.cycle,
            tuple(sorted(ind.categories)) if ind.categories else None, ind.plugin)


def _definition(ind: Indicator) -> tuple:
    """What an indicator's evaluation rows depend on (its index and its name do not)."""
    return (*_counting(ind), to_cents(Decimal(ind.points)))


def _evaluation_settings(ruleset: RuleSet) -> dict:
    merged = {**DEFAULT_SETTINGS, **(ruleset.settings or {})}
    return {k: v for k, v in merged.items() if k not in RATING_SETTINGS}


def _why_not_reuse(session: Session, periods: dict[str, Period]) -> tuple[RuleSet | None, str | None]:
    """(the rule set the year was closed with, None) when its stored evaluations stand
    for a re-close of the unchanged indicators, else (…, why not)."""
    ruleset_ids = {p.ruleset_id for p in periods.values()}
    if len(ruleset_ids) != 1:
        return None, gettext("该年度各期间按不同的考核细则结账")
    base = session.get(RuleSet, ruleset_ids.pop())
    if base is None:
        return None, gettext("该年度各期间按不同的考核细则结账")
    ids = [p.id for p in periods.values()]
    # every active branch has a stored result, in its present unit and category, in
    # every window of the year: then the branches are those the close evaluated
    active = session.scalar(select(func.count()).select_from(Branch).where(Branch.active.is_(True))) or 0
    matched = session.scalar(select(func.count()).select_from(ScoreResult).join(
        Branch, and_(Branch.id == ScoreResult.branch_id, Branch.active.is_(True),
                     Branch.unit_id == ScoreResult.unit_id, Branch.category == ScoreResult.category))
        .where(ScoreResult.period_id.in_(ids))) or 0
    if matched != active * len(ids):
        return base, gettext("结账后支部有新增、调整单位或类别")
    first_close = min(p.closed_at for p in periods.values() if p.closed_at is not None) \
        if any(p.closed_at for p in periods.values()) else None
    if first_close is None or session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(_PLUGIN_ACTIONS), AuditEntry.at >= first_close)):
        return base, gettext("结账后有单位启用或停用了插件")
    return base, None


def _changed_settings(base: RuleSet, draft: RuleSet) -> set[str]:
    """The evaluation settings (late factor, attendance thresholds…) the draft changes."""
    old, new = _evaluation_settings(base), _evaluation_settings(draft)
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def _how(old: Indicator | None, new: Indicator, kind, changed_settings: set[str]) -> str:
    """"reuse" (the stored rows are the draft's), "rescore" (the stored evidence, the
    draft's formula) or "evaluate" (the records again)."""
    if old is None or kind is None:
        return "evaluate"
    read = changed_settings if kind.reads_settings is None else changed_settings & kind.reads_settings
    if not read and _definition(old) == _definition(new):
        return "reuse"
    # the very records `old` counted, params differing at most in the formula's (min_count):
    # only the formula over the stored counts differs
    if (kind.rescore is not None and kind.reads_settings is not None
            and _counting(old, kind.formula_params) == _counting(new, kind.formula_params)):
        return "rescore"
    return "evaluate"


@dataclass
class _Plan:
    """Which of the draft's indicators are evaluated again, re-scored from their stored
    evidence or counted as stored, and the index of every indicator id whose rows
    count (stored rows of the closed rule set included)."""

    evaluate: list[Indicator] = field(default_factory=list)
    reused: list[Indicator] = field(default_factory=list)
    index_of: dict[int, str] = field(default_factory=dict)
    #: stored indicator id → (the draft's indicator, its kind), re-scored
    rescore: dict[int, tuple] = field(default_factory=dict)
    full_reason: str | None = None


def _plan(session: Session, periods: dict[str, Period], draft: RuleSet, kinds: dict) -> _Plan:
    base, why = _why_not_reuse(session, periods)
    plan = _Plan(full_reason=why)
    stored = {} if why else {i.code: i for i in base.indicators if i.kind in engine.SCORED_KINDS}
    changed = set() if why else _changed_settings(base, draft)
    for ind in sorted((i for i in draft.indicators if i.kind in engine.SCORED_KINDS), key=lambda i: i.id):
        old, kind = stored.get(ind.code), kinds.get(ind.method)
        how = _how(old, ind, kind, changed)
        if how == "evaluate":
            plan.evaluate.append(ind)
            plan.index_of[ind.id] = ind.index_code
            continue
        plan.index_of[old.id] = ind.index_code
        if how == "reuse":
            plan.reused.append(ind)
        else:
            plan.rescore[old.id] = (ind, kind)
    return plan


class _clamped(FunctionElement):
    """_clamped(expr, low, high): `expr` clamped to [low, high] as the engine clamps
    (sqlfuncs.clamp_int), with `expr` computed once per row on SQLite: its scalar max and
    min. clamp_int's CASE computes it up to three times, and a re-scored earned reads the
    stored evidence's JSON several times (0.47 s of the bench's *settings* draft: 7
    upload standards re-scored). Elsewhere clamp_int itself (PostgreSQL's GREATEST and
    LEAST skip NULLs, where the CASE and SQLite's max/min give NULL)."""

    type = BigInteger()
    inherit_cache = True
    name = "clamped"


@compiles(_clamped)
def _clamped_default(element, compiler, **kw):
    return compiler.process(clamp_int(*element.clauses), **kw)


@compiles(_clamped, "sqlite")
def _clamped_sqlite(element, compiler, **kw):
    expr, low, high = (compiler.process(c, **kw) for c in element.clauses)
    return f"max({low}, min({expr}, {high}))"


def _rescored_columns(plan: _Plan, draft: RuleSet) -> dict[int, tuple[int, object]]:
    """stored indicator id → (the draft's points, SQL of the draft's automatic earned
    over the stored evidence, clamped as the engine clamps) — for the index sums."""
    def field_of(name):
        return evidence_int(Evaluation.evidence, name)
    out = {}
    for old_id, (ind, kind) in plan.rescore.items():
        earned = kind.rescore(ind, draft, field_of)
        out[old_id] = (to_cents(Decimal(ind.points)), _clamped(earned, 0, to_cents(kind.upper_bound(ind))))
    return out


class _Only:
    """The draft seen with only some of its indicators (the manual-item count)."""

    def __init__(self, ruleset: RuleSet, indicators: list[Indicator]):
        self._ruleset, self.indicators = ruleset, indicators

    def __getattr__(self, name):
        return getattr(self._ruleset, name)


#: The columns a reviewer's or secretary's value lives in (all copied, so the item reads
#: as it did: the value, its reason, who and when).
_CARRIED = ("verified_earned", "verify_reason", "verified_by", "verified_at", "self_earned", "self_note")


def _carry_over(session: Session, period_ids: list[int], draft: RuleSet, codes: set[str]) -> None:
    """Give the draft's freshly evaluated rows of indicators `codes` the reviewer's or
    secretary's value (verified, self-assessed) the stored row of the same code, period
    and branch holds — after the evaluation, which inserted them: one UPDATE … FROM per
    pass over the rows. The same as a close after the draft's adoption: its upsert keeps
    such values on the rows it produces and removes the rows it no longer produces
    (here they are never there). Moving the stored rows first made the evaluation
    merge into a non-empty scope (staging table, conflict checks, stale DELETE): 1.5 s
    more for a draft evaluating everything at 20,000 branches."""
    by_code = {i.code: i.id for i in draft.indicators if i.code in codes}
    if not by_code:
        return
    used = session.execute(select(Indicator.id, Indicator.code).where(
        Indicator.code.in_(list(by_code)),
        Indicator.id.in_(select(Evaluation.indicator_id).where(Evaluation.period_id.in_(period_ids)).distinct()))).all()
    # new id → its stored ids (several when the year was closed with several rule sets)
    olds: dict[int, list[int]] = defaultdict(list)
    for old_id, code in sorted(used):
        if by_code[code] != old_id:  # the draft's own stored rows: the evaluation's upsert kept them
            olds[by_code[code]].append(old_id)
    old, new = Evaluation.__table__.alias("stored"), Evaluation.__table__
    # one pass over the periods' rows per round, each new row looking up its stored twin
    # by primary key (an UPDATE per indicator scanned the periods' rows each time)
    while olds:
        twin = {new_id: ids.pop() for new_id, ids in olds.items()}
        session.execute(update(new).where(
            new.c.period_id.in_(period_ids), new.c.indicator_id.in_(list(twin)),
            old.c.period_id == new.c.period_id, old.c.branch_id == new.c.branch_id,
            old.c.indicator_id == case(twin, value=new.c.indicator_id),
            or_(old.c.verified_earned.is_not(None), old.c.self_earned.is_not(None), old.c.self_note.is_not(None)))
            .values({c: old.c[c] for c in _CARRIED}))
        olds = {new_id: ids for new_id, ids in olds.items() if ids}


def _evaluate_changed(session: Session, year: int, periods: dict[str, Period], draft: RuleSet, kinds: dict,
                      plan: _Plan) -> int:
    """Evaluate the plan's indicators for every cycle period of the year (stored in the
    savepoint) and apply the draft's unverified-item policy to their manual items, as a
    close does; returns how many manual items were unverified."""
    if not plan.evaluate:
        return 0
    keys = all_keys_of_year(year)
    ids = [periods[k.key].id for k in keys]
    engine.evaluate_periods(session, keys, draft, kinds, store=True, periods=periods,
                            indicator_ids=[i.id for i in plan.evaluate])
    _carry_over(session, ids, draft, {i.code for i in plan.evaluate})
    changed = _Only(draft, plan.evaluate)
    unverified = manual.count_unverified(session, keys, changed, kinds)
    # `refuse` and `zero` count an unverified item 0, as its empty value already does
    if unverified and draft.setting("unverified_policy") == "self":
        manual_ids = sorted({i.id for k in keys for i, _p in manual.manual_indicators(changed, kinds, k.kind)})
        manual.apply_policy(session, ids, manual_ids, "self", gettext("规则调整模拟"))
    return unverified


def _score_year(session: Session, year: int, periods: dict[str, Period], draft: RuleSet, gates: dict,
                plan: _Plan) -> dict[str, dict[int, Outcome]]:
    """The quarters in order, then the year, scored from the evaluations as they now
    stand; window key → branch id → Outcome. The year's sums are its quarters' plus
    those of its cycle periods outside every quarter (the year's own items): the
    integer sums add up, and the year's GROUP BY over all 17 periods is not run again."""
    out: dict[str, dict[int, Outcome]] = {}
    rescored = _rescored_columns(plan, draft)
    year_key = PeriodKey(year, "year", 0)
    year_sums: aggregate.IndexSums = defaultdict(dict)
    in_quarters: set[str] = set()
    previous = None  # Q1: the stored, closed previous Q4 (score_window reads it)
    for pk in year_key.children():
        keys = compute.cycle_keys(pk)
        in_quarters.update(k.key for k in keys)
        sums = aggregate.index_sums_from_db(session, [periods[k.key].id for k in keys], index_of=plan.index_of,
                                            rescored=rescored)
        _add_sums(year_sums, sums)
        scores, _warnings = compute.score_window(session, pk, draft, gates, sums, previous=previous)
        out[pk.key] = {s.branch_id: _outcome(s) for s in scores}
        previous = {s.branch_id: s.stars for s in scores if s.stars is not None}
    own = [periods[k.key].id for k in compute.cycle_keys(year_key) if k.key not in in_quarters]
    _add_sums(year_sums, aggregate.index_sums_from_db(session, own, index_of=plan.index_of, rescored=rescored))
    scores, _warnings = compute.score_window(session, year_key, draft, gates, year_sums)
    out[year_key.key] = {s.branch_id: _outcome(s) for s in scores}
    return out


def _add_sums(total: aggregate.IndexSums, part: aggregate.IndexSums) -> None:
    for branch_id, by_index in part.items():
        into = total[branch_id]
        for code, (pts, got) in by_index.items():
            had = into.get(code)
            into[code] = (pts, got) if had is None else (had[0] + pts, had[1] + got)


def run_whatif(session: Session, draft: RuleSet, year: int, *, kinds, gates=None) -> WhatIfReport:
    """The what-if of `draft` on closed `year`. Writes nothing (a rolled-back savepoint);
    the caller should not commit what it did not write either."""
    started = time.perf_counter()
    keys = all_keys_of_year(year)
    periods = {p.key: p for p in session.scalars(select(Period).where(Period.key.in_([k.key for k in keys])))}
    if len(periods) < len(keys) or not all(p.is_closed for p in periods.values()):
        raise ScoringError(gettext("%(y)s年度尚未全部结账：模拟只能在已结账的年度上进行。", y=year))
    kinds_d, gates_d = sources.resolve(kinds, gates)
    report = WhatIfReport(year=year, draft_id=draft.id, draft_name=draft.name)
    # the stored outcomes and the comparison too: 100,000 outcomes and up to 20,000
    # movers made with the cyclic collector on cost 0.1–0.3 s more (bench/whatif.py)
    with compute.batch_gc():
        savepoint = session.begin_nested()
        try:
            hold_period(session, PeriodKey(year, "year", 0))  # a close or reopen of the year waits
            before = _outcomes(session, year)
            plan = _plan(session, periods, draft, kinds_d)
            if session.get_bind().dialect.name == "postgresql":  # as a close: GROUP BYs over 20,000 branches
                session.execute(text(f"SET LOCAL work_mem = '{compute.CLOSE_WORK_MEM}'"))
            report.unverified = _evaluate_changed(session, year, periods, draft, kinds_d, plan)
            after = _score_year(session, year, periods, draft, gates_d, plan)
        finally:
            savepoint.rollback()
            session.expire_all()
        report.evaluated, report.reused = [i.code for i in plan.evaluate], [i.code for i in plan.reused]
        report.rescored = [ind.code for ind, _kind in plan.rescore.values()]
        report.full_reason = plan.full_reason
        report.before, report.after = dict(before), after
        _compare(session, report, before, after)
    report.seconds = time.perf_counter() - started
    return report


def _distribution(outcomes: dict[int, Outcome]) -> dict[int, int]:
    return dict(sorted(Counter(o.stars for o in outcomes.values() if o.stars).items(), reverse=True))


class _Phrases:
    """The reasons' wording, translated once per report (gettext per mover and phrase
    cost more than the rest of the comparison at 20,000 branches)."""

    def __init__(self):
        # gettext without variables hands back the translated template, filled in below
        self.total = gettext("总分 %(a)s → %(b)s")
        self.index = gettext("%(i)s %(b)s → %(a)s")
        self.added = gettext("新增：%(r)s")
        self.gone = gettext("不再受限：%(r)s")
        self.indices = {code: gettext(label) for code, label in INDICES.items()}
        self.rules = {"veto": gettext("一票否决封顶"), "promotion": gettext("逐级晋升"), "gate": gettext("星级门槛"),
                      "proportion": gettext("星级比例")}


def _reasons(before: Outcome, after: Outcome, phrases: _Phrases | None = None) -> list[str]:
    p = phrases or _Phrases()
    out = [p.total % {"a": before.total, "b": after.total}] if before.total != after.total else []
    deltas = []
    for code, b, a in zip(INDICES, before.indices, after.indices):
        if b != a:
            deltas.append((abs((a or 0) - (b or 0)), code, b, a))
    for _d, code, b, a in sorted(deltas, reverse=True)[:2]:
        out.append(p.index % {"i": p.indices[code], "b": b if b is not None else "—", "a": a if a is not None else "—"})
    for rule, _to in sorted(set(after.steps) - set(before.steps)):
        out.append(p.added % {"r": p.rules.get(rule, rule)})
    for rule, _to in sorted(set(before.steps) - set(after.steps)):
        out.append(p.gone % {"r": p.rules.get(rule, rule)})
    return out


def _compare(session: Session, report: WhatIfReport, before: dict, after: dict) -> None:
    for pk in all_keys_of_year(report.year):
        if pk.kind in _COMPARED:
            report.distribution[pk.key] = (_distribution(before.get(pk.key, {})), _distribution(after.get(pk.key, {})))
    year_key = str(report.year)
    grades_before, grades_after = before.get(year_key, {}), after.get(year_key, {})
    info = {row[0]: row[1:] for row in session.execute(
        select(Branch.id, Branch.code, Branch.name, OrgNode.name, Branch.category, OrgNode.code)
        .join(OrgNode, OrgNode.id == Branch.unit_id))
        if row[0] in grades_before or row[0] in grades_after}
    # units in their code order and categories in the catalogue's, as the other pages list them
    order = {(unit, category): (unit_code, category_key(category))
             for _code, _name, unit, category, unit_code in info.values()}
    phrases = _Phrases()
    groups: dict = defaultdict(lambda: {"branches": 0, "gain": 0, "loss": 0, "before_sum": Decimal(0),
                                        "after_sum": Decimal(0)})
    for branch_id in sorted(set(grades_before) | set(grades_after)):
        b, a = grades_before.get(branch_id), grades_after.get(branch_id)
        if b is None or a is None:
            continue
        code, name, unit, category, _unit_code = info[branch_id]
        g = groups[(unit, category)]
        g["branches"] += 1
        g["before_sum"] += b.total
        g["after_sum"] += a.total
        g["gain"] += (a.stars or 0) > (b.stars or 0)
        g["loss"] += (a.stars or 0) < (b.stars or 0)
        if (b.stars, b.rank, tier_of(b.stars)) != (a.stars, a.rank, tier_of(a.stars)):
            report.movers.append(Mover(branch_id, code, name, unit, category, b, a, phrases))
    report.groups = {k: {**v, "before_avg": (v["before_sum"] / v["branches"]).quantize(Decimal("0.01")),
                         "after_avg": (v["after_sum"] / v["branches"]).quantize(Decimal("0.01"))}
                     for k, v in sorted(groups.items(), key=lambda kv: order[kv[0]])}
    report.movers.sort(key=lambda m: (-abs(m.star_change), category_key(m.category), m.after.rank, m.code))


__all__ = ["WhatIfReport", "Mover", "Outcome", "run_whatif"]
