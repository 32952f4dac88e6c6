"""荣誉证书 of the 最美一线员工: one per employee selected in a year's campaigns, through
the documents hook (the 电子画报 is not built yet).

Decisions (README, typical_staff): a certificate needs the campaign selected (its
notice ended with no open objection); the paper names the person, the unit and the
deed category; admins (the organisers) issue them.
"""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from core.plugins.api import DocumentRefused, DocumentType, OrgNode, Paper, PeriodKey, certificate_template
from plugins.typical_staff.models import PLUGIN, Campaign, Declaration, DeedCategory

HONOUR = "最美一线员工"


def build(session, request) -> list[Paper]:
    try:
        pk = PeriodKey.parse(request.period_key)
    except ValueError as exc:
        raise DocumentRefused(str(exc)) from None
    if pk.kind != "year":
        raise DocumentRefused(gettext("最美一线员工荣誉证书按评选年度出具（如 2026）。"))
    stmt = (select(Declaration, Campaign.title, OrgNode.name, DeedCategory.name)
            .join(Campaign, Campaign.id == Declaration.campaign_id).join(OrgNode, OrgNode.id == Declaration.unit_id)
            .join(DeedCategory, DeedCategory.id == Declaration.category_id)
            .where(Campaign.year == pk.year, Campaign.status == "selected", Declaration.status == "selected")
            .order_by(Campaign.id, OrgNode.code, Declaration.id))
    if request.unit_id:
        stmt = stmt.where(Declaration.unit_id == request.unit_id)
    if request.branch_ids is not None:
        stmt = stmt.where(Declaration.branch_id.in_(list(request.branch_ids)))
    papers = []
    for decl, campaign, unit_name, category in session.execute(stmt):
        papers.append(Paper(
            subject=f"declaration:{decl.id}", recipient=decl.name, title="荣誉证书", period_key=pk.key,
            branch_id=decl.branch_id, unit_id=decl.unit_id,
            context={"unit": unit_name, "honour": HONOUR, "stars": 0, "period_label": f"{pk.year}年度",
                     "campaign": campaign, "category": category, "post": decl.post},
            fields=[("文书", "最美一线员工荣誉证书"), ("授予", decl.name), ("所属单位", unit_name), ("岗位", decl.post),
                    ("事迹类别", category), ("评选活动", campaign)]))
    return papers


HONOUR_CERTIFICATE = DocumentType(
    code="frontline_certificate", label="最美一线员工荣誉证书", plugin=PLUGIN, face="kai", bulk=True, max_pages=1,
    build=build,
    template=certificate_template(before="在{{ campaign }}中，你以“{{ category }}”的事迹被评为"),
    sample={"title": "荣誉证书", "recipient": "王建国", "unit": "炼钢厂党委", "honour": HONOUR, "stars": 0,
            "period_label": "2026年度", "campaign": "2026年度“最美一线员工”评选", "category": "爱岗敬业",
            "post": "炉前工"})
