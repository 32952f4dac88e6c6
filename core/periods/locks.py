"""Locked periods: every write path asks here before touching evidence."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.periods.keys import PeriodKey
from core.periods.models import Period


class PeriodLocked(ValueError):
    """A write into a closed (locked) period; the message is for the user."""


def closed_period_containing(session: Session, day: date) -> Period | None:
    """The closed window (month, quarter or year) containing `day`, if any."""
    keys = [PeriodKey.of_date(kind, day).key for kind in ("month", "quarter", "year")]
    return session.scalar(select(Period).where(Period.key.in_(keys), Period.status == "closed")
                          .order_by(Period.starts_on, Period.kind))


def ensure_open(session: Session, day: date) -> None:
    """Raise PeriodLocked when `day` falls in a closed window."""
    period = closed_period_containing(session, day)
    if period is not None:
        raise PeriodLocked(gettext("%(period)s已结账锁定，不能再修改该期间的数据；如需修改，请先由组织部重新开启该期间。", period=period.label))
