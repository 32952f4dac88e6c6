"""The access matrix: each role × objects of another unit or branch × GET and POST on
the detail/edit/deactivate/member/transfer endpoints → 404, database unchanged."""
from __future__ import annotations

from datetime import date

import pytest

from tests.db_state import changed_tables, snapshot


@pytest.fixture
def org(make_unit, make_branch, make_member, make_user):
    group = make_unit(name="集团党委", code="G", kind="group")
    a, b = make_unit(code="UA", parent=group), make_unit(code="UB", parent=group)
    general_b = make_unit(code="UB-Z", kind="general_branch", parent=b)
    a1, a2, b1 = make_branch(a, code="A1"), make_branch(a, code="A2"), make_branch(b, code="B1", parent=general_b)
    o = dict(group=group, a=a, b=b, general_b=general_b, a1=a1, a2=a2, b1=b1,
             m_a1=make_member(a1), m_a2=make_member(a2), m_b1=make_member(b1))
    o["admin"] = make_user("admin")
    o["reviewer"] = make_user("reviewer", units=[a])
    o["secretary"] = make_user("secretary", branch=a1)
    o["viewer"] = make_user("viewer", units=[a])
    o["other_user"] = make_user("viewer", units=[b])
    return o


def branch_requests(branch, parent, own_branch):
    """Requests on a branch; POST bodies are valid, so a missing check would write."""
    body = {"name": "越权修改", "code": branch.code, "category": "market", "parent_id": str(parent.id),
            "version": str(branch.version)}
    member = {"name": "越权党员", "gender": "male", "status": "full"}
    return [
        ("GET", f"/org/branches/{branch.id}", None),
        ("GET", f"/org/branches/{branch.id}/edit", None),
        ("POST", f"/org/branches/{branch.id}/edit", body),
        ("POST", f"/org/branches/{branch.id}/deactivate", {}),
        ("POST", f"/org/branches/{branch.id}/activate", {}),
        ("GET", f"/org/branches/{branch.id}/members/new", None),
        ("POST", f"/org/branches/{branch.id}/members/new", member),
        ("GET", f"/org/members/export.xlsx?branch={branch.id}", "empty-export"),
        ("GET", f"/api/v1/branches/{branch.id}", None),
        ("GET", f"/api/v1/branches/{branch.id}/members", None),
    ]


def member_requests(member, own_branch):
    body = {"name": "越权", "gender": "female", "status": "probationary", "version": str(member.version)}
    move = {"to_branch_id": str(own_branch.id), "transferred_on": date.today().isoformat(),
            "version": str(member.version)}
    return [
        ("GET", f"/org/members/{member.id}", None),
        ("GET", f"/org/members/{member.id}/edit", None),
        ("POST", f"/org/members/{member.id}/edit", body),
        ("POST", f"/org/members/{member.id}/deactivate", {}),
        ("POST", f"/org/members/{member.id}/activate", {}),
        ("GET", f"/org/members/{member.id}/transfer", None),
        ("POST", f"/org/members/{member.id}/transfer", move),
    ]


def admin_requests(o):
    node_body = {"name": "越权", "code": "X", "kind": "unit", "parent_id": str(o["group"].id), "version": "1"}
    user = o["other_user"]
    return [
        ("GET", "/org/units", None),
        ("GET", f"/org/units/{o['b'].id}/edit", None),
        ("POST", f"/org/units/{o['b'].id}/edit", node_body),
        ("POST", f"/org/units/{o['general_b'].id}/deactivate", {}),
        ("POST", "/org/units/new", node_body),
        ("GET", "/admin/users/", None),
        ("POST", "/admin/users/new", {"username": "x", "display_name": "x", "role": "admin", "password": "12345678ab"}),
        ("POST", f"/admin/users/{user.id}/edit", {"username": user.username, "display_name": "x", "role": "admin",
                                                  "version": str(user.version)}),
        ("POST", f"/admin/users/{user.id}/password", {"password": "12345678ab", "confirm": "12345678ab"}),
        ("POST", f"/admin/users/{user.id}/deactivate", {}),
        ("GET", "/admin/plugins/", None),
        ("POST", "/admin/plugins/toggle", {"unit_id": str(o["b"].id), "plugin": "production", "action": "enable"}),
    ]


def matrix(o):
    """role → requests that must all answer 404 (objects outside the role's reach)."""
    outside_unit = branch_requests(o["b1"], o["a"], o["a1"]) + member_requests(o["m_b1"], o["a1"])
    return {
        "reviewer": outside_unit + admin_requests(o),
        "viewer": outside_unit + admin_requests(o)
        # in scope but read-only: every write is refused too
        + [r for r in branch_requests(o["a1"], o["a"], o["a1"]) + member_requests(o["m_a1"], o["a2"])
           if r[0] == "POST" or "/edit" in r[1] or "/new" in r[1] or "/transfer" in r[1]],
        "secretary": outside_unit + admin_requests(o)
        # the other branch of her own unit
        + branch_requests(o["a2"], o["a"], o["a1"]) + member_requests(o["m_a2"], o["a1"])
        # her own branch: she keeps members but does not manage the branch or transfer
        + [r for r in branch_requests(o["a1"], o["a"], o["a1"]) if "/edit" in r[1] or "activate" in r[1]]
        + [r for r in member_requests(o["m_a1"], o["a2"]) if "/transfer" in r[1]],
    }


@pytest.mark.parametrize("role", ["reviewer", "viewer", "secretary"])
def test_objects_outside_the_role_answer_404_and_nothing_changes(app, db, login, org, role):
    client = app.test_client()
    login(org[role], c=client)
    before = snapshot(db)
    checked = 0
    for method, url, body in matrix(org)[role]:
        r = client.open(url, method=method, data=body)
        if body == "empty-export":
            # an export of a branch outside scope is an empty sheet, never its members
            from io import BytesIO
            from openpyxl import load_workbook
            assert r.status_code == 200
            assert list(load_workbook(BytesIO(r.data)).active.iter_rows(min_row=2, values_only=True)) == []
        else:
            assert r.status_code == 404, (role, method, url, r.status_code)
        if url.startswith("/api/"):
            assert r.is_json
        checked += 1
    assert checked >= 19
    assert changed_tables(before, snapshot(db)) == [], f"{role}: the database changed"


def test_admin_reaches_every_object(app, db, login, org):
    client = app.test_client()
    login(org["admin"], c=client)
    for method, url, _body in branch_requests(org["b1"], org["b"], org["a1"]) + member_requests(org["m_b1"], org["a1"]):
        if method == "GET" and "export" not in url:
            assert client.get(url).status_code == 200, url


def test_reviewer_reaches_his_units_objects(app, db, login, org):
    client = app.test_client()
    login(org["reviewer"], c=client)
    for url in (f"/org/branches/{org['a2'].id}", f"/org/branches/{org['a2'].id}/edit",
                f"/org/members/{org['m_a2'].id}/transfer", f"/api/v1/branches/{org['a1'].id}/members"):
        assert client.get(url).status_code == 200, url
