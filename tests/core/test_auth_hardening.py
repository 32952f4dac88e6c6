"""Sessions, tokens and log-in throttling as an attacker would try them (issue #14,
items 4, 5 and 10)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.auth.models import ApiToken, LoginFailure
from core.auth.services import LoginRefused, authenticate, wait_seconds
from core.auth.tokens import issue_token
from core.db import utcnow

PASSWORD = "secret-pass"


def _forged_client(app, user_key):
    """A browser whose cookie was signed with the app's key by someone who guessed
    the session layout (what a public development key allowed)."""
    other = app.test_client()
    with other.session_transaction() as s:
        s["_user_id"] = user_key
        s["_fresh"] = True
    return other


def test_a_cookie_without_a_nonce_opens_nothing(app, db, make_user):
    never_logged_in = make_user("admin")
    assert never_logged_in.session_nonce is None
    r = _forged_client(app, f"{never_logged_in.id}:").get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = _forged_client(app, f"{never_logged_in.id}").get("/")
    assert r.status_code == 302


def test_a_cookie_with_the_right_nonce_still_works(app, client, make_user, login):
    user = make_user("admin")
    login(user)
    assert client.get("/").status_code == 200


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _api_status(app, token) -> int:
    """The status of an API call made with only the token (a separate client, no session)."""
    return app.test_client().get("/api/v1/units", headers=_bearer(token)).status_code


def test_tokens_are_listed_with_use_and_each_revocable(app, client, db, make_user, login):
    user = make_user("admin")
    first, second = issue_token(db, user, "MES 推送"), issue_token(db, user, "报表脚本")
    db.commit()
    assert _api_status(app, first) == 200
    login(user)
    page = client.get("/profile").get_data(as_text=True)
    assert "MES 推送" in page and "报表脚本" in page and "从未使用" in page  # the second one
    first_id = db.scalar(select(ApiToken.id).where(ApiToken.label == "MES 推送"))
    assert client.post(f"/profile/token/{first_id}/revoke").status_code == 302
    assert _api_status(app, first)  in (401, 403)
    assert _api_status(app, second) == 200


def test_nobody_revokes_someone_elses_token(app, client, db, make_user, login):
    owner, other = make_user("admin"), make_user("admin")
    token = issue_token(db, owner, "脚本")
    db.commit()
    token_id = db.scalar(select(ApiToken.id))
    login(other)
    assert client.post(f"/profile/token/{token_id}/revoke").status_code == 404
    db.expire_all()
    assert db.get(ApiToken, token_id).revoked_at is None
    assert _api_status(app, token) == 200


def test_password_reset_revokes_every_token(app, client, db, make_user, login):
    admin, user = make_user("admin"), make_user("reviewer", units=())
    tokens = [issue_token(db, user, "a"), issue_token(db, user, "b")]
    db.commit()
    login(admin)
    r = client.post(f"/admin/users/{user.id}/password", data={"password": "New-pass-2026!", "confirm": "New-pass-2026!"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    for token in tokens:
        assert _api_status(app, token) != 200
    assert db.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 0


def test_deactivating_a_user_revokes_their_tokens(app, client, db, make_user, login):
    admin, user = make_user("admin"), make_user("viewer")
    token = issue_token(db, user, "x")
    db.commit()
    login(admin)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert db.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 0
    assert _api_status(app, token) != 200


@pytest.mark.config({"LOGIN_MAX_FAILURES": 3})
def test_a_stranger_cannot_lock_the_admin_out_from_her_own_address(app, db, make_user):
    admin = make_user("admin")
    for _ in range(6):
        with pytest.raises(LoginRefused):
            authenticate(db, admin.username, "guess", remote_addr="203.0.113.9", max_failures=3)
    assert authenticate(db, admin.username, PASSWORD, remote_addr="10.1.2.3", max_failures=3) == admin


def test_the_attackers_own_attempts_back_off_exponentially():
    now = utcnow()
    waits = [wait_seconds(n, now, now, max_failures=5, lock_minutes=15) for n in (4, 5, 6, 7, 20)]
    assert waits == [0, 30, 60, 120, 900]
    assert wait_seconds(5, now - timedelta(seconds=31), now, max_failures=5, lock_minutes=15) == 0


@pytest.mark.config({"LOGIN_MAX_FAILURES": 2})
def test_throttled_pair_is_refused_without_checking_the_password(app, db, make_user):
    user = make_user("admin")
    for _ in range(2):
        with pytest.raises(LoginRefused):
            authenticate(db, user.username, "wrong", remote_addr="198.51.100.1", max_failures=2)
    with pytest.raises(LoginRefused, match="秒后再试"):
        authenticate(db, user.username, PASSWORD, remote_addr="198.51.100.1", max_failures=2)
    assert db.scalar(select(func.count(LoginFailure.id))) == 2


def test_unknown_usernames_cost_the_same_hashing_work(db, make_user, monkeypatch):
    user = make_user("admin")
    user.set_password(PASSWORD)  # the production hash (the fixture uses a fast one)
    db.commit()
    with pytest.raises(LoginRefused):  # warm up: the throw-away hash is made once
        authenticate(db, "warm-up", "x", remote_addr="warm-up")
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    for name in (user.username, "nobody-at-all"):
        with pytest.raises(LoginRefused):
            authenticate(db, name, "wrong", remote_addr=name)
    assert len(calls) == 2  # one scrypt each: known and unknown users alike


# ---- accounts (issue #16): own password, one-time passwords, the first administrator

def test_changing_my_password_ends_my_other_sessions_and_tokens(app, client, db, make_user, login):
    user = make_user("reviewer", units=())
    token = issue_token(db, user, "脚本")
    db.commit()
    laptop = app.test_client()
    login(user, c=laptop)
    login(user)
    r = client.post("/profile/password", data={"current": "wrong-one", "password": "Brand-new-2026",
                                               "confirm": "Brand-new-2026"})
    assert r.status_code == 400 and "当前密码不正确" in r.get_data(as_text=True)
    r = client.post("/profile/password", data={"current": PASSWORD, "password": "Brand-new-2026",
                                               "confirm": "Brand-new-2026"})
    assert r.status_code == 302
    assert client.get("/profile").status_code == 200          # this browser stays in
    assert laptop.get("/profile").status_code == 302          # the other one is out
    assert _api_status(app, token) == 401
    assert authenticate(db, user.username, "Brand-new-2026", remote_addr="x") is not None


def test_a_one_time_password_opens_only_the_change_password_page(app, client, db, make_user, login):
    admin, user = make_user("admin"), make_user("viewer")
    login(admin)
    r = client.post(f"/admin/users/{user.id}/password", data={"password": "", "confirm": ""})
    page = r.get_data(as_text=True)
    import re
    one_time = re.search(r"<code>([A-Za-z0-9]{12})</code>", page).group(1)
    fresh = app.test_client()
    login(user, c=fresh, password=one_time)
    r = fresh.get("/org/branches")
    assert r.status_code == 302 and r.headers["Location"].endswith("/profile/password")
    assert fresh.post("/profile/password", data={"current": one_time, "password": "Mine-only-2026",
                                                  "confirm": "Mine-only-2026"}).status_code == 302
    assert fresh.get("/org/branches").status_code == 200


def test_language_is_chosen_in_personal_settings_and_role_and_scope_shown(client, db, make_user, make_unit, login):
    unit = make_unit(name="炼钢厂党委")
    user = make_user("reviewer", units=[unit])
    login(user)
    page = client.get("/profile").get_data(as_text=True)
    assert "二级单位党委审核员" in page and "炼钢厂党委" in page
    assert client.post("/profile/language", data={"locale": "en"}).status_code == 302
    db.expire_all()
    assert db.get(type(user), user.id).locale == "en"
    assert "Change password" in client.get("/profile").get_data(as_text=True)


def test_first_administrator_from_the_command_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from core.cli import main

    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", url)
    monkeypatch.setenv("STARBRANCH_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    args = ["users", "create-admin", "--username", "zzb", "--display-name", "组织部"]
    r = runner.invoke(main, args + ["--password", "short"])
    assert r.exit_code != 0 and "至少 8 位" in r.output
    r = runner.invoke(main, args, input="Admin-pass-2026\nAdmin-pass-2026\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, args + ["--password", "Admin-pass-2026"])
    assert r.exit_code != 0 and "已被使用" in r.output
