"""表彰决定 (红头文件): the commendation decision of a year, naming the branches of the
final commendation list (core.scoring.notice.commendation_list) by category.

Decisions (README, "Documents"): refused until the year's notice has ended and been
finalised (so never while it is open or an objection is open); more than MAX_BRANCHES
commended branches is refused with a message (a bounded document); the 文号 is given
by the register (numbered per issuer and year).
"""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from core.documents.papers.common import STAR_TITLES, final_year
from core.documents.types import DocumentRefused, DocumentType, Paper, default_template
from core.org.models import CATEGORIES, Branch, OrgNode
from core.scoring.notice import commendation_list

MAX_BRANCHES = 2000
_ORDINALS = "一二三四五六七八九十"


def build(session, request) -> list[Paper]:
    period = final_year(session, request.period_key)
    final, by_category = commendation_list(session, period.year)
    if not final:
        raise DocumentRefused(gettext("表彰名单尚未确定，不能出具表彰决定。"))
    total = sum(len(v) for v in by_category.values())
    if total == 0:
        raise DocumentRefused(gettext("%(y)s年度表彰名单为空。", y=period.year))
    if total > MAX_BRANCHES:
        raise DocumentRefused(gettext("表彰名单有 %(n)s 个党支部，超过一份决定的上限 %(max)s 个。",
                                      n=total, max=MAX_BRANCHES))
    ids = [c.branch_id for items in by_category.values() for c in items]
    units = dict(session.execute(select(Branch.id, OrgNode.name).join(OrgNode, OrgNode.id == Branch.unit_id)
                                 .where(Branch.id.in_(ids))).all())
    order = list(CATEGORIES)
    categories = []
    for i, code in enumerate(sorted(by_category, key=lambda c: order.index(c) if c in order else 99)):
        items = by_category[code]
        if not items:
            continue
        categories.append({
            "ordinal": _ORDINALS[len(categories)] if len(categories) < 10 else str(len(categories) + 1),
            "label": CATEGORIES.get(code, code), "count": len(items),
            "branches": [{"name": c.name, "unit": units.get(c.branch_id, ""), "honour": STAR_TITLES[c.stars]}
                         for c in items]})
    title = f"关于表彰{period.year}年度先进星级党支部的决定"
    return [Paper(subject="group", recipient="各二级单位党委、党总支", title=title, period_key=period.key,
                  context={"year": period.year, "count": total, "categories": categories},
                  fields=[("文书", "表彰决定"),
                          ("受表彰党支部", f"{total} 个")])]


DECISION = DocumentType(code="decision", label="表彰决定", template=default_template("decision.html"), build=build,
                        face="ming", numbered=True, max_pages=200,
                        sample={"title": "关于表彰2025年度先进星级党支部的决定", "recipient": "各二级单位党委、党总支",
                                "year": 2025, "count": 2, "categories": [
                                    {"ordinal": "一", "label": "生产类", "count": 1, "branches": [
                                        {"name": "炼钢厂一号转炉作业区党支部", "unit": "炼钢厂党委", "honour": "五星级党支部"}]},
                                    {"ordinal": "二", "label": "辅助类", "count": 1, "branches": [
                                        {"name": "动力厂供电作业区党支部", "unit": "动力厂党委", "honour": "四星级党支部"}]}]})
