"""品牌命名证书: one per brand named in a year, through the documents hook.

Decisions (README, brands): a year's certificates list the brands whose stage is 命名
and whose naming date falls in that year; a brand withdrawn since is not certified
(its certificate, if issued, is revoked by re-issuing or by hand on the register);
admins issue them, like the core's honour certificates.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from core.plugins.api import (Branch, DocumentRefused, DocumentType, OrgNode, Paper, PeriodKey, UnitPlugin,
                              certificate_template)
from plugins.brands.models import VANGUARD_TYPES, Brand
from plugins.brands.stages import PLUGIN


def build(session, request) -> list[Paper]:
    try:
        pk = PeriodKey.parse(request.period_key)
    except ValueError as exc:
        raise DocumentRefused(str(exc)) from None
    if pk.kind != "year":
        raise DocumentRefused(gettext("品牌命名证书按年度出具（如 2026）。"))
    enabled = select(UnitPlugin.unit_id).where(UnitPlugin.plugin == PLUGIN)
    stmt = (select(Brand, Branch.name, OrgNode.name).join(Branch, Branch.id == Brand.branch_id)
            .join(OrgNode, OrgNode.id == Brand.unit_id)
            .where(Brand.stage == "named", Brand.stage_on.between(date(pk.year, 1, 1), date(pk.year, 12, 31)),
                   Brand.unit_id.in_(enabled))
            .order_by(OrgNode.code, Branch.code))
    if request.unit_id:
        stmt = stmt.where(Brand.unit_id == request.unit_id)
    if request.branch_ids is not None:
        stmt = stmt.where(Brand.branch_id.in_(list(request.branch_ids)))
    papers = []
    for brand, branch_name, unit_name in session.execute(stmt):
        kind = VANGUARD_TYPES.get(brand.vanguard_type, brand.vanguard_type)
        papers.append(Paper(
            subject=f"branch:{brand.branch_id}", recipient=branch_name, title="品牌命名证书", period_key=pk.key,
            branch_id=brand.branch_id, unit_id=brand.unit_id,
            context={"unit": unit_name, "honour": brand.name, "stars": 0, "period_label": f"{pk.year}年度",
                     "kind": kind, "named_on": brand.stage_on.isoformat()},
            fields=[("文书", "品牌命名证书"), ("授予", branch_name), ("所属单位", unit_name), ("党建品牌", brand.name),
                    ("先锋类型", kind), ("命名日期", f"{brand.stage_on.year}年{brand.stage_on.month}月{brand.stage_on.day}日")]))
    if request.branch_ids is not None and not papers:
        raise DocumentRefused(gettext("该支部在 %(y)s 年没有命名的党建品牌。", y=pk.year))
    return papers


NAMING_CERTIFICATE = DocumentType(
    code="brand_certificate", label="品牌命名证书", plugin=PLUGIN, face="kai", bulk=True, max_pages=1, build=build,
    template=certificate_template(heading="品牌命名证书",
                                  before="你支部创建的党建品牌（{{ kind }}先锋类型）经验收合格，于{{ period_label }}命名为",
                                  after="特发此证。"),
    sample={"title": "品牌命名证书", "recipient": "炼钢厂一号转炉作业区党支部", "unit": "炼钢厂党委",
            "honour": "转炉先锋", "stars": 0, "period_label": "2026年度", "kind": "生产制造型", "named_on": "2026-09-01"})
