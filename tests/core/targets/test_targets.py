"""Targets (目标管控): decomposition, owner and deadline, monthly progress, overdue flag,
and locked months refused."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.targets.models import Target, TargetProgress
from core.targets.services import TargetError, record_progress


def _data(branches, **kw):
    data = {"title": "全年安全生产零事故", "group": "safety_production", "index_code": "performance",
            "points": "10", "owner": "王厂长", "deadline": "2026-06-30",
            "branches": [str(b.id) for b in branches]}
    data.update(kw)
    return data


@pytest.fixture
def two_branches(make_branch, unit, branch):
    return [branch, make_branch(unit=unit, name="炼铁二车间党支部")]


def test_reviewer_decomposes_target_to_several_branches(client, login, reviewer, two_branches, db):
    login(reviewer)
    r = client.post("/targets/new", data=_data(two_branches))
    assert r.status_code == 302
    targets = list(db.scalars(select(Target)))
    assert {t.branch_id for t in targets} == {b.id for b in two_branches}
    assert len({t.batch for t in targets}) == 1 and targets[0].batch
    assert targets[0].points == Decimal("10.00") and targets[0].owner == "王厂长"


def test_target_without_owner_is_refused(client, login, reviewer, two_branches, db):
    login(reviewer)
    r = client.post("/targets/new", data=_data(two_branches, owner=""))
    assert "请填写责任人" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Target)) == 0


def test_reviewer_cannot_decompose_to_other_unit(client, login, reviewer, make_branch, db):
    foreign = make_branch()
    login(reviewer)
    r = client.post("/targets/new", data=_data([foreign]))
    assert r.status_code == 200  # not a valid choice: field error, nothing written
    assert db.scalar(select(func.count()).select_from(Target)) == 0


def test_secretary_cannot_create_targets(client, login, secretary, branch, db, unchanged):
    login(secretary)
    with unchanged():
        assert client.post("/targets/new", data=_data([branch])).status_code == 404


def _target(db, branch, deadline=date(2026, 6, 30)):
    t = Target(branch_id=branch.id, unit_id=branch.unit_id, title="季度产量", group="key_tasks",
               index_code="performance", points=Decimal(5), owner="李主任", deadline=deadline)
    db.add(t)
    db.commit()
    return t


def test_secretary_enters_monthly_progress_one_row_per_month(client, login, secretary, branch, db):
    t = _target(db, branch)
    login(secretary)
    assert client.post(f"/targets/{t.id}", data={"month": "2026-03", "completion": "40"}).status_code == 302
    assert client.post(f"/targets/{t.id}", data={"month": "2026-03", "completion": "55.5", "note": "补录"}).status_code == 302
    rows = list(db.scalars(select(TargetProgress)))
    assert len(rows) == 1 and rows[0].completion == Decimal("55.50") and rows[0].month == date(2026, 3, 1)


@pytest.mark.parametrize("completion,message", [("101", "0 到 100"), ("-1", "0 到 100"), ("abc", "数字")])
def test_bad_completion_is_refused(client, login, secretary, branch, db, completion, message):
    t = _target(db, branch)
    login(secretary)
    r = client.post(f"/targets/{t.id}", data={"month": "2026-03", "completion": completion})
    assert message in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(TargetProgress)) == 0


def test_overdue_targets_are_flagged_and_filtered(client, login, reviewer, branch, db):
    late = _target(db, branch, deadline=date(2026, 1, 31))
    done = _target(db, branch, deadline=date(2026, 1, 31))
    future = _target(db, branch, deadline=date(2099, 1, 31))
    late.title, done.title, future.title = "逾期目标", "已完成目标", "未到期目标"
    db.commit()
    record_progress(db, target=late, actor=None, month="2026-01", completion="80")
    record_progress(db, target=done, actor=None, month="2026-01", completion="100")
    db.commit()
    login(reviewer)
    page = client.get("/targets/?overdue=1").get_data(as_text=True)
    assert "逾期目标" in page and "已完成目标" not in page and "未到期目标" not in page
    page = client.get(f"/targets/branch/{branch.id}").get_data(as_text=True)
    assert page.count('badge late') == 1


def test_target_list_filters_by_group(client, login, reviewer, branch, db):
    t = _target(db, branch)
    login(reviewer)
    assert t.title in client.get("/targets/?group=key_tasks").get_data(as_text=True)
    assert t.title not in client.get("/targets/?group=basic_work").get_data(as_text=True)


def test_locked_period_refuses_target_progress(client, login, secretary, branch, db, close_period):
    t = _target(db, branch)
    close_period("2026-02")
    login(secretary)
    r = client.post(f"/targets/{t.id}", data={"month": "2026-02", "completion": "50"})
    assert "已结账锁定" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(TargetProgress)) == 0


def test_locked_period_refuses_target_created_into_closed_window(client, login, reviewer, two_branches, db,
                                                                 close_period):
    close_period("2026Q2")
    login(reviewer)
    r = client.post("/targets/new", data=_data(two_branches))
    assert "已结账锁定" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Target)) == 0


def test_future_month_progress_is_refused(db, branch):
    t = _target(db, branch)
    with pytest.raises(TargetError, match="未来"):
        record_progress(db, target=t, actor=None, month="2026-12", completion="10", today=date(2026, 11, 24))


def test_other_branch_secretary_cannot_see_target(client, login, make_user, make_branch, unit, branch, db,
                                                  unchanged):
    t = _target(db, branch)
    login(make_user("secretary", branch=make_branch(unit=unit)))
    assert client.get(f"/targets/{t.id}").status_code == 404
    with unchanged():
        assert client.post(f"/targets/{t.id}", data={"month": "2026-03", "completion": "5"}).status_code == 404


def test_viewer_cannot_enter_progress(client, login, make_user, unit, branch, db):
    t = _target(db, branch)
    login(make_user("viewer", units=[unit]))
    assert client.get(f"/targets/{t.id}").status_code == 200
    assert client.post(f"/targets/{t.id}", data={"month": "2026-03", "completion": "5"}).status_code == 404
    assert db.scalar(select(func.count()).select_from(TargetProgress)) == 0


def test_locked_period_refuses_target_edit_and_delete(client, login, reviewer, branch, db, close_period):
    t = _target(db, branch, deadline=date(2026, 3, 31))
    close_period("2026Q1")
    login(reviewer)
    r = client.post(f"/targets/{t.id}/edit", data={"title": "改名", "group": "key_tasks", "index_code": "performance",
                                                   "points": "5", "owner": "李主任", "deadline": "2026-06-30",
                                                   "version": "1"})
    assert "已结账锁定" in r.get_data(as_text=True)
    r = client.post(f"/targets/{t.id}/delete", follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    db.expire_all()
    t = db.get(Target, t.id)
    assert t is not None and t.title == "季度产量" and t.deadline == date(2026, 3, 31)
