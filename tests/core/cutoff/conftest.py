"""Fixtures of the cut-off tests: the scoring tests' rule-set and evidence factories."""
from tests.core.scoring.conftest import add_points, add_record, close, make_ruleset, registry  # noqa: F401
