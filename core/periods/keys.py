"""Period keys: '2026-03' (month), '2026Q1' (quarter), '2026' (year). Pure functions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
#: Years a period may have: the platform's records start long after 1900, and 2999 keeps
#: every date arithmetic (next year's first day) inside what `date` holds.
MIN_YEAR, MAX_YEAR = 1900, 2999


@dataclass(frozen=True, order=True)
class PeriodKey:
    """A window: kind month/quarter/year, its year, and number (month 1–12, quarter 1–4, 0 for a year)."""

    year: int
    kind: str
    number: int = 0

    @classmethod
    def parse(cls, text: str) -> PeriodKey:
        key = cls._parse(text)
        if not MIN_YEAR <= key.year <= MAX_YEAR:
            raise ValueError(gettext("年份超出范围：%(text)s（应在 %(a)s–%(b)s 之间）", text=text,
                                     a=MIN_YEAR, b=MAX_YEAR))
        return key

    @classmethod
    def _parse(cls, text: str) -> PeriodKey:
        text = (text or "").strip()
        if m := _MONTH.match(text):
            month = int(m.group(2))
            if not 1 <= month <= 12:
                raise ValueError(gettext("月份无效：%(text)s", text=text))
            return cls(int(m.group(1)), "month", month)
        if m := _QUARTER.match(text):
            return cls(int(m.group(1)), "quarter", int(m.group(2)))
        if m := _YEAR.match(text):
            return cls(int(m.group(1)), "year", 0)
        raise ValueError(gettext("期间格式无效：%(text)s（应为 2026-03、2026Q1 或 2026）", text=repr(text)))

    @classmethod
    def of_date(cls, kind: str, day: date) -> PeriodKey:
        if kind == "month":
            return cls(day.year, "month", day.month)
        if kind == "quarter":
            return cls(day.year, "quarter", (day.month - 1) // 3 + 1)
        return cls(day.year, "year", 0)

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.number}"
        return str(self.year)

    @property
    def starts_on(self) -> date:
        if self.kind == "month":
            return date(self.year, self.number, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def ends_on(self) -> date:
        """Last day inside the window."""
        if self.kind == "month":
            nxt = date(self.year + (self.number == 12), self.number % 12 + 1, 1)
        elif self.kind == "quarter":
            nxt = date(self.year + (self.number == 4), (3 * self.number) % 12 + 1, 1)
        else:
            nxt = date(self.year + 1, 1, 1)
        return nxt - timedelta(days=1)

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def children(self) -> list[PeriodKey]:
        """Months of a quarter, quarters of a year; [] for a month."""
        if self.kind == "quarter":
            return [PeriodKey(self.year, "month", m) for m in range(3 * self.number - 2, 3 * self.number + 1)]
        if self.kind == "year":
            return [PeriodKey(self.year, "quarter", q) for q in range(1, 5)]
        return []

    def sub_periods(self, cycle: str) -> list[PeriodKey]:
        """The cycle periods of kind `cycle` inside this window (itself if same kind)."""
        order = {"month": 0, "quarter": 1, "year": 2}
        if order[cycle] > order[self.kind]:
            return []
        if cycle == self.kind:
            return [self]
        if cycle == "month":
            return [PeriodKey(self.year, "month", m) for m in range(self.starts_on.month, self.ends_on.month + 1)]
        return [PeriodKey(self.year, "quarter", q) for q in range((self.starts_on.month - 1) // 3 + 1, (self.ends_on.month - 1) // 3 + 2)]

    def previous(self) -> PeriodKey:
        if self.kind == "month":
            return PeriodKey(self.year - (self.number == 1), "month", (self.number - 2) % 12 + 1)
        if self.kind == "quarter":
            return PeriodKey(self.year - (self.number == 1), "quarter", (self.number - 2) % 4 + 1)
        return PeriodKey(self.year - 1, "year", 0)

    @property
    def label(self) -> str:
        from core.formatting import cn_period
        return cn_period(self.kind, self.year, self.number)

    def __str__(self):
        return self.key
