"""Sessions: login gives a fresh session, logout and a later login kill old cookies,
failed logins are rate-limited, passwords are hashed, `next` never leaves the site."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.auth.models import LoginFailure, User

PASSWORD = "secret-pass"


def _cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _replay(app, cookie_value):
    """A new browser that only carries a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def _is_logged_in(client) -> bool:
    r = client.get("/")
    return r.status_code == 200


def test_login_starts_a_fresh_session(client, make_user):
    user = make_user("admin")
    with client.session_transaction() as s:
        s["planted"] = "by-an-attacker"
    before = _cookie(client)
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    after = _cookie(client)
    assert after and after != before
    with client.session_transaction() as s:
        assert "planted" not in s
    assert _is_logged_in(client)


def test_a_new_login_rotates_the_session_and_kills_older_cookies(app, client, make_user, login):
    user = make_user("admin")
    login(user)
    first_cookie = _cookie(client)
    second = app.test_client()
    login(user, c=second)
    assert _cookie(second) != first_cookie
    assert _is_logged_in(second)
    assert not _is_logged_in(_replay(app, first_cookie))


def test_logout_really_ends_the_session(app, client, make_user, login):
    user = make_user("secretary")
    login(user)
    stolen = _cookie(client)
    assert _is_logged_in(_replay(app, stolen))
    r = client.post("/logout")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert not _is_logged_in(client)
    r = _replay(app, stolen).get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_logout_needs_post(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/logout").status_code == 405
    assert _is_logged_in(client)


@pytest.mark.config({"LOGIN_MAX_FAILURES": 3, "LOGIN_LOCK_MINUTES": 15})
def test_failed_logins_are_rate_limited(client, db, make_user):
    user = make_user("admin")
    for _ in range(3):
        r = client.post("/login", data={"username": user.username, "password": "wrong"})
        assert r.status_code == 200
        assert "用户名或密码错误" in r.get_data(as_text=True)
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 200
    assert "登录失败次数过多" in r.get_data(as_text=True)
    assert not _is_logged_in(client)
    assert db.scalar(select(func.count(LoginFailure.id)).where(LoginFailure.username == user.username)) == 3


@pytest.mark.config({"LOGIN_MAX_FAILURES": 3})
def test_a_successful_login_clears_the_failure_count(client, db, make_user):
    user = make_user("admin")
    for _ in range(2):
        client.post("/login", data={"username": user.username, "password": "wrong"})
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    assert db.scalar(select(func.count(LoginFailure.id)).where(LoginFailure.username == user.username)) == 0


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user("admin")
    wrong_pw = client.post("/login", data={"username": user.username, "password": "nope"}).get_data(as_text=True)
    no_user = client.post("/login", data={"username": "nobody", "password": "nope"}).get_data(as_text=True)
    assert "用户名或密码错误" in wrong_pw and "用户名或密码错误" in no_user


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user("admin", active=False)
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 200 and not _is_logged_in(client)


def test_passwords_are_stored_hashed(db):
    from core.auth.services import create_user

    user = create_user(db, username="zhangsan", display_name="张三", password="明文密码-123", role="viewer")
    db.commit()
    stored = db.scalar(select(User.password_hash).where(User.id == user.id))
    assert "明文密码" not in stored
    assert stored.startswith("scrypt:")
    assert user.check_password("明文密码-123") and not user.check_password("明文密码-124")


@pytest.mark.parametrize("target, expected", [
    ("/profile", "/profile"),
    ("https://evil.example/steal", "/"),
    ("//evil.example/steal", "/"),
    ("http:/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("\\\\evil.example", "/"),
])
def test_next_redirects_only_inside_the_site(client, make_user, target, expected):
    user = make_user("admin")
    r = client.post("/login", query_string={"next": target},
                    data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location == expected or location == "http://localhost" + expected
