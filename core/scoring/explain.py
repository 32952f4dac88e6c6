"""The sheet's explanations (考核评分表的计算过程): the path from raw points to each
index score, the caps where they bite, and the facts behind a star — in words a
reviewer can check with a calculator. Nothing here decides a score: the numbers come
from the stored result (or the preview) and the rule set; this module only says how
they were reached.

Decisions (README, "The sheet a reviewer can follow"):
- Index path: "W × 100 / ΣW = W′" is shown only when an index dropped out (otherwise
  W′ = W), then "W′ × earned / available = score" with the stored score on the right;
  W′ is shown to two places (the engine keeps it exact).
- A deduction indicator's cap is explained for every cycle period where records cite
  it ("每月最多 5 分：2026年3月记录 3.00+4.00 分，计 5.00 分"); the bonus cap only when
  it bites.
- Star steps: the band star, the previous quarter's stored star (逐级晋升), each gate of
  the rule set by its label and whether a plugin provides it, the veto records, the
  proportion cap — each step the engine took, with its fact.
- Ranking marker (`star_marker`): the first step that lowered the star, as a short
  label (逐级晋升 / 门槛 / 一票否决 / 比例).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext

from core.formatting import cn_date
from core.indicators.models import CYCLES, INDICES
from core.periods.keys import PeriodKey
from core.points import ZERO, to_points


@dataclass
class IndexPath:
    code: str
    label: str
    weight: int
    points: Decimal
    earned: Decimal
    score: Decimal | None
    #: The effective weight after re-scaling (None when the index dropped out).
    effective: Decimal | None = None
    #: Lines of arithmetic in words.
    lines: list[str] = field(default_factory=list)


def _fmt(value) -> str:
    return f"{to_points(value):.2f}" if value is not None else "—"


def index_paths(groups: dict[str, dict], weights: dict[str, int], scores: dict[str, Decimal | None]) -> list[IndexPath]:
    """One IndexPath per index: `groups` maps index code → {"points", "earned"} summed
    over the window's items (verified ▸ automatic ▸ 0), `weights` the category's
    weights, `scores` the stored index scores (None = dropped)."""
    present = [c for c in INDICES if groups.get(c, {}).get("points", ZERO) > 0]
    w_present = sum(weights.get(c, 0) for c in present)
    out = []
    for code, label in INDICES.items():
        g = groups.get(code) or {}
        path = IndexPath(code, gettext(label), weights.get(code, 0), g.get("points", ZERO), g.get("earned", ZERO),
                         scores.get(code))
        if code not in present:
            path.lines.append(gettext("本期无评分项：该指数不计，权重 %(w)s 按比例分给其他指数。", w=path.weight))
        elif w_present:
            path.effective = Decimal(path.weight) * 100 / w_present
            if w_present != 100:
                path.lines.append(gettext("权重重新分摊：%(w)s × 100 / %(wp)s = %(eff)s", w=path.weight,
                                          wp=w_present, eff=_fmt(path.effective)))
            path.lines.append(gettext("得分 = %(eff)s × %(e)s / %(p)s = %(s)s（实得 / 应得 × 有效权重）",
                                      eff=_fmt(path.effective), e=_fmt(path.earned), p=_fmt(path.points),
                                      s=_fmt(path.score)))
        out.append(path)
    return out


def point_limits(records, ruleset, window: PeriodKey) -> list[str]:
    """The caps on the window's point records, where they apply: each capped deduction
    indicator per its cycle period, and the bonus cap when it bites."""
    if ruleset is None:
        return []
    caps = {i.code: i for i in ruleset.indicators if i.kind == "deduction"}
    lines = []
    cited: dict[tuple, list] = defaultdict(list)
    bonus = []
    for r in records:
        if r.kind == "deduction" and r.indicator_code in caps:
            ind = caps[r.indicator_code]
            cited[(ind.code, PeriodKey.of_date(ind.cycle, r.dated).key)].append(r.points)
        elif r.kind == "bonus":
            bonus.append(r.points)
    for (code, period), amounts in sorted(cited.items()):
        ind = caps[code]
        total = sum(amounts, ZERO)
        counted = min(total, Decimal(ind.points))
        lines.append(gettext("%(name)s每%(cycle)s最多扣 %(cap)s 分：%(period)s记录 %(parts)s 分，计 %(counted)s 分。",
                             name=ind.name, cycle=_cycle_word(ind.cycle), cap=_fmt(ind.points),
                             period=PeriodKey.parse(period).label, parts="+".join(_fmt(a) for a in amounts),
                             counted=_fmt(counted)))
    cap = Decimal(str(ruleset.setting("bonus_cap")))
    total = sum(bonus, ZERO)
    if total > cap:
        lines.append(gettext("加分每个考核期最多 %(cap)s 分：本期记录 %(parts)s 分，计 %(cap)s 分。", cap=_fmt(cap),
                             parts="+".join(_fmt(b) for b in bonus)))
    uncapped = [r for r in records if r.kind == "deduction" and r.indicator_code not in caps]
    if uncapped:
        lines.append(gettext("未对应扣分指标的扣分记录按实际分值全额扣除：%(parts)s 分。",
                             parts="+".join(_fmt(r.points) for r in uncapped)))
    return lines


def _cycle_word(cycle: str) -> str:
    return {"month": gettext("月"), "quarter": gettext("季度"), "year": gettext("年")}.get(cycle, gettext(CYCLES.get(cycle, cycle)))


#: Short labels of the steps that lowered a star, for the ranking list's marker.
MARKERS = {"promotion": "逐级晋升", "gate": "门槛", "veto": "一票否决", "proportion": "比例"}


def star_marker(notes: dict | None) -> str | None:
    """The ranking list's marker: why this branch has fewer stars than its band (the
    first step that lowered it), or None."""
    steps = (notes or {}).get("steps") or []
    for step in steps:
        if step.get("rule") in MARKERS and step.get("to", 0) < step.get("from", 0):
            return gettext(MARKERS[step["rule"]])
    return None


def star_facts(result, ruleset, window: PeriodKey, *, previous_star: int | None, gates: dict,
               veto_records=()) -> list[str]:
    """The facts behind the result's star, step by step (quarter and year windows)."""
    if result is None or result.stars is None:
        return []
    notes = result.notes or {}
    lines = []
    band = notes.get("band_star", result.stars)
    lines.append(gettext("总分 %(t)s，按分段应评 %(s)s 星。", t=_fmt(result.total), s=band))
    if window.kind == "quarter":
        promotion = ruleset.setting("promotion_step") if ruleset is not None else True
        if not promotion:
            lines.append(gettext("本年度细则未启用逐级晋升。"))
        elif previous_star:
            lines.append(gettext("逐级晋升：上一季度（%(p)s）为 %(s)s 星，本季度最多 %(m)s 星。",
                                 p=window.previous().label, s=previous_star, m=min(previous_star + 1, 5)))
        else:
            lines.append(gettext("逐级晋升：上一季度（%(p)s）无已结账星级，本季度不受限制。", p=window.previous().label))
        levels = {int(k): v for k, v in ((ruleset.setting("gates") if ruleset is not None else {}) or {}).items() if v}
        for level, name in sorted(levels.items(), reverse=True):
            gate = gates.get(name)
            if gate is None:
                lines.append(gettext("%(l)s 星门槛“%(n)s”：没有任何插件提供此门槛，无支部能达到（请检查考核细则）。",
                                     l=level, n=name))
            else:
                lines.append(gettext("%(l)s 星门槛：%(n)s。", l=level, n=gettext(gate.label)))
    for r in veto_records:
        lines.append(gettext("否决记录：%(d)s %(reason)s。", d=cn_date(r.dated),
                             reason=r.reason))
    for step in notes.get("steps") or []:
        rule = step.get("rule")
        if rule == "promotion":
            text = gettext("逐级晋升：上一季度 %(p)s 星，%(a)s 星降为 %(b)s 星。", p=step.get("previous"),
                           a=step.get("from"), b=step.get("to"))
        elif rule == "gate":
            gate = gates.get(step.get("gate"))
            name = gettext(gate.label) if gate else step.get("gate")
            if step.get("unknown") or gate is None:
                text = gettext("未达 %(a)s 星门槛“%(n)s”（无插件提供，视为未达到）：%(a)s 星降为 %(b)s 星。",
                               n=name, a=step.get("from"), b=step.get("to"))
            else:
                text = gettext("未达 %(a)s 星门槛“%(n)s”：%(a)s 星降为 %(b)s 星。", n=name, a=step.get("from"),
                               b=step.get("to"))
        elif rule == "veto":
            text = gettext("一票否决：星级封顶为 %(b)s 星（原为 %(a)s 星），当年不得参加推先评优。", a=step.get("from"),
                           b=step.get("to"))
        elif rule == "proportion" and step.get("tie"):
            text = gettext("同分 %(t)s，按业绩指数排序后超出 ★%(a)s 名额（%(n)s 个）：%(a)s 星降为 %(b)s 星。",
                           t=step["tie"], a=step.get("from"), n=step.get("allowed"), b=step.get("to"))
        elif rule == "proportion":
            text = gettext("超出星级指导比例（该类别 %(a)s 星最多 %(n)s 个，按排名后移）：%(a)s 星降为 %(b)s 星。",
                           a=step.get("from"), n=step.get("allowed"), b=step.get("to"))
        else:
            text = gettext("%(r)s：%(a)s 星 → %(b)s 星", r=rule, a=step.get("from"), b=step.get("to"))
        lines.append(text)
    if notes.get("proportion_warning"):
        w = notes["proportion_warning"]
        lines.append(gettext("提示：%(l)s 星比例超出指导比例（允许 %(a)s 个）。", l=w.get("level"), a=w.get("allowed")))
    lines.append(gettext("结果：%(s)s 星。", s=result.stars))
    return lines
