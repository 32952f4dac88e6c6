"""The annual notice in the browser (#18): an admin starts the notice of 2025 on a chosen
date for five working days, records an objection phoned in, upholds it, reopens the year
back to May for the correction, deletes the wrong deduction, closes again in order, runs
the second round and confirms the final commendation list. "Today" is the app's clock
(app.config["TODAY"]), moved between the steps."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import PASSWORD, log_in, unit_with_two_branches

pytestmark = pytest.mark.browser


def seed(app) -> dict:
    """2025 closed through the engine: one yearly manual item verified to 93 (B001, with
    a 5-point deduction dated 10 May → 88, ★4) and 85 (B002, ★4)."""
    from sqlalchemy import select

    from core.auth.models import User
    from core.indicators.models import DEFAULT_SETTINGS, IndexWeight, Indicator, RuleSet, StarBand
    from core.ledger.models import PointRecord
    from core.org.models import CATEGORIES
    from core.periods.services import all_keys_of_year
    from core.scoring.adjust import verify_item
    from core.scoring.close import close_period, recompute
    from core.scoring.models import Evaluation

    registry = app.extensions["starbranch.plugins"]
    s = app.extensions["starbranch.db"].session_factory()
    unit, b1, b2 = unit_with_two_branches(s)
    admin = User(username="zuzhibu", display_name="组织部", role="admin")
    admin.set_password(PASSWORD, method="pbkdf2:sha256:1000")
    s.add(admin)
    rs = RuleSet(year=2025, version=1, name="2025细则", status="active", settings=dict(DEFAULT_SETTINGS))
    rs.weights = [IndexWeight(category=c, index_code=i, weight=20) for c in CATEGORIES
                  for i in ("team", "management", "performance", "brand", "service")]
    rs.bands = [StarBand(stars=st, min_score=Decimal(m)) for st, m in {5: 90, 4: 80, 3: 70, 2: 60, 1: 0}.items()]
    rs.indicators = [Indicator(position=0, code="Y1", name="年度工作", kind="basic", method="manual", cycle="year",
                               index_code="team", points=Decimal(100), params={})]
    s.add(rs)
    s.flush()
    s.add(PointRecord(branch_id=b1.id, unit_id=unit.id, kind="deduction", points=Decimal(5), dated=date(2025, 5, 10),
                      reason="台账漏报扣分"))
    keys = all_keys_of_year(2025)
    for key in keys[:-1]:
        close_period(s, key, kinds=registry)
    recompute(s, "2025", registry)
    for branch, total in ((b1, 93), (b2, 85)):
        ev = s.scalar(select(Evaluation).where(Evaluation.branch_id == branch.id))
        verify_item(s, ev.ident, total, "年度核实", ev.version)
    close_period(s, "2025", kinds=registry)
    s.commit()
    s.close()
    return {"b1": b1.id}


def test_admin_runs_two_notice_rounds_with_a_phoned_objection(live_app, new_page):
    app, base = live_app
    seed(app)
    app.config["TODAY"] = date(2026, 1, 12)
    admin = new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    log_in(admin, base, "zuzhibu")
    admin.goto(f"{base}/scoring/notice/2025")
    admin.fill("input[name=start-starts_on]", "2026-01-12")
    admin.fill("input[name=start-working_days]", "5")
    admin.click("#start-notice button[type=submit]")
    admin.wait_for_selector("text=2026年1月12日 至 2026年1月16日")
    assert "5 个工作日" in admin.inner_text("#notice-status")

    # a phone call on the 13th, recorded the same day
    app.config["TODAY"] = date(2026, 1, 13)
    admin.goto(f"{base}/scoring/notice/2025")
    admin.fill("#branch-search input[name=q]", "B001")
    admin.click("#branch-search button[type=submit]")
    admin.check("input[name=obj-branch_id]")
    admin.select_option("select[name=obj-channel]", "phone")
    admin.fill("input[name=obj-received_on]", "2026-01-13")
    admin.fill("input[name=obj-complainant]", "王某 13800000000")
    admin.fill("textarea[name=obj-text]", "5月扣分依据不足")
    admin.click("#objection-form button[type=submit]")
    admin.wait_for_selector("text=异议已登记")
    row = admin.locator("#objections tr", has_text="5月扣分依据不足")
    assert "来电" in row.inner_text() and "王某" in row.inner_text()

    # upheld
    row.locator("input[name=resolution]").fill("经核实扣分依据不足，异议成立")
    row.locator("select[name=upheld]").select_option("1")
    row.locator("button[type=submit]").click()
    admin.wait_for_selector("#next-step")
    assert "异议成立" in admin.locator("#objections tr", has_text="5月扣分依据不足").inner_text()

    # the next step: reopen back to May, correct the branch
    admin.select_option("select[name=corr-from_key]", "2025-05")
    admin.fill("textarea[name=corr-reason]", "删除5月台账漏报扣分")
    admin.click("#next-step button[type=submit]")
    admin.wait_for_selector("text=更正中，名单未确定")
    assert "2025年度、2025年第四季度、2025年第三季度、2025年第二季度、2025年5月" in admin.inner_text("#notice-status")
    admin.click("text=打开该支部的台账（加扣分、否决）")
    deduction = admin.locator("tr", has_text="台账漏报扣分")
    deduction.locator("input[name=reason]").fill("异议成立，扣分依据不足")
    deduction.locator("button[type=submit]").click()
    admin.wait_for_selector("text=已删除")
    admin.goto(f"{base}/scoring/notice/2025")
    admin.click("text=完成更正并重新结账")
    admin.wait_for_selector("text=更正已完成")

    # second round, then final
    app.config["TODAY"] = date(2026, 1, 19)
    admin.goto(f"{base}/scoring/notice/2025")
    admin.fill("input[name=start-starts_on]", "2026-01-19")
    admin.click("#start-notice button[type=submit]")
    admin.wait_for_selector("text=第 2 轮公示")
    assert "第 1 轮公示" in admin.inner_text("#objections")
    assert "5月扣分依据不足" in admin.inner_text("#objections")       # round 1 stays in the history
    assert "待公示确定" in admin.inner_text("#commendation")
    app.config["TODAY"] = date(2026, 1, 26)
    admin.goto(f"{base}/scoring/notice/2025")
    admin.click("text=确定定级结果")
    admin.wait_for_selector("text=年度定级结果已确定")
    commendation = admin.inner_text("#commendation")
    assert "已确定" in commendation and "未确定" not in commendation
    assert "高炉作业区党支部（炼铁厂党委，★★★★★，93.00 分）" in commendation   # ★4 → ★5 after the correction
