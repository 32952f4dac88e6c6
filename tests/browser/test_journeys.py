"""Journeys in the browser, in Chinese, over the real engine (no inserted results):
a secretary keeps her ledger and sees the checklist turn green; a reviewer verifies and
adjusts an item with a reason; an admin closes the quarter on 期间结账 (three months,
then the quarter once the reviewer has verified the unverified manual items the close
page lists); the dashboard shows the radar and the ranking shows the branch in its
place. The current month and quarter are today's: earlier quarters of the year are
closed in the seed (history); for the closing journeys the app's clock (TODAY) is set
to the day after the running month or quarter, since a window closes only once it has
ended."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from conftest import PASSWORD, log_in, unit_with_two_branches

pytestmark = pytest.mark.browser

TODAY = date.today()


def seed(app, *, history=False, ledger=False):
    """A unit with two production branches (members on the first), a secretary of the
    first, a reviewer of the unit, an admin and the default rule set of the year.
    history: close the year's earlier months and quarters through the engine.
    ledger: the first branch already keeps this month's meetings (the second keeps none)."""
    from core.auth.models import User, UserUnit
    from core.indicators.catalogue import seed_ruleset
    from core.ledger.services import Presence, save_record
    from core.org.models import Member
    from core.periods.keys import PeriodKey

    registry = app.extensions["starbranch.plugins"]
    s = app.extensions["starbranch.db"].session_factory()
    unit, b1, b2 = unit_with_two_branches(s)
    members = [Member(branch_id=b1.id, name=n, gender="male", status=st)
               for n, st in (("张伟", "full"), ("李娜", "full"), ("王强", "probationary"))]
    s.add_all(members + [Member(branch_id=b2.id, name="赵敏", gender="female", status="full")])
    names = {"shuji": "刘书记", "shenhe": "陈审核", "zuzhibu": "组织部"}
    for username, role, kw in (("shuji", "secretary", {"branch_id": b1.id}), ("shenhe", "reviewer", {}),
                               ("zuzhibu", "admin", {})):
        u = User(username=username, display_name=names[username], role=role, **kw)
        u.set_password(PASSWORD, method="pbkdf2:sha256:1000")
        if role == "reviewer":
            u.units = [UserUnit(unit_id=unit.id)]
        s.add(u)
    s.flush()
    seed_ruleset(s, TODAY.year, registry=registry)
    if ledger:
        s.flush()
        for rtype, topic in (("committee_meeting", "研究安全生产工作"), ("group_meeting", "学习安全规程"),
                             ("theme_day", "主题党日：岗位讲安全")):
            save_record(s, branch=b1, actor=None, data={"type": rtype, "held_on": TODAY, "topic": topic},
                        presence=[Presence(m.id, True) for m in members])
    if history:
        close_earlier_quarters(s, registry, PeriodKey.of_date("quarter", TODAY))
    s.commit()
    ids = {"b1": b1.id, "b2": b2.id}
    s.close()
    return ids


def close_earlier_quarters(s, registry, quarter):
    """Close, through the engine, the months and quarters of `quarter`'s year before it."""
    from core.periods.keys import PeriodKey
    from core.scoring.close import close_period

    for q in range(1, quarter.number):
        earlier = PeriodKey(quarter.year, "quarter", q)
        for month in earlier.children():
            close_period(s, month, kinds=registry, today=TODAY)
        close_period(s, earlier, kinds=registry, today=TODAY, unverified="zero", reason="历史季度：服务群众按 0 分计")


def row_of(page, label):
    """The row of table.list whose first cell is exactly `label` (2026年1月 ≠ 2026年11月)."""
    cell = page.locator("td:first-child", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return page.locator("table.list tbody tr", has=cell)


def test_secretary_records_committee_meeting_and_checklist_turns_green(live_app, new_page, tmp_path):
    app, base = live_app
    ids = seed(app)
    page = new_page()
    log_in(page, base, "shuji")
    page.goto(f"{base}/ledger/branch/{ids['b1']}")
    row = page.locator("table.list tr", has_text="支部委员会").first
    assert "待完成" in row.inner_text()

    page.goto(f"{base}/ledger/branch/{ids['b1']}/new?type=committee_meeting")
    page.select_option("select[name=type]", "committee_meeting")
    page.fill("input[name=held_on]", TODAY.isoformat())
    page.fill("input[name=topic]", "研究十一月安全生产工作")
    page.fill("textarea[name=minutes]", "会议由刘书记主持。")
    page.check("text=张伟 >> xpath=../..//input[@type='checkbox']")
    page.check("text=李娜 >> xpath=../..//input[@type='checkbox']")
    page.fill("text=王强 >> xpath=../..//input[starts-with(@name,'reason_')]", "出差")
    page.click("form.card button.primary")
    page.wait_for_url("**/ledger/record/**")

    evidence = tmp_path / "会议签到表.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_input_files("input[type=file]", str(evidence))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "会议签到表.pdf" in page.content()

    page.goto(f"{base}/ledger/branch/{ids['b1']}")
    row = page.locator("table.list tr", has_text="支部委员会").first
    assert "已完成" in row.inner_text() and row.locator(".badge.ok").count() >= 1

    # the branch dashboard shows the same due list turned green
    page.goto(f"{base}/branches/{ids['b1']}/dashboard")
    item = page.locator("ul.checklist li", has_text="支部委员会")
    assert "已完成" in item.inner_text()


def test_reviewer_verifies_and_adjusts_an_item_with_reason(live_app, new_page):
    from core.periods.keys import PeriodKey

    app, base = live_app
    ids = seed(app, ledger=True)
    month = PeriodKey.of_date("month", TODAY)
    app.config["TODAY"] = month.ends_on + timedelta(days=1)   # the month has ended: its items are due

    # the admin runs a provisional computation (试算) of the month: the sheet gets its items
    admin = new_page()
    log_in(admin, base, "zuzhibu")
    admin.goto(f"{base}/scoring/periods?year={TODAY.year}")
    row_of(admin, month.label).locator("button", has_text="试算").click()
    admin.wait_for_load_state()
    assert "已试算" in admin.locator(".flash").first.inner_text()

    reviewer = new_page()
    log_in(reviewer, base, "shenhe")
    reviewer.goto(f"{base}/scoring/sheet/{ids['b1']}?period={month.key}")
    assert "试算结果" in reviewer.content()
    item = reviewer.locator("tr[id^=ev-]", has_text="运行机制·支部委员会")
    assert item.locator("td").nth(3).inner_text().strip() == "3.00"  # automatic: the meeting was held
    form = item.locator("form[action$='/verify']")
    form.locator("input[name=earned]").fill("2")
    form.locator("input[name=reason]").fill("会议记录缺少议题表决情况，扣1分")
    form.locator("button", has_text="确认/调整").click()
    reviewer.wait_for_url(re.compile(r".*#ev-\d+-\d+-\d+$"))
    assert "审核结果已保存" in reviewer.locator(".flash").first.inner_text()
    item = reviewer.locator("tr[id^=ev-]", has_text="运行机制·支部委员会")
    cells = item.locator("td")
    assert cells.nth(3).inner_text().strip() == "3.00"      # the automatic value stays visible
    assert cells.nth(6).inner_text().strip() == "2.00"      # the verified value counts
    assert "会议记录缺少议题表决情况，扣1分" in cells.nth(7).inner_text()

    # a reviewer cannot change a score without a reason: refused, nothing changes
    form = item.locator("form[action$='/verify']")
    form.locator("input[name=earned]").fill("1")
    form.locator("button", has_text="确认/调整").click()
    reviewer.wait_for_load_state()
    assert "审核调整必须填写理由" in reviewer.locator(".flash").first.inner_text()
    item = reviewer.locator("tr[id^=ev-]", has_text="运行机制·支部委员会")
    assert item.locator("td").nth(6).inner_text().strip() == "2.00"

    # the secretary sees the adjustment and its reason on her own sheet, without the form
    secretary = new_page()
    log_in(secretary, base, "shuji")
    secretary.goto(f"{base}/scoring/sheet/{ids['b1']}?period={month.key}")
    mine = secretary.locator("tr[id^=ev-]", has_text="运行机制·支部委员会")
    assert "会议记录缺少议题表决情况" in mine.inner_text()
    assert mine.locator("form[action$='/verify']").count() == 0


def test_admin_closes_the_quarter_after_the_unverified_list_is_empty(live_app, new_page):
    from core.periods.keys import PeriodKey

    app, base = live_app
    quarter = PeriodKey.of_date("quarter", TODAY)
    ids = seed(app, history=True, ledger=True)
    app.config["TODAY"] = quarter.ends_on + timedelta(days=1)   # the quarter has just ended

    admin = new_page()
    admin.on("dialog", lambda dialog: dialog.accept())   # 结账 asks for confirmation
    log_in(admin, base, "zuzhibu")
    periods = f"{base}/scoring/periods?year={TODAY.year}"
    admin.goto(periods)
    assert admin.locator("h1").inner_text().startswith(f"期间结账：{TODAY.year}")

    # the quarter first: its close page says its months are open and offers no close
    row_of(admin, quarter.label).locator("a", has_text="结账…").click()
    assert "尚未结账" in admin.locator("#close-problems").inner_text()
    assert admin.locator("main form button", has_text="结账").count() == 0

    for month in quarter.children():
        admin.goto(periods)
        row_of(admin, month.label).locator("a", has_text="结账…").click()
        assert "没有未审核的人工评分项" in admin.locator("#unverified-items").inner_text()
        admin.locator("main form button", has_text="结账").click()
        admin.wait_for_load_state()
        assert "已结账锁定" in admin.locator(".flash").first.inner_text()
        assert "已结账（锁定）" in row_of(admin, month.label).locator("td").nth(1).inner_text()

    # the quarter's manual item (服务群众) is unverified on both sheets: listed, the close refused
    row_of(admin, quarter.label).locator("a", has_text="结账…").click()
    unverified = admin.locator("#unverified-items").inner_text()
    assert "共 2 项未审核" in unverified and "炼铁厂党委" in unverified
    admin.locator("main form button", has_text="结账").click()      # the rule set's default: refuse
    admin.wait_for_load_state()
    assert "不能结账" in admin.locator(".flash").first.inner_text()

    # the reviewer verifies both (one confirmed, one adjusted), from each sheet
    reviewer = new_page()
    log_in(reviewer, base, "shenhe")
    for branch, earned, reason in ((ids["b1"], "5", "服务群众记录齐全，确认"), (ids["b2"], "3", "走访记录不全，酌减")):
        reviewer.goto(f"{base}/scoring/sheet/{branch}?period={quarter.key}")
        form = reviewer.locator("tr[id^=ev-]", has_text="服务群众").locator("form[action$='/verify']")
        form.locator("input[name=earned]").fill(earned)
        form.locator("input[name=reason]").fill(reason)
        form.locator("button", has_text="确认/调整").click()
        reviewer.wait_for_url(re.compile(r".*#ev-\d+-\d+-\d+$"))
        assert "审核结果已保存" in reviewer.locator(".flash").first.inner_text()

    # the list is empty now: the admin closes the quarter
    admin.reload()
    assert "没有未审核的人工评分项" in admin.locator("#unverified-items").inner_text()
    admin.locator("main form button", has_text="结账").click()
    admin.wait_for_load_state()
    flash = admin.locator(".flash").first.inner_text()
    assert f"{quarter.label} 已结账锁定" in flash and "2 个党支部出结果" in flash
    assert "已结账（锁定）" in row_of(admin, quarter.label).locator("td").nth(1).inner_text()
    assert row_of(admin, quarter.label).locator("button", has_text="重新开启").count() == 1

    # the secretary's dashboard: the radar of the closed quarter
    secretary = new_page()
    log_in(secretary, base, "shuji")
    secretary.goto(f"{base}/dashboard")
    assert secretary.url.endswith(f"/branches/{ids['b1']}/dashboard")
    radar = secretary.locator("svg#radar")
    assert radar.get_attribute("role") == "img"
    assert "五项堡垒指数雷达图" in radar.get_attribute("aria-label")
    series = radar.locator("polygon.series")
    assert series.count() == 2          # the branch against its category's average
    assert series.nth(0).get_attribute("data-series") == "高炉作业区党支部"
    assert series.nth(1).get_attribute("data-series").endswith("平均")
    assert radar.bounding_box()["width"] > 200
    assert "1 / 2" in secretary.locator(".kpis").inner_text()

    # the ranking (newest closed window = this quarter): the branch keeping its ledger first
    reviewer.click("nav.sidebar >> text=排名")
    reviewer.wait_for_url("**/analysis/rankings**")
    reviewer.wait_for_load_state()
    assert quarter.label in reviewer.content()
    rows = reviewer.locator("#ranking tr[data-branch]")
    assert rows.count() == 2
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "高炉作业区党支部" in first and first.strip().startswith("1")
    assert "烧结作业区党支部" in second and second.strip().startswith("2")
    reviewer.click("#ranking >> text=高炉作业区党支部")
    reviewer.wait_for_url(f"**/branches/{ids['b1']}/dashboard**")
    assert reviewer.locator("svg#radar").count() == 1

    # closed means locked: the sheet says so and offers no verification form
    reviewer.goto(f"{base}/scoring/sheet/{ids['b1']}?period={quarter.key}")
    assert "已结账锁定" in reviewer.content()
    assert reviewer.locator("form[action$='/verify']").count() == 0
