from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.periods.keys import PeriodKey

PERIOD_STATUSES = {"open": "未结账", "closed": "已结账（锁定）"}


class Period(Base):
    """An assessment window (月/季/年). Created on first use; closing scores and locks it."""

    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("kind", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: '2026-03', '2026Q1' or '2026'.
    key: Mapped[str] = mapped_column(String(10), unique=True)
    #: month / quarter / year
    kind: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer, index=True)
    #: month 1–12, quarter 1–4, 0 for a year.
    number: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: open / closed — a closed window refuses every write to its evidence.
    status: Mapped[str] = mapped_column(String(10), default="open")
    #: The rule set the close used (kept, so next year's catalogue never changes it).
    ruleset_id: Mapped[int | None] = mapped_column(ForeignKey("rulesets.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Reason of the last reopening (the audit log keeps every one).
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def pkey(self) -> PeriodKey:
        return PeriodKey(self.year, self.kind, self.number)

    @property
    def label(self) -> str:
        return self.pkey.label

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    @property
    def menu_label(self) -> str:
        """The label in a period menu: an open window's results are provisional (试算)."""
        from flask_babel import gettext
        return self.label if self.is_closed else gettext("%(p)s（试算，未结账）", p=self.label)
