"""Documents of the 最美一线员工 campaigns, through the documents hook: the honour
certificate (荣誉证书) of each employee selected in a year's campaigns, and the
electronic pictorial (电子画报) of a selected campaign — every selected employee with
photo and deed, A4 pages for print and screens.

Decisions (README, typical_staff): a certificate needs the campaign selected (its
notice ended with no open objection); the paper names the person, the unit and the
deed category; admins (the organisers) issue them.
"""
from __future__ import annotations

import base64

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from core.plugins.api import DocumentType, OrgNode, Paper, certificate_template, file_path, require_year
from plugins.typical_staff.models import PLUGIN, Campaign, Declaration, DeedCategory

HONOUR = "最美一线员工"


def build(session, request) -> list[Paper]:
    pk = require_year(request, gettext("最美一线员工荣誉证书按评选年度出具（如 2026）。"))
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


def _photo_data_url(decl) -> str | None:
    """The employee's photo as a data: URL (the document fetcher loads nothing else)."""
    photo = decl.photo
    if photo is None:
        return None
    path = file_path(f"{current_app.config['UPLOAD_DIR']}/typical_staff", photo.stored_name)
    if not path.is_file():
        return None
    return f"data:{photo.content_type};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def build_pictorial(session, request) -> list[Paper]:
    pk = require_year(request, gettext("电子画报按评选年度出具（如 2026）。"))
    papers = []
    for campaign in session.scalars(select(Campaign).where(Campaign.year == pk.year, Campaign.status == "selected")
                                    .order_by(Campaign.id)):
        rows = session.execute(
            select(Declaration, OrgNode.name, DeedCategory.name).join(OrgNode, OrgNode.id == Declaration.unit_id)
            .join(DeedCategory, DeedCategory.id == Declaration.category_id)
            .where(Declaration.campaign_id == campaign.id, Declaration.status == "selected")
            .order_by(OrgNode.code, Declaration.id)).all()
        people = [{"name": d.name, "unit": unit, "post": d.post, "years": d.frontline_years, "category": category,
                   "deed": d.deed, "photo": _photo_data_url(d)} for d, unit, category in rows]
        papers.append(Paper(subject=f"campaign:{campaign.id}", recipient=campaign.title, title="电子画报",
                            period_key=pk.key, context={"campaign": campaign.title, "people": people},
                            fields=[("文书", "电子画报"), ("评选活动", campaign.title), ("当选人数", str(len(people)))]))
    return papers


PICTORIAL_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }} — {{ campaign }}</title>
<style>
  @page { size: A4; margin: 16mm 16mm 18mm; @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #777; } }
  body { font-size: 11.5pt; line-height: 1.7; color: #222; }
  .cover { height: 240mm; text-align: center; padding-top: 55mm; page-break-after: always; }
  .cover h1 { font-size: 34pt; color: {{ color }}; letter-spacing: 0.3em; margin: 0; }
  .cover h2 { font-size: 18pt; font-weight: normal; margin: 8mm 0; }
  .cover .issuer { margin-top: 60mm; font-size: 13pt; }
  .person { page-break-inside: avoid; border-top: 1.2mm solid {{ color }}; padding: 5mm 0 7mm; }
  .photo { float: left; width: 42mm; height: 56mm; object-fit: cover; margin: 0 6mm 3mm 0; border: 0.4mm solid #ccc; }
  .nophoto { float: left; width: 42mm; height: 56mm; margin: 0 6mm 3mm 0; background: #f3e9e9; }
  .name { font-size: 20pt; color: {{ color }}; margin: 0; }
  .meta { color: #555; margin: 1mm 0 3mm; }
  .deed { text-indent: 2em; margin: 0; }
  .foot { clear: both; font-size: 8.5pt; color: #777; margin-top: 8mm; }
  .qr { width: 20mm; height: 20mm; }
</style></head>
<body class="ming">
  <div class="cover kai">
    <h1>{{ title }}</h1>
    <h2>{{ campaign }}</h2>
    <p>“最美一线员工”（{{ people|length }} 名）</p>
    <div class="issuer">{{ issuer }}<br>{{ issued_on_cn }}</div>
    <img class="qr" src="{{ qr }}" alt=""><div>编号：{{ serial }}</div>
  </div>
  {% for p in people %}
  <div class="person">
    {% if p.photo %}<img class="photo" src="{{ p.photo }}" alt="{{ p.name }}">{% else %}<div class="nophoto"></div>{% endif %}
    <p class="name kai">{{ p.name }}</p>
    <p class="meta">{{ p.unit }}，{{ p.post }}，一线工作 {{ p.years }} 年，{{ p.category }}</p>
    <p class="deed">{{ p.deed }}</p>
  </div>
  {% endfor %}
  <div class="foot">编号 {{ serial }}，扫描封面二维码核验。</div>
</body></html>
"""

PICTORIAL = DocumentType(
    code="frontline_pictorial", label="电子画报", plugin=PLUGIN, face="ming", max_pages=80, build=build_pictorial,
    template=PICTORIAL_TEMPLATE,
    sample={"title": "电子画报", "recipient": "2026年度“最美一线员工”评选", "campaign": "2026年度“最美一线员工”评选",
            "people": [{"name": "王建国", "unit": "炼钢厂党委", "post": "炉前工", "years": 18, "category": "爱岗敬业",
                        "deed": "扎根炉前十八年，带徒二十人。", "photo": None}]})
