"""One row per day whose status differs from the plain rule, or that the admin fixed."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: Where a calendar row came from.
SOURCES = {"official": "国务院办公厅通知", "admin": "管理员录入"}


class CalendarDay(Base):
    """A public holiday (放假) or an adjusted working day (调休上班) — or any day the
    admin fixes. The table overrides the `chinesecalendar` package, which overrides
    the weekend rule (see core.workdays.service)."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The day itself; one row per day.
    day: Mapped[date] = mapped_column(Date, unique=True)
    #: True: people work that day (an adjusted working Saturday/Sunday); False: a day off.
    is_workday: Mapped[bool] = mapped_column(Boolean)
    #: The holiday it belongs to, e.g. 春节, 国庆节.
    name: Mapped[str] = mapped_column(String(40), default="")
    #: official (seeded from the State Council's notice) / admin — see SOURCES.
    source: Mapped[str] = mapped_column(String(20), default="admin")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
