"""The secretaries' checklist: per activity type, what is due in the current month /
quarter / year and whether it is done, and whether the previous cycle period was missed
(逾期未完成). A period is owed when the branch was founded (Branch.founded_on; the row's
creation day when unknown) on or before its last day.

Requirements come from the active rule set's `ledger_count` indicators (their cycle and
`record_types`/`min_count` params) when there are any, else from DEFAULT_FREQUENCY (once
per cycle). The counts of all the branches asked for come from ONE grouped query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from core import clock
from core.ledger.models import ACTIVITY_TYPES, DEFAULT_FREQUENCY, ActivityRecord
from core.periods.keys import PeriodKey

_CYCLE_ORDER = {"month": 0, "quarter": 1, "year": 2}


@dataclass(frozen=True)
class Requirement:
    type: str
    cycle: str
    min_count: int


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a branch's checklist."""

    type: str
    label: str
    cycle: str
    required: int
    current: PeriodKey
    done: int
    #: ok (done), due (still to do in the running period)
    status: str
    previous: PeriodKey
    previous_done: int
    #: ok / late (the previous period ended short of the requirement: 逾期未完成) / new
    #: (the branch was founded — Branch.founded_on, else the row's creation day — after
    #: the previous period ended: nothing was due from it)
    previous_status: str
    days_left: int

    @property
    def late(self) -> bool:
        return self.previous_status == "late"


def requirements(session: Session, year: int) -> list[Requirement]:
    """What each activity type requires, from the year's active rule set if it has
    ledger_count indicators, else the CPC default frequencies (once per cycle)."""
    from core.indicators.models import Indicator, RuleSet

    rows = session.execute(
        select(Indicator.cycle, Indicator.params)
        .join(RuleSet, RuleSet.id == Indicator.ruleset_id)
        .where(RuleSet.year == year, RuleSet.status == "active", Indicator.method == "ledger_count")
        .order_by(Indicator.position, Indicator.id)
    ).all()
    found: dict[str, Requirement] = {}
    for cycle, params in rows:
        params = params or {}
        try:
            min_count = max(1, int(params.get("min_count") or 1))
        except (TypeError, ValueError):
            min_count = 1
        for rtype in params.get("record_types") or []:
            if rtype not in ACTIVITY_TYPES or cycle not in _CYCLE_ORDER:
                continue
            req = Requirement(rtype, cycle, min_count)
            old = found.get(rtype)
            # several indicators on one type: the most frequent cycle, then the highest count
            if old is None or (_CYCLE_ORDER[cycle], -min_count) < (_CYCLE_ORDER[old.cycle], -old.min_count):
                found[rtype] = req
    if not found:
        found = {t: Requirement(t, c, 1) for t, c in DEFAULT_FREQUENCY.items()}
    return [found[t] for t in ACTIVITY_TYPES if t in found]


def _month_counts(session: Session, branch_ids: list[int], start: date, end: date) -> dict:
    """{(branch_id, type, year, month): valid records held} — one GROUP BY for all branches."""
    if not branch_ids:
        return {}
    y = extract("year", ActivityRecord.held_on)
    m = extract("month", ActivityRecord.held_on)
    stmt = (select(ActivityRecord.branch_id, ActivityRecord.type, y, m, func.count())
            .where(ActivityRecord.branch_id.in_(branch_ids), ActivityRecord.valid.is_(True),
                   ActivityRecord.held_on >= start, ActivityRecord.held_on <= end)
            .group_by(ActivityRecord.branch_id, ActivityRecord.type, y, m))
    return {(b, t, int(yy), int(mm)): n for b, t, yy, mm, n in session.execute(stmt)}


def _founded_on(session: Session, branch_ids: list[int]) -> dict[int, date]:
    """Each branch's founding date (成立日期); the row's creation day when unknown."""
    from core.org.models import Branch

    if not branch_ids:
        return {}
    rows = session.execute(select(Branch.id, Branch.founded_on, Branch.created_at).where(Branch.id.in_(branch_ids)))
    return {b: founded or at.date() for b, founded, at in rows if founded is not None or at is not None}


def _count(counts: dict, branch_id: int, rtype: str, period: PeriodKey) -> int:
    total = 0
    for mk in period.sub_periods("month"):
        total += counts.get((branch_id, rtype, mk.year, mk.number), 0)
    return total


def checklists(session: Session, branch_ids: list[int], today: date | None = None) -> dict[int, list[ChecklistItem]]:
    """Checklist of each branch for the periods running on `today`."""
    today = today or clock.today()
    reqs = requirements(session, today.year)
    if not reqs:
        return {b: [] for b in branch_ids}
    windows = {}
    for req in reqs:
        current = PeriodKey.of_date(req.cycle, today)
        windows[req.type] = (current, current.previous())
    start = min(prev.starts_on for _, prev in windows.values())
    end = max(cur.ends_on for cur, _ in windows.values())
    counts = _month_counts(session, branch_ids, start, end)
    founded = _founded_on(session, branch_ids)
    result: dict[int, list[ChecklistItem]] = {}
    for branch_id in branch_ids:
        items = []
        for req in reqs:
            current, previous = windows[req.type]
            done = _count(counts, branch_id, req.type, current)
            prev_done = _count(counts, branch_id, req.type, previous)
            if prev_done >= req.min_count:
                prev_status = "ok"
            elif founded.get(branch_id) and founded[branch_id] > previous.ends_on:
                prev_status = "new"
            else:
                prev_status = "late"
            items.append(ChecklistItem(
                type=req.type, label=ACTIVITY_TYPES[req.type], cycle=req.cycle, required=req.min_count,
                current=current, done=done, status="ok" if done >= req.min_count else "due",
                previous=previous, previous_done=prev_done,
                previous_status=prev_status,
                days_left=(current.ends_on - today).days,
            ))
        result[branch_id] = items
    return result
