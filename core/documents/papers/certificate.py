"""荣誉证书: one per branch for its final annual grade (★3–★5), and — when the year's rule
set says `"quarter_certificates": true` in its settings — for a closed quarter's ★5.

Decisions (README, "Documents"): a year's certificates need the grades final (notice
ended and finalised); a quarter's need the quarter closed and the rule set's switch.
"""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from core.documents.papers.common import STAR_TITLES, closed_period, final_year, parse_key
from core.documents.types import DocumentRefused, DocumentType, Paper, default_template
from core.indicators.models import RuleSet
from core.org.models import Branch, OrgNode
from core.scoring.models import ScoreResult


def build(session, request) -> list[Paper]:
    pk = parse_key(request.period_key)
    if pk.kind == "year":
        period, min_stars = final_year(session, request.period_key), 3
    elif pk.kind == "quarter":
        period = closed_period(session, request.period_key)
        ruleset = session.get(RuleSet, period.ruleset_id) if period.ruleset_id else None
        if not (ruleset and (ruleset.settings or {}).get("quarter_certificates")):
            raise DocumentRefused(gettext("本年度考核细则未设置季度五星级证书（quarter_certificates）。"))
        min_stars = 5
    else:
        raise DocumentRefused(gettext("荣誉证书只按年度（或设置后按季度）出具。"))
    stmt = (select(ScoreResult.stars, Branch.id, Branch.name, Branch.unit_id, OrgNode.name)
            .join(Branch, Branch.id == ScoreResult.branch_id).join(OrgNode, OrgNode.id == Branch.unit_id)
            .where(ScoreResult.period_id == period.id, ScoreResult.stars >= min_stars)
            .order_by(OrgNode.code, Branch.code))
    if request.unit_id:
        stmt = stmt.where(Branch.unit_id == request.unit_id)
    if request.branch_ids is not None:
        stmt = stmt.where(Branch.id.in_(list(request.branch_ids)))
    papers = []
    label = f"{period.year}年度" if pk.kind == "year" else f"{period.year}年第{pk.number}季度"
    for stars, branch_id, name, unit_id, unit_name in session.execute(stmt):
        honour = STAR_TITLES[stars]
        papers.append(Paper(
            subject=f"branch:{branch_id}", recipient=name, title="荣誉证书", period_key=period.key,
            branch_id=branch_id, unit_id=unit_id,
            context={"unit": unit_name, "honour": honour, "stars": stars, "period_label": label},
            fields=[("文书", "荣誉证书"), ("授予", name), ("所属单位", unit_name),
                    ("荣誉称号", f"{label}“{honour}”")]))
    if request.branch_ids is not None and not papers:
        raise DocumentRefused(gettext("该支部在 %(p)s 没有可出具证书的星级（三星级及以上）。", p=period.label))
    return papers


CERTIFICATE = DocumentType(code="certificate", label="荣誉证书", template=default_template("certificate.html"),
                           build=build, face="kai", bulk=True, max_pages=1,
                           sample={"title": "荣誉证书", "recipient": "炼钢厂一号转炉作业区党支部", "unit": "炼钢厂党委",
                                   "honour": "五星级党支部", "stars": 5, "period_label": "2025年度"})
