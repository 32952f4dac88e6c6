"""tests/pg_empty.py leaves PostgreSQL as TRUNCATE … RESTART IDENTITY would: no rows,
ids from the start again — also of a sequence whose rows were rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_DB_URL
from tests.pg_empty import empty_database

pytestmark = pytest.mark.skipif(not TEST_DB_URL, reason="PostgreSQL only (STARBRANCH_TEST_DATABASE_URL)")


def test_every_row_goes_and_ids_start_again(app, db, make_branch, make_member):
    from core.org.models import Branch, Member, OrgNode

    first = make_branch()
    make_member(first)
    first_ids = (first.id, first.unit_id)
    db.add(OrgNode(code="GONE", name="回滚的单位", kind="unit"))
    db.flush()  # takes an id from the sequence …
    db.rollback()  # … that the rollback does not give back
    db.close()
    empty_database(app.extensions["starbranch.db"].engine)
    assert [db.scalar(select(func.count()).select_from(m)) for m in (OrgNode, Branch, Member)] == [0, 0, 0]
    again = make_branch()
    assert (again.id, again.unit_id) == first_ids
