"""A branch moved to another unit takes its records along; closed results keep the unit
they were ranked in (issue #14, item 2; the rule: core/org/unit_follow.py)."""
from __future__ import annotations

import io
import re
from decimal import Decimal

from sqlalchemy import select

from core.honours.models import Honour
from core.ledger.models import ActivityRecord, Attachment, PointRecord
from core.org.unit_follow import following_tables
from core.scoring.models import ScoreResult
from core.targets.models import Target
from tests.core.org.test_branch_admin import _form

PDF = b"%PDF-1.4 minutes"


def _world(make_unit, make_branch, make_member, make_user):
    old, new = make_unit(name="炼铁厂党委", code="OLD"), make_unit(name="炼钢厂党委", code="NEW")
    branch = make_branch(unit=old, name="高炉党支部", code="B-MOVE")
    members = [make_member(branch, name=n) for n in ("张三", "李四")]
    return dict(old=old, new=new, branch=branch, members=members,
                old_reviewer=make_user("reviewer", units=[old]), new_reviewer=make_user("reviewer", units=[new]),
                secretary=make_user("secretary", branch=branch), admin=make_user("admin"))


def test_every_kind_of_row_follows_the_branch_and_history_stays(app, client, db, login, make_unit, make_branch,
                                                                 make_member, make_user, make_honour):
    w = _world(make_unit, make_branch, make_member, make_user)
    branch = w["branch"]
    login(w["secretary"])
    data = {"type": "party_lecture", "held_on": "2026-03-10", "topic": "党课",
            **{f"present_{m.id}": "1" for m in w["members"]}}
    assert client.post(f"/ledger/branch/{branch.id}/new", data=data).status_code == 302
    record = db.scalar(select(ActivityRecord))
    client.post(f"/ledger/record/{record.id}/attachments", data={"file": (io.BytesIO(PDF), "纪要.pdf")},
                content_type="multipart/form-data")
    attachment = db.scalar(select(Attachment))
    login(w["old_reviewer"])
    assert client.post(f"/ledger/branch/{branch.id}/points", data={
        "kind": "deduction", "points": "1", "dated": "2026-03-05", "reason": "逾期"}).status_code == 302
    assert client.post("/targets/new", data={
        "title": "零事故", "group": "safety_production", "index_code": "performance", "points": "10",
        "owner": "王厂长", "deadline": "2026-06-30", "branches": [str(branch.id)]}).status_code == 302
    honour = make_honour(branch)
    db.add(ScoreResult(period_id=1, branch_id=branch.id, unit_id=w["old"].id, category="production",
                       ruleset_id=1, base=Decimal("90"), bonus=Decimal(0), deduction=Decimal(0),
                       total=Decimal("90"), rank=1))
    db.commit()

    login(w["admin"])
    r = client.post(f"/org/branches/{branch.id}/edit", data=_form(branch, parent_id=str(w["new"].id)))
    assert r.status_code == 302
    db.expire_all()
    new_id, old_id = w["new"].id, w["old"].id
    for model in (ActivityRecord, PointRecord, Honour, Target):
        assert set(db.scalars(select(model.unit_id).where(model.branch_id == branch.id))) == {new_id}, model
    for table in following_tables():  # plugin tables too (production, brands, …)
        stale = db.execute(select(table.c.branch_id).where(table.c.branch_id == branch.id,
                                                           table.c.unit_id == old_id)).all()
        assert stale == [], table.name
    assert db.scalar(select(ScoreResult.unit_id).where(ScoreResult.branch_id == branch.id)) == old_id

    # the old unit's reviewer lost the branch's files; the new one has them
    login(w["old_reviewer"])
    assert client.get(f"/ledger/attachment/{attachment.id}").status_code == 404
    assert client.get(f"/ledger/record/{record.id}").status_code == 404
    assert client.get(f"/honours/{honour.id}/evidence").status_code == 404
    assert "先进基层党组织" not in client.get("/honours").get_data(as_text=True)
    login(w["new_reviewer"])
    with client.get(f"/ledger/attachment/{attachment.id}") as dl:
        assert dl.status_code == 200 and dl.data == PDF
    assert client.get(f"/ledger/record/{record.id}").status_code == 200
    assert "先进基层党组织" in client.get("/honours").get_data(as_text=True)
    assert "零事故" in client.get(f"/targets/branch/{branch.id}").get_data(as_text=True)
    assert "逾期" in client.get(f"/ledger/branch/{branch.id}/points").get_data(as_text=True)


def test_moving_a_unit_node_moves_the_records_of_the_branches_below(client, db, login, make_unit, make_branch,
                                                                     make_member, make_user, make_honour):
    group_a, group_b = make_unit(name="甲党委", code="UA"), make_unit(name="乙党委", code="UB")
    general = make_unit(name="第一党总支", code="GB", parent=group_a, kind="general_branch")
    branch = make_branch(unit=group_a, parent=general, name="总支下支部", code="B-UNDER")
    honour = make_honour(branch)
    admin = make_user("admin")
    login(admin)
    page = client.get(f"/org/units/{general.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(r'value="(\d+)"[^>]*name="version"', page)
    r = client.post(f"/org/units/{general.id}/edit", data={
        "code": "GB", "name": "第一党总支", "kind": "general_branch", "parent_id": str(group_b.id),
        "version": version.group(1) if version else "1"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    db.expire_all()
    assert db.get(Honour, honour.id).unit_id == group_b.id
