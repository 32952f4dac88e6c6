"""Portable SQL bits the evaluators need: whole days between a timestamp's date and a
date (SQLite stores both as text, PostgreSQL as timestamp/date)."""
from __future__ import annotations

from sqlalchemy import Integer
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


class unindexed(FunctionElement):
    """unindexed(col): the column's value, marked so that SQLite does not pick an index
    on it (unary +, SQLite's documented way to disqualify a term). Without ANALYZE
    statistics SQLite prefers an equality/IN index (activity_records.type) to a date range
    even when the range is far more selective (one month of a year's records)."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, col):
        super().__init__(col)
        self.type = col.type


@compiles(unindexed)
def _unindexed_default(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return f"+{compiler.process(list(element.clauses)[0], **kw)}"
