"""Log-in with the group's directory (LDAP, core.auth.directory), against ldap3's
MOCK_SYNC strategy: an in-memory directory, no server. "Directory down" is a real
connection to a closed port on 127.0.0.1."""
from __future__ import annotations

import socket

import pytest
from ldap3 import MOCK_SYNC, Server
from sqlalchemy import func, select

from core.auth.directory import DIRECTORY_PASSWORD, Directory, DirectoryAnswer
from core.auth.models import LoginFailure

BASE = "ou=people,dc=steel,dc=example"
SERVICE_DN = "cn=starbranch,ou=services,dc=steel,dc=example"


def _mock_directory(people: dict[str, str]) -> Directory:
    """A directory holding the service account and `people` (uid → password)."""
    server = Server("mock-directory")
    directory = Directory(server=server, base_dn=BASE, bind_dn=SERVICE_DN, bind_password="service-pass",
                          strategy=MOCK_SYNC)
    loader = directory._connection()
    loader.strategy.add_entry(SERVICE_DN, {"objectClass": ["person"], "cn": "starbranch", "sn": "svc",
                                           "userPassword": "service-pass"})
    for uid, password in people.items():
        loader.strategy.add_entry(f"uid={uid},{BASE}", {"objectClass": ["person", "inetOrgPerson"], "uid": uid,
                                                        "cn": uid, "sn": uid, "userPassword": password})
    return directory


@pytest.fixture
def directory(app):
    d = _mock_directory({"zhang_shuji": "dir-pass-2026", "nobody_here": "dir-pass-2026"})
    app.extensions["starbranch.directory"] = d
    return d


def _post_login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once the block ends: connections are refused


def test_directory_is_off_by_default(app):
    assert app.config["LDAP_URL"] is None
    assert app.extensions["starbranch.directory"] is None


def test_directory_is_made_from_the_settings():
    d = Directory.from_config({"LDAP_URL": "ldaps://ldap.steel.example:636", "LDAP_BASE_DN": BASE,
                               "LDAP_USER_ATTRIBUTE": "sAMAccountName", "LDAP_BIND_DN": SERVICE_DN,
                               "LDAP_BIND_PASSWORD": "x", "LDAP_TIMEOUT": "3"})
    assert d.server.ssl and d.server.port == 636 and d.user_attribute == "sAMAccountName" and d.timeout == 3


def test_the_right_directory_password_logs_in(client, db, make_user, directory):
    user = make_user("secretary", username="zhang_shuji", must_change_password=True)
    r = _post_login(client, "zhang_shuji", "dir-pass-2026")
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
    assert client.get("/").status_code == 200
    db.refresh(user)
    # the directory owns her password now: the local one is no second key, and there
    # is no initial password to change
    assert user.password_hash == DIRECTORY_PASSWORD and not user.must_change_password
    assert not user.check_password("secret-pass")
    page = client.get("/profile").get_data(as_text=True)
    assert "请在集团目录中修改" in page and 'name="current"' not in page


def test_a_wrong_directory_password_is_refused_and_counted(app, client, db, make_user, directory):
    make_user("secretary", username="zhang_shuji")
    r = _post_login(client, "zhang_shuji", "secret-pass")   # her local password: not accepted
    assert r.status_code == 200 and "用户名或密码错误" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_an_empty_password_never_binds_anonymously(client, make_user, directory):
    make_user("secretary", username="zhang_shuji")
    assert directory.check("zhang_shuji", "") is DirectoryAnswer.WRONG_PASSWORD
    assert _post_login(client, "zhang_shuji", "").status_code == 200
    assert client.get("/").status_code == 302


def test_a_directory_user_without_an_account_is_refused(client, db, directory):
    r = _post_login(client, "nobody_here", "dir-pass-2026")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "尚未为该用户开通账号" in text
    assert client.get("/").status_code == 302
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_an_unknown_user_is_refused(client, directory):
    r = _post_login(client, "stranger", "dir-pass-2026")
    assert "用户名或密码错误" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_local_account_the_directory_does_not_know_keeps_its_password(client, db, make_user, directory):
    admin = make_user("admin", username="breakglass")
    assert _post_login(client, "breakglass", "secret-pass").status_code == 302
    assert client.get("/").status_code == 200
    db.refresh(admin)
    assert admin.check_password("secret-pass")   # untouched


def test_an_inactive_account_is_refused_even_with_the_directory_password(client, make_user, directory):
    make_user("secretary", username="zhang_shuji", active=False)
    r = _post_login(client, "zhang_shuji", "dir-pass-2026")
    assert "用户名或密码错误" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_throttling_applies_to_directory_log_ins(app, client, make_user, directory):
    make_user("secretary", username="zhang_shuji")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post_login(client, "zhang_shuji", "wrong-guess")
    r = _post_login(client, "zhang_shuji", "dir-pass-2026")   # even the right password waits
    assert "登录失败次数过多" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_directory_down_says_so_and_local_accounts_still_log_in(app, client, db, make_user):
    app.extensions["starbranch.directory"] = Directory.from_config(
        {"LDAP_URL": f"ldap://127.0.0.1:{_closed_port()}", "LDAP_BASE_DN": BASE, "LDAP_TIMEOUT": 2})
    user = make_user("secretary", username="zhang_shuji")
    user.password_hash = DIRECTORY_PASSWORD   # she logged in through the directory before
    db.commit()
    r = _post_login(client, "zhang_shuji", "dir-pass-2026")
    assert r.status_code == 200 and "目录服务（LDAP）暂时无法连接" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302
    make_user("admin", username="breakglass")
    assert _post_login(app.test_client(), "breakglass", "secret-pass").status_code == 302


class _FakeServer:
    """A TCP listener on 127.0.0.1 that answers every connection with `reply` (or, with
    None, accepts and stays silent): a host that is not a working LDAP server."""

    def __init__(self, reply: bytes | None):
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.reply, self.conns = reply, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.reply is not None:
                conn.recv(4096)
                conn.sendall(self.reply)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.mark.parametrize("reply", [b"\x30\x05\x02\x01\x01\x74\x00", None], ids=["garbled", "silent"])
def test_a_host_that_is_no_ldap_server_counts_as_unreachable(reply):
    import time

    fake = _FakeServer(reply)
    try:
        d = Directory.from_config({"LDAP_URL": f"ldap://127.0.0.1:{fake.port}", "LDAP_BASE_DN": BASE,
                                   "LDAP_TIMEOUT": 1})
        started = time.monotonic()
        assert d.check("zhang_shuji", "dir-pass-2026") is DirectoryAnswer.UNREACHABLE
        assert time.monotonic() - started < 10   # the timeout bounds a silent host
    finally:
        fake.close()
