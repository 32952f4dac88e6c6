"""The score sheet explains its columns and terms (issue #16): each explained column
header is described by its term, and the numbers come from the sheet's rule set."""
from __future__ import annotations

import re


def _sheet(client, branch, period="2026Q1"):
    r = client.get(f"/scoring/sheet/{branch.id}?period={period}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _term(page, term_id) -> str:
    m = re.search(rf'<dd id="{term_id}">(.*?)</dd>', page, re.S)
    assert m, f"{term_id} missing"
    return re.sub(r"<[^>]+>|\s+", " ", m.group(1)).strip()


def test_every_explained_header_points_at_an_explanation(client, login, secretary, branch, scored):
    login(secretary)
    page = _sheet(client, branch)
    described = set(re.findall(r'<th[^>]*aria-describedby="([^"]+)"', page))
    assert {"term-auto", "term-verified", "term-self", "term-points", "term-index", "term-weight",
            "term-base", "term-bonus", "term-total", "term-stars", "term-tier", "term-rank"} <= described
    for term_id in described:
        assert _term(page, term_id)
    assert '<details class="field-help card" id="sheet-help">' in page


def test_terms_say_what_they_mean_with_the_rule_sets_numbers(client, db, login, secretary, branch, scored):
    from core.indicators.models import RuleSet
    ruleset = db.query(RuleSet).filter_by(year=2026).one()
    ruleset.settings = {**ruleset.settings, "bonus_cap": "3", "veto_cap": 2, "unverified_policy": "zero"}
    db.commit()
    login(secretary)
    page = _sheet(client, branch)
    assert "自动算出的得分" in _term(page, "term-auto")
    assert "双向管控" in _term(page, "term-verified") and "理由" in _term(page, "term-verified")
    assert "不计入任何合计，也不算 0 分" in _term(page, "term-not-due")
    assert "最多加 3 分（封顶）" in _term(page, "term-bonus")
    stars = _term(page, "term-stars")
    assert "★★★★★ ≥ 90.00" in stars and "当季星级最高 2 星" in stars and "每季度最多比上一季度升一星" in stars
    assert "按 0 分计" in _term(page, "term-self")


def test_a_not_due_item_is_described_by_its_term(client, login, clock, secretary, branch, scored):
    clock("2026-02-15")   # the quarter's items have not ended: 未到期
    login(secretary)
    page = _sheet(client, branch)
    assert '<span class="badge" aria-describedby="term-not-due">未到期</span>' in page
