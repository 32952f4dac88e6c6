"""Fixtures of the 最美一线员工 tests: a group of three units (two with the plugin on, one
off), a branch and a secretary in each, unit reviewers, an organiser (admin), a viewer;
a campaign factory whose dates sit around a controlled `today`; and a declaration helper."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from plugins.typical_staff import services

#: The controlled clock: Tuesday 22 September 2026, a week before the National Day holiday.
TODAY = date(2026, 9, 22)
DEED = "扎根炉前一线十八年，带领班组攻克高炉炉况波动难题，多次在抢修中挺身而出，保障了安全稳定生产。"
#: Tiny valid files (magic bytes are what the upload check reads).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@dataclass
class World:
    unit_a: object
    unit_b: object
    unit_off: object
    branch_a: object
    branch_a2: object
    branch_b: object
    branch_off: object
    admin: object
    reviewer_a: object
    reviewer_b: object
    secretary_a: object
    secretary_a2: object
    secretary_b: object
    secretary_off: object
    viewer_a: object


@pytest.fixture
def world(app, db, make_unit, make_branch, make_user, enable_plugin):
    unit_a = make_unit(name="炼铁厂党委", code="UA")
    unit_b = make_unit(name="轧钢厂党委", code="UB")
    unit_off = make_unit(name="后勤公司党委", code="UO")
    enable_plugin(unit_a, "typical_staff")
    enable_plugin(unit_b, "typical_staff")
    branch_a = make_branch(unit=unit_a, name="高炉作业区党支部", code="A1")
    branch_a2 = make_branch(unit=unit_a, name="烧结作业区党支部", code="A2")
    branch_b = make_branch(unit=unit_b, name="热轧作业区党支部", code="B1")
    branch_off = make_branch(unit=unit_off, name="物业党支部", code="O1")
    return World(
        unit_a, unit_b, unit_off, branch_a, branch_a2, branch_b, branch_off,
        admin=make_user("admin", username="xuanchuan", display_name="宣传部"),
        reviewer_a=make_user("reviewer", username="rev_a", units=[unit_a]),
        reviewer_b=make_user("reviewer", username="rev_b", units=[unit_b]),
        secretary_a=make_user("secretary", username="sec_a", branch=branch_a),
        secretary_a2=make_user("secretary", username="sec_a2", branch=branch_a2),
        secretary_b=make_user("secretary", username="sec_b", branch=branch_b),
        secretary_off=make_user("secretary", username="sec_o", branch=branch_off),
        viewer_a=make_user("viewer", username="view_a", units=[unit_a]),
    )


@pytest.fixture
def make_campaign(db, world):
    """An open campaign: declarations until TODAY + 3, unit review + 6, group review + 8,
    notice planned from Wednesday 30 Sep 2026 for 5 working days; quotas given per unit."""

    def factory(quotas=None, group_quota=3, status="open", notice_days=5, **kw):
        values = dict(title="2026年度“最美一线员工”推选", year=2026, criteria="爱岗敬业、业绩突出",
                      declaration_deadline=TODAY + timedelta(days=3), unit_review_deadline=TODAY + timedelta(days=6),
                      group_review_deadline=TODAY + timedelta(days=8), notice_start=date(2026, 9, 30),
                      notice_days=notice_days, group_quota=group_quota)
        values.update(kw)
        c = services.create_campaign(db, world.admin, **values)
        q = quotas if quotas is not None else {world.unit_a.id: (3, 2), world.unit_b.id: (3, 2)}
        services.set_quotas(db, world.admin, c, q)
        if status == "open":
            services.open_campaign(db, world.admin, c)
        db.commit()
        return c

    return factory


@pytest.fixture
def declare(db, world):
    """declare(campaign, actor, branch, name=…, **overrides) through the service, committed."""

    def do(campaign, actor, branch, name="王建国", today=TODAY, member=None, **kw):
        fields = dict(name=name, gender="male", post="高炉炉前工", frontline_years=18,
                      category_id=campaign.categories[0].id, deed=DEED, recommenders="班组职工代表")
        fields.update(kw)
        d = services.declare(db, actor, campaign, unit_id=branch.unit_id, branch_id=branch.id,
                             member_id=member.id if member else None, today=today, **fields)
        db.commit()
        return d

    return do


@pytest.fixture
def shortlisted(db, world, make_campaign, declare):
    """A campaign with two shortlisted candidates (one per unit), not yet published."""
    c = make_campaign()
    a = declare(c, world.secretary_a, world.branch_a, name="王建国")
    b = declare(c, world.secretary_b, world.branch_b, name="李秀英", gender="female", post="天车司机")
    for d, reviewer in ((a, world.reviewer_a), (b, world.reviewer_b)):
        services.review(db, reviewer, d, decision="approve", comment="同意推荐", today=TODAY)
        services.review(db, world.admin, d, decision="approve", comment="同意入围", today=TODAY)
    db.commit()
    return c, a, b
