"""The portable SQL bits of core/scoring/sqlfuncs.py, evaluated by the test database and,
for the PostgreSQL forms, compiled for PostgreSQL (the suite's PostgreSQL run executes
them through the evaluators)."""
from datetime import date, datetime

import pytest
from sqlalchemy import Date, DateTime, Integer, Text, column, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from core.scoring.bulk import canonical_json
from core.scoring.sqlfuncs import (JsonInt, JsonStr, clamp_int, days_after, fixed_text, json_text, month_start,
                                   padded_text, round_div, unindexed)


def value(db, expr):
    return db.execute(select(expr)).scalar_one()


@pytest.mark.parametrize("uploaded,held,days", [
    (datetime(2026, 3, 10, 23, 59), date(2026, 3, 10), 0), (datetime(2026, 3, 17, 0, 1), date(2026, 3, 10), 7),
    (datetime(2026, 4, 1, 8, 0), date(2026, 3, 31), 1), (datetime(2026, 3, 9, 12, 0), date(2026, 3, 10), -1),
])
def test_days_after_counts_calendar_days(db, uploaded, held, days):
    assert value(db, days_after(literal(uploaded, DateTime), literal(held, Date))) == days


@pytest.mark.parametrize("num,den,expected", [(5, 2, 3), (4, 2, 2), (7, 3, 2), (1, 3, 0), (3, 2, 2), (0, 9, 0),
                                              (1005, 1000, 1), (1500, 1000, 2), (14999, 10000, 1)])
def test_round_div_rounds_half_up(db, num, den, expected):
    assert value(db, round_div(literal(num, Integer), literal(den, Integer))) == expected


@pytest.mark.parametrize("x,expected", [(-5, 0), (0, 0), (7, 7), (10, 10), (11, 10)])
def test_clamp_int(db, x, expected):
    assert value(db, clamp_int(literal(x, Integer), 0, 10)) == expected


@pytest.mark.parametrize("v,places,text", [(1250, 2, "12.50"), (5, 2, "0.05"), (0, 2, "0.00"), (100, 2, "1.00"),
                                           (123456, 3, "123.456"), (7, 1, "0.7")])
def test_fixed_text(db, v, places, text):
    assert value(db, fixed_text(literal(v, Integer), places)) == text


def test_padded_text(db):
    assert value(db, padded_text(literal(7, Integer), 2)) == "07"
    assert value(db, padded_text(literal(42, Integer), 3)) == "042"
    assert value(db, padded_text(literal(0, Integer), 1)) == "0"


def test_json_text_is_the_canonical_json_of_the_same_values(db):
    fields = {"b": JsonInt(literal(3, Integer)), "a": "x", "c": JsonStr(literal("1.50", Text)), "d": [1, 2],
              "e": JsonInt(literal(0, Integer)), "f": JsonStr(literal("ok", Text))}
    assert value(db, json_text(fields)) == canonical_json({"a": "x", "b": 3, "c": "1.50", "d": [1, 2], "e": 0,
                                                           "f": "ok"})
    assert value(db, json_text({"only": JsonInt(literal(12, Integer))})) == '{"only":12}'
    assert value(db, json_text({"k": 1})) == '{"k":1}'


def test_month_start_and_unindexed(db):
    assert str(value(db, month_start(literal(date(2026, 3, 17), Date))))[:10] == "2026-03-01"
    assert value(db, unindexed(literal(5, Integer))) == 5
    col = column("type", Text)
    assert str(unindexed(col).compile(dialect=sqlite.dialect())) == "+type"
    assert unindexed(col).type is col.type


def test_postgresql_forms():
    pg = postgresql.dialect()
    ts, day, kind = column("uploaded_at", DateTime), column("held_on", Date), column("type", Text)
    assert str(days_after(ts, day).compile(dialect=pg)) == "(CAST(uploaded_at AS DATE) - CAST(held_on AS DATE))"
    assert str(unindexed(kind).compile(dialect=pg)) == "type"
    assert str(month_start(day).compile(dialect=pg)) == "CAST(date_trunc('month', held_on) AS DATE)"
    assert "CAST(" in str(round_div(column("n", Integer), column("d", Integer)).compile(dialect=pg))
    assert "BIGINT" in str(round_div(column("n", Integer), column("d", Integer)).compile(dialect=pg))
