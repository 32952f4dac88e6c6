"""考核评分表: the printable explainable sheet of a branch for a closed window —
indicators with evidence summary, automatic and verified scores and reasons, the five
indices, bonus/deduction records, total, star and rank (from core.scoring.sheet).

Decisions (README, "Documents"): only closed windows (final scores); admins and the
branch's unit reviewers may issue it; one sheet per branch asked for.
"""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from core.documents.papers.common import STAR_TITLES, closed_period
from core.documents.types import DocumentRefused, DocumentType, Paper, default_template
from core.org.models import Branch, OrgNode
from core.scoring.sheet import branch_sheet


def _fmt(v) -> str:
    return "—" if v is None else f"{v}"


def _evidence(evidence) -> str:
    if not evidence:
        return ""
    parts = [f"{k}={v}" for k, v in sorted(evidence.items()) if not isinstance(v, (list, dict))]
    return "；".join(parts)[:120]


def build(session, request) -> list[Paper]:
    period = closed_period(session, request.period_key)
    if not request.branch_ids:
        raise DocumentRefused(gettext("请选择党支部。"))
    rows = session.execute(select(Branch, OrgNode.name).join(OrgNode, OrgNode.id == Branch.unit_id)
                           .where(Branch.id.in_(list(request.branch_ids))).order_by(Branch.code)).all()
    papers = []
    for branch, unit_name in rows:
        sheet = branch_sheet(session, branch.id, period.key)
        if sheet.source != "stored" or sheet.total is None:
            raise DocumentRefused(gettext("%(b)s 在 %(p)s 没有考核结果。", b=branch.name, p=period.label))
        sections = [{"label": s.label, "weight": s.weight, "score": _fmt(s.score),
                     "rows": [{"code": i.code, "name": i.name, "points": _fmt(i.points), "auto": _fmt(i.auto_earned),
                                "verified": _fmt(i.verified_earned), "earned": _fmt(i.earned),
                                "reason": i.verify_reason or "", "evidence": _evidence(i.evidence),
                                "period": i.period_key} for i in s.items]}
                    for s in sheet.sections]
        points = [{"kind": p.kind_label, "points": _fmt(p.points), "dated": str(p.dated), "reason": p.reason}
                  for p in sheet.point_records]
        star = STAR_TITLES.get(sheet.stars, "") if sheet.stars else "—"
        context = {"unit": unit_name, "code": branch.code, "category": branch.category_label,
                   "period_label": period.label, "sections": sections, "points": points,
                   "base": _fmt(sheet.base), "bonus": _fmt(sheet.bonus), "deduction": _fmt(sheet.deduction),
                   "total": _fmt(sheet.total), "star": star, "rank": _fmt(sheet.rank), "vetoed": sheet.vetoed,
                   "ruleset": sheet.ruleset_name or ""}
        papers.append(Paper(subject=f"branch:{branch.id}", recipient=branch.name,
                            title="党支部星级考核评分表", period_key=period.key, branch_id=branch.id,
                            unit_id=branch.unit_id, context=context,
                            fields=[("文书", "考核评分表"), ("党支部", branch.name),
                                    ("期间", period.label), ("总分", _fmt(sheet.total)),
                                    ("星级", star), ("类别内排名", _fmt(sheet.rank))]))
    return papers


def may_issue(user) -> bool:
    return getattr(user, "role", None) in ("admin", "reviewer")


SCORE_SHEET = DocumentType(code="score_sheet", label="考核评分表", template=default_template("score_sheet.html"),
                           build=build, may_issue=may_issue, face="ming", max_pages=30,
                           sample={"title": "党支部星级考核评分表", "recipient": "炼钢厂一号转炉作业区党支部",
                                   "unit": "炼钢厂党委", "code": "LG-001", "category": "生产类", "period_label": "2025年",
                                   "ruleset": "2025年度考核细则", "sections": [
                                       {"label": "星级队伍", "weight": 20, "score": "18.50", "rows": [
                                           {"code": "T-01", "name": "“三会一课”按时上传", "period": "2025Q4",
                                            "points": "5.00", "auto": "4.50", "verified": "—", "earned": "4.50",
                                            "reason": "", "evidence": "on_time=3；late=1"}]}],
                                   "points": [], "base": "88.00", "bonus": "2.00", "deduction": "0.00",
                                   "total": "90.00", "star": "五星级党支部", "rank": "1", "vetoed": False})
