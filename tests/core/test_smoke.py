def test_login_page_renders_in_chinese(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert "登录" in r.get_data(as_text=True)


def test_home_requires_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_logged_in_user_sees_home(client, make_user, login):
    login(make_user("admin"))
    r = client.get("/")
    assert r.status_code == 200
    assert "欢迎" in r.get_data(as_text=True)
