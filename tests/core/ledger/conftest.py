"""Fixtures for the ledger tests: the shared branch world of tests/core/branch_fixtures.py."""
from tests.core.branch_fixtures import (  # noqa: F401 (fixtures, found by pytest by name)
    branch, close_period, members, reviewer, secretary, table_counts, unit,
)
