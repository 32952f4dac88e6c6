"""What each pytest-xdist worker keeps to itself (`make test` and `make test-pg` run
the suite with `-n auto`): workers run at once, so each gets its own PostgreSQL test
database and its own scratch database, named after the worker (`test` → `test_gw0`).
Without xdist (one process, e.g. the integration tests) nothing changes."""
from __future__ import annotations

import os

from sqlalchemy.engine import make_url

#: "gw0", "gw1", … inside an xdist worker; None in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
DEFAULT_SCRATCH_DB = "sb_migrations"


def own_name(name: str) -> str:
    return f"{name}_{WORKER}" if WORKER else name


def own_database_url(url: str) -> str:
    """`url` with this worker's database instead of the shared one."""
    parsed = make_url(url)
    return parsed.set(database=own_name(parsed.database)).render_as_string(hide_password=False)


def claim_environment() -> None:
    """Point the test variables at this worker's databases before any test module
    reads them (tests/conftest.py calls this on import)."""
    if not WORKER or os.environ.get("STARBRANCH_TEST_WORKER") == WORKER:
        return
    os.environ["STARBRANCH_TEST_WORKER"] = WORKER  # done once per process
    url = os.environ.get("STARBRANCH_TEST_DATABASE_URL")
    if url:
        os.environ["STARBRANCH_TEST_DATABASE_URL"] = own_database_url(url)
    os.environ["STARBRANCH_TEST_SCRATCH_DB"] = own_name(os.environ.get("STARBRANCH_TEST_SCRATCH_DB",
                                                                        DEFAULT_SCRATCH_DB))
