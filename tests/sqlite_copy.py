"""Copies of an in-memory SQLite database, taken and put back with sqlite3's backup: the
same schema and rows, ids and all, in milliseconds. The tests make each test's empty
schema this way (tests/conftest.py: `create_all` of 63 tables costs a fifth of a second,
before each of >1300 tests) and the seeded demo of the crawl-based tests
(tests/core/test_crawl.py)."""
from __future__ import annotations

import sqlite3


def is_in_memory(engine) -> bool:
    """An in-memory SQLite database: the app's engine keeps its one connection (StaticPool)."""
    return engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:")


def take(engine) -> sqlite3.Connection:
    """A copy of the engine's in-memory database (commit first: the copy sees committed rows)."""
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.backup(copy)
    finally:
        raw.close()
    return copy


def put_back(copy: sqlite3.Connection, engine) -> None:
    """Replace everything in the engine's in-memory database by `copy`."""
    raw = engine.raw_connection()
    try:
        copy.backup(raw.driver_connection)
    finally:
        raw.close()
