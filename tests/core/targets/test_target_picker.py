"""Assigning a target to many branches: a searchable picker (unit, category, name or
code) with checkboxes instead of Ctrl-multi-select; and a target item's evidence on the
sheet shows its group breakdown (each ratio and weight)."""
from __future__ import annotations

import re

from sqlalchemy import select

from core.targets.models import Target


def _boxes(html):
    return re.findall(r'<input[^>]*name="branches"[^>]*value="(\d+)"', html)


def test_picker_filters_by_category_and_name(client, login, reviewer, unit, branch, make_branch, db):
    other = make_branch(unit=unit, name="销售一部党支部", category="market")
    third = make_branch(unit=unit, name="炼铁二车间党支部")
    login(reviewer)
    html = client.get("/targets/new").get_data(as_text=True)
    assert set(_boxes(html)) == {str(branch.id), str(other.id), str(third.id)}
    assert "Ctrl" not in html and 'data-check-all="branches"' in html
    html = client.get("/targets/new?category=market").get_data(as_text=True)
    assert _boxes(html) == [str(other.id)]
    html = client.get("/targets/new?q=二车间").get_data(as_text=True)
    assert _boxes(html) == [str(third.id)]


def test_submit_from_a_filtered_picker(client, login, reviewer, unit, branch, make_branch, db):
    other = make_branch(unit=unit, name="销售一部党支部", category="market")
    login(reviewer)
    data = {"title": "营销目标", "group": "key_tasks", "index_code": "performance", "points": "5", "owner": "李经理",
            "deadline": "2026-06-30", "branches": [str(other.id)]}
    assert client.post("/targets/new?category=market", data=data).status_code == 302
    assert [t.branch_id for t in db.scalars(select(Target))] == [other.id]
    # a branch the filtered picker does not offer is not taken
    r = client.post("/targets/new?category=market", data={**data, "branches": [str(branch.id)]})
    assert r.status_code == 200 and len(db.scalars(select(Target)).all()) == 1


def test_target_evidence_shows_each_group_ratio_and_weight(app):
    from types import SimpleNamespace

    from core.targets.kinds import describe_target
    ev = {"complete": 1, "due": 3, "overdue": 1,
          "groups": {"safety_production": {"earned": "8.00", "points": "10.00", "weight": 50},
                     "key_tasks": {"earned": "0.00", "points": "5.00", "weight": 20}}}
    with app.test_request_context():
        words = describe_target(ev, SimpleNamespace(points=10), None)
    assert words.startswith("本期到期目标 3 项，按期完成 1 项，逾期未完成 1 项。")
    assert "安全生产经营（权重 50%）：得 8.00 / 10.00 分，完成 80.00%" in words
    assert "重点工作任务（权重 20%）：得 0.00 / 5.00 分，完成 0.00%" in words
    assert "支部基础工作" not in words
