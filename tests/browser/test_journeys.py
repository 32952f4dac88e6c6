"""Journeys in the browser, in Chinese: a secretary keeps her ledger and sees the
checklist turn green; the dashboard shows the radar; the ranking shows the branch in
its place. Steps whose pages do not exist yet are skipped with the reason."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser


def seed(app):
    """A unit, two production branches with members, users, and a closed quarter with
    results (inserted directly, standing in for the engine's close)."""
    from core.auth.models import User, UserUnit
    from core.indicators.models import INDICES, IndexWeight, RuleSet
    from core.org.models import Branch, Member, OrgNode
    from core.periods.keys import PeriodKey
    from core.periods.models import Period
    from core.scoring.models import ScoreResult, tier_of

    s = app.extensions["starbranch.db"].session_factory()
    unit = OrgNode(code="U01", name="炼铁厂党委", kind="unit")
    s.add(unit)
    s.flush()
    unit.unit_id = unit.id
    b1 = Branch(code="B001", name="高炉作业区党支部", category="production", parent_id=unit.id, unit_id=unit.id)
    b2 = Branch(code="B002", name="烧结作业区党支部", category="production", parent_id=unit.id, unit_id=unit.id)
    s.add_all([b1, b2])
    s.flush()
    s.add_all([Member(branch_id=b1.id, name=n, gender="male", status=st)
               for n, st in (("张伟", "full"), ("李娜", "full"), ("王强", "probationary"))])
    users = {}
    for username, role, kw in (("shuji", "secretary", {"branch_id": b1.id}), ("shenhe", "reviewer", {}),
                               ("zuzhibu", "admin", {})):
        u = User(username=username, display_name={"shuji": "刘书记", "shenhe": "陈审核", "zuzhibu": "组织部"}[username],
                 role=role, **kw)
        u.set_password(PASSWORD, method="pbkdf2:sha256:1000")
        if role == "reviewer":
            u.units = [UserUnit(unit_id=unit.id)]
        s.add(u)
        users[username] = u
    rs = RuleSet(year=2026, version=1, name="2026年考核细则", status="active", settings={})
    for code, w in {"team": 20, "management": 20, "performance": 30, "brand": 15, "service": 15}.items():
        rs.weights.append(IndexWeight(category="production", index_code=code, weight=w))
    s.add(rs)
    pk = PeriodKey(2026, "quarter", 3)
    q = Period(key=pk.key, kind="quarter", year=2026, number=3, starts_on=pk.starts_on, ends_on=pk.ends_on,
               status="closed")
    s.add(q)
    s.flush()
    for b, pct, rank in ((b2, 92, 1), (b1, 84, 2)):
        idx = {c: Decimal(w) * pct / 100 for c, w in {"team": 20, "management": 20, "performance": 30, "brand": 15,
                                                       "service": 15}.items()}
        total = sum(idx.values())
        stars = 5 if total >= 90 else 4
        s.add(ScoreResult(period_id=q.id, branch_id=b.id, unit_id=unit.id, category="production", ruleset_id=rs.id,
                          **idx, base=total, bonus=0, deduction=0, total=total, stars=stars, tier=tier_of(stars),
                          rank=rank))
    s.commit()
    ids = {"b1": b1.id, "b2": b2.id}
    s.close()
    return ids


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
    page.fill("input[name=held_on]", date.today().isoformat())
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


def test_dashboard_shows_radar_and_ranking_shows_branch_in_place(live_app, new_page):
    app, base = live_app
    ids = seed(app)
    page = new_page()
    log_in(page, base, "shuji")
    page.goto(f"{base}/dashboard")
    assert page.url.endswith(f"/branches/{ids['b1']}/dashboard")
    radar = page.locator("svg#radar")
    assert radar.get_attribute("role") == "img"
    assert "五项堡垒指数雷达图" in radar.get_attribute("aria-label")
    assert radar.locator("polygon.series").count() == 2
    assert radar.bounding_box()["width"] > 200
    assert "2 / 2" in page.locator(".kpis").inner_text()

    reviewer = new_page()
    log_in(reviewer, base, "shenhe")
    reviewer.click("nav.sidebar >> text=排名")
    rows = reviewer.locator("#ranking tr[data-branch]")
    assert rows.count() == 2
    assert "烧结作业区党支部" in rows.nth(0).inner_text()
    second = rows.nth(1).inner_text()
    assert "高炉作业区党支部" in second and second.strip().startswith("2")
    reviewer.click("#ranking >> text=高炉作业区党支部")
    reviewer.wait_for_url(f"**/branches/{ids['b1']}/dashboard**")
    assert reviewer.locator("svg#radar").count() == 1


def test_reviewer_verifies_and_adjusts_an_item_with_reason(live_app):
    app, _base = live_app
    if not any(r.endpoint.startswith("scoring.") for r in app.url_map.iter_rules()):
        pytest.skip("核查/调整评分页面（scoring views）尚未提供")
    pytest.skip("评分核查页面已出现，旅程步骤待按其页面编写")


def test_admin_closes_a_quarter(live_app):
    app, _base = live_app
    if not any("close" in r.endpoint for r in app.url_map.iter_rules()):
        pytest.skip("期间结账页面（engine/periods views）尚未提供")
    pytest.skip("结账页面已出现，旅程步骤待按其页面编写")
