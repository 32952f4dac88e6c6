"""Hostile numbers in URLs and query strings answer 404/400, never 500 (issue #14, item 9).

Two guards, each in one place:
- path ids: the `int` URL converter accepts only what a database integer can hold
  (0 … 2⁶³−1); anything larger is simply no such page (404);
- a safety net for values that reach the database out of range through a query
  string or a form (SQLite: OverflowError; PostgreSQL: DataError) or decimal
  arithmetic out of range: the transaction is rolled back and the user gets 400 with
  a clear message. Forms still validate their own fields first; the net is for the
  slip no one foresaw.
"""
from __future__ import annotations

from decimal import InvalidOperation

from flask import Flask, render_template
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

MAX_DB_INT = 2 ** 63 - 1


class DatabaseIntConverter(IntegerConverter):
    """`<int:id>` limited to what a BIGINT holds."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def init_http_inputs(app: Flask) -> None:
    """Install the converter (before any blueprint adds a rule) and the safety net."""
    app.url_map.converters["int"] = DatabaseIntConverter

    def out_of_range(_exc):
        from core.auth.access import is_api_request
        from core.db import get_session

        get_session().rollback()
        message = "请求中的数值超出允许范围。"
        if is_api_request():
            return {"error": 400, "message": message}, 400
        return render_template("error.html", code=400, title="参数无效", message=message), 400

    for exc in (OverflowError, DataError, InvalidOperation):
        app.register_error_handler(exc, out_of_range)


def year_arg(name: str = "year", default: int | None = None) -> int:
    """A year from the query string; anything that is not a year the platform can hold
    (see core.periods.keys) gives `default` (this year when None)."""
    from datetime import date

    from flask import request

    from core.periods.keys import MAX_YEAR, MIN_YEAR

    fallback = default if default is not None else date.today().year
    try:
        year = int(request.args.get(name) or fallback)
    except ValueError:
        return fallback
    return year if MIN_YEAR <= year <= MAX_YEAR else fallback
