"""The branch dashboard panel: the brand's stage, its 五有 progress and the next step."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from core.plugins.api import Panel, plugin_enabled
from plugins.brands.evidence import items_of
from plugins.brands.models import STAGES, WUYOU_ITEMS
from plugins.brands.stages import PLUGIN, brand_of

#: What comes next at each stage (None = no brand file yet).
NEXT_STEP = {
    None: "由支部书记填写品牌档案并申报。",
    "declared": "等待二级单位党委审核后列入培育。",
    "cultivating": "完善“五有”佐证，由二级单位党委申请验收。",
    "proposed": "等待组织部验收。",
    "accepted": "等待组织部命名。",
    "named": "保持品牌成效，争创标杆支部。",
    "withdrawn": "品牌已摘牌，可整改后重新申报。",
}


def next_step(stage: str | None, verified: int) -> str:
    if stage == "cultivating" and verified < len(WUYOU_ITEMS):
        return _("完善“五有”佐证（已核实 %(n)s/%(t)s 项），由二级单位党委申请验收。", n=verified, t=len(WUYOU_ITEMS))
    return _(NEXT_STEP[stage])


def branch_panel(session, branch, period) -> Panel | None:
    if not plugin_enabled(session, branch.unit_id, PLUGIN):
        return None
    brand = brand_of(session, branch.id)
    items = items_of(session, brand)
    verified = sum(1 for r in items.values() if r.verified_on is not None)
    stage = brand.stage if brand else None
    html = render_template("brands/panel.html", brand=brand, branch=branch, stages=STAGES, items=items,
                           wuyou=WUYOU_ITEMS, verified=verified, next_step=next_step(stage, verified))
    return Panel(title=_("支部品牌创建"), html=html, plugin=PLUGIN)
