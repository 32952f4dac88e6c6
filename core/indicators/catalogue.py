"""The default catalogue (默认考核细则) and the checks on weights and bands.

- `default_indicators(ruleset)`: the core's default indicators as dicts (picked up by
  `core.plugins.builtin` through `starbranch_default_indicators`; plugins add theirs).
- `seed_ruleset(session, year, actor)`: a new rule set for a year with default index
  weights per category, default star bands and the default catalogue.
- `validate_weights(rows)`, `validate_bands(rows)`: raise `CatalogueError` (Chinese
  message) for a weight table not summing to 100 per category, or a band table with
  gaps/overlaps. The catalogue admin forms call them before saving.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.formatting import sep
from core.audit.service import record
from core.indicators.models import DEFAULT_SETTINGS, INDICES, IndexWeight, Indicator, RuleSet, StarBand
from core.org.models import CATEGORIES


class CatalogueError(ValueError):
    """A weight or band table that cannot be saved; the message is for the user."""


#: Default index weights per category (each row sums to 100; performance weighs more
#: for production and market branches, the team and management indices for the
#: restructured ones).
DEFAULT_WEIGHTS = {
    "production": {"team": 20, "management": 20, "performance": 30, "brand": 15, "service": 15},
    "auxiliary": {"team": 20, "management": 20, "performance": 25, "brand": 15, "service": 20},
    "management": {"team": 20, "management": 25, "performance": 20, "brand": 15, "service": 20},
    "market": {"team": 20, "management": 20, "performance": 30, "brand": 15, "service": 15},
    "nonpublic": {"team": 25, "management": 25, "performance": 20, "brand": 15, "service": 15},
}

#: Default star bands: lowest total for each star.
DEFAULT_BANDS = {5: Decimal("90"), 4: Decimal("80"), 3: Decimal("70"), 2: Decimal("60"), 1: Decimal("0")}


def _ledger(code, name, index, cycle, record_type, points, min_count=1, deadline_days=7, standard=None):
    return {
        "code": code, "name": name, "index_code": index, "kind": "basic", "points": Decimal(points),
        "cycle": cycle, "method": "ledger_count",
        "params": {"record_types": [record_type], "min_count": min_count, "deadline_days": deadline_days},
        "standard": standard,
    }


def _manual(code, name, index, cycle, points, standard, kind="basic"):
    return {"code": code, "name": name, "index_code": index, "kind": kind, "points": Decimal(points),
            "cycle": cycle, "method": "manual", "params": {}, "standard": standard}


def default_indicators(ruleset) -> list[dict]:
    """The six basic items (组织设置, 班子建设, 运行机制, 组织生活, 党员队伍, 工作保障) with
    the default activity frequencies as ledger indicators, plus attendance, appraisal,
    target, manual special items, deduction and veto items. Fields of `Indicator`."""
    rows = [
        # 组织设置 — organisation set-up (manual, checked by the reviewer once a year)
        _manual("B-ORG-SETUP", "组织设置", "management", "year", 5,
                "支部按期换届，支委会配备齐全，党小组划分合理，组织关系隶属清晰。"),
        # 班子建设 — leadership team
        _manual("B-LEADERSHIP", "班子建设", "team", "year", 5,
                "支部书记履职尽责，支委分工明确，班子团结，定期开展学习。"),
        # 运行机制 — operating mechanism: the committee meets monthly
        _ledger("B-MECH-COMMITTEE", "运行机制·支部委员会", "management", "month", "committee_meeting", 3,
                standard="每月至少召开1次支部委员会，会后7日内上传会议记录；逾期上传按一半计分。"),
        # 组织生活 — organisational life: 三会一课, 主题党日, 组织生活会
        _ledger("B-LIFE-MEMBER", "组织生活·支部党员大会", "management", "quarter", "member_meeting", 4,
                standard="每季度至少召开1次支部党员大会，到会正式党员须超过应到正式党员半数，会后7日内上传。"),
        _ledger("B-LIFE-GROUP", "组织生活·党小组会", "management", "month", "group_meeting", 2,
                standard="每月至少召开1次党小组会，会后7日内上传。"),
        _ledger("B-LIFE-LECTURE", "组织生活·党课", "team", "quarter", "party_lecture", 4,
                standard="每季度至少讲1次党课，会后7日内上传。"),
        _ledger("B-LIFE-THEMEDAY", "组织生活·主题党日", "management", "month", "theme_day", 2,
                standard="每月开展1次主题党日活动，活动后7日内上传。"),
        _ledger("B-LIFE-MEETING", "组织生活·组织生活会", "management", "year", "life_meeting", 5,
                min_count=1, deadline_days=15,
                standard="每年至少召开1次组织生活会，会后15日内上传。"),
        # 党员队伍 — member team: attendance, the annual appraisal held, its results
        {"code": "B-TEAM-ATTEND", "name": "党员队伍·参加组织生活", "index_code": "team", "kind": "basic",
         "points": Decimal(6), "cycle": "quarter", "method": "attendance",
         "params": {"record_types": ["member_meeting", "group_meeting", "party_lecture", "theme_day"]},
         "standard": "季度内党员大会、党小组会、党课、主题党日平均出勤率（正式与预备党员合计）≥90%得满分，≤50%不得分，其间按比例计分。"},
        _ledger("B-TEAM-APPRAISAL", "党员队伍·民主评议党员", "team", "year", "appraisal", 4,
                deadline_days=15, standard="每年开展1次民主评议党员，评议后15日内上传结果。"),
        {"code": "B-TEAM-RESULT", "name": "党员队伍·评议结果", "index_code": "team", "kind": "basic",
         "points": Decimal(6), "cycle": "year", "method": "appraisal", "params": {},
         "standard": "民主评议中评为优秀、合格的党员所占比例乘以本项分值。"},
        # 工作保障 — work support (manual)
        _manual("B-SUPPORT", "工作保障", "management", "year", 5,
                "党建工作经费、活动阵地、党务工作人员配备到位。"),
        # 目标管控 — targets feeding the performance index
        {"code": "S-TARGETS", "name": "目标管控·目标考核", "index_code": "performance", "kind": "special",
         "points": Decimal(20), "cycle": "quarter", "method": "target", "params": {"index_code": "performance"},
         "standard": "截止日期在本季度的目标按分组权重（安全生产经营、支部基础工作、重点工作任务）计分：截止月已报完成率的按完成率计分，截止月未报送且未完成的记0分。"},
        _manual("S-ROLE", "发挥作用（分类标准）", "performance", "year", 10,
                "围绕生产经营中心工作发挥战斗堡垒作用，由上级党委按分类标准评定。", kind="special"),
        _manual("S-BRAND", "支部品牌创建", "brand", "year", 10,
                "一支部一品牌：品牌内涵鲜明，“五有”标准落实，创建成效明显。", kind="special"),
        _manual("S-SERVICE", "服务群众", "service", "quarter", 5,
                "开展志愿服务、联系服务群众、解决职工群众急难愁盼问题。", kind="special"),
        # 扣分项目 — deduction items: what PointRecords cite; points = the most taken off per cycle period
        _manual("D-LEDGER", "台账资料弄虚作假、漏报", "management", "month", 5,
                "发现台账资料弄虚作假或应报未报的，每次扣1–5分，每月最多扣5分。", kind="deduction"),
        _manual("D-SAFETY", "安全生产责任事故", "performance", "year", 10,
                "发生一般安全生产责任事故的，每次扣2–10分，全年最多扣10分。", kind="deduction"),
        # 否决专项 — veto items
        _manual("V-ACCIDENT", "重大安全生产事故", "performance", "year", 0,
                "发生重大及以上安全生产事故的，当季星级最高评为一星，当年不得参加评先。", kind="veto"),
        _manual("V-DISCIPLINE", "严重违纪违法案件", "team", "year", 0,
                "支部班子成员发生严重违纪违法案件的，当季星级最高评为一星，当年不得参加评先。", kind="veto"),
    ]
    return rows


# --------------------------------------------------------------------------- checks

def _get(row, name):
    if isinstance(row, dict):
        return row.get(name)
    if isinstance(row, (tuple, list)):
        return row[{"category": 0, "index_code": 1, "weight": 2, "stars": 0, "min_score": 1}[name]]
    return getattr(row, name)


def validate_weights(rows) -> None:
    """Each category's index weights are whole numbers ≥ 0 that sum to 100.

    `rows`: (category, index_code, weight) tuples, dicts or IndexWeight-like objects.
    Every category present must list each of the five indices once."""
    by_cat: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        cat, idx, raw = _get(row, "category"), _get(row, "index_code"), _get(row, "weight")
        if cat not in CATEGORIES:
            raise CatalogueError(gettext("未知的支部类别：%(cat)s", cat=cat))
        if idx not in INDICES:
            raise CatalogueError(gettext("未知的指数：%(idx)s", idx=idx))
        try:
            weight = Decimal(str(raw))
        except (InvalidOperation, TypeError, ValueError):
            raise CatalogueError(gettext("%(category)s“%(index)s”的权重不是数字：%(raw)s",
                                         category=CATEGORIES[cat], index=INDICES[idx], raw=raw)) from None
        if weight != weight.to_integral_value() or weight < 0 or weight > 100:
            raise CatalogueError(gettext("%(category)s“%(index)s”的权重须为0–100的整数，当前为 %(raw)s。",
                                         category=CATEGORIES[cat], index=INDICES[idx], raw=raw))
        if idx in by_cat[cat]:
            raise CatalogueError(gettext("%(category)s的“%(index)s”权重重复填写。",
                                         category=CATEGORIES[cat], index=INDICES[idx]))
        by_cat[cat][idx] = int(weight)
    if not by_cat:
        raise CatalogueError(gettext("权重表为空。"))
    for cat, weights in by_cat.items():
        missing = [INDICES[i] for i in INDICES if i not in weights]
        if missing:
            raise CatalogueError(gettext("%(category)s缺少以下指数的权重：%(missing)s。",
                                         category=CATEGORIES[cat], missing=sep("list").join(missing)))
        total = sum(weights.values())
        if total != 100:
            raise CatalogueError(gettext("%(category)s的五项指数权重合计为 %(total)s，应为 100。",
                                         category=CATEGORIES[cat], total=total))


def validate_bands(rows) -> None:
    """Star bands (stars, min_score) cover 0–100 with no gap or overlap: each of ★1–★5
    exactly once, ★1 from 0, higher stars need strictly higher minimums, all ≤ 100."""
    bands: dict[int, Decimal] = {}
    for row in rows:
        raw_stars, raw_min = _get(row, "stars"), _get(row, "min_score")
        try:
            stars = int(raw_stars)
            minimum = Decimal(str(raw_min))
        except (InvalidOperation, TypeError, ValueError):
            raise CatalogueError(gettext("星级分段填写有误：%(raw_stars)s星 / %(raw_min)s",
                                         raw_stars=raw_stars, raw_min=raw_min)) from None
        if not 1 <= stars <= 5:
            raise CatalogueError(gettext("星级须为1–5星，当前为 %(stars)s。", stars=stars))
        if stars in bands:
            raise CatalogueError(gettext("%(stars)s星的分段重复（分段重叠）。", stars=stars))
        if minimum < 0 or minimum > 100:
            raise CatalogueError(gettext("%(stars)s星的最低分须在0–100之间，当前为 %(minimum)s。", stars=stars, minimum=minimum))
        bands[stars] = minimum
    missing = [s for s in range(1, 6) if s not in bands]
    if missing:
        raise CatalogueError(gettext("缺少 %(missing)s 的分段（分段有空缺）。", missing=sep("list").join(gettext("%(n)s星", n=s) for s in missing)))
    if bands[1] != 0:
        raise CatalogueError(gettext("1星的最低分须为 0，使分段从 0 分开始覆盖。"))
    for s in range(2, 6):
        if bands[s] <= bands[s - 1]:
            raise CatalogueError(gettext("%(s)s星的最低分（%(minimum)s）须高于%(lower)s星的最低分（%(lower_minimum)s），否则分段重叠。",
                                         s=s, minimum=bands[s], lower=s - 1, lower_minimum=bands[s - 1]))


# --------------------------------------------------------------------------- seeding

def seed_ruleset(session: Session, year: int, actor=None, *, registry=None, activate: bool | None = None,
                 name: str | None = None) -> RuleSet:
    """Create the next version of `year`'s rule set with default weights, bands and
    catalogue (core defaults plus every plugin's `starbranch_default_indicators` when a
    plugin `registry` is given). It is made active when the year has no active rule set
    yet (or `activate=True`, retiring the previous active one). Audited; not committed."""
    version = (session.scalar(select(func.max(RuleSet.version)).where(RuleSet.year == year)) or 0) + 1
    active = session.scalar(select(RuleSet).where(RuleSet.year == year, RuleSet.status == "active"))
    make_active = (active is None) if activate is None else activate
    ruleset = RuleSet(year=year, version=version, name=name or f"{year}年度星级党支部考核细则（第{version}版）",
                      status="active" if make_active else "draft", settings=dict(DEFAULT_SETTINGS))
    session.add(ruleset)
    if make_active and active is not None:
        active.status = "retired"
    weight_rows = [(c, i, w) for c, ws in DEFAULT_WEIGHTS.items() for i, w in ws.items()]
    validate_weights(weight_rows)
    validate_bands(DEFAULT_BANDS.items())
    ruleset.weights = [IndexWeight(category=c, index_code=i, weight=w) for c, i, w in weight_rows]
    ruleset.bands = [StarBand(stars=s, min_score=m) for s, m in sorted(DEFAULT_BANDS.items())]
    if registry is not None:
        rows = [r for batch in registry.hook.starbranch_default_indicators(ruleset=ruleset) for r in batch]
    else:
        rows = default_indicators(ruleset)
    seen = set()
    indicators = []
    for position, row in enumerate(rows, start=1):
        if row["code"] in seen:
            continue
        seen.add(row["code"])
        indicators.append(Indicator(position=row.get("position", position), **{k: v for k, v in row.items() if k != "position"}))
    ruleset.indicators = indicators
    session.flush()
    record(session, actor=actor, action="ruleset.seed", obj=ruleset,
           new={"year": year, "version": version, "status": ruleset.status, "indicators": len(indicators)})
    return ruleset


def active_ruleset(session: Session, year: int) -> RuleSet | None:
    """The active rule set of `year` (the newest version if, wrongly, several are active)."""
    return session.scalar(select(RuleSet).where(RuleSet.year == year, RuleSet.status == "active")
                          .order_by(RuleSet.version.desc()).limit(1))
