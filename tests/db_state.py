"""The database's whole state, to assert that a refused write wrote nothing.

    before = snapshot(db); …; assert snapshot(db) == before
    with unchanged(): client.post(…)          # the `unchanged` fixture (tests/conftest.py)

Every table of the metadata (core and plugins, the audit log included), each as the
sorted reprs of its rows: a refused request must not add, change or delete a row
anywhere — not even an audit entry. Take the snapshot after logging in (a login
writes the user's session data). Bookkeeping of who came in is not a write of the
request: a token's last use (`api_tokens.last_used_at`) is left out."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select

from core.db import Base


#: Columns that record an access, not a change: left out of the snapshot.
ACCESS_COLUMNS = {("api_tokens", "last_used_at")}


def snapshot(db) -> dict[str, list[str]]:
    db.expire_all()
    out = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.c if (table.name, c.name) not in ACCESS_COLUMNS]
        out[table.name] = sorted(map(repr, db.execute(select(*columns)).all()))
    return out


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


@contextmanager
def nothing_written(db, what: str = ""):
    """Assert that the block leaves every table as it found it."""
    before = snapshot(db)
    yield
    changed = changed_tables(before, snapshot(db))
    assert not changed, f"{what or 'a refused write'} changed the tables {changed}"
