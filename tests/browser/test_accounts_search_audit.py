"""Issue #16's done-when journeys in the browser: a secretary changes her password and
her other session ends; search finds a member in scope and not one outside; the audit
entry of a verification reads in words, with the group's local time."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import PASSWORD, log_in
from test_journeys import TODAY, seed

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-new-pass-2027"


def test_secretary_changes_her_password_and_her_other_session_ends(live_app, new_page):
    app, base = live_app
    seed(app)
    phone, desk = new_page(), new_page()
    log_in(phone, base, "shuji")
    log_in(desk, base, "shuji")

    desk.goto(f"{base}/profile")
    desk.fill("input[name=current]", PASSWORD)
    desk.fill("input[name=password]", NEW_PASSWORD)
    desk.fill("input[name=confirm]", NEW_PASSWORD)
    desk.locator("form[action$='/profile/password'] button[type=submit]").click()
    desk.wait_for_load_state()
    assert "密码已修改" in desk.locator(".flash").first.inner_text()
    desk.goto(f"{base}/")
    assert "/login" not in desk.url                     # this browser goes on

    phone.goto(f"{base}/")
    assert "/login" in phone.url                         # the other session has ended

    phone.fill("input[name=username]", "shuji")
    phone.fill("input[name=password]", PASSWORD)         # the old password no longer opens
    phone.click(".login-card button[type=submit]")
    phone.wait_for_load_state()
    assert "/login" in phone.url and "用户名或密码错误" in phone.content()
    phone.fill("input[name=username]", "shuji")
    phone.fill("input[name=password]", NEW_PASSWORD)
    phone.click(".login-card button[type=submit]")
    phone.wait_for_url(lambda url: "/login" not in url)


def _search(page, base, words):
    page.goto(f"{base}/")
    page.fill("#topbar-q", words)
    page.press("#topbar-q", "Enter")
    page.wait_for_url("**/search?q=*")
    return page


def test_search_finds_a_member_in_scope_and_not_one_outside(live_app, new_page):
    app, base = live_app
    seed(app)   # 张伟 is in the secretary's branch B001; 赵敏 in B002 of the same unit
    secretary = new_page()
    log_in(secretary, base, "shuji")
    _search(secretary, base, "张伟")
    members = secretary.locator(".card", has=secretary.locator("h2", has_text="党员"))
    assert members.locator("a", has_text="张伟").count() == 1
    _search(secretary, base, "赵敏")
    assert "在您的管理范围内没有找到“赵敏”" in secretary.locator("p.empty").inner_text()
    assert secretary.locator("a", has_text="赵敏").count() == 0

    reviewer = new_page()                # the unit's reviewer sees both branches' members
    log_in(reviewer, base, "shenhe")
    _search(reviewer, base, "赵敏")
    hit = reviewer.locator(".card a", has_text="赵敏")
    assert hit.count() == 1
    hit.click()
    reviewer.wait_for_load_state()
    assert "赵敏" in reviewer.locator("h1").inner_text()


def test_the_audit_entry_of_a_verification_reads_in_words_with_local_time(live_app, new_page):
    from core.periods.keys import PeriodKey

    app, base = live_app
    ids = seed(app, ledger=True)
    month = PeriodKey.of_date("month", TODAY)
    app.config["TODAY"] = month.ends_on + timedelta(days=1)

    admin = new_page()
    log_in(admin, base, "zuzhibu")
    admin.goto(f"{base}/scoring/periods?year={TODAY.year}")
    admin.locator("table.list tbody tr", has=admin.locator("td:first-child", has_text=re.compile(
        rf"^\s*{re.escape(month.label)}\s*$"))).locator("button", has_text="试算").click()
    admin.wait_for_load_state()

    reviewer = new_page()
    log_in(reviewer, base, "shenhe")
    reviewer.goto(f"{base}/scoring/sheet/{ids['b1']}?period={month.key}")
    form = reviewer.locator("tr[id^=ev-]", has_text="运行机制·支部委员会").locator("form[action$='/verify']")
    form.locator("input[name=earned]").fill("2")
    form.locator("input[name=reason]").fill("会议记录缺少议题表决情况，扣1分")
    form.locator("button", has_text="确认/调整").click()
    reviewer.wait_for_url(re.compile(r".*#ev-\d+-\d+-\d+$"))
    verified_at = datetime.now(ZoneInfo("Asia/Shanghai"))

    admin.goto(f"{base}/audit?action=evaluation.verify")
    row = admin.locator("table.list tbody tr").first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    at, actor, action, obj, changes, reason = cells
    assert actor.startswith("陈审核") and action == "审核评分"
    assert "运行机制·支部委员会" in obj and "高炉作业区党支部" in obj
    assert row.locator("td").nth(3).locator("a").count() == 1          # the object links to its sheet
    assert "自动得分：3.00\n" in changes + "\n" and "审核得分：— → 2.00" in changes, changes
    assert reason == "会议记录缺少议题表决情况，扣1分"
    for raw in ("evaluation.verify", "verified_earned", "auto_earned", "verify_reason", "{'", "evaluations"):
        assert raw not in " ".join(cells), raw
    # the time is the group's (Asia/Shanghai), not UTC: the same minute as the save, give or take one
    shown = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})", at)
    assert shown, at
    y, mo, d, h, mi = map(int, shown.groups())
    when = datetime(y, mo, d, h, mi, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs((when - verified_at.replace(second=0, microsecond=0)).total_seconds()) <= 120, (at, verified_at)


def test_plugin_tables_fit_a_phone_and_align_numbers_like_the_core(live_app, chromium):
    from core.org.models import Branch
    from core.plugins import service
    from plugins.production.measures import seed_measures

    app, base = live_app
    ids = seed(app)
    s = app.extensions["starbranch.db"].session_factory()
    seed_measures(s)
    unit_id = s.get(Branch, ids["b1"]).unit_id
    for name in ("production", "brands"):
        service.enable(s, app.extensions["starbranch.plugins"], unit_id=unit_id, name=name, actor=None)
    s.commit()
    s.close()
    for width in (390, 1366):
        ctx = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 844}, is_mobile=width < 500)
        page = ctx.new_page()
        try:
            log_in(page, base, "zuzhibu")
            for path in ("/production/", "/production/measures", f"/production/branch/{ids['b1']}", "/brands/",
                         "/audit/?action=nothing"):
                page.goto(base + path)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
            page.goto(f"{base}/production/measures")
            assert page.eval_on_selector("table.list td.num", "e => getComputedStyle(e).textAlign") == "right"
            assert page.eval_on_selector("table.list th", "e => getComputedStyle(e).fontWeight") == "600"
        finally:
            ctx.close()
