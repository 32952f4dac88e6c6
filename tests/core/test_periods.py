"""Period keys and period rows (core/periods): parsing, bounds, children, the previous
window, and the services that make and list Period rows."""
from __future__ import annotations

from datetime import date

import pytest

from core.periods.keys import PeriodKey
from core.periods.services import (all_keys_of_year, get_or_create_period, get_or_create_periods, get_period,
                                   list_periods)

P = PeriodKey.parse


@pytest.mark.parametrize("text,kind,year,number,key", [
    ("2026-03", "month", 2026, 3, "2026-03"), ("2026-3", "month", 2026, 3, "2026-03"),
    (" 2026-12 ", "month", 2026, 12, "2026-12"), ("2026Q1", "quarter", 2026, 1, "2026Q1"),
    ("2026q4", "quarter", 2026, 4, "2026Q4"), ("2026", "year", 2026, 0, "2026"),
])
def test_parse(text, kind, year, number, key):
    pk = P(text)
    assert (pk.kind, pk.year, pk.number, pk.key, str(pk)) == (kind, year, number, key, key)


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "2026-00", "2026Q5", "2026Q0", "26", "2026-03-01", "", None,
                                  "x2026", "2026Q1x"])
def test_parse_refuses_bad_keys(text):
    with pytest.raises(ValueError):
        P(text)


@pytest.mark.parametrize("text,ok", [("1900", True), ("1900-01", True), ("2999Q4", True), ("2999-12", True),
                                     ("1899", False), ("1899-12", False), ("3000", False), ("3000Q1", False)])
def test_years_1900_to_2999_are_accepted_and_no_other(text, ok):
    # both ends inclusive, as the refusal says ("应在 1900–2999 之间")
    if ok:
        assert P(text).key == text
    else:
        with pytest.raises(ValueError, match="1900–2999"):
            P(text)


@pytest.mark.parametrize("key,starts,ends", [
    ("2026-01", date(2026, 1, 1), date(2026, 1, 31)), ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)), ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)), ("2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)), ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_bounds(key, starts, ends):
    pk = P(key)
    assert (pk.starts_on, pk.ends_on) == (starts, ends)
    assert pk.contains(starts) and pk.contains(ends)
    assert not pk.contains(date.fromordinal(starts.toordinal() - 1))
    assert not pk.contains(date.fromordinal(ends.toordinal() + 1))


@pytest.mark.parametrize("day,month,quarter", [
    (date(2026, 1, 1), "2026-01", "2026Q1"), (date(2026, 3, 31), "2026-03", "2026Q1"),
    (date(2026, 4, 1), "2026-04", "2026Q2"), (date(2026, 6, 30), "2026-06", "2026Q2"),
    (date(2026, 7, 15), "2026-07", "2026Q3"), (date(2026, 12, 31), "2026-12", "2026Q4"),
])
def test_of_date(day, month, quarter):
    assert PeriodKey.of_date("month", day).key == month
    assert PeriodKey.of_date("quarter", day).key == quarter
    assert PeriodKey.of_date("year", day) == PeriodKey(2026, "year", 0)
    assert PeriodKey.of_date("month", day) == P(month) and PeriodKey.of_date("quarter", day) == P(quarter)


def test_children_and_sub_periods():
    keys = lambda ks: [k.key for k in ks]  # noqa: E731
    assert keys(P("2026Q2").children()) == ["2026-04", "2026-05", "2026-06"]
    assert keys(P("2026").children()) == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert P("2026-05").children() == []
    assert keys(P("2026Q4").sub_periods("month")) == ["2026-10", "2026-11", "2026-12"]
    assert keys(P("2026Q3").sub_periods("quarter")) == ["2026Q3"]
    assert P("2026Q3").sub_periods("year") == []
    assert keys(P("2026").sub_periods("quarter")) == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert len(P("2026").sub_periods("month")) == 12 and P("2026").sub_periods("month")[11].key == "2026-12"
    assert keys(P("2026").sub_periods("year")) == ["2026"]
    assert keys(P("2026-02").sub_periods("month")) == ["2026-02"]
    assert P("2026-02").sub_periods("quarter") == [] and P("2026-02").sub_periods("year") == []


@pytest.mark.parametrize("key,previous", [
    ("2026-01", "2025-12"), ("2026-02", "2026-01"), ("2026-12", "2026-11"),
    ("2026Q1", "2025Q4"), ("2026Q2", "2026Q1"), ("2026Q4", "2026Q3"), ("2026", "2025"),
])
def test_previous(key, previous):
    assert P(key).previous() == P(previous)


def test_order_and_labels():
    assert P("2026-01") < P("2026-02") and P("2025") < P("2026")
    assert P("2026-03").label == "2026年3月"
    assert P("2026Q1").label == "2026年第一季度"
    assert P("2026").label == "2026年度"


def test_all_keys_of_year_in_close_order():
    keys = [k.key for k in all_keys_of_year(2026)]
    assert keys[:4] == ["2026-01", "2026-02", "2026-03", "2026Q1"]
    assert keys[-2:] == ["2026Q4", "2026"] and len(keys) == 17
    assert all_keys_of_year(2026)[-1] == PeriodKey(2026, "year", 0) == P("2026")


def test_period_rows_are_made_once_and_listed(db):
    assert get_period(db, "2026-03") is None
    assert set(get_or_create_periods(db, ["2024"])) == {"2024"}
    assert set(get_or_create_periods(db, ["2024-05"])) == {"2024-05"}   # only the rows asked for
    made = get_or_create_period(db, "2026-03")
    assert (made.key, made.kind, made.year, made.number, made.status) == ("2026-03", "month", 2026, 3, "open")
    assert (made.starts_on, made.ends_on) == (date(2026, 3, 1), date(2026, 3, 31))
    assert get_or_create_period(db, P("2026-03")).id == made.id
    rows = get_or_create_periods(db, ["2026-03", "2026Q1", "2025"])
    assert set(rows) == {"2026-03", "2026Q1", "2025"} and rows["2026-03"].id == made.id
    rows["2026Q1"].status = "closed"
    db.commit()
    assert get_period(db, P("2026Q1")).status == "closed"
    assert [p.key for p in list_periods(db)] == ["2026-03", "2026Q1", "2025", "2024-05", "2024"]
    assert [p.key for p in list_periods(db, year=2026)] == ["2026-03", "2026Q1"]
    assert [p.key for p in list_periods(db, kind="quarter")] == ["2026Q1"]
    assert [p.key for p in list_periods(db, kind="year")] == ["2025", "2024"]
    assert [p.key for p in list_periods(db, status="open", year=2026)] == ["2026-03"]


def test_periods_listed_newest_first_then_longest_first(db):
    get_or_create_periods(db, ["2026-01"])
    get_or_create_periods(db, ["2026Q1"])
    get_or_create_periods(db, ["2026"])
    get_or_create_periods(db, ["2026-03"])
    # 2026-01, 2026Q1 and 2026 all start on 1 January: the longer window first
    assert [p.key for p in list_periods(db)] == ["2026-03", "2026", "2026Q1", "2026-01"]


def test_a_lock_names_the_earliest_starting_closed_window(db):
    from core.periods.locks import PeriodLocked, closed_period_containing, ensure_open
    rows = {}
    for key in ("2026", "2026Q1", "2026-03"):  # made in this order
        rows.update(get_or_create_periods(db, [key]))
        rows[key].status = "closed"
    db.commit()
    assert closed_period_containing(db, date(2026, 3, 5)).key == "2026Q1"
    with pytest.raises(PeriodLocked, match="2026年第一季度"):
        ensure_open(db, date(2026, 3, 5))
    assert closed_period_containing(db, date(2026, 5, 5)).key == "2026"
    assert closed_period_containing(db, date(2027, 1, 1)) is None


def test_a_missing_key_is_named_in_the_refusal():
    with pytest.raises(ValueError, match="''"):
        P(None)
