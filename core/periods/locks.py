"""The cut-off rule (结账截止): every write path asks here before touching evidence, and
a close, recompute (试算) or reopening takes its windows here before reading it.

One rule, in one place:
- A write that belongs to a window (ledger records and attendance, attachments, point
  records, target progress, self-assessments and verifications, production figures,
  imports, plugin data that feeds indicators) calls `ensure_open(session, day)` (or
  `ensure_windows_open(session, keys)`) inside its own transaction, BEFORE changing
  anything. That takes the period rows of its windows — month, quarter and year — in
  SHARED mode and checks them there: PostgreSQL `SELECT … FOR SHARE`; SQLite begins the
  write transaction at once (BEGIN IMMEDIATE), so the check and the write are one
  critical section. A closed window raises `PeriodLocked` ("已结账锁定 …").
- A close, recompute or reopening calls `hold_windows(session, key)`: the window's rows
  and those of its sub-windows (a quarter's months; a year's quarters and months) in
  EXCLUSIVE mode (`FOR UPDATE`; SQLite: BEGIN IMMEDIATE). It waits until every write
  holding one of those rows has committed; a write arriving meanwhile waits for the
  close and is then refused. So a write is either in the close's evidence or refused,
  never accepted into a month while it is being closed.
- Rows are always locked in one order — year → quarter → month, earlier first — so
  two transactions never wait for each other in a cycle (no deadlock).
- Missing period rows are created first (INSERT … ON CONFLICT DO NOTHING), so there is
  always a row to lock; a write into a month whose close is creating the row waits on
  that insert the same way.
The rule is decided in README "结账截止（cut-off）与 starbranch verify"."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from core.periods.keys import MAX_YEAR, MIN_YEAR, PeriodKey
from core.periods.models import Period

#: Lock order of the window kinds: a year before its quarters before their months.
KIND_ORDER = {"year": 0, "quarter": 1, "month": 2}


class PeriodLocked(ValueError):
    """A write the cut-off refuses — into a closed (locked) period, or dated in a year
    no period may have (outside MIN_YEAR–MAX_YEAR); the message is for the user."""


def windows_of(day: date) -> list[PeriodKey]:
    """The year, quarter and month containing `day`, in lock order."""
    return [PeriodKey.of_date(kind, day) for kind in ("year", "quarter", "month")]


def with_sub_windows(pk: PeriodKey) -> list[PeriodKey]:
    """`pk` and every window inside it (a year's quarters and months), in lock order."""
    keys = [pk]
    for child in pk.children():
        keys.extend(with_sub_windows(child))
    return keys


def _begin_write(session: Session) -> None:
    """SQLite: make the session's transaction a write transaction now (the database's
    single write lock), so nothing is committed by anyone else between our check and
    our commit. BEGIN IMMEDIATE when no transaction is open (the usual case: reads ran
    in autocommit); inside an open one (a savepoint, an earlier write) a write that
    changes nothing takes the same lock."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.execute(update(Period).where(Period.id.is_(None)).values(status=Period.status)
                     .execution_options(synchronize_session=False))


def lock_windows(session: Session, keys: Iterable, *, exclusive: bool = False) -> list[Period]:
    """Lock the period rows of `keys` (PeriodKeys or key texts) for the rest of the
    transaction — shared for a write, exclusive for a close — creating missing rows.
    Returns the rows, freshly read after the lock (status as committed by whoever held
    it before), in lock order."""
    from core.periods.services import get_or_create_periods

    pks = sorted({k if isinstance(k, PeriodKey) else PeriodKey.parse(str(k)) for k in keys},
                 key=lambda k: (KIND_ORDER[k.kind], k.starts_on))
    if not pks:
        return []
    _begin_write(session)
    ids = [p.id for p in get_or_create_periods(session, pks).values()]
    order = case(KIND_ORDER, value=Period.kind)
    stmt = (select(Period).where(Period.id.in_(ids)).order_by(order, Period.starts_on)
            .execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=not exclusive)
    return list(session.scalars(stmt))


def hold_windows(session: Session, key) -> Period:
    """A close's, recompute's or reopening's lock: window `key` and its sub-windows,
    exclusive. Returns the window's Period row (status read after the lock)."""
    pk = key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))
    return next(p for p in lock_windows(session, with_sub_windows(pk), exclusive=True) if p.key == pk.key)


def closed_among(periods: Iterable[Period]) -> Period | None:
    """The closed window that starts first (the narrowest among those starting together:
    October before the fourth quarter), or None."""
    closed = [p for p in periods if p.is_closed]
    return min(closed, key=lambda p: (p.starts_on, p.ends_on)) if closed else None


def ensure_windows_open(session: Session, keys: Iterable) -> Period | None:
    """Take `keys` shared and return the first closed one (None when all are open)."""
    return closed_among(lock_windows(session, keys))


def closed_period_containing(session: Session, day: date) -> Period | None:
    """The closed window (month, quarter or year) containing `day`, if any (a plain
    read: for pages; a write calls `ensure_open`)."""
    keys = [k.key for k in windows_of(day)]
    return closed_among(session.scalars(select(Period).where(Period.key.in_(keys))))


def ensure_open(session: Session, day: date) -> None:
    """Take the windows of `day` (year, quarter, month) shared for this transaction and
    raise PeriodLocked when one is closed. Call it in the write's transaction, before
    changing anything; the caller commits (or rolls back on the refusal). A day in a
    year no period may have is refused the same way (no period row is made for it)."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PeriodLocked(gettext("%(day)s不在可记入的年份内（%(a)s–%(b)s 年），请检查日期。", day=day.isoformat(),
                                   a=MIN_YEAR, b=MAX_YEAR))
    period = ensure_windows_open(session, windows_of(day))
    if period is not None:
        raise PeriodLocked(gettext("%(period)s已结账锁定，不能再修改该期间的数据；如需修改，请先由组织部重新开启该期间。", period=period.label))


__all__ = ["PeriodLocked", "KIND_ORDER", "windows_of", "with_sub_windows", "lock_windows", "hold_windows",
           "ensure_windows_open", "ensure_open", "closed_among", "closed_period_containing"]
