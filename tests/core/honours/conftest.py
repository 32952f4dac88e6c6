"""Fixtures of the honours tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def two_units(make_unit, make_branch):
    ua, ub = make_unit(name="炼铁厂党委"), make_unit(name="销售公司党委")
    return dict(ua=ua, ub=ub, a=make_branch(ua, name="高炉作业区党支部"), b=make_branch(ub, name="华东销售党支部"))
