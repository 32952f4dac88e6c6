from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.points import PointsType

#: The three weighted groups of targets (考核权重分组).
TARGET_GROUPS = {
    "safety_production": "安全生产经营",
    "basic_work": "支部基础工作",
    "key_tasks": "重点工作任务",
}


class Target(Base):
    """A target decomposed to one branch (目标分解), with its owner (目标定责) and deadline."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    #: One of TARGET_GROUPS.
    group: Mapped[str] = mapped_column(String(30))
    #: The index its assessment feeds (one of core.indicators.models.INDICES).
    index_code: Mapped[str] = mapped_column(String(20))
    points: Mapped[Decimal] = mapped_column(PointsType)
    #: Person responsible (责任人).
    owner: Mapped[str] = mapped_column(String(60))
    deadline: Mapped[date] = mapped_column(Date, index=True)
    #: Decomposed from this unit-level target, if any (same title across branches).
    batch: Mapped[str | None] = mapped_column(String(40), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    progress: Mapped[list[TargetProgress]] = relationship(cascade="all, delete-orphan",
                                                         order_by="TargetProgress.month")


class TargetProgress(Base):
    """Monthly tracking (目标追踪): completion in percent at the end of a month."""

    __tablename__ = "target_progress"
    __table_args__ = (UniqueConstraint("target_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    #: First day of the month tracked.
    month: Mapped[date] = mapped_column(Date)
    #: 0–100.
    completion: Mapped[Decimal] = mapped_column(PointsType)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
