from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.models import User


def test_admin_creates_secretary_bound_to_a_branch(client, login, world, db):
    login(world.admin)
    r = client.post("/admin/users/new", data={"username": "shuji", "display_name": "刘书记", "role": "secretary",
                                              "branch_code": world.a1.code, "password": "long-enough-1"})
    assert r.status_code == 302
    user = db.scalar(select(User).where(User.username == "shuji"))
    assert user.branch_id == world.a1.id and user.unit_ids == set()
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "user.create")).new["role"] == "secretary"


def test_secretary_without_branch_and_short_password_are_refused(client, login, world, db):
    login(world.admin)
    r = client.post("/admin/users/new", data={"username": "shuji", "display_name": "刘书记", "role": "secretary",
                                              "branch_code": "", "password": "short"})
    html = r.get_data(as_text=True)
    assert "密码至少 8 位。" in html
    r = client.post("/admin/users/new", data={"username": "shuji", "display_name": "刘书记", "role": "secretary",
                                              "branch_code": "", "password": "long-enough-1"})
    assert "支部书记必须选择一个在用的支部。" in r.get_data(as_text=True)
    assert db.scalar(select(User).where(User.username == "shuji")) is None


def test_secretary_branch_by_code_unknown_or_inactive_refused(client, login, world, db):
    login(world.admin)
    form = {"username": "shuji", "display_name": "刘书记", "role": "secretary", "password": "long-enough-1"}
    r = client.post("/admin/users/new", data={**form, "branch_code": "NO-SUCH"})
    assert r.status_code == 200 and "没有编码为“NO-SUCH”的在用支部。" in r.get_data(as_text=True)
    world.a1.active = False
    db.commit()
    r = client.post("/admin/users/new", data={**form, "branch_code": world.a1.code})
    assert f"没有编码为“{world.a1.code}”的在用支部。" in r.get_data(as_text=True)
    assert db.scalar(select(User).where(User.username == "shuji")) is None


def test_edit_form_shows_the_secretarys_branch_code(client, login, world, db):
    login(world.admin)
    client.post("/admin/users/new", data={"username": "shuji", "display_name": "刘书记", "role": "secretary",
                                          "branch_code": world.a1.code, "password": "long-enough-1"})
    user = db.scalar(select(User).where(User.username == "shuji"))
    html = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert f'name="branch_code" type="text" value="{world.a1.code}"' in html
    # the page no longer lists every branch
    assert world.a2.name not in html


def test_reviewer_gets_units(client, login, world, db):
    login(world.admin)
    client.post("/admin/users/new", data={"username": "shenhe", "display_name": "审核员", "role": "reviewer",
                                          "unit_ids": [str(world.a.id), str(world.b.id)], "password": "long-enough-1"})
    user = db.scalar(select(User).where(User.username == "shenhe"))
    assert user.unit_ids == {world.a.id, world.b.id}


def test_narrowing_a_reviewers_units_logs_him_out(app, client, login, world, db):
    other = app.test_client()
    login(world.reviewer, c=other)
    assert other.get(f"/org/branches/{world.a1.id}").status_code == 200
    login(world.admin)
    r = client.post(f"/admin/users/{world.reviewer.id}/edit", data={
        "username": world.reviewer.username, "display_name": "审核员", "role": "reviewer",
        "unit_ids": [str(world.b.id)], "version": str(world.reviewer.version)})
    assert r.status_code == 302
    assert other.get(f"/org/branches/{world.a1.id}").status_code == 302  # back to login


def test_reset_password_ends_sessions(app, client, login, world, db):
    other = app.test_client()
    login(world.viewer, c=other)
    login(world.admin)
    r = client.post(f"/admin/users/{world.viewer.id}/password", data={"password": "new-password-1",
                                                                       "confirm": "new-password-1"})
    assert r.status_code == 302
    assert other.get("/org/branches").status_code == 302
    login(world.viewer, c=app.test_client(), password="new-password-1")


def test_password_confirmation_must_match(client, login, world):
    login(world.admin)
    r = client.post(f"/admin/users/{world.viewer.id}/password", data={"password": "new-password-1",
                                                                       "confirm": "other-password"})
    assert "两次输入的密码不一致。" in r.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(app, client, login, world, db):
    login(world.admin)
    assert client.post(f"/admin/users/{world.viewer.id}/deactivate").status_code == 302
    r = app.test_client().post("/login", data={"username": world.viewer.username, "password": "secret-pass"})
    assert r.status_code == 200


def test_admin_cannot_deactivate_himself(client, login, world, db):
    login(world.admin)
    client.post(f"/admin/users/{world.admin.id}/deactivate")
    db.expire_all()
    assert db.get(User, world.admin.id).active is True


def test_only_admins_manage_users(client, login, world):
    login(world.reviewer)
    assert client.get("/admin/users/").status_code == 404
