from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.formatting import N_
from core.db import Base, utcnow
from core.points import PointsType

#: The seven regular activities with their default frequency (CPC rules).
ACTIVITY_TYPES = {
    "member_meeting": "支部党员大会",
    "committee_meeting": "支部委员会",
    "group_meeting": "党小组会",
    "party_lecture": "党课",
    "theme_day": "主题党日",
    "appraisal": "民主评议党员",
    "life_meeting": "组织生活会",
}
DEFAULT_FREQUENCY = {
    "member_meeting": "quarter",
    "committee_meeting": "month",
    "group_meeting": "month",
    "party_lecture": "quarter",
    "theme_day": "month",
    "appraisal": "year",
    "life_meeting": "year",
}
APPRAISAL_RESULTS = {"excellent": N_("优秀"), "qualified": N_("合格"), "basic": N_("基本合格"), "unqualified": N_("不合格")}
POINT_KINDS = {"bonus": "加分", "deduction": "扣分", "veto": "否决"}


class ActivityRecord(Base):
    """One held activity (三会一课 etc.) in a branch's ledger."""

    __tablename__ = "activity_records"
    #: A batch of the fanned-out close reads its units' records of one window: with
    #: held_on alone it scanned the whole window's records once per batch.
    __table_args__ = (Index("ix_activity_records_unit_held_on", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    #: The branch's unit, denormalised for scoping and set-based scoring.
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: One of ACTIVITY_TYPES.
    type: Mapped[str] = mapped_column(String(30), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    #: When the record was put into the ledger; late if past the upload deadline.
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    topic: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(120))
    minutes: Mapped[str | None] = mapped_column(Text)
    #: Attendance counts, full and probationary members apart (from AttendanceEntry).
    expected_full: Mapped[int] = mapped_column(Integer, default=0)
    present_full: Mapped[int] = mapped_column(Integer, default=0)
    expected_probationary: Mapped[int] = mapped_column(Integer, default=0)
    present_probationary: Mapped[int] = mapped_column(Integer, default=0)
    #: False for a 支部党员大会 whose full members present ≤ half of those expected:
    #: kept in the ledger, not counted as held.
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    attendance: Mapped[list[AttendanceEntry]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(cascade="all, delete-orphan")


class AttendanceEntry(Base):
    """Whether a member expected at an activity came, and why not."""

    __tablename__ = "attendance_entries"
    __table_args__ = (UniqueConstraint("record_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("activity_records.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The member's status at the time (full / probationary).
    member_status: Mapped[str] = mapped_column(String(20))
    present: Mapped[bool] = mapped_column(Boolean)
    absence_reason: Mapped[str | None] = mapped_column(String(200))


class Attachment(Base):
    """A file attached to an activity record; stored outside the web root under a
    generated name, served only as a download to users who may see the record."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("activity_records.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AppraisalResult(Base):
    """A member's result in a 民主评议党员 record."""

    __tablename__ = "appraisal_results"
    __table_args__ = (UniqueConstraint("record_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("activity_records.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: One of APPRAISAL_RESULTS.
    result: Mapped[str] = mapped_column(String(20))


class PointRecord(Base):
    """A bonus (加分), deduction (扣分) or veto (否决) against a branch, entered by a
    reviewer with a reason as it happens; counted in every window containing its date."""

    __tablename__ = "point_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: bonus / deduction / veto
    kind: Mapped[str] = mapped_column(String(10))
    #: Positive number of points (0 for a veto).
    points: Mapped[Decimal] = mapped_column(PointsType)
    dated: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(Text)
    #: The deduction/veto indicator it falls under, if any.
    indicator_code: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
