"""The notice page as the organisation department runs it (#18): a chosen start date and
working days, the branch search, an objection phoned in and recorded by an admin (who
raised it stays with admins), the next step after an upheld objection, the correction
pending on the list, two rounds in the history — with "today" from the app's clock."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.scoring.models import AnnualNotice, Objection, YearCorrection


def _start(client, starts_on="2026-01-12", days="5"):
    return client.post("/scoring/notice/2025/start", data={"start-starts_on": starts_on, "start-working_days": days},
                       follow_redirects=True)


def test_start_on_a_chosen_date_shows_the_end_in_working_days(app, client, login, make_user, closed_year, db):
    app.config["TODAY"] = date(2026, 1, 5)
    login(make_user("admin"))
    r = _start(client, days="0")
    assert r.status_code == 400 and "须在 1–60 之间" in r.get_data(as_text=True)
    r = _start(client, starts_on="2025-12-30")
    assert r.status_code == 400 and "结束之后" in r.get_data(as_text=True)
    assert db.scalar(select(AnnualNotice)) is None
    r = _start(client, starts_on="2026-02-13", days="3")   # Sat 14 Feb works, 15–23 Feb 春节
    page = r.get_data(as_text=True)
    assert "2026年2月13日 至 2026年2月24日" in page and "3 个工作日" in page
    # today (5 Jan) is before the notice: no objection form yet
    assert "提交异议" not in page


def test_phoned_objection_is_recorded_and_kept_from_the_branch(app, client, login, make_user, branch, closed_year,
                                                              secretary, db):
    app.config["TODAY"] = date(2026, 1, 14)
    admin = make_user("admin", display_name="组织部张")
    login(admin)
    _start(client)
    page = client.get(f"/scoring/notice/2025?q={branch.code}").get_data(as_text=True)
    assert f'name="obj-branch_id" value="{branch.id}"' in page
    r = client.post("/scoring/notice/2025/objections", data={
        "obj-branch_id": branch.id, "obj-channel": "phone", "obj-received_on": "2026-01-13",
        "obj-complainant": "", "obj-text": "支委会记录漏计"}, follow_redirects=True)
    assert r.status_code == 400 and "异议人" in r.get_data(as_text=True)
    r = client.post("/scoring/notice/2025/objections", data={
        "obj-branch_id": branch.id, "obj-channel": "phone", "obj-received_on": "2026-01-13",
        "obj-complainant": "王某 13800000000", "obj-text": "支委会记录漏计"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "异议已登记" in page and "来电" in page and "王某 13800000000" in page and "组织部张" in page
    o = db.scalar(select(Objection))
    assert (o.channel, o.received_on, o.filed_by) == ("phone", date(2026, 1, 13), admin.id)

    c2 = client.application.test_client()
    login(secretary, c2)
    own = c2.get("/scoring/notice/2025").get_data(as_text=True)
    assert "支委会记录漏计" in own and "王某" not in own and "组织部张" not in own and "来电" not in own


def test_upheld_objection_offers_the_correction_then_a_second_round(app, client, login, make_user, branch,
                                                                   closed_year, db):
    app.config["TODAY"] = date(2026, 1, 13)
    login(make_user("admin", display_name="组织部李"))
    _start(client)
    client.post("/scoring/notice/2025/objections", data={"obj-branch_id": branch.id, "obj-channel": "online",
                                                        "obj-text": "三季度扣分有误"})
    o = db.scalar(select(Objection))
    page = client.post(f"/scoring/notice/2025/objections/{o.id}/resolve", data={"resolution": "成立", "upheld": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "下一步：更正异议成立的支部" in page and "处理人" in page and "组织部李" in page
    r = client.post("/scoring/notice/2025/corrections", data={"corr-objection_id": o.id, "corr-from_key": "2025Q3",
                                                             "corr-reason": ""}, follow_redirects=True)
    assert r.status_code == 400 and db.scalar(select(YearCorrection)) is None
    r = client.post("/scoring/notice/2025/corrections", data={"corr-objection_id": o.id, "corr-from_key": "2025Q3",
                                                             "corr-reason": "核减三季度扣分"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "已重新开启：2025年度、2025年第四季度、2025年第三季度" in page
    assert "更正中，名单未确定" in page and "完成更正并重新结账" in page and branch.name in page
    c = db.scalar(select(YearCorrection))
    assert c.reopened == ["2025", "2025Q4", "2025Q3"]
    page = client.post(f"/scoring/notice/2025/corrections/{c.id}/finish", follow_redirects=True).get_data(as_text=True)
    assert "更正已完成" in page and "请开始新一轮公示" in page
    app.config["TODAY"] = date(2026, 1, 26)
    page = _start(client, starts_on="2026-01-26").get_data(as_text=True)
    assert "第 2 轮公示" in page and "第 1 轮公示" in page and "三季度扣分有误" in page
    assert "待公示确定" in page
    app.config["TODAY"] = date(2026, 2, 2)
    page = client.post("/scoring/notice/2025/finalise", follow_redirects=True).get_data(as_text=True)
    assert "年度定级结果已确定" in page and "更正中" not in page


def test_finalise_follows_the_app_clock(app, client, login, make_user, closed_year):
    login(make_user("admin"))
    app.config["TODAY"] = date(2026, 1, 12)
    _start(client)
    app.config["TODAY"] = date(2026, 1, 16)   # last day of the notice
    assert "期满后" in client.post("/scoring/notice/2025/finalise", follow_redirects=True).get_data(as_text=True)
    app.config["TODAY"] = "2026-01-17"
    assert "已确定" in client.post("/scoring/notice/2025/finalise", follow_redirects=True).get_data(as_text=True)


def test_objection_form_needs_a_branch_from_the_search(app, client, login, make_user, reviewer, closed_year, db):
    app.config["TODAY"] = date(2026, 1, 12)
    login(make_user("admin"))
    _start(client)
    login(reviewer)
    r = client.post("/scoring/notice/2025/objections", data={"obj-text": "x"})
    assert r.status_code == 400 and "请先查找并选择党支部" in r.get_data(as_text=True)
    assert "没有找到" in client.get("/scoring/notice/2025?q=不存在的支部").get_data(as_text=True)
    assert db.scalar(select(Objection)) is None
