from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class AuditEntry(Base):
    """One recorded change (审计日志). Written by `core.audit.service.record` only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    #: The acting user; None for the system (CLI without a user, scheduled jobs).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Verb in dotted form, e.g. "branch.update", "plugin.enable", "period.reopen".
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: Table/model name and primary key of the changed object.
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    #: The changed fields' values before and after (JSON objects, only what changed).
    old: Mapped[dict | None] = mapped_column(JSON)
    new: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    #: Subsidiary unit concerned, so a reviewer can read his units' log.
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
