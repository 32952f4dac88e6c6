"""Fixtures of the honours tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def two_units(make_unit, make_branch):
    ua, ub = make_unit(name="炼铁厂党委"), make_unit(name="销售公司党委")
    return dict(ua=ua, ub=ub, a=make_branch(ua, name="高炉作业区党支部"), b=make_branch(ub, name="华东销售党支部"))


@pytest.fixture
def make_honour(db):
    from datetime import date

    from core.honours.models import Honour

    def factory(branch, level="city", awarded_on=None, title="先进基层党组织", issuer="中共某市委", **kw):
        h = Honour(branch_id=branch.id, unit_id=branch.unit_id, title=title, level=level, issuer=issuer,
                   awarded_on=awarded_on or date(2026, 1, 15), **kw)
        db.add(h)
        db.commit()
        return h
    return factory
