"""Working days (工作日): is a day worked, and counting n working days from a date.

Decisions (README, "Working-day calendar"):
- A day's status comes from, in order: the `calendar_days` table (the admin's word, seeded
  with the official schedules), then the `chinesecalendar` package for the years it knows,
  then the plain rule (Monday–Friday work, weekends off). The table always wins.
- `add_working_days(start, n)` is the n-th working day strictly after `start` (n = 0 gives
  `start`); `notice_window(start, n)` is a window of n working days whose first day is the
  first working day on or after `start` — a 5-working-day notice from a Friday before a
  holiday week ends after the holiday.
- Rows are read in one query per stretch of days, never one per day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import record
from core.workdays.models import CalendarDay

#: How many days are read ahead at once while counting.
_CHUNK = 62


class CalendarError(ValueError):
    """A refused calendar change; the message is for the user."""


@dataclass(frozen=True)
class DayStatus:
    day: date
    is_workday: bool
    #: table / library / weekend rule — where the answer came from.
    source: str
    name: str = ""


def _library_status(d: date) -> bool | None:
    """chinesecalendar's answer, or None when the package is missing or lacks the year."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - the package is a declared dependency
        return None
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


def library_covers(year: int) -> bool:
    return _library_status(date(year, 6, 1)) is not None


def _table(session: Session, first: date, last: date) -> dict[date, CalendarDay]:
    return {r.day: r for r in session.scalars(select(CalendarDay).where(CalendarDay.day.between(first, last)))}


def _status(d: date, row: CalendarDay | None) -> DayStatus:
    if row is not None:
        return DayStatus(d, row.is_workday, "table", row.name)
    lib = _library_status(d)
    if lib is not None:
        return DayStatus(d, lib, "library")
    return DayStatus(d, d.weekday() < 5, "weekday")


def statuses(session: Session, first: date, last: date) -> list[DayStatus]:
    """Every day of [first, last] with its status (one query)."""
    rows = _table(session, first, last)
    out, d = [], first
    while d <= last:
        out.append(_status(d, rows.get(d)))
        d += timedelta(days=1)
    return out


def is_working_day(session: Session, d: date) -> bool:
    return statuses(session, d, d)[0].is_workday


def _working_days_from(session: Session, start: date):
    """Working days on or after `start`, in order, read a chunk at a time."""
    first = start
    while True:
        last = first + timedelta(days=_CHUNK - 1)
        for s in statuses(session, first, last):
            if s.is_workday:
                yield s.day
        first = last + timedelta(days=1)


def first_working_day(session: Session, d: date) -> date:
    """`d` when it is a working day, else the next one."""
    return next(_working_days_from(session, d))


def add_working_days(session: Session, start: date, n: int) -> date:
    """The n-th working day after `start` (start itself not counted); n = 0 → start."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return start
    for i, d in enumerate(_working_days_from(session, start + timedelta(days=1)), start=1):
        if i == n:
            return d
    raise AssertionError("unreachable")  # pragma: no cover


def notice_window(session: Session, start: date, n: int) -> tuple[date, date]:
    """(first, last) day of a window of n ≥ 1 working days beginning on the first working
    day on or after `start`."""
    if n < 1:
        raise ValueError("n must be >= 1")
    first = first_working_day(session, start)
    return first, add_working_days(session, first, n - 1)


def working_days_between(session: Session, first: date, last: date) -> int:
    """How many working days lie in [first, last] (0 when last < first)."""
    if last < first:
        return 0
    return sum(1 for s in statuses(session, first, last) if s.is_workday)


# ------------------------------------------------------------------ the admin's table

def year_rows(session: Session, year: int) -> list[CalendarDay]:
    return list(session.scalars(select(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day)))


def set_day(session: Session, *, day: date, is_workday: bool, name: str, actor,
            reason: str | None = None) -> CalendarDay:
    """Add or change the table's row for `day` (audited)."""
    name = (name or "").strip()
    if not name:
        raise CalendarError(gettext("请填写节日名称（如 春节、国庆节）。"))
    row = session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    old = None if row is None else {"is_workday": row.is_workday, "name": row.name}
    if row is None:
        row = CalendarDay(day=day, source="admin")
        session.add(row)
    row.is_workday, row.name, row.source = is_workday, name, "admin"
    row.updated_by = getattr(actor, "id", None)
    session.flush()
    record(session, actor=actor, action="workdays.set", obj=row, old=old,
           new={"day": day, "is_workday": is_workday, "name": name}, reason=reason)
    return row


def delete_day(session: Session, *, row: CalendarDay, actor, reason: str | None = None) -> None:
    """Remove a row: the day falls back to chinesecalendar / the weekend rule (audited)."""
    record(session, actor=actor, action="workdays.delete", obj=row,
           old={"day": row.day, "is_workday": row.is_workday, "name": row.name}, reason=reason)
    session.delete(row)
    session.flush()


#: Years whose official schedule the table is seeded with (by the migration, and by
#: seed_official from chinesecalendar after the demo's reset).
OFFICIAL_YEARS = (2025, 2026)

_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
          "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节"}


def official_days(years=OFFICIAL_YEARS) -> list[tuple[date, bool, str]]:
    """(day, is_workday, holiday) of chinesecalendar's holidays and adjusted working days."""
    from chinese_calendar.constants import holidays, workdays

    out = [(d, False, _NAMES.get(n, n)) for d, n in holidays.items() if d.year in years]
    out += [(d, True, _NAMES.get(n, n)) for d, n in workdays.items() if d.year in years]
    return sorted(out)


def seed_official(session: Session) -> int:
    """Add the official schedules' rows the table lacks (never overwrites a row); returns
    how many were added."""
    have = set(session.scalars(select(CalendarDay.day)))
    new = [CalendarDay(day=d, is_workday=w, name=n, source="official") for d, w, n in official_days() if d not in have]
    session.add_all(new)
    session.flush()
    return len(new)
