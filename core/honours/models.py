"""A branch's honours (荣誉): what it was awarded, by whom, at which level, with evidence."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: Levels of an honour, lowest first (集团级 is the group's own award).
LEVELS = {
    "group": "集团级",
    "city": "市级",
    "provincial": "省级",
    "national": "国家级",
}
#: "市级以上荣誉" of the annual report: city level or above.
CITY_OR_ABOVE = ("city", "provincial", "national")


class Honour(Base):
    """One honour (荣誉) awarded to a branch."""

    __tablename__ = "honours"
    __table_args__ = (Index("ix_honours_level_awarded_on", "level", "awarded_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    #: The branch's unit, denormalised for scoping and per-unit counts.
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: The honour's name as on the certificate, e.g. "先进基层党组织".
    title: Mapped[str] = mapped_column(String(200))
    #: One of LEVELS.
    level: Mapped[str] = mapped_column(String(20))
    #: Who awarded it (颁发单位), e.g. "中共某某市委".
    issuer: Mapped[str] = mapped_column(String(120))
    awarded_on: Mapped[date] = mapped_column(Date, index=True)
    #: Original file name of the evidence (certificate scan), as uploaded.
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    #: Stored file name under UPLOAD_DIR/honours/ (random, never the user's name).
    evidence_path: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: Optimistic lock: an edit carrying an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, self.level)
