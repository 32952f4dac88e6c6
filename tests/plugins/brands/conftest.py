"""Fixtures of the brands plugin's tests: a unit with the plugin and one without, a
branch in each, the users of every role, and `walk` to move a brand along its stages
as the right people."""
from __future__ import annotations

from datetime import date

import pytest

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(app, db, make_unit, make_branch, make_user, enable_plugin):
    on = make_unit(name="炼钢厂党委", code="LG")
    other = make_unit(name="炼铁厂党委", code="LT")
    off = make_unit(name="物流公司党委", code="WL")
    for unit in (on, other):
        enable_plugin(unit, "brands")
    a = make_branch(unit=on, code="LG01", name="一号转炉作业区党支部", category="production")
    a2 = make_branch(unit=on, code="LG02", name="连铸作业区党支部", category="production")
    aux = make_branch(unit=on, code="LG03", name="设备点检党支部", category="auxiliary")
    t = make_branch(unit=other, code="LT01", name="高炉作业区党支部", category="production")
    x = make_branch(unit=off, code="WL01", name="汽运党支部", category="production")
    users = {
        "secretary": make_user("secretary", branch=a),
        "other_secretary": make_user("secretary", branch=a2),
        "reviewer": make_user("reviewer", units=[on]),
        "other_reviewer": make_user("reviewer", units=[other]),
        "admin": make_user("admin"),
        "viewer": make_user("viewer", units=[on, other]),
        "off_secretary": make_user("secretary", branch=x),
        "off_reviewer": make_user("reviewer", units=[off]),
    }
    return {"on": on, "other": other, "off": off, "a": a, "a2": a2, "aux": aux, "t": t, "x": x, **users}


FILE = {"name": "铁军先锋", "slogan": "一名党员一面旗", "meaning": "把支部建在转炉旁。", "vanguard_type": "manufacturing"}

#: Who does each step, and on which day (2026), on the way to `named`.
STEPS = [("declare", "secretary", date(2026, 1, 5)), ("cultivate", "reviewer", date(2026, 1, 20)),
         ("propose", "reviewer", date(2026, 2, 10)), ("accept", "admin", date(2026, 2, 25)),
         ("name", "admin", date(2026, 3, 10))]


@pytest.fixture
def walk(db, world):
    """walk(branch, upto='named', steps=STEPS) moves the brand as the right users; committed."""
    from plugins.brands.stages import transition

    def do(branch=None, upto="named", steps=STEPS, secretary=None):
        branch = branch or world["a"]
        for action, role, day in steps:
            actor = secretary if (role == "secretary" and secretary is not None) else world[role]
            transition(db, branch, action, actor=actor, on=day, values=FILE, today=TODAY,
                       comment="同意" if action not in ("reject", "withdraw") else "理由")
            db.commit()
            if {"declare": "declared", "cultivate": "cultivating", "propose": "proposed", "accept": "accepted",
                "name": "named"}.get(action) == upto:
                break

    return do
