"""Period rows: created on first use, listed for pickers. Plain functions taking a session."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.periods.keys import PeriodKey
from core.periods.models import Period


def _as_key(key) -> PeriodKey:
    return key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))


def get_period(session: Session, key) -> Period | None:
    """The Period row of `key` ('2026-03', '2026Q1', '2026' or a PeriodKey), or None."""
    return session.scalar(select(Period).where(Period.key == _as_key(key).key))


def get_or_create_period(session: Session, key) -> Period:
    """The Period row of `key`, created (open) if missing. Flushes, does not commit."""
    pk = _as_key(key)
    return get_or_create_periods(session, [pk])[pk.key]


def get_or_create_periods(session: Session, keys) -> dict[str, Period]:
    """Several Period rows at once: key text → Period. Missing rows are inserted with
    INSERT … ON CONFLICT DO NOTHING, so two transactions creating the same period at
    once (two closes of a new month) both end up with the one row instead of a
    unique-key error. Does not commit."""
    pks = [_as_key(k) for k in keys]
    wanted = [k.key for k in pks]
    have = {p.key: p for p in session.scalars(select(Period).where(Period.key.in_(wanted)))}
    missing = [pk for pk in pks if pk.key not in have]
    if missing:
        session.flush()
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Period).values([
            dict(key=pk.key, kind=pk.kind, year=pk.year, number=pk.number, starts_on=pk.starts_on,
                 ends_on=pk.ends_on, status="open") for pk in missing]).on_conflict_do_nothing())
        have.update({p.key: p for p in session.scalars(
            select(Period).where(Period.key.in_([pk.key for pk in missing])))})
    return have


def list_periods(session: Session, *, year: int | None = None, kind: str | None = None,
                 status: str | None = None) -> list[Period]:
    """Existing periods, newest first, optionally filtered by year, kind and status."""
    stmt = select(Period)
    if year is not None:
        stmt = stmt.where(Period.year == year)
    if kind:
        stmt = stmt.where(Period.kind == kind)
    if status:
        stmt = stmt.where(Period.status == status)
    return list(session.scalars(stmt.order_by(Period.starts_on.desc(), Period.ends_on.desc())))


def all_keys_of_year(year: int) -> list[PeriodKey]:
    """The 12 months, 4 quarters and the year of `year`, in close order."""
    keys: list[PeriodKey] = []
    for q in range(1, 5):
        qk = PeriodKey(year, "quarter", q)
        keys.extend(qk.children())
        keys.append(qk)
    keys.append(PeriodKey(year, "year", 0))
    return keys
