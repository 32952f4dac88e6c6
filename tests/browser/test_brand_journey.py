"""The brand journey in the browser, in Chinese: a secretary declares her branch's brand
and attaches 五有 evidence, a reviewer verifies it and moves the brand to cultivating and
to the acceptance request, the admin accepts and names it; after the admin closes the
month on 期间结账, the branch's dashboard shows the 品牌 index on the radar and the
brand panel. Transitions are dated in last month (open), the earlier windows of the year
are closed in the seed."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser

TODAY = date.today()
LAST_MONTH_END = TODAY.replace(day=1) - timedelta(days=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def seed(app):
    from core.auth.models import User, UserUnit
    from core.indicators.catalogue import seed_ruleset
    from core.org.models import Branch, OrgNode
    from core.plugins import service
    from core.scoring.close import close_period
    from core.scoring.demo_periods import windows_to_close

    registry = app.extensions["starbranch.plugins"]
    s = app.extensions["starbranch.db"].session_factory()
    unit = OrgNode(code="U01", name="炼钢厂党委", kind="unit")
    s.add(unit)
    s.flush()
    unit.unit_id = unit.id
    b1 = Branch(code="B001", name="一号转炉作业区党支部", category="production", parent_id=unit.id, unit_id=unit.id)
    b2 = Branch(code="B002", name="连铸作业区党支部", category="production", parent_id=unit.id, unit_id=unit.id)
    s.add_all([b1, b2])
    s.flush()
    for username, name, role, kw in (("shuji", "刘书记", "secretary", {"branch_id": b1.id}),
                                     ("shenhe", "陈审核", "reviewer", {}), ("zuzhibu", "组织部", "admin", {})):
        u = User(username=username, display_name=name, role=role, **kw)
        u.set_password(PASSWORD, method="pbkdf2:sha256:1000")
        if role == "reviewer":
            u.units = [UserUnit(unit_id=unit.id)]
        s.add(u)
    service.enable(s, registry, unit_id=unit.id, name="brands", actor=None)
    seed_ruleset(s, TODAY.year, registry=registry)
    s.flush()
    windows = windows_to_close(TODAY)
    last = [w for w in windows if w.kind == "month"][-1]
    for key in windows[:windows.index(last)]:
        close_period(s, key, kinds=registry, unverified="zero", reason="历史期间：人工评分项按 0 分计")
    s.commit()
    ids = {"b1": b1.id, "last": last}
    s.close()
    return ids


def day(n: int) -> str:
    return LAST_MONTH_END.replace(day=n).isoformat()


def act(page, action: str, on: str, comment: str = ""):
    page.fill(f"#{action}-happened_on", on)
    if comment:
        page.fill(f"#{action}-comment", comment)
    page.locator(f"#act-{action} button[type=submit]").click()
    page.wait_for_load_state()
    assert "已办理" in page.locator(".flash").first.inner_text()


@pytest.mark.skipif(TODAY.month == 1, reason="in January last month belongs to last year's rule set")
def test_brand_from_declaration_to_named_shows_in_the_index_and_radar(live_app, new_page, tmp_path):
    app, base = live_app
    ids = seed(app)
    branch_url = f"{base}/brands/branch/{ids['b1']}"

    # the secretary declares the brand and attaches evidence to 有过硬支部书记
    secretary = new_page()
    log_in(secretary, base, "shuji")
    secretary.click("nav.sidebar >> text=品牌创建")
    secretary.wait_for_url(branch_url)
    secretary.fill("#declare-name", "铁军先锋")
    secretary.fill("#declare-slogan", "一名党员一面旗")
    secretary.fill("#declare-meaning", "把支部建在转炉旁，党员冲在炉前。")
    secretary.select_option("#declare-vanguard_type", "manufacturing")
    act(secretary, "declare", day(2))
    assert secretary.locator("#brand-stage").inner_text() == "申报"
    photo = tmp_path / "书记带班.png"
    photo.write_bytes(PNG)
    row = secretary.locator("#item-secretary")
    row.locator("summary", has_text="填报佐证").click()
    row.locator("textarea[name=evidence]").fill("书记连续三年考核优秀，带班攻关转炉长寿。")
    row.locator("input[type=file]").set_input_files(str(photo))
    row.locator("button", has_text="保存佐证").click()
    secretary.wait_for_load_state()
    assert "书记带班.png" in secretary.locator("#item-secretary").inner_text()
    assert secretary.locator("#act-cultivate").count() == 0      # not hers to do

    # the reviewer verifies the evidence and moves the brand on
    reviewer = new_page()
    log_in(reviewer, base, "shenhe")
    reviewer.goto(branch_url)
    reviewer.locator("#item-secretary button", has_text="核实").click()
    reviewer.wait_for_load_state()
    assert "已核实" in reviewer.locator("#item-secretary").inner_text()
    act(reviewer, "cultivate", day(5), "列入本年度培育计划")
    act(reviewer, "propose", day(8))
    assert reviewer.locator("#brand-stage").inner_text() == "待验收"
    assert reviewer.locator("#act-accept").count() == 0

    # the admin accepts and names it; the history lists every step
    admin = new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    log_in(admin, base, "zuzhibu")
    admin.goto(branch_url)
    act(admin, "accept", day(12), "验收通过")
    act(admin, "name", day(15), "命名为集团级支部品牌")
    assert admin.locator("#brand-stage").inner_text() == "命名"
    history = admin.locator("#history").inner_text()
    for step in ("申报品牌", "列入培育", "申请验收", "验收通过", "命名"):
        assert step in history
    assert "刘书记" in history and "陈审核" in history

    # the admin closes last month on 期间结账
    last = ids["last"]
    admin.click("nav.sidebar >> text=期间结账")
    cell = admin.locator("td:first-child", has_text=last.label)
    admin.locator("table.list tbody tr", has=cell).first.locator("a", has_text="结账…").first.click()
    admin.locator("main form button", has_text="结账").click()   # on the close page
    admin.wait_for_load_state()
    assert "已结账锁定" in admin.locator(".flash").first.inner_text()

    # the secretary's dashboard: the 品牌 index on the radar (named 10 of 15 points; the
    # item verified today counts from today, i.e. not in last month) and the brand panel
    # (the dashboard opens on the newest closed quarter; the month is chosen by its key)
    secretary.goto(f"{base}/branches/{ids['b1']}/dashboard?period={last.key}")
    assert f"{last.label}总分" in secretary.locator(".kpis").inner_text()
    radar = secretary.locator("svg#radar")
    desc = radar.locator("desc").text_content()
    # (the percentage is read back from the stored index 28.57: 28.57 × 35 / 15 = 66.66)
    assert "星级品牌：本支部 66.66%" in desc
    # 10 of 15 points in the 品牌 index; with 管理 (20) the only other index scored this month,
    # the 品牌 weight 15 is re-scaled: 15 × 10/15 × 100/35 = 28.57
    assert "28.57" in secretary.locator(".kpis").inner_text()
    assert secretary.locator("polygon.series").count() == 2
    panel = secretary.locator(".brand-panel").inner_text()
    assert "铁军先锋" in panel and "命名" in panel and "已核实 1/5 项" in panel
    # and the closed month's sheet explains the points
    secretary.goto(f"{base}/scoring/sheet/{ids['b1']}?period={last.key}")
    assert "支部品牌创建进度" in secretary.content()
