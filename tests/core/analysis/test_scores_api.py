"""The read-only JSON API of scores: /api/v1/scores and /api/v1/branches/<id>/scores."""
from __future__ import annotations

import pytest


@pytest.fixture
def scores(make_unit, make_branch, make_ruleset, make_period, make_score):
    ua, ub = make_unit(name="炼钢厂党委"), make_unit(name="物流公司党委")
    rs = make_ruleset()
    a1, a2 = make_branch(ua, name="转炉党支部"), make_branch(ua, name="连铸党支部", category="auxiliary")
    b1 = make_branch(ub, name="运输党支部")
    q1, m3 = make_period("2026Q1"), make_period("2026-03")
    make_score(a1, q1, rs, pct=91, rank=1)
    make_score(a2, q1, rs, pct=65, rank=1)
    make_score(b1, q1, rs, pct=83, rank=2)
    make_score(a1, m3, rs, pct=88, rank=1)
    return dict(ua=ua, ub=ub, a1=a1, a2=a2, b1=b1)


def test_api_requires_login(client, scores):
    r = client.get("/api/v1/scores")
    assert r.status_code == 401 and r.json["error"] == "unauthorized"


def test_api_scores_lists_period_with_decimals_as_strings(client, login, make_user, scores):
    login(make_user("admin"))
    r = client.get("/api/v1/scores?period=2026Q1")
    assert r.status_code == 200
    body = r.json
    assert body["period"] == {"key": "2026Q1", "label": "2026年第一季度", "kind": "quarter"}
    assert body["total"] == 3
    first = [i for i in body["items"] if i["category"] == "production"][0]
    assert first["branch"]["name"] == "转炉党支部" and first["total"] == "91.00" and first["stars"] == 5
    assert first["indices"]["performance"] == "27.30" and first["rank"] == 1 and first["category_size"] == 2
    assert first["tier_label"] == "第一梯级"


def test_api_scores_filters_and_pages(client, login, make_user, scores):
    login(make_user("admin"))
    body = client.get(f"/api/v1/scores?period=2026q1&unit={scores['ua'].id}&category=production").json
    assert [i["branch"]["name"] for i in body["items"]] == ["转炉党支部"]
    body = client.get("/api/v1/scores?period=2026Q1&per_page=2&page=2").json
    assert body["pages"] == 2 and len(body["items"]) == 1


def test_api_scores_bad_and_unknown_period(client, login, make_user, scores):
    login(make_user("admin"))
    r = client.get("/api/v1/scores?period=2026Q9")
    assert r.status_code == 400 and "期间格式无效" in r.json["message"]
    assert client.get("/api/v1/scores?period=2027Q1").status_code == 404


def test_api_scores_scoped_to_reviewer_units(client, login, make_user, scores):
    login(make_user("reviewer", units=[scores["ub"]]))
    body = client.get("/api/v1/scores?period=2026Q1").json
    assert [i["branch"]["name"] for i in body["items"]] == ["运输党支部"]


def test_api_branch_scores_history_and_scope(client, login, make_user, scores):
    login(make_user("secretary", branch=scores["a1"]))
    body = client.get(f"/api/v1/branches/{scores['a1'].id}/scores").json
    assert [i["period"]["key"] for i in body["items"]] == ["2026Q1", "2026-03"]
    assert client.get(f"/api/v1/branches/{scores['a1'].id}/scores?kind=month").json["items"][0]["stars"] is None
    r = client.get(f"/api/v1/branches/{scores['b1'].id}/scores")
    assert r.status_code == 404 and r.json["error"] == 404


def test_api_accepts_bearer_token(app, client, db, make_user, scores):
    from core.auth.tokens import issue_token

    user = make_user("viewer", units=[scores["ua"]])
    token = issue_token(db, user, "报表")
    db.commit()
    r = client.get("/api/v1/scores?period=2026Q1", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and {i["branch"]["name"] for i in r.json["items"]} == {"转炉党支部", "连铸党支部"}
