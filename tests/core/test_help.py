"""The handbook (操作手册): each role's steps with links it may open; the rule set in words."""
from core.indicators.catalogue import seed_ruleset


def test_secretary_reads_her_steps_with_links_she_may_open(client, db, login, make_user, make_branch):
    from datetime import date

    seed_ruleset(db, date.today().year)
    db.commit()
    login(make_user("secretary", branch=make_branch()))
    page = client.get("/help").get_data(as_text=True)
    assert "支部书记" in page and "逐人勾选出席" in page
    assert 'href="/ledger/"' in page
    assert "/admin/schedule" not in page                    # not her page
    assert "星级分数段" in page and "逐级晋升" in page          # the year's rule set in words
    assert "月初试算上月" not in client.get("/help?role=admin").get_data(as_text=True)  # only admins switch


def test_admin_reads_every_roles_handbook(client, login, make_user):
    login(make_user("admin"))
    assert "月初试算上月" in client.get("/help").get_data(as_text=True)
    page = client.get("/help?role=reviewer").get_data(as_text=True)
    assert "确认全部自动得分" in page and "本年度尚未启用考核细则" in page
