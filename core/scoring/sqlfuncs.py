"""Portable SQL bits the evaluators need: whole days between a timestamp's date and a
date (SQLite stores both as text, PostgreSQL as timestamp/date), integer arithmetic
that rounds like core.points, and canonical JSON evidence built in SQL — so an
evaluator can score every branch inside the database and the engine can insert its
rows without fetching them (see core.scoring.kinds, IndicatorKind.select)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, Text, case, cast, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class days_after(FunctionElement):
    """days_after(ts, day) = date(ts) − day in whole calendar days (integer)."""

    type = Integer()
    inherit_cache = True
    name = "days_after"


@compiles(days_after)
def _days_after_default(element, compiler, **kw):  # PostgreSQL and others
    ts, day = list(element.clauses)
    return f"(CAST({compiler.process(ts, **kw)} AS DATE) - CAST({compiler.process(day, **kw)} AS DATE))"


@compiles(days_after, "sqlite")
def _days_after_sqlite(element, compiler, **kw):
    ts, day = list(element.clauses)
    return (f"CAST(julianday(date({compiler.process(ts, **kw)})) - "
            f"julianday(date({compiler.process(day, **kw)})) AS INTEGER)")


class evidence_int(FunctionElement):
    """evidence_int(evidence, "key"): the integer `key` of a stored evidence JSON object
    (a what-if re-scoring from what a close counted, IndicatorKind.rescore)."""

    type = BigInteger()
    inherit_cache = True
    name = "evidence_int"


def _evidence_parts(element, compiler, **kw) -> tuple[str, str]:
    column, key = list(element.clauses)
    return compiler.process(column, **kw), compiler.process(key, **kw)


@compiles(evidence_int)
def _evidence_int_default(element, compiler, **kw):  # PostgreSQL (json) and others
    column, key = _evidence_parts(element, compiler, **kw)
    return f"CAST(({column} ->> {key}) AS BIGINT)"


@compiles(evidence_int, "sqlite")
def _evidence_int_sqlite(element, compiler, **kw):
    column, key = _evidence_parts(element, compiler, **kw)
    return f"CAST(json_extract({column}, '$.' || {key}) AS INTEGER)"


class _OfOneColumn(FunctionElement):
    """A function of one column, typed like that column."""

    inherit_cache = True

    def __init__(self, col):
        super().__init__(col)
        self.type = col.type


class unindexed(_OfOneColumn):
    """unindexed(col): the column's value, marked so that SQLite does not pick an index
    on it (unary +, SQLite's documented way to disqualify a term). Without ANALYZE
    statistics SQLite prefers an equality/IN index (activity_records.type) to a date range
    even when the range is far more selective (one month of a year's records)."""

    inherit_cache = True  # SQLAlchemy asks every subclass to say so
    name = "unindexed"


@compiles(unindexed)
def _unindexed_default(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return f"+{compiler.process(list(element.clauses)[0], **kw)}"


def round_div(numerator, denominator):
    """numerator ÷ denominator rounded half-up to an integer, for integer operands with
    numerator ≥ 0 and denominator > 0: (2n + d) div 2d. Both databases truncate integer
    division, so both give the same integer — the SQL twin of core.points.to_points
    applied to a value in hundredths. The operands are cast to BIGINT (exact for the
    integral values they hold): PostgreSQL's SUM over a BIGINT is NUMERIC, and NUMERIC
    division is not integer division."""
    numerator, denominator = as_bigint(numerator), as_bigint(denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def as_bigint(expr):
    """CAST(expr AS BIGINT): keeps integer arithmetic integer on PostgreSQL, where
    SUM(bigint) is NUMERIC (and NUMERIC division is not integer division)."""
    return cast(expr, BigInteger)


def clamp_int(expr, low, high):
    """CASE WHEN expr < low THEN low WHEN expr > high THEN high ELSE expr END."""
    return case((expr < low, low), (expr > high, high), else_=expr)


def padded_text(value, width: int):
    """A non-negative integer below 10^width as text with leading zeros (7 → "07")."""
    return func.substr(cast(value + 10 ** width, Text), 2)


def fixed_text(value, places: int):
    """A non-negative integer of 10^-places units as decimal text with `places` places
    (1250, 2 → "12.50"): the same text on both databases."""
    unit = 10 ** places
    return cast(value // unit, Text).concat(literal(".", Text)).concat(padded_text(value % unit, places))


class JsonInt:
    """An integer SQL expression as a JSON number in `json_text`."""

    def __init__(self, expr):
        self.expr = expr


class JsonStr:
    """A text SQL expression as a JSON string in `json_text`. The caller guarantees the
    text needs no JSON escaping (digits, a decimal point, known codes)."""

    def __init__(self, expr):
        self.expr = expr


def json_text(fields: dict):
    """A SQL expression building the canonical JSON object of `fields` (sorted keys, no
    spaces — the bytes core.scoring.bulk.canonical_json gives for the same values).
    Values are Python constants (encoded here once) or JsonInt / JsonStr of SQL
    expressions (never NULL: coalesce first). Both databases concatenate the same text,
    so evidence built this way is byte-identical on SQLite and PostgreSQL."""
    from core.scoring.bulk import canonical_json

    parts: list = []
    pending = "{"
    for i, key in enumerate(sorted(fields)):
        value = fields[key]
        pending += ("," if i else "") + canonical_json(key) + ":"
        if isinstance(value, JsonInt):
            parts += [literal(pending, Text), cast(value.expr, Text)]
            pending = ""
        elif isinstance(value, JsonStr):
            parts += [literal(pending + '"', Text), cast(value.expr, Text)]
            pending = '"'
        else:
            pending += canonical_json(value)
    parts.append(literal(pending + "}", Text))
    expr = parts[0]
    for part in parts[1:]:
        expr = expr.concat(part)
    return expr


class month_start(_OfOneColumn):
    """month_start(day) = the first day of day's month (a date)."""

    inherit_cache = True
    name = "month_start"


@compiles(month_start)
def _month_start_default(element, compiler, **kw):  # PostgreSQL and others
    return f"CAST(date_trunc('month', {compiler.process(list(element.clauses)[0], **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, 'start of month')"
