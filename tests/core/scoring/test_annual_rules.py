"""The annual grade's rules (#18): guide proportions on the year (scope quarter / year /
both), the cap's tie order = the ranking's display order with the reason on the sheet,
places of small categories, and the commendation list's tie rule."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.periods.keys import PeriodKey
from core.scoring import notice
from core.scoring.explain import star_facts
from core.scoring.ranking import assign_ranks, ordered
from core.scoring.stars import allowed_places

FIVE = {f"A{i:02d}": ("production", 95 - i) for i in range(1, 6)}  # 94 … 90: all ★5 by band


def stars_of(result_of, branches, key="2026"):
    return {code: result_of(b, key).stars for code, b in branches.items()}


def test_annual_proportions_cap_the_year_by_default(graded, result_of):
    bs = graded(FIVE, settings={"proportions": {"5": 25}, "proportion_mode": "cap"})
    # 5 × 25 % = 1.25 → 1 place; the four lowest move to ★4
    assert stars_of(result_of, bs) == {"A01": 5, "A02": 4, "A03": 4, "A04": 4, "A05": 4}
    step = result_of(bs["A05"], "2026").notes["steps"][-1]
    assert step == {"rule": "proportion", "from": 5, "to": 4, "allowed": 1}


def test_annual_proportions_can_be_limited_to_quarters(graded, result_of):
    bs = graded(FIVE, settings={"proportions": {"5": 25}, "proportion_mode": "cap", "proportion_scope": "quarter"})
    assert set(stars_of(result_of, bs).values()) == {5}


def test_annual_proportions_warn_mode_warns_at_year_close(db, graded, result_of, close):
    from core.scoring.close import reopen_period
    bs = graded(FIVE, settings={"proportions": {"5": 25}, "proportion_mode": "warn", "proportion_scope": "year"})
    assert set(stars_of(result_of, bs).values()) == {5}
    assert result_of(bs["A05"], "2026").notes["proportion_warning"] == {"level": 5, "allowed": 1}
    reopen_period(db, "2026", "复核")
    result = close("2026")
    assert any("超过指导比例 25%（最多 1 个）" in w for w in result.warnings)


def test_cap_tie_follows_ranking_display_order_and_sheet_says_why(app, graded, result_of):
    # A02 and A03 both total 98.24; A03 has the higher performance index, so the
    # ranking lists it first — and the cap keeps it (not A02 on its lower code).
    bs = graded({"A02": ("production", {"team": Decimal(50), "performance": Decimal("48.24")}),
                 "A03": ("production", {"team": Decimal("48.24"), "performance": Decimal(50)})},
                settings={"proportions": {"5": 25}, "proportion_mode": "cap"}, indices=["team", "performance"])
    a02, a03 = result_of(bs["A02"], "2026"), result_of(bs["A03"], "2026")
    assert a02.total == a03.total == Decimal("98.24")
    assert (a03.stars, a02.stars) == (5, 4)
    rows = [SimpleNamespace(total=r.total, index_scores={"performance": r.performance}, code=code,
                            category=r.category) for r, code in ((a02, "A02"), (a03, "A03"))]
    assign_ranks(rows)
    assert [r.code for r in ordered(rows)] == ["A03", "A02"]
    assert a02.notes["steps"][-1]["tie"] == "98.24"
    with app.test_request_context():
        lines = star_facts(a02, None, PeriodKey(2026, "year", 0), previous_star=None, gates={})
    assert "同分 98.24，按业绩指数排序后超出 ★5 名额（1 个）：5 星降为 4 星。" in lines


@pytest.mark.parametrize("n,share,rounding,places", [
    (4, 10, "half_up_min1", 1),   # small category keeps one ★5
    (4, 10, "floor", 0),          # the old rule
    (15, 10, "half_up_min1", 2),  # 1.5 → 2
    (14, 10, "half_up_min1", 1),  # 1.4 → 1
    (25, 10, "half_up_min1", 3),  # 2.5 → 3
    (9, 25, "floor", 2),
    (4, 0, "half_up_min1", 0),    # a share of 0 gives no place
    (0, 10, "half_up_min1", 0),
])
def test_places_of_a_level(n, share, rounding, places):
    assert allowed_places(n, Decimal(share), rounding) == places


def test_small_category_keeps_one_five_star_by_default(graded, result_of):
    four = {f"S{i}": ("auxiliary", 99 - i) for i in range(4)}
    bs = graded(four, settings={"proportions": {"5": 10}, "proportion_mode": "cap"})
    assert stars_of(result_of, bs) == {"S0": 5, "S1": 4, "S2": 4, "S3": 4}


def test_small_category_floor_rounding_gives_none(graded, result_of):
    four = {f"S{i}": ("auxiliary", 99 - i) for i in range(4)}
    bs = graded(four, settings={"proportions": {"5": 10}, "proportion_mode": "cap", "proportion_rounding": "floor"})
    assert set(stars_of(result_of, bs).values()) == {4}


TIED = {"A": ("production", 95), "B": ("production", 91), "C": ("production", 91), "D": ("production", 88)}


def test_commendation_rule_of_a_year_without_its_window_is_the_default(db):
    """A year with no period row yet (nothing scored or closed) takes the default rule:
    three places per category, ties at the cut-off included."""
    assert notice.commendation_rule(db, 2031) == (3, "include")


def test_commendation_ties_included_by_default(db, graded):
    graded(TIED)
    assert notice.commendation_rule(db, 2026) == (2, "include")
    assert [c.code for c in notice.commendation_list(db, 2026)[1]["production"]] == ["A", "B", "C"]


def test_commendation_ties_broken_by_ranking_order(db, graded):
    graded(TIED, settings={"commendation_ties": "order"})
    # B and C tie on total and performance (absent): the branch code decides
    assert [c.code for c in notice.commendation_list(db, 2026)[1]["production"]] == ["A", "B"]


def test_commendation_tie_broken_by_performance_before_code(db, graded):
    graded({"A": ("production", {"team": Decimal(50), "performance": Decimal(45)}),
            "B": ("production", {"team": Decimal(46), "performance": Decimal(49)}),
            "C": ("production", {"team": Decimal(45), "performance": Decimal(50)})},
           settings={"commendation_ties": "order", "commendation_top_n": 1}, indices=["team", "performance"])
    assert [c.code for c in notice.commendation_list(db, 2026)[1]["production"]] == ["C"]


def test_rule_settings_are_checked():
    from core.indicators.admin import CatalogueError, clean_settings
    from core.indicators.models import DEFAULT_SETTINGS
    base = {**DEFAULT_SETTINGS, "proportions": {}}
    assert clean_settings(base)["proportion_scope"] == "both"
    for name in ("proportion_scope", "proportion_rounding", "commendation_ties"):
        with pytest.raises(CatalogueError):
            clean_settings({**base, name: "nonsense"})



def test_notice_page_shows_the_rules_and_their_effect(client, login, make_user, graded):
    graded({**FIVE, "A00": ("production", 95)},
           settings={"proportions": {"5": 25}, "proportion_mode": "cap", "commendation_ties": "order"})
    login(make_user("admin"))
    page = client.get("/scoring/notice/2026").get_data(as_text=True)
    assert "适用范围：季度和年度" in page and "超出时按排名降星" in page and "四舍五入，比例大于 0 时至少 1 个" in page
    # 6 × 25 % = 1.5 → 2 places: A00, A01 keep ★5; A02–A05 are listed as moved down
    assert page.count("5 星降为 4 星（允许 2 个）") == 4
    assert "每类前 2 名" in page and "按排名顺序（总分、业绩指数、支部编码）取足名额" in page


def test_notice_page_lists_tied_branches_in_the_ranking_order(client, login, make_user, graded):
    bs = graded({"A02": ("production", {"team": Decimal(50), "performance": Decimal("48.24")}),
                 "A03": ("production", {"team": Decimal("48.24"), "performance": Decimal(50)})},
                indices=["team", "performance"])
    login(make_user("admin"))
    page = client.get("/scoring/notice/2026").get_data(as_text=True)
    results = page[page.index("定级结果</h2>"):]
    assert results.index(bs["A03"].name) < results.index(bs["A02"].name)
