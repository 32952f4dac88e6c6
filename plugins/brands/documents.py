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

from core.plugins.api import (Branch, DocumentRefused, DocumentType, OrgNode, Paper, UnitPlugin, certificate_template,
                              require_year)
from plugins.brands.models import VANGUARD_TYPES, Brand
from plugins.brands.stages import PLUGIN


def build(session, request) -> list[Paper]:
    pk = require_year(request, gettext("品牌命名证书按年度出具（如 2026）。"))
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


def build_route_sheets(session, request) -> list[Paper]:
    """观摩路线单: one sheet per active observation route, its stops in order with each
    branch's brand and stage (as they stand when issued; `period_key` is the year)."""
    pk = require_year(request, gettext("观摩路线单按年度出具（如 2026）。"))
    from plugins.brands.models import STAGES, Route, RouteStop

    routes = list(session.scalars(select(Route).where(Route.active.is_(True)).order_by(Route.position, Route.id)))
    papers = []
    for route in routes:
        rows = session.execute(
            select(RouteStop.position, RouteStop.note, Branch.name, OrgNode.name, Brand.name, Brand.stage)
            .join(Branch, Branch.id == RouteStop.branch_id).join(OrgNode, OrgNode.id == Branch.unit_id)
            .outerjoin(Brand, Brand.branch_id == Branch.id)
            .where(RouteStop.route_id == route.id).order_by(RouteStop.position)).all()
        stops = [{"position": pos, "branch": branch, "unit": unit, "brand": brand or "—",
                  "stage": STAGES.get(stage, "") if stage else "", "note": note or ""}
                 for pos, note, branch, unit, brand, stage in rows]
        papers.append(Paper(subject=f"route:{route.id}", recipient=route.name, title="观摩路线单", period_key=pk.key,
                            unit_id=route.unit_id,
                            context={"route": route.name, "description": route.description or "", "stops": stops},
                            fields=[("文书", "观摩路线单"), ("路线", route.name), ("观摩点", str(len(stops)))]))
    return papers


ROUTE_SHEET_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }} — {{ route }}</title>
<style>
  @page { size: A4; margin: 18mm 16mm; }
  body { font-size: 11pt; line-height: 1.6; }
  h1 { text-align: center; color: {{ color }}; font-size: 22pt; letter-spacing: 0.2em; margin: 0 0 2mm; }
  h2 { text-align: center; font-weight: normal; font-size: 14pt; margin: 0 0 6mm; }
  table { width: 100%; border-collapse: collapse; }
  th, td { border: 0.3mm solid #999; padding: 2mm 3mm; text-align: left; vertical-align: top; }
  th { background: #f6eaea; }
  .foot { margin-top: 8mm; font-size: 9pt; color: #666; }
  .qr { width: 18mm; height: 18mm; float: right; }
</style></head>
<body class="ming">
  <h1 class="kai">{{ title }}</h1>
  <h2>{{ route }}</h2>
  {% if description %}<p>{{ description }}</p>{% endif %}
  <table><thead><tr><th>序号</th><th>党支部</th><th>所属单位</th><th>党建品牌</th><th>阶段</th><th>观摩要点</th></tr></thead>
  <tbody>{% for s in stops %}<tr><td>{{ s.position }}</td><td>{{ s.branch }}</td><td>{{ s.unit }}</td><td>{{ s.brand }}</td>
    <td>{{ s.stage }}</td><td>{{ s.note }}</td></tr>{% endfor %}</tbody></table>
  <div class="foot"><img class="qr" src="{{ qr }}" alt="">{{ issuer }}　{{ issued_on_cn }}　编号 {{ serial }}</div>
</body></html>
"""

ROUTE_SHEET = DocumentType(
    code="route_sheet", label="观摩路线单", plugin=PLUGIN, face="ming", max_pages=10, build=build_route_sheets,
    template=ROUTE_SHEET_TEMPLATE,
    sample={"title": "观摩路线单", "recipient": "主业线", "route": "主业线", "description": "",
            "stops": [{"position": 1, "branch": "一号转炉作业区党支部", "unit": "炼钢厂党委", "brand": "转炉先锋",
                       "stage": "命名", "note": "党员责任区"}]})
