"""表彰决定 (文号, categories, refusals), 考核评分表 and 年度星级报告."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.documents.types import DocumentRefused
from tests.core.documents.pdf_tools import NEEDS_POPPLER, page_count, pdf_text, qr_codes

pytestmark = NEEDS_POPPLER


@pytest.fixture
def branches(make_unit, make_branch):
    lg, zg = make_unit(name="炼钢厂党委"), make_unit(name="设备能源部党委")
    return {"a": make_branch(unit=lg, name="炼钢厂一号转炉作业区党支部"),
            "b": make_branch(unit=lg, name="炼钢厂精炼作业区党支部"),
            "c": make_branch(unit=zg, name="设备能源部供电作业区党支部", category="auxiliary"),
            "d": make_branch(unit=zg, name="设备能源部三星党支部", category="auxiliary")}


def test_decision_names_commended_branches_by_category_with_a_document_number(graded_year, issue_docs, branches):
    graded_year({branches["a"]: 5, branches["b"]: 4, branches["c"]: 4, branches["d"]: 3})
    result = issue_docs("decision", "2025")
    doc = result.documents[0]
    year = date.today().year
    assert doc.number.endswith(f"〔{year}〕1号")
    text = pdf_text(result.pdfs[0])
    for expected in ("文件", doc.number, "关于表彰2025年度先进星级党支部的决定", "各二级单位党委、党总支",
                     "生产类党支部（2个）", "辅助类党支部（1个）", branches["a"].name, branches["b"].name,
                     branches["c"].name, "设备能源部党委", "五星级党支部", "四星级党支部", doc.serial):
        assert expected in text, expected
    assert branches["d"].name not in text  # ★3 is not on the commendation list
    assert qr_codes(result.pdfs[0], page=page_count(result.pdfs[0])) == [f"http://verify.test/verify/{doc.serial}"]
    assert issue_docs("decision", "2025").documents[0].number.endswith(f"〔{year}〕2号")


def test_decision_refused_while_the_notice_is_open(graded_year, issue_docs, branches):
    graded_year({branches["a"]: 5}, notice="open")
    with pytest.raises(DocumentRefused, match="公示"):
        issue_docs("decision", "2025")


def test_decision_refused_while_an_objection_is_open(db, graded_year, issue_docs, branches):
    from core.db import utcnow
    from core.scoring.models import AnnualNotice, Objection

    period = graded_year({branches["a"]: 5}, notice="open")
    notice = db.query(AnnualNotice).filter_by(period_id=period.id).one()
    db.add(Objection(notice_id=notice.id, branch_id=branches["a"].id, unit_id=branches["a"].unit_id, text="异议",
                     status="open", filed_at=utcnow()))
    notice.ends_on = date(2000, 1, 1)  # the notice period is over, the objection still open
    db.commit()
    with pytest.raises(DocumentRefused, match="异议"):
        issue_docs("decision", "2025")


def test_decision_of_a_long_list_runs_over_several_pages(graded_year, issue_docs, make_unit, make_branch):
    unit = make_unit(name="轧钢厂党委")
    grades = {make_branch(unit=unit, name=f"轧钢厂第{i}作业区党支部"): 5 for i in range(1, 61)}
    graded_year(grades, top_n=100)
    pdf = issue_docs("decision", "2025").pdfs[0]
    assert page_count(pdf) >= 2
    assert "轧钢厂第60作业区党支部" in pdf_text(pdf)


def test_decision_long_names_wrap_in_their_column_beside_the_honour(graded_year, issue_docs, make_unit, make_branch):
    """The branch table has a fixed layout (speed): a name too long for one line wraps
    inside the name column, and its honour stays whole on the name's first line."""
    unit = make_unit(name="冷轧厂党委")
    long = make_branch(unit=unit, name="冷轧厂" + "镀锌机组酸洗连轧联合机组" * 4 + "作业区党支部")
    short = make_branch(unit=unit, name="冷轧厂二号作业区党支部")
    graded_year({long: 5, short: 4})
    pdf = issue_docs("decision", "2025").pdfs[0]
    lines = pdf_text(pdf, layout=True).splitlines()
    at = next(i for i, line in enumerate(lines) if "冷轧厂镀锌" in line)
    assert lines[at].rstrip().endswith("五星级党支部")
    rows = "".join("".join(lines[at:at + 3]).replace("五星级党支部", "", 1).split())
    assert long.name not in lines[at] and rows.startswith(long.name + "（冷轧厂党委）")  # wrapped, nothing lost
    assert next(line for line in lines if short.name in line).rstrip().endswith("四星级党支部")


def test_decision_refuses_a_list_over_the_limit(monkeypatch, graded_year, issue_docs, branches):
    from core.documents.papers import decision

    monkeypatch.setattr(decision, "MAX_BRANCHES", 2)
    graded_year({branches["a"]: 5, branches["b"]: 5, branches["c"]: 5})
    with pytest.raises(DocumentRefused, match="上限 2"):
        issue_docs("decision", "2025")


def test_star_report_has_counts_summary_and_the_server_side_charts(graded_year, issue_docs, branches):
    graded_year({branches["a"]: 5, branches["b"]: 4, branches["c"]: 3, branches["d"]: 3})
    result = issue_docs("star_report", "2025")
    text = pdf_text(result.pdfs[0])
    for expected in ("2025年度星级党支部评定报告", "全集团", "三星级支部2个", "四星级支部1个", "五星级支部1个",
                     "炼钢厂党委", "设备能源部党委", "星级队伍", "星级服务", "五星级支部平均",
                     "全部支部平均", result.documents[0].serial):
        assert expected in text, expected


def test_score_sheet_prints_items_verified_scores_reasons_total_and_star(app, db, make_branch, issue_docs):
    from core.indicators.models import DEFAULT_SETTINGS, IndexWeight, Indicator, RuleSet, StarBand
    from core.scoring.close import close_period, recompute
    from core.scoring.models import Evaluation

    branch = make_branch(name="炼钢厂一号转炉作业区党支部")
    rs = RuleSet(year=2025, version=1, name="2025年度考核细则", status="active", settings=dict(DEFAULT_SETTINGS))
    rs.weights = [IndexWeight(category=c, index_code=i, weight=20)
                  for c in ("production", "auxiliary", "management", "market", "nonpublic")
                  for i in ("team", "management", "performance", "brand", "service")]
    rs.bands = [StarBand(stars=s, min_score=Decimal(m)) for s, m in {5: 90, 4: 80, 3: 70, 2: 60, 1: 0}.items()]
    rs.indicators = [Indicator(position=0, code="T-MANUAL", name="班子建设", kind="basic", method="manual", params={},
                               points=Decimal(100), index_code="team", cycle="month")]
    db.add(rs)
    db.commit()
    registry = app.extensions["starbranch.plugins"]
    recompute(db, "2025-01", registry)
    ev = db.query(Evaluation).one()
    ev.verified_earned, ev.verify_reason = Decimal("87.50"), "会议记录齐全，扣减整改项"
    close_period(db, "2025-01", kinds=registry)
    db.commit()
    with pytest.raises(DocumentRefused, match="尚未结账"):
        issue_docs("score_sheet", "2025-02", branch_ids=[branch.id])
    result = issue_docs("score_sheet", "2025-01", branch_ids=[branch.id])
    text = pdf_text(result.pdfs[0])
    for expected in ("党支部星级考核评分表", branch.name, "2025年1月", "T-MANUAL", "班子建设", "87.50",
                     "会议记录齐全，扣减整改项", "总分", "星级"):
        assert expected in text, expected
