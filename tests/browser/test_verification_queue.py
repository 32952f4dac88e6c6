"""The reviewer's quarter in the browser: the admin runs a trial (试算) of the last ended
quarter, the reviewer works through the verification queue — 确认全部自动得分 on each
sheet, one adjustment with a reason — the result box follows at once, the queue
empties, and the admin closes the quarter (its months, then the quarter)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import log_in
from test_journeys import close_earlier_quarters, row_of, seed

pytestmark = pytest.mark.browser

TODAY = date.today()


def _close_earlier_quarters(app, quarter):
    """The year's quarters before `quarter` closed (close order); its rule set seeded."""
    from core.indicators.catalogue import active_ruleset, seed_ruleset

    registry = app.extensions["starbranch.plugins"]
    s = app.extensions["starbranch.db"].session_factory()
    if active_ruleset(s, quarter.year) is None:
        seed_ruleset(s, quarter.year, registry=registry)
    close_earlier_quarters(s, registry, quarter)
    s.commit()
    s.close()


def _verify(page, item: str, earned: str, reason: str):
    """Score one item of the sheet with a reason and wait for the page to come back."""
    form = page.locator("tr[id^=ev-]", has_text=item).locator("form[action$='/verify']")
    form.locator("input[name=earned]").fill(earned)
    form.locator("input[name=reason]").fill(reason)
    form.locator("button", has_text="确认/调整").click()
    page.wait_for_load_state()


def test_reviewer_works_through_the_queue_then_admin_closes_the_quarter(live_app, new_page):
    from core.periods.keys import PeriodKey

    app, base = live_app
    ids = seed(app)
    quarter = PeriodKey.of_date("quarter", TODAY).previous()   # ended: it can be closed
    _close_earlier_quarters(app, quarter)

    admin = new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    log_in(admin, base, "zuzhibu")
    admin.goto(f"{base}/scoring/periods?year={quarter.year}")
    row_of(admin, quarter.label).locator("button", has_text="试算").click()
    admin.wait_for_load_state()
    assert "已试算" in admin.locator(".flash").first.inner_text()

    reviewer = new_page()
    log_in(reviewer, base, "shenhe")
    reviewer.click("nav.sidebar >> text=待审核队列")
    reviewer.select_option("select#period", quarter.key)
    reviewer.click("form.filters button[type=submit]")
    reviewer.wait_for_load_state()
    assert "2 个党支部有未审核的评分项" in reviewer.content()
    reviewer.click("#start-queue")
    reviewer.wait_for_url(re.compile(rf".*/scoring/sheet/{ids['b1']}\?.*queue=1"))

    # first sheet: confirm every automatic score in one click (no reason asked)
    reviewer.click("text=确认全部自动得分")
    reviewer.wait_for_load_state()
    assert re.search(r"已确认 \d+ 项自动得分", reviewer.locator(".flash").first.inner_text())
    # the one manual item, 服务群众, is adjusted with a reason
    _verify(reviewer, "服务群众", "4", "开展志愿服务3次，材料齐全")
    assert "审核结果已保存" in reviewer.locator(".flash").first.inner_text()
    assert "未审核 0 项" in reviewer.locator("#review-actions").inner_text()
    # the result box follows at once: 星级服务 is 4/5 of its effective weight, not 0
    result = reviewer.locator(".card", has_text="结果").first.locator("tbody tr td")
    assert result.nth(4).inner_text().strip() not in ("0.00", "—")
    assert "实得 / 应得 × 有效权重" in reviewer.locator("#path").inner_text()

    # next branch of the queue: confirm all, then its manual item confirmed with a score
    reviewer.click("#next-in-queue")
    reviewer.wait_for_url(re.compile(rf".*/scoring/sheet/{ids['b2']}\?.*queue=1"))
    reviewer.click("text=确认全部自动得分")
    reviewer.wait_for_load_state()
    _verify(reviewer, "服务群众", "3", "走访困难职工2户")
    assert "本单位其他支部均已审核完毕" in reviewer.locator("#review-actions").inner_text()
    reviewer.click("text=返回待审核队列")
    assert "该期间没有待审核的评分项" in reviewer.content()

    # the admin closes the quarter: its months, then the quarter
    periods = f"{base}/scoring/periods?year={quarter.year}"
    for key in quarter.children() + [quarter]:
        admin.goto(periods)
        row_of(admin, key.label).locator("a", has_text="结账…").click()   # the close page lists what blocks it
        admin.locator("main form button", has_text="结账").click()
        admin.wait_for_load_state()
        if key is not quarter:
            assert "已结账锁定" in admin.locator(".flash").first.inner_text()
    flash = admin.locator(".flash").first.inner_text()
    assert f"{quarter.label} 已结账锁定" in flash and "2 个党支部出结果" in flash

    # the verified values are in the closed result
    reviewer.goto(f"{base}/scoring/sheet/{ids['b1']}?period={quarter.key}")
    service = reviewer.locator("tr[id^=ev-]", has_text="服务群众")
    assert service.locator("td").nth(6).inner_text().strip() == "4.00"
    assert "开展志愿服务3次" in service.inner_text()
