"""Dashboard, rankings, tier ladder and annual star report, scoped per role."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook


@pytest.fixture
def scene(make_unit, make_branch, make_ruleset, make_period, make_score):
    """Two units; three production branches in unit A, one in unit B, one management
    branch; closed 2026-01, 2026-02, 2026-03, 2025Q4, 2026Q1 and year 2025."""
    ua, ub = make_unit(name="炼铁厂党委"), make_unit(name="销售公司党委")
    rs = make_ruleset()
    b1 = make_branch(ua, name="高炉作业区党支部")
    b2 = make_branch(ua, name="烧结作业区党支部")
    b3 = make_branch(ua, name="原料作业区党支部")
    b4 = make_branch(ub, name="华东销售党支部")
    m1 = make_branch(ub, name="办公室党支部", category="management")
    months = [make_period(k) for k in ("2026-01", "2026-02", "2026-03")]
    q4, q1 = make_period("2025Q4"), make_period("2026Q1")
    y25 = make_period("2025")
    for i, p in enumerate(months):
        make_score(b1, p, rs, pct=70 + i * 5, rank=2)
        make_score(b2, p, rs, pct=90, rank=1)
    make_score(b1, q4, rs, pct=75, rank=3, stars=3)
    make_score(b2, q4, rs, pct=92, rank=1, stars=5)
    make_score(b3, q4, rs, pct=85, rank=2, stars=4)
    make_score(b1, q1, rs, pct={"team": 90, "management": 60, "performance": 85, "brand": 50, "service": 95},
               rank=2, stars=4)
    make_score(b2, q1, rs, pct=95, rank=1, stars=5)
    make_score(b3, q1, rs, pct=50, rank=4, stars=1)
    make_score(b4, q1, rs, pct=80, rank=3, stars=4)
    make_score(m1, q1, rs, pct=88, rank=1, stars=4)
    for b, pct, stars in ((b1, 75, 3), (b2, 95, 5), (b3, 85, 4), (b4, 72, 3), (m1, 91, 5)):
        make_score(b, y25, rs, pct=pct, stars=stars)
    return dict(ua=ua, ub=ub, rs=rs, b1=b1, b2=b2, b3=b3, b4=b4, m1=m1, q1=q1, q4=q4, y25=y25, months=months)


def text(r):
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


# ------------------------------------------------------------------ dashboard

def test_dashboard_shows_radar_with_category_average_for_latest_quarter(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get(f"/branches/{scene['b1'].id}/dashboard"))
    assert "2026年第一季度" in html
    assert 'role="img"' in html and "五项堡垒指数雷达图" in html
    assert 'data-series="高炉作业区党支部"' in html and 'data-series="生产类平均"' in html
    assert "雷达图" in html and "纵向分析" in html and "横向比较" in html


def test_dashboard_opens_on_the_latest_rated_quarter_even_when_a_later_month_is_closed(
        db, scene, make_period, make_score):
    from core.analysis.reports import branch_dashboard

    april = make_period("2026-04")
    make_score(scene["b1"], april, scene["rs"], pct=60, rank=2)
    board = branch_dashboard(db, scene["b1"])
    assert board.period.key == "2026Q1"
    assert branch_dashboard(db, scene["b1"], "2026-04").period.key == "2026-04"


def test_dashboard_rank_and_distribution_mark_the_branch(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get(f"/branches/{scene['b1'].id}/dashboard"))
    # 4 production branches ranked in 2026Q1; b1 is 2nd
    assert "2 / 4" in html
    assert "▼ 本支部" in html


def test_dashboard_weak_points_are_indices_below_category_average_with_tier_focus(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get(f"/branches/{scene['b1'].id}/dashboard"))
    weak = html.split("短板弱项")[1].split("</section>")[0]
    # category averages: team (90+95+50+80)/4=78.75; management (60+95+50+80)/4=71.25; brand 68.75
    assert "星级品牌" in weak and "星级管理" in weak and "星级队伍" not in weak
    assert weak.index("星级品牌") < weak.index("星级管理")  # furthest below first
    assert "第二梯级" in weak and "深化创新" in weak


def test_dashboard_percentages_are_of_each_index_weight(db, scene):
    from core.analysis.reports import branch_dashboard

    board = branch_dashboard(db, scene["b1"])
    assert board.period.key == "2026Q1"
    assert board.pct["performance"] == Decimal("85.00")  # 25.50 of 30
    assert board.pct["brand"] == Decimal("50.00")
    assert board.avg_pct["team"] == Decimal("78.75")
    assert board.stats.count == 4 and sum(board.stats.bands) == 4
    assert board.prev_stars == 3


def test_dashboard_trend_covers_months_and_quarters(db, scene):
    from core.analysis.reports import branch_dashboard

    board = branch_dashboard(db, scene["b1"])
    assert "26年1月" in board.trend_months and "26年3月" in board.trend_months
    assert "2025年四季度" in board.trend_quarters and "2026年一季度" in board.trend_quarters


def test_dashboard_of_a_chosen_month_has_no_star_but_keeps_quarter_tier(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get(f"/branches/{scene['b1'].id}/dashboard?period=2026-02"))
    assert "2026年2月" in html and "雷达图" in html


def test_dashboard_empty_state_when_no_result(client, login, make_user, make_branch, scene):
    login(make_user("admin"))
    b = make_branch(scene["ua"], name="新建党支部")
    html = text(client.get(f"/branches/{b.id}/dashboard"))
    assert "本期尚无评分结果" in html


def test_dashboard_says_ledger_checklist_is_missing_or_shows_it(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get(f"/branches/{scene['b1'].id}/dashboard"))
    assert "台账待办" in html


def test_secretary_sees_own_dashboard_only(client, login, make_user, scene):
    sec = make_user("secretary", branch=scene["b1"])
    login(sec)
    r = client.get("/dashboard")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/branches/{scene['b1'].id}/dashboard")
    assert client.get(f"/branches/{scene['b1'].id}/dashboard").status_code == 200
    assert client.get(f"/branches/{scene['b2'].id}/dashboard").status_code == 404


def test_secretary_dashboard_shows_category_distribution_without_other_names(client, login, make_user, scene):
    login(make_user("secretary", branch=scene["b1"]))
    html = text(client.get(f"/branches/{scene['b1'].id}/dashboard"))
    assert "生产类平均" in html and "2 / 4" in html
    assert "烧结作业区党支部" not in html and "华东销售党支部" not in html


def test_reviewer_cannot_open_dashboard_of_other_unit(client, login, make_user, scene):
    login(make_user("reviewer", units=[scene["ua"]]))
    assert client.get(f"/branches/{scene['b1'].id}/dashboard").status_code == 200
    assert client.get(f"/branches/{scene['b4'].id}/dashboard").status_code == 404


@pytest.mark.plugins("production", "brands", "typical_staff")
def test_dashboard_asks_panels_only_from_plugins_enabled_in_the_unit(app, db, scene):
    from core.analysis.views import plugin_panels
    from core.plugins.hookspecs import hookimpl
    from core.plugins.web import Panel

    registry = app.extensions["starbranch.plugins"]
    name = next(iter(registry.manifests))
    plugin = registry.pm.get_plugin(name)

    class Extra:
        @hookimpl
        def starbranch_dashboard_panels(self, session, branch, period):
            return [Panel("测试面板", "<p>x</p>", plugin=name)]

    # Register the panel under the plugin's name so enabling decides.
    registry.pm.unregister(plugin)
    registry.pm.register(Extra(), name=name)
    try:
        assert plugin_panels(db, scene["b1"], scene["q1"]) == []
        from core.plugins import service
        service.enable(db, registry, unit_id=scene["ua"].id, name=name, actor=None)
        db.commit()
        assert [p.title for p in plugin_panels(db, scene["b1"], scene["q1"])] == ["测试面板"]
        assert plugin_panels(db, scene["b4"], scene["q1"]) == []
    finally:
        registry.pm.unregister(name=name)
        registry.pm.register(plugin, name=name)


# ------------------------------------------------------------------ rankings

def test_ranking_lists_each_category_by_rank(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get("/analysis/rankings?period=2026Q1"))
    table = html.split('id="ranking"')[1]
    order = [table.index(n) for n in ("烧结作业区党支部", "高炉作业区党支部", "华东销售党支部", "原料作业区党支部")]
    assert order == sorted(order)
    assert "办公室党支部" in table and "综合管理类（共 1 个支部）" in table and "生产类（共 4 个支部）" in table


def test_ranking_defaults_to_latest_closed_period(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get("/analysis/rankings"))
    assert "分类排名 · 2026年第一季度" in html


@pytest.mark.parametrize("query, present, absent", [
    ("category=management", ["办公室党支部"], ["高炉作业区党支部"]),
    ("stars=5", ["烧结作业区党支部"], ["高炉作业区党支部", "华东销售党支部"]),
    ("tier=3", ["原料作业区党支部"], ["烧结作业区党支部"]),
    ("q=高炉", ["高炉作业区党支部"], ["烧结作业区党支部"]),
])
def test_ranking_filters(client, login, make_user, scene, query, present, absent):
    login(make_user("admin"))
    table = text(client.get(f"/analysis/rankings?period=2026Q1&{query}")).split('id="ranking"')[1]
    assert all(n in table for n in present) and not any(n in table for n in absent)


def test_ranking_filter_by_unit(client, login, make_user, scene):
    login(make_user("admin"))
    table = text(client.get(f"/analysis/rankings?period=2026Q1&unit={scene['ub'].id}")).split('id="ranking"')[1]
    assert "华东销售党支部" in table and "高炉作业区党支部" not in table


def test_reviewer_ranking_shows_only_his_units(client, login, make_user, scene):
    login(make_user("reviewer", units=[scene["ub"]]))
    table = text(client.get("/analysis/rankings?period=2026Q1")).split('id="ranking"')[1]
    assert "华东销售党支部" in table and "高炉作业区党支部" not in table
    # rank stays the group-wide rank within category: 3 of 4
    assert "3<span class=\"muted\"> / 4" in table


def test_secretary_ranking_shows_only_her_branch(client, login, make_user, scene):
    login(make_user("secretary", branch=scene["b3"]))
    table = text(client.get("/analysis/rankings?period=2026Q1")).split('id="ranking"')[1]
    assert "原料作业区党支部" in table and "烧结作业区党支部" not in table


def test_ranking_paginates(app, client, login, make_user, scene):
    app.config["PAGE_SIZE"] = 2
    login(make_user("admin"))
    html = text(client.get("/analysis/rankings?period=2026Q1"))
    assert "第 1 / 3 页，共 5 条" in html
    # categories in the catalogue's order (生产类 before 综合管理类), then rank
    page1 = html.split('id="ranking"')[1]
    assert "烧结作业区党支部" in page1 and "高炉作业区党支部" in page1 and "办公室党支部" not in page1
    html2 = text(client.get("/analysis/rankings?period=2026Q1&page=2")).split('id="ranking"')[1]
    assert "华东销售党支部" in html2 and "原料作业区党支部" in html2
    html3 = text(client.get("/analysis/rankings?period=2026Q1&page=3")).split('id="ranking"')[1]
    assert "办公室党支部" in html3 and "高炉作业区党支部" not in html3


def test_equal_totals_are_listed_by_the_display_rule_across_pages(app, client, login, make_user, make_unit,
                                                                   make_branch, make_ruleset, make_period,
                                                                   make_score):
    """Equal totals share a rank and are listed as everywhere else (ranking.display_key):
    the performance index descending, then the branch code — not in creation order;
    the page boundary falls in that order and the export follows it."""
    unit, rs, q1 = make_unit(), make_ruleset(), make_period("2026Q1")
    # all three total 78.50; created (ids) in the reverse of the display order
    same = {"team": 80, "management": 80, "brand": 80, "service": 80}
    low = make_branch(unit, name="甲支部", code="A01")
    make_score(low, q1, rs, pct={**same, "performance": 70, "service": 90}, rank=1, stars=4)
    high_b = make_branch(unit, name="乙支部", code="B02")
    make_score(high_b, q1, rs, pct={**same, "performance": 90, "service": 50}, rank=1, stars=4)
    high_a = make_branch(unit, name="丙支部", code="A02")
    make_score(high_a, q1, rs, pct={**same, "performance": 90, "service": 50}, rank=1, stars=4)
    app.config["PAGE_SIZE"] = 2
    login(make_user("admin"))
    page1 = text(client.get("/analysis/rankings?period=2026Q1")).split('id="ranking"')[1]
    page2 = text(client.get("/analysis/rankings?period=2026Q1&page=2")).split('id="ranking"')[1]
    assert page1.index("丙支部") < page1.index("乙支部") and "甲支部" not in page1
    assert "甲支部" in page2 and "乙支部" not in page2
    rows = list(load_workbook(io.BytesIO(client.get("/analysis/rankings.xlsx?period=2026Q1").data))
                .active.iter_rows(values_only=True))
    assert [r[3] for r in rows[1:]] == ["丙支部", "乙支部", "甲支部"]


def test_ranking_empty_states(client, login, make_user, make_period, db):
    login(make_user("admin"))
    assert "本期尚无评分结果" in text(client.get("/analysis/rankings"))
    make_period("2026-04")
    assert "本期尚无评分结果" in text(client.get("/analysis/rankings"))
    assert "所选期间不存在或尚未结账" in text(client.get("/analysis/rankings?period=2030Q1"))


def test_open_period_is_not_offered(client, login, make_user, make_period, scene):
    make_period("2026Q2", status="open")
    login(make_user("admin"))
    html = text(client.get("/analysis/rankings"))
    assert "2026年第二季度" not in html


def test_ranking_export_is_xlsx_with_escaped_formula_names(client, login, make_user, make_branch, make_score, scene):
    evil = make_branch(scene["ua"], name="=HYPERLINK(\"http://x\")")
    make_score(evil, scene["q1"], scene["rs"], pct=10, rank=5, stars=1)
    login(make_user("admin"))
    r = client.get("/analysis/rankings.xlsx?period=2026Q1&category=production")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("类别", "排名", "支部编码", "党支部", "二级单位")
    assert len(rows) == 1 + 5
    cells = {row[3].value: row[3] for row in ws.iter_rows(min_row=2)}
    assert cells["=HYPERLINK(\"http://x\")"].data_type == "s", "a typed text cell: shown as typed, never run"
    assert rows[1][3] == "烧结作业区党支部" and rows[1][-4] == 95


def test_viewer_reads_rankings_but_cannot_write_honours(client, login, make_user, scene):
    login(make_user("viewer", units=[scene["ua"]]))
    assert client.get("/analysis/rankings").status_code == 200
    assert client.get(f"/branches/{scene['b1'].id}/honours/new").status_code == 404


# ------------------------------------------------------------------ tier ladder

def test_tier_ladder_counts_and_movers_since_last_quarter(client, login, make_user, scene):
    login(make_user("admin"))
    html = text(client.get("/analysis/tiers?period=2026Q1"))
    assert 'id="tier-ladder"' in html
    # Q1 tiers: b1 ★4 (2), b2 ★5 (1), b3 ★1 (3), b4 ★4 (2), m1 ★4 (2)
    assert "第一梯级（★5）" in html and "1 个支部" in html and "3 个支部" in html
    # Q4→Q1: b1 ★3→★4 same tier 2; b2 stays 1; b3 ★4→★1: tier 2 → 3 (down)
    assert "上升 0 个，下降 1 个。" in html
    movers = html.split("梯级变动")[1]
    assert "原料作业区党支部" in movers and "高炉作业区党支部" not in movers


def test_tier_ladder_export(client, login, make_user, scene):
    login(make_user("admin"))
    r = client.get("/analysis/tiers.xlsx?period=2026Q1")
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["梯级分布", "梯级变动"]
    assert [row[2] for row in wb["梯级分布"].iter_rows(min_row=2, values_only=True)] == [1, 3, 1]
    assert list(wb["梯级变动"].iter_rows(min_row=2, values_only=True))[0][-1] == "下降"


# ------------------------------------------------------------------ annual star report

def test_annual_star_report_counts_and_summary(client, login, make_user, make_honour, scene):
    from datetime import date

    make_honour(scene["b1"], level="city", awarded_on=date(2025, 6, 1))
    make_honour(scene["b1"], level="national", awarded_on=date(2025, 7, 1))  # same branch counted once
    make_honour(scene["b2"], level="group", awarded_on=date(2025, 7, 1))  # below city: not counted
    make_honour(scene["b4"], level="provincial", awarded_on=date(2024, 7, 1))  # other year
    login(make_user("admin"))
    html = text(client.get("/analysis/star-report?period=2025"))
    assert "2025年全年共评定三星级支部2个；四星级支部1个；五星级支部2个，全年获市级以上荣誉的党组织1个。" in html


def test_annual_star_report_scoped_to_reviewer_units(client, login, make_user, scene):
    login(make_user("reviewer", units=[scene["ub"]]))
    html = text(client.get("/analysis/star-report?period=2025"))
    assert "三星级支部1个；四星级支部0个；五星级支部1个" in html


def test_annual_star_report_export(client, login, make_user, scene):
    login(make_user("admin"))
    wb = load_workbook(io.BytesIO(client.get("/analysis/star-report.xlsx?period=2025").data))
    rows = list(wb["年度星级报告"].iter_rows(values_only=True))
    assert rows[-1][:5] == ("合计", None, 2, 1, 2)
    assert "全年共评定" in wb["总结"]["A2"].value


def test_secretary_has_no_star_report(client, login, make_user, scene):
    login(make_user("secretary", branch=scene["b1"]))
    assert client.get("/analysis/star-report").status_code == 404


def test_menu_has_statistics_section(client, login, make_user, scene):
    login(make_user("reviewer", units=[scene["ua"]]))
    html = text(client.get("/"))
    assert "统计分析" in html and "排名" in html and "梯级分布" in html and "年度星级报告" in html


def test_dashboard_due_list_turns_done_when_committee_meeting_recorded(client, db, login, make_user, scene):
    from datetime import date

    from core.ledger.models import ActivityRecord

    login(make_user("admin"))
    url = f"/branches/{scene['b1'].id}/dashboard"
    due = text(client.get(url)).split("台账待办")[1].split("</section>")[0]
    line = [li for li in due.split("<li") if "支部委员会" in li][0]
    assert "待完成" in line
    db.add(ActivityRecord(branch_id=scene["b1"].id, unit_id=scene["b1"].unit_id, type="committee_meeting",
                          held_on=date.today(), topic="研究本月工作"))
    db.commit()
    due = text(client.get(url)).split("台账待办")[1].split("</section>")[0]
    line = [li for li in due.split("<li") if "支部委员会" in li][0]
    assert "已完成" in line
