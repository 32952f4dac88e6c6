"""Bulk writes of engine output (evaluations, score results) in the session's
transaction, for one scope (e.g. a period). Rows come from Python (SQLite: executemany;
PostgreSQL: COPY) or from a SELECT run inside the database (INSERT … SELECT).

- Scope still empty — a period's first close, the usual case: `Direct` inserts
  straight into the table (nothing to update or remove).
- Otherwise `Stage`: rows go to a temporary staging table, then one INSERT … SELECT …
  ON CONFLICT DO UPDATE moves them in, and one DELETE removes rows of the scope that
  the run no longer produced. A row whose values did not change is not rewritten (DO
  UPDATE … WHERE some value differs), so a re-close over unchanged evidence writes no
  evaluation. (Measured: on SQLite an executemany of the upsert straight into the table
  is slower than staging + INSERT … SELECT.)

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

from sqlalchemy import JSON, cast, column, insert, literal, select, table, text
from sqlalchemy.orm import Session

from core.points import to_cents


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical_json(value) -> str | None:
    """JSON text with sorted keys and no spaces: identical bytes for equal content."""
    if value is None:
        return None
    return _ENCODER.encode(value)


class JsonCache:
    """canonical_json memoised for one run on the object's identity: set-based
    evaluators hand the same evidence object to many rows (most branches hold the same
    counts), and a close encodes it for every branch. Evidence built per row is encoded
    once each (a memo on its repr cost more than it saved: such evidence is mostly
    unique). `by_repr=True` memoises on repr() instead, for values that are mostly equal
    but distinct objects — a result's notes ({"rescaled": [...]} on most branches of a
    month): repr is about three times cheaper than the canonical encoding."""

    def __init__(self, by_repr: bool = False):
        self.by_repr = by_repr
        #: id → (object, text): the object is kept alive so its id cannot be reused
        #: during the run.
        self._ids: dict[int, tuple] = {}
        self._reprs: dict[str, str] = {}

    def __call__(self, value) -> str | None:
        if value is None:
            return None
        if self.by_repr:
            key = repr(value)
            text = self._reprs.get(key)
            if text is None:
                text = self._reprs[key] = canonical_json(value)
            return text
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
    key=["period_id", "branch_id", "indicator_id"],
    update=["unit_id", "points", "auto_earned", "evidence"],
    json_columns=["evidence"],
    insert_constants={"version": 1},
)

#: The staging columns of EVALUATIONS, in order (for Stage.add_select).
EVALUATIONS_COLUMNS = [c for c, _ in EVALUATIONS.columns]

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


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


class _Writer:
    """What Stage and Direct share: the target, the connection and how Python rows are
    bulk-loaded into a table (PostgreSQL: COPY; SQLite: executemany)."""

    def __init__(self, session: Session, target: Target, *, stale_scope: str | None = None,
                 order_by: Sequence[str] | None = None):
        session.flush()
        self.target = target
        self.conn = session.connection()
        self.pg = is_postgresql(session)
        self.names = [c for c, _ in target.columns]
        self.stale_scope = stale_scope
        self.order_by = list(order_by or target.key)

    def _load(self, table_name: str, names: Sequence[str], rows: Iterable[tuple]) -> None:
        if self.pg:
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY {table_name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cur = self.conn.connection.cursor()
        try:
            cur.executemany(f"INSERT INTO {table_name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                            rows)
        finally:
            cur.close()

    def _insert_select(self, table_name: str, columns: Sequence[str], stmt) -> int:
        # preserve_rowcount: without it SQLAlchemy reports -1 for INSERT … SELECT on psycopg
        ins = (insert(table(table_name, *(column(c) for c in columns))).from_select(list(columns), stmt)
               .execution_options(preserve_rowcount=True))
        count = self.conn.execute(ins).rowcount
        if count < 0 and not self.pg:
            # Python's sqlite3 counts rows only for statements that start with INSERT;
            # an INSERT … SELECT with CTEs is rendered WITH … INSERT
            count = self.conn.exec_driver_sql("SELECT changes()").scalar()
        return count


class Stage(_Writer):
    """An upsert through a staging table: fill it from Python rows (`add_rows`) and/or
    from SQL (`add_select`: rows never leave the database), then `merge` it into the
    destination — one INSERT … ON CONFLICT DO UPDATE, then the DELETE of the rows in
    `stale_scope` that this run did not produce. The temp table lives as long as the
    connection and is emptied after each merge."""

    def __init__(self, session: Session, target: Target, **kw):
        super().__init__(session, target, **kw)
        cols = ", ".join(f"{c} {t}" for c, t in target.columns)
        self.conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {target.stage} ({cols})"))
        self.conn.execute(text(f"DROP INDEX IF EXISTS ix_{target.stage}"))
        self.conn.execute(text(f"{'TRUNCATE' if self.pg else 'DELETE FROM'} {target.stage}"))

    def add_rows(self, rows: Iterable[tuple]) -> None:
        """Append Python tuples in `target.columns` order."""
        self._load(self.target.stage, self.names, rows)

    def add_select(self, columns: Sequence[str], stmt) -> int:
        """Append the rows of a SELECT whose columns are `columns` (the staging columns,
        in that order); returns how many."""
        return self._insert_select(self.target.stage, columns, stmt)

    def merge(self) -> int:
        """Move the staged rows into the destination; returns the number of stale rows
        deleted."""
        target, conn, pg = self.target, self.conn, self.pg
        # One sorted index build instead of an index insert per row; the INSERT … SELECT
        # reads the stage in key order and the stale DELETE probes it.
        conn.execute(text(f"CREATE INDEX ix_{target.stage} ON {target.stage} ({', '.join(target.key)})"))
        if pg:
            conn.execute(text(f"ANALYZE {target.stage}"))
        select_cols = [f"{c}::json" if pg and c in target.json_columns else c for c in self.names]
        consts = target.insert_constants or {}
        insert_cols = self.names + list(consts)
        select_cols += [str(v) for v in consts.values()]
        sets = ", ".join(f"{c} = excluded.{c}" for c in target.update)
        conn.execute(text(
            f"INSERT INTO {target.table} ({', '.join(insert_cols)}) "
            f"SELECT {', '.join(select_cols)} FROM {target.stage} WHERE true ORDER BY {', '.join(self.order_by)} "
            f"ON CONFLICT ({', '.join(target.key)}) DO UPDATE SET {sets} WHERE {_changed(target, pg)}"))
        removed = 0
        if self.stale_scope:
            match = " AND ".join(f"s.{k} = {target.table}.{k}" for k in target.key)
            removed = conn.execute(text(
                f"DELETE FROM {target.table} WHERE {self.stale_scope} AND NOT EXISTS "
                f"(SELECT 1 FROM {target.stage} s WHERE {match})")).rowcount
        conn.execute(text(f"DELETE FROM {target.stage}"))
        return max(removed, 0)


class Direct(_Writer):
    """Straight inserts into the destination, for a scope that holds no row yet (the
    first close of a period, the usual case): nothing to update or remove, so no
    staging table, no conflict check and no stale DELETE. SQL rows are inserted in key
    order (appends to the unique index)."""

    def add_rows(self, rows: Iterable[tuple]) -> None:
        consts = self.target.insert_constants or {}
        extra = tuple(consts.values())
        self._load(self.target.table, self.names + list(consts),
                   (row + extra for row in rows) if extra else rows)

    def add_select(self, columns: Sequence[str], stmt) -> int:
        consts = self.target.insert_constants or {}
        sub = stmt.subquery()
        picked = [cast(c, JSON) if self.pg and name in self.target.json_columns else c
                  for name, c in zip(columns, sub.c)]
        picked += [literal(v) for v in consts.values()]
        by_name = dict(zip(columns, sub.c))
        ordered = select(*picked).order_by(*(by_name[k] for k in self.order_by if k in by_name))
        return self._insert_select(self.target.table, list(columns) + list(consts), ordered)

    def merge(self) -> int:
        return 0


def open_writer(session: Session, target: Target, *, scope: str, order_by: Sequence[str] | None = None):
    """A Direct writer when `scope` (an SQL condition on the destination) holds no row
    yet, else a Stage that merges and removes the scope's stale rows."""
    taken = session.execute(text(f"SELECT 1 FROM {target.table} WHERE {scope} LIMIT 1")).first()
    cls = Stage if taken else Direct
    return cls(session, target, stale_scope=scope, order_by=order_by)


def _changed(target: Target, pg: bool) -> str:
    """The DO UPDATE condition: some overwritten column differs (NULL-safe). An unchanged
    row is not rewritten, so a re-close over unchanged evidence writes nothing. JSON is
    compared as text (PostgreSQL's json has no equality; both sides are canonical text)."""
    def side(prefix: str, c: str) -> str:
        return f"{prefix}.{c}::text" if pg and c in target.json_columns else f"{prefix}.{c}"
    op = "IS DISTINCT FROM" if pg else "IS NOT"
    return " OR ".join(f"{side(target.table, c)} {op} {side('excluded', c)}" for c in target.update)


def upsert(session: Session, target: Target, rows: Iterable[tuple], *, scope: str,
           order_by: Sequence[str] | None = None) -> int:
    """Write `rows` (tuples in `target.columns` order) as the whole content of `scope`
    (an SQL condition on `target.table`, e.g. "period_id = 7"): insert new rows, update
    changed ones, delete the scope's rows not in `rows`. Returns how many were deleted."""
    writer = open_writer(session, target, scope=scope, order_by=order_by)
    writer.add_rows(rows)
    return writer.merge()
