"""Working days for the public notice (公示以工作日计).

One entry point, `add_working_days`: everything else here is its table. The group's
working-day calendar (core.workdays, being built for the typical_staff plugin) will
replace this module at merge — the notice calls only `add_working_days` and
`is_working_day`, so switching means re-pointing these two functions.

Decisions (README, "The annual notice"):
- A working day is Monday–Friday, minus the public holidays below, plus the adjusted
  working days (调休上班, usually a Saturday or Sunday).
- 2025 and 2026 follow the State Council General Office's notices on each year's
  holiday arrangements (关于…部分节假日安排的通知). 2027's official schedule was not published when this table was
  written: it holds the statutory holidays of 《全国年节及纪念日放假办法》 (2024
  revision) on their 2027 dates and no adjusted days — update it (one line per day)
  when the notice appears.
- Outside the table's years only weekends count as days off.
"""
from __future__ import annotations

from datetime import date, timedelta


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


#: Public holidays (法定节假日及调休放假日).
HOLIDAYS: frozenset[date] = frozenset(set().union(
    # 2025
    {date(2025, 1, 1)}, _days(date(2025, 1, 28), date(2025, 2, 4)), _days(date(2025, 4, 4), date(2025, 4, 6)),
    _days(date(2025, 5, 1), date(2025, 5, 5)), _days(date(2025, 5, 31), date(2025, 6, 2)),
    _days(date(2025, 10, 1), date(2025, 10, 8)),
    # 2026
    _days(date(2026, 1, 1), date(2026, 1, 3)), _days(date(2026, 2, 15), date(2026, 2, 23)),
    _days(date(2026, 4, 4), date(2026, 4, 6)), _days(date(2026, 5, 1), date(2026, 5, 5)),
    _days(date(2026, 6, 19), date(2026, 6, 21)), _days(date(2026, 9, 25), date(2026, 9, 27)),
    _days(date(2026, 10, 1), date(2026, 10, 7)),
    # 2027 — statutory days only (see the module docstring)
    {date(2027, 1, 1)}, _days(date(2027, 2, 5), date(2027, 2, 8)), {date(2027, 4, 5)},
    {date(2027, 5, 1), date(2027, 5, 2)}, {date(2027, 6, 9)}, {date(2027, 9, 15)},
    _days(date(2027, 10, 1), date(2027, 10, 3)),
))

#: Adjusted working days (调休上班).
WORKING_WEEKENDS: frozenset[date] = frozenset({
    date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11),
    date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
    date(2026, 10, 10),
})


def is_working_day(day: date) -> bool:
    if day in WORKING_WEEKENDS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def add_working_days(start: date, days: int) -> date:
    """The last day of a span of `days` working days beginning on `start` (counted
    if it is a working day; otherwise the span begins on the next one). days ≥ 1."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == days:
                return day
        day += timedelta(days=1)
