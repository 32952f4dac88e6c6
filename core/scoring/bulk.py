"""Bulk upserts of engine output (evaluations, score results) in the session's
transaction: rows go to a temporary staging table (SQLite: executemany; PostgreSQL:
COPY), then one INSERT … SELECT … ON CONFLICT DO UPDATE moves them in, and one DELETE
removes rows of the same scope that the run no longer produced. A row whose values did
not change is not rewritten (DO UPDATE … WHERE some value differs), so a re-close over
unchanged evidence writes no evaluation. (Measured: on SQLite an executemany of the
upsert straight into the table is slower than staging + INSERT … SELECT.)

Why not the ORM: a quarterly close of 20 000 branches writes a few hundred thousand
rows; ORM units of work would dominate the close (see bench/close.py). Values arrive
already converted (points as integer hundredths, JSON as canonical text), so both
databases store the same bytes and a second run rewrites identical values.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.points import to_cents


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical_json(value) -> str | None:
    """JSON text with sorted keys and no spaces: identical bytes for equal content."""
    if value is None:
        return None
    return _ENCODER.encode(value)


class JsonCache:
    """canonical_json memoised on the evidence object's identity: set-based evaluators
    hand the same evidence object to many rows (most branches hold the same counts), and
    a close encodes it for every branch. Evidence built per row is encoded once each
    (a memo on its repr cost more than it saved: such evidence is mostly unique)."""

    def __init__(self):
        #: id → (object, text): the object is kept alive so its id cannot be reused
        #: during the run.
        self._ids: dict[int, tuple] = {}

    def __call__(self, value) -> str | None:
        if value is None:
            return None
        hit = self._ids.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        text = canonical_json(value)
        self._ids[id(value)] = (value, text)
        return text


def cents(value) -> int | None:
    """Integer hundredths of an already rounded points value (fast path), else via
    core.points.to_cents (the one rounding rule)."""
    if value is None:
        return None
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
        return int(value.scaleb(2))
    return to_cents(value)


class CentsCache(dict):
    """cents() memoised for one run: totals and index scores repeat across thousands of
    branches, and a dict hit costs less than Decimal.as_tuple()."""

    def __missing__(self, value):
        result = self[value] = cents(value)
        return result

    def __call__(self, value) -> int | None:
        return None if value is None else self[value]


@dataclass(frozen=True)
class Target:
    """A destination table: its staging columns with SQL types, the conflict key, the
    columns a re-run overwrites, JSON columns, and the column values fixed on insert."""

    table: str
    columns: Sequence[tuple[str, str]]
    key: Sequence[str]
    update: Sequence[str]
    json_columns: Sequence[str] = ()
    insert_constants: dict | None = None

    @property
    def stage(self) -> str:
        return f"stage_{self.table}"


EVALUATIONS = Target(
    table="evaluations",
    columns=[("branch_id", "BIGINT"), ("unit_id", "BIGINT"), ("indicator_id", "BIGINT"), ("period_id", "BIGINT"),
             ("points", "BIGINT"), ("auto_earned", "BIGINT"), ("evidence", "TEXT")],
    key=["period_id", "indicator_id", "branch_id"],
    update=["unit_id", "points", "auto_earned", "evidence"],
    json_columns=["evidence"],
    insert_constants={"version": 1},
)

SCORE_RESULTS = Target(
    table="score_results",
    columns=[("period_id", "BIGINT"), ("branch_id", "BIGINT"), ("unit_id", "BIGINT"), ("category", "TEXT"),
             ("ruleset_id", "BIGINT"), ("team", "BIGINT"), ("management", "BIGINT"), ("performance", "BIGINT"),
             ("brand", "BIGINT"), ("service", "BIGINT"), ("base", "BIGINT"), ("bonus", "BIGINT"),
             ("deduction", "BIGINT"), ("total", "BIGINT"), ("stars", "INTEGER"), ("tier", "INTEGER"),
             ("rank", "INTEGER"), ("vetoed", "BOOLEAN"), ("notes", "TEXT")],
    key=["period_id", "branch_id"],
    update=["unit_id", "category", "ruleset_id", "team", "management", "performance", "brand", "service",
            "base", "bonus", "deduction", "total", "stars", "tier", "rank", "vetoed", "notes"],
    json_columns=["notes"],
)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _stage(session: Session, target: Target, rows: Iterable[tuple]) -> None:
    """Load `rows` into the (connection-lifetime) temp table, then index it on the key:
    one sorted index build instead of an index insert per row; the INSERT … SELECT reads
    it in key order and the stale DELETE probes it."""
    conn = session.connection()
    cols = ", ".join(f"{c} {t}" for c, t in target.columns)
    names = [c for c, _ in target.columns]
    conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {target.stage} ({cols})"))
    conn.execute(text(f"DROP INDEX IF EXISTS ix_{target.stage}"))
    if _is_pg(session):
        conn.execute(text(f"TRUNCATE {target.stage}"))
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {target.stage} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        conn.execute(text(f"DELETE FROM {target.stage}"))
        cur = conn.connection.cursor()
        try:
            cur.executemany(f"INSERT INTO {target.stage} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                            rows)
        finally:
            cur.close()
    conn.execute(text(f"CREATE INDEX ix_{target.stage} ON {target.stage} ({', '.join(target.key)})"))
    if _is_pg(session):
        conn.execute(text(f"ANALYZE {target.stage}"))


def _changed(target: Target, pg: bool) -> str:
    """The DO UPDATE condition: some overwritten column differs (NULL-safe). An unchanged
    row is not rewritten, so a re-close over unchanged evidence writes nothing. JSON is
    compared as text (PostgreSQL's json has no equality; both sides are canonical text)."""
    def side(prefix: str, c: str) -> str:
        return f"{prefix}.{c}::text" if pg and c in target.json_columns else f"{prefix}.{c}"
    op = "IS DISTINCT FROM" if pg else "IS NOT"
    return " OR ".join(f"{side(target.table, c)} {op} {side('excluded', c)}" for c in target.update)


def upsert(session: Session, target: Target, rows: Iterable[tuple], *, stale_scope: str | None = None,
           params: dict | None = None, order_by: Sequence[str] | None = None) -> int:
    """Upsert `rows` (tuples in `target.columns` order) into `target.table`.

    `stale_scope`: an SQL condition on the destination table (e.g. "period_id IN (…)")
    whose rows not present in this batch are deleted afterwards; None keeps them.
    Returns the number of rows deleted that way."""
    session.flush()
    _stage(session, target, rows)
    conn = session.connection()
    pg = _is_pg(session)
    names = [c for c, _ in target.columns]
    select_cols = [f"{c}::json" if pg and c in target.json_columns else c for c in names]
    consts = target.insert_constants or {}
    insert_cols = names + list(consts)
    select_cols += [str(v) for v in consts.values()]
    order = ", ".join(order_by or target.key)
    sets = ", ".join(f"{c} = excluded.{c}" for c in target.update)
    conn.execute(text(
        f"INSERT INTO {target.table} ({', '.join(insert_cols)}) "
        f"SELECT {', '.join(select_cols)} FROM {target.stage} WHERE true ORDER BY {order} "
        f"ON CONFLICT ({', '.join(target.key)}) DO UPDATE SET {sets} WHERE {_changed(target, pg)}"))
    removed = 0
    if stale_scope:
        match = " AND ".join(f"s.{k} = {target.table}.{k}" for k in target.key)
        removed = conn.execute(text(
            f"DELETE FROM {target.table} WHERE {stale_scope} AND NOT EXISTS "
            f"(SELECT 1 FROM {target.stage} s WHERE {match})"), params or {}).rowcount
    conn.execute(text(f"DELETE FROM {target.stage}"))
    return max(removed, 0)
