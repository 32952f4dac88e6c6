from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class UnitPlugin(Base):
    """A plugin enabled for one subsidiary unit. No row = disabled there."""

    __tablename__ = "unit_plugins"
    __table_args__ = (UniqueConstraint("unit_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: The plugin's manifest name.
    plugin: Mapped[str] = mapped_column(String(60))
    enabled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    enabled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
