"""A small organisation for the admin tests: two units, branches, members, one user per role."""
from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def world(make_unit, make_branch, make_member, make_user):
    group = make_unit(name="集团党委", code="G", kind="group")
    a = make_unit(name="炼铁厂党委", code="A", parent=group)
    b = make_unit(name="炼钢厂党委", code="B", parent=group)
    a1 = make_branch(a, name="高炉作业区党支部", code="A-01")
    a2 = make_branch(a, name="烧结作业区党支部", code="A-02", category="auxiliary")
    b1 = make_branch(b, name="转炉作业区党支部", code="B-01")
    return SimpleNamespace(
        group=group, a=a, b=b, a1=a1, a2=a2, b1=b1,
        m_a1=make_member(a1, name="张伟"), m_a2=make_member(a2, name="李娜", gender="female"),
        m_b1=make_member(b1, name="王强"),
        admin=make_user("admin"),
        reviewer=make_user("reviewer", units=[a]),
        secretary=make_user("secretary", branch=a1),
        viewer=make_user("viewer", units=[a]),
    )


@pytest.fixture
def audit_actions(db):
    from sqlalchemy import select

    from core.audit.models import AuditEntry

    def actions():
        db.expire_all()
        return [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]

    return actions

