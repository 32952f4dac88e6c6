"""The "全部" ranking in the catalogue's category order, period menus newest first, the
provisional ranking of a window not yet closed, and the marker saying why a higher
score has fewer stars."""
from __future__ import annotations

import re


def text(r):
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


def test_all_categories_follow_the_catalogue_order(client, login, make_user, make_unit, make_branch, make_ruleset,
                                                   make_period, make_score):
    unit, rs, q1 = make_unit(), make_ruleset(), make_period("2026Q1")
    for category in ("nonpublic", "auxiliary", "market", "management", "production"):
        make_score(make_branch(unit, category=category), q1, rs, pct=80)
    login(make_user("admin"))
    html = text(client.get("/analysis/rankings?period=2026Q1")).split('id="ranking"')[1]
    order = [m for m in re.findall(r'class="group-row"><td colspan="\d+">(\S+?)（', html)]
    assert order == ["生产类", "辅助类", "综合管理类", "市场经营类", "非公改制类"]


def test_open_year_shows_its_provisional_ranking(client, login, make_user, make_unit, make_branch, make_ruleset,
                                                 make_period, make_score):
    unit, rs = make_unit(), make_ruleset()
    q1 = make_period("2026Q1")
    year = make_period("2026", status="open")
    b = make_branch(unit, name="高炉作业区党支部")
    make_score(b, q1, rs, pct=80)
    make_score(b, year, rs, pct=85)
    login(make_user("admin"))
    html = text(client.get("/analysis/rankings?period=2026"))
    assert "所选期间不存在" not in html
    assert "临时排名：2026年度尚未结账，以下为最近一次试算的结果" in html and "高炉作业区党支部" in html
    assert "2026年度（试算，未结账）" in html
    # the default stays the newest closed window
    default = text(client.get("/analysis/rankings"))
    assert "临时排名" not in default and "2026年第一季度" in default


def test_open_window_without_a_trial_is_not_offered(client, login, make_user, make_period, make_ruleset):
    make_period("2026Q1")
    make_period("2026Q2", status="open")
    login(make_user("admin"))
    assert "所选期间不存在或尚未结账" in text(client.get("/analysis/rankings?period=2026Q2"))


def test_period_menu_is_newest_first(db, make_period):
    from core.analysis.queries import pick_period
    for key in ("2025", "2026-01", "2026-02", "2026-03", "2026Q1", "2025Q4"):
        make_period(key)
    make_period("2026Q2", status="open")
    _p, choices = pick_period(db, None)
    assert [p.key for p in choices] == ["2026Q1", "2026-03", "2026-02", "2026-01", "2025Q4", "2025"]


def test_ranking_marks_why_a_higher_score_has_fewer_stars(client, db, login, make_user, make_unit, make_branch,
                                                          make_ruleset, make_period, make_score):
    unit, rs, q1 = make_unit(), make_ruleset(), make_period("2026Q1")
    held = make_branch(unit, name="高炉作业区党支部")
    make_score(held, q1, rs, pct=95, stars=4, rank=1,
               notes={"band_star": 5, "steps": [{"rule": "promotion", "from": 5, "to": 4, "previous": 3}]})
    gated = make_branch(unit, name="烧结作业区党支部")
    make_score(gated, q1, rs, pct=94, stars=4, rank=2,
               notes={"band_star": 5, "steps": [{"rule": "gate", "from": 5, "to": 4, "gate": "brand_accepted"}]})
    vetoed = make_branch(unit, name="原料作业区党支部")
    row = make_score(vetoed, q1, rs, pct=93, stars=1, rank=3,
                     notes={"band_star": 5, "veto": True, "steps": [{"rule": "veto", "from": 5, "to": 1}]})
    row.vetoed = True
    db.commit()
    plain = make_branch(unit, name="焦化作业区党支部")
    make_score(plain, q1, rs, pct=85, stars=4, rank=4, notes={"band_star": 4})
    login(make_user("admin"))
    html = text(client.get("/analysis/rankings?period=2026Q1"))
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-branch="(\d+)">(.*?)</tr>', html, re.S)}
    assert "逐级晋升" in rows[str(held.id)]
    assert "门槛" in rows[str(gated.id)]
    assert rows[str(vetoed.id)].count("一票否决") == 1
    assert "badge" not in rows[str(plain.id)]
