"""JSON API v1: scoping like the pages, session or Bearer-token auth, JSON errors."""
from __future__ import annotations

import pytest

from core.auth.tokens import issue_token



@pytest.fixture
def org(make_unit, make_branch, make_member, make_user, db):
    a, b = make_unit(name="炼铁厂党委", code="A"), make_unit(name="炼钢厂党委", code="B")
    a1 = make_branch(a, code="A-01", name="高炉党支部")
    a2 = make_branch(a, code="A-02", name="机关党支部", category="management")
    b1 = make_branch(b, code="B-01", name="转炉党支部")
    for branch, n in ((a1, 3), (a2, 1), (b1, 2)):
        for i in range(n):
            make_member(branch, name=f"{branch.code}党员{i}")
    reviewer = make_user("reviewer", units=[a])
    secretary = make_user("secretary", branch=a1)
    token = issue_token(db, reviewer)
    db.commit()
    return dict(a=a, b=b, a1=a1, a2=a2, b1=b1, reviewer=reviewer, secretary=secretary, token=token)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_lists_only_the_users_units_and_branches(client, org):
    r = client.get("/api/v1/units", headers=bearer(org["token"]))
    assert r.status_code == 200 and [u["code"] for u in r.get_json()["items"]] == ["A"]
    body = client.get("/api/v1/branches", headers=bearer(org["token"])).get_json()
    assert [b["code"] for b in body["items"]] == ["A-01", "A-02"]
    assert body["total"] == 2 and body["items"][0]["members"] == 3
    assert body["items"][0]["unit"]["name"] == "炼铁厂党委"


def test_filters_and_pagination(client, org):
    h = bearer(org["token"])
    body = client.get("/api/v1/branches?category=management", headers=h).get_json()
    assert [b["code"] for b in body["items"]] == ["A-02"]
    body = client.get("/api/v1/branches?per_page=1&page=2", headers=h).get_json()
    assert [b["code"] for b in body["items"]] == ["A-02"] and body["pages"] == 2 and body["per_page"] == 1
    assert client.get("/api/v1/branches?per_page=5000", headers=h).get_json()["per_page"] == 200
    r = client.get("/api/v1/branches?per_page=abc", headers=h)
    assert r.status_code == 400 and r.is_json
    r = client.get("/api/v1/branches?category=nonsense", headers=h)
    assert r.status_code == 400 and r.is_json
    body = client.get(f"/api/v1/branches?unit={org['b'].id}", headers=h).get_json()
    assert body["items"] == []


def test_branch_detail_and_members_are_scoped(client, org):
    h = bearer(org["token"])
    assert client.get(f"/api/v1/branches/{org['a1'].id}", headers=h).get_json()["code"] == "A-01"
    members = client.get(f"/api/v1/branches/{org['a1'].id}/members", headers=h).get_json()
    assert members["total"] == 3 and "id_number" not in members["items"][0]
    for url in (f"/api/v1/branches/{org['b1'].id}", f"/api/v1/branches/{org['b1'].id}/members"):
        r = client.get(url, headers=h)
        assert r.status_code == 404 and r.is_json and r.get_json()["error"] == 404


def test_session_login_works_for_the_api(client, login, org):
    login(org["secretary"])
    body = client.get("/api/v1/branches").get_json()
    assert [b["code"] for b in body["items"]] == ["A-01"]
    assert client.get(f"/api/v1/branches/{org['a2'].id}").status_code == 404


def test_missing_or_wrong_token_is_401_json(client, org):
    for headers in ({}, bearer("sb_wrong"), {"Authorization": "Basic abc"}):
        r = client.get("/api/v1/branches", headers=headers)
        assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"


def test_token_of_deactivated_user_stops_working(client, org, db):
    org["reviewer"].active = False
    db.commit()
    assert client.get("/api/v1/branches", headers=bearer(org["token"])).status_code == 401


def test_token_does_not_open_web_pages(client, org):
    r = client.get("/org/branches", headers=bearer(org["token"]))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_unknown_api_path_is_json_404(client, org):
    r = client.get("/api/v1/nothing-here", headers=bearer(org["token"]))
    assert r.status_code == 404 and r.is_json


def test_api_is_read_only(client, org, unchanged):
    with unchanged():
        r = client.post("/api/v1/branches", headers=bearer(org["token"]), json={"code": "X"})
        assert r.status_code == 405 and r.is_json
