"""Notifications, users' mail preferences, and the scheduled steps with their runs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: What a notification is about (the label is shown on the list).
KINDS = {
    "ledger_due": "台账待完成",
    "ledger_overdue": "台账逾期",
    "verify_pending": "待审核评分项",
    "objection_filed": "收到异议",
    "target_overdue": "目标逾期",
    "document_ready": "文件已生成",
}


class Notification(Base):
    """One message to one user (站内消息). `event_key` names the event it reports, so a
    reminder job that runs again creates nothing new (unique per user and event)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: One of KINDS.
    kind: Mapped[str] = mapped_column(String(30))
    #: The event reported, e.g. "ledger_due:12:2026-11:committee_meeting".
    event_key: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    #: Where the user acts on it (a path inside the app).
    url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: When it went out in an e-mail digest (None: not mailed).
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)


class MailPreference(Base):
    """A user's e-mail address for the daily digest, and whether she wants it."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(200))
    #: False: no digest even when an address is given.
    digest: Mapped[bool] = mapped_column(Boolean, default=True)


class ScheduleStep(Base):
    """A step of the year's rhythm (计划任务) as the admin configured it."""

    __tablename__ = "schedule_steps"

    #: One of core.notifications.schedule.STEPS.
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Day of the month it runs on (1–28), or, with `working_day`, the n-th working day.
    day: Mapped[int] = mapped_column(Integer, default=1)
    working_day: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Hour of the day (group time zone) from which it runs.
    hour: Mapped[int] = mapped_column(Integer, default=8)


class ScheduleRun(Base):
    """A step that ran for a date: a step runs at most once a day, however often the
    beat ticks or workers restart."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("code", "run_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    run_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: What it did, in words (or why it did nothing).
    outcome: Mapped[str] = mapped_column(Text, default="")
