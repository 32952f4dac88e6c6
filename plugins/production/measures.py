"""The measure catalogue: four measures per branch category, seeded with defaults that
admins then edit, and their indicators in a rule set (kind 专项, index 业绩)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugins.api import audit as record, diff, snapshot, to_points
from plugins.production.models import SLOTS, Measure

METHOD = "production.measure"
PLUGIN = "production"

# (slot, name, unit, direction, points, meaning) per category. Points sum to 30 in
# each category (the plugin's share of the 业绩 index; the index weight per category
# decides what that is worth in the total).
_DEFAULTS: dict[str, list[tuple]] = {
    "production": [
        ("output", "产量", "吨", "higher", 10, "当月合格产品产量与计划产量之比。"),
        ("cost", "吨产品成本", "元/吨", "lower", 8, "当月吨产品制造成本与预算之比，越低越好。"),
        ("quality", "产品合格率", "%", "higher", 7, "当月一次检验合格率与计划值之比。"),
        ("safety", "可记录安全事件", "起", "lower", 5,
         "当月可记录安全事件起数，越少越好；计划为 0 时实绩 0 得满分、实绩大于 0 不得分。"
         "重大安全事故另作否决项处理；面板显示连续安全天数。"),
    ],
    "auxiliary": [
        ("output", "服务保障完成率", "%", "higher", 10, "按时完成的检修、运输、能源等服务工单占比。"),
        ("cost", "费用预算执行", "万元", "lower", 8, "当月实际费用与预算之比，越低越好。"),
        ("quality", "设备可开动率", "%", "higher", 7, "所保障设备的可开动时间占计划时间的比率。"),
        ("safety", "可记录安全事件", "起", "lower", 5, "当月可记录安全事件起数，越少越好。"),
    ],
    "market": [
        ("output", "销售量", "吨", "higher", 10, "当月销售量与计划之比。"),
        ("cost", "销售费用率", "%", "lower", 8, "销售费用占销售收入的比率，越低越好。"),
        ("quality", "客户投诉", "起", "lower", 7, "当月有效客户投诉起数，越少越好。"),
        ("safety", "应收账款逾期率", "%", "lower", 5, "逾期应收账款占应收账款余额的比率（资金风险），越低越好。"),
    ],
    "management": [
        ("output", "重点工作完成率", "%", "higher", 10, "当月重点工作任务按期完成的比率。"),
        ("cost", "管理费用", "万元", "lower", 8, "当月管理费用与预算之比，越低越好。"),
        ("quality", "服务满意度", "%", "higher", 7, "基层单位对职能部门服务的满意度测评得分。"),
        ("safety", "安全与合规事件", "起", "lower", 5, "当月安全、保密、合规事件起数，越少越好。"),
    ],
    "nonpublic": [
        ("output", "营业收入", "万元", "higher", 10, "当月营业收入与计划之比。"),
        ("cost", "营业成本率", "%", "lower", 8, "营业成本占营业收入的比率，越低越好。"),
        ("quality", "产品服务合格率", "%", "higher", 7, "产品或服务一次交付合格率。"),
        ("safety", "安全与合规事件", "起", "lower", 5, "当月安全生产与合规经营事件起数，越少越好。"),
    ],
}

#: Fields an admin edits; the audit log and the indicator snapshot use them.
EDITABLE = ("name", "meaning", "unit", "direction", "floor", "bonus_rate", "bonus_cap", "points", "key", "active")
#: The curve copied into Indicator.params (as text, so JSON keeps exact decimals).
CURVE = ("direction", "floor", "bonus_rate", "bonus_cap")


class MeasureError(ValueError):
    """A refused measure edit; the message is for the user."""


def default_measures() -> list[dict]:
    rows = []
    for ci, (category, items) in enumerate(_DEFAULTS.items()):
        for si, (slot, name, unit, direction, points, meaning) in enumerate(items):
            rows.append(dict(code=f"{category}.{slot}", category=category, slot=slot, name=name,
                             unit=unit, direction=direction, points=Decimal(points), meaning=meaning,
                             floor=Decimal("0.8"), bonus_rate=Decimal("0"), bonus_cap=Decimal("0"),
                             key=True, active=True, position=ci * 10 + si))
    return rows


def seed_measures(session: Session) -> int:
    """Add the default measures that are missing (by category and slot); returns how many."""
    have = set(session.execute(select(Measure.category, Measure.slot)).all())
    added = 0
    for row in default_measures():
        if (row["category"], row["slot"]) not in have:
            session.add(Measure(**row))
            added += 1
    if added:
        session.flush()
    return added


def all_measures(session: Session) -> list[Measure]:
    return list(session.scalars(select(Measure).order_by(Measure.position, Measure.id)))


def find_measure(measures: list[Measure], category: str, text: str) -> Measure | None:
    """A measure of `category` by full code, slot code, slot name (产量) or its name."""
    text = (text or "").strip()
    for m in measures:
        if m.category != category:
            continue
        if text in (m.code, m.slot, m.slot_label, m.name):
            return m
    return None


def curve_params(measure: Measure) -> dict:
    return {"measure": measure.code, "direction": measure.direction, "floor": str(measure.floor),
            "bonus_rate": str(measure.bonus_rate), "bonus_cap": str(measure.bonus_cap)}


def indicator_code(measure: Measure | dict) -> str:
    get = measure.get if isinstance(measure, dict) else lambda k: getattr(measure, k)
    return f"P-{get('category').upper()}-{get('slot').upper()}"


def indicator_rows(measures) -> list[dict]:
    """The rule-set indicator rows for the given measures (dicts or Measure rows)."""
    from core.plugins.api import CATEGORIES

    rows = []
    for m in measures:
        get = m.get if isinstance(m, dict) else (lambda k, m=m: getattr(m, k))
        if not get("active"):
            continue
        params = {"measure": get("code"), "direction": get("direction"), "floor": str(get("floor")),
                  "bonus_rate": str(get("bonus_rate")), "bonus_cap": str(get("bonus_cap"))}
        rows.append({
            "code": indicator_code(m),
            "name": f"{SLOTS[get('slot')]}：{get('name')}（{CATEGORIES.get(get('category'), get('category'))}）",
            "index_code": "performance",
            "kind": "special",
            "points": Decimal(get("points")),
            "standard": f"{get('meaning')} 单位：{get('unit')}。达成率低于 {get('floor')} 不得分，"
                        f"达到计划得满分，之间线性计分。",
            "cycle": "month",
            "categories": [get("category")],
            "method": METHOD,
            "params": params,
            "plugin": PLUGIN,
            "position": 500 + get("position"),
        })
    return rows


def validate(values: dict) -> None:
    floor = Decimal(values["floor"])
    if not Decimal(0) <= floor < Decimal(1):
        raise MeasureError(gettext("下限（达成率）应在 0 到 1 之间（不含 1）。"))
    if Decimal(values["bonus_rate"]) < 0 or Decimal(values["bonus_cap"]) < 0:
        raise MeasureError(gettext("超额奖励系数和封顶比例不能为负数。"))
    if Decimal(values["points"]) <= 0:
        raise MeasureError(gettext("分值应大于 0。"))
    # Bounds that keep the scoring's integer arithmetic inside 64 bits (scoring._Curve.check)
    if Decimal(values["points"]) > 100:
        raise MeasureError(gettext("分值不能超过 100。"))
    if Decimal(values["bonus_rate"]) > 100 or Decimal(values["bonus_cap"]) > 10:
        raise MeasureError(gettext("超额奖励系数不能超过 100，封顶比例不能超过 10（即分值的 10 倍）。"))
    if values["direction"] not in ("higher", "lower"):
        raise MeasureError(gettext("方向应为“越高越好”或“越低越好”。"))


def update_measure(session: Session, measure: Measure, values: dict, *, actor, reason: str | None = None) -> int:
    """Save an admin's edit of a measure (audited) and refresh its indicators in rule sets
    no closed period uses. Returns how many indicators were refreshed."""
    validate(values)
    values = {**values, "points": to_points(values["points"]),
              **{k: _plain_decimal(values[k]) for k in ("floor", "bonus_rate", "bonus_cap")}}
    old = snapshot(measure, EDITABLE)
    for name in EDITABLE:
        setattr(measure, name, values[name])
    measure.version += 1
    session.flush()
    before, after = diff(old, snapshot(measure, EDITABLE))
    if after:
        record(session, actor=actor, action="production.measure.update", obj=measure,
               old=before, new=after, reason=reason)
    return sync_indicators(session, measure)


def _plain_decimal(value) -> Decimal:
    """0.80 → 0.8, 10 → 10 (not 1E+1): one spelling per number for the audit diff."""
    d = Decimal(str(value)).normalize()
    return d.quantize(Decimal(1)) if d.as_tuple().exponent > 0 else d


def sync_indicators(session: Session, measure: Measure) -> int:
    """Copy a measure's curve, points and name into its indicators of the rule sets
    that no closed period has used (a closed period never changes)."""
    from core.plugins.api import Indicator, Period, RuleSet

    used = select(Period.ruleset_id).where(Period.status == "closed", Period.ruleset_id.is_not(None))
    code = indicator_code(measure)
    indicators = session.scalars(
        select(Indicator).join(RuleSet, RuleSet.id == Indicator.ruleset_id)
        .where(Indicator.code == code, Indicator.method == METHOD,
               RuleSet.status != "retired", RuleSet.id.not_in(used))).all()
    row = indicator_rows([measure])
    for ind in indicators:
        if row:
            ind.points, ind.params, ind.name, ind.standard = (
                row[0]["points"], row[0]["params"], row[0]["name"], row[0]["standard"])
    return len(indicators)
