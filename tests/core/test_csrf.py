"""CSRF: with protection on (as in production), a POST without a token to any form
endpoint is refused with 400 and writes nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.db import Base
from core.org.models import Branch

pytestmark = pytest.mark.config({"WTF_CSRF_ENABLED": True})

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')



def csrf_token(client, url="/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = TOKEN.search(html) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no csrf token on {url}"
    return match.group(1)


def login_with_token(client, user):
    token = csrf_token(client)
    r = client.post("/login", data={"username": user.username, "password": "secret-pass", "csrf_token": token})
    assert r.status_code == 302


def counts(db) -> dict:
    db.expire_all()
    return {t.name: db.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def dummy_url(rule, ids) -> str:
    from werkzeug.routing import AnyConverter, IntegerConverter

    values = {}
    for name, conv in rule._converters.items():
        if isinstance(conv, IntegerConverter):
            values[name] = ids.get(name, 1)
        elif isinstance(conv, AnyConverter):
            values[name] = sorted(conv.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_login_form_itself_needs_the_token(app, client, make_user):
    user = make_user("admin")
    r = client.post("/login", data={"username": user.username, "password": "secret-pass"})
    assert r.status_code == 400 and "表单已失效" in r.get_data(as_text=True)


def test_every_post_without_token_is_refused_and_writes_nothing(app, db, client, make_user, make_branch, make_member,
                                                               enable_plugin):
    branch = make_branch()
    member = make_member(branch)
    admin = make_user("admin")
    for name in app.extensions["starbranch.plugins"].manifests:
        enable_plugin(branch.unit, name)  # plugin pages reachable: their forms are checked too
    ids = {"branch_id": branch.id, "member_id": member.id, "node_id": branch.unit_id, "user_id": admin.id,
           "unit_id": branch.unit_id}
    login_with_token(client, admin)
    before = counts(db)
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert len(posts) >= 20
    for rule in posts:
        url = dummy_url(rule, ids)
        r = client.post(url, data={"name": "无令牌", "code": "NOTOKEN", "category": "production",
                                   "parent_id": str(branch.unit_id), "gender": "male", "status": "full"})
        assert r.status_code == 400, (rule.endpoint, url, r.status_code)
    assert counts(db) == before
    # still logged in: the refusals did not end the session, and a POST with the token works
    token = csrf_token(client, "/org/branches/new")
    r = client.post("/org/branches/new", data={"name": "有令牌的支部", "code": "WITHTOKEN", "category": "production",
                                               "parent_id": str(branch.unit_id), "csrf_token": token})
    assert r.status_code == 302
    assert db.scalar(select(Branch).where(Branch.code == "WITHTOKEN")) is not None
