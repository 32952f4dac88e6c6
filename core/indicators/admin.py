"""Write paths of the catalogue admin (指标库维护): copy and activate rule sets, save
weights, bands, settings and indicators. The checks on weights and bands are the
engine's (`core.indicators.catalogue`); this module refuses edits of a rule set a
closed period was scored with, audits every change and leaves the commit to the caller."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.service import diff, record as audit, snapshot
from core.indicators.catalogue import CatalogueError, validate_bands, validate_weights
from core.indicators.models import (CYCLES, DEFAULT_SETTINGS, INDICATOR_KINDS, INDICES, UNVERIFIED_POLICIES,
                                    IndexWeight, Indicator, RuleSet, StarBand)
from core.ledger.models import ACTIVITY_TYPES
from core.org.models import CATEGORIES
from core.periods.models import Period
from core.points import to_points
from core.targets.models import TARGET_GROUPS

INDICATOR_FIELDS = ("code", "name", "index_code", "kind", "points", "standard", "cycle", "categories", "method",
                    "params", "plugin", "position")


def closed_period_using(session: Session, ruleset: RuleSet) -> Period | None:
    return session.scalar(select(Period).where(Period.ruleset_id == ruleset.id, Period.status == "closed")
                          .order_by(Period.starts_on).limit(1))


def ensure_editable(session: Session, ruleset: RuleSet) -> None:
    """A rule set a closed period was scored with never changes (copy it instead)."""
    period = closed_period_using(session, ruleset)
    if period is not None:
        raise CatalogueError(gettext("该考核细则已用于已结账的%(period)s，不能再修改；"
                                     "如需调整，请“复制为新版本”后修改新版本。", period=period.label))


def copy_ruleset(session: Session, source: RuleSet, *, year: int, actor) -> RuleSet:
    """A new draft version for `year` with the source's settings, weights, bands and indicators."""
    if not 2000 <= year <= 2100:
        raise CatalogueError(gettext("年度无效。"))
    version = (session.scalar(select(func.max(RuleSet.version)).where(RuleSet.year == year)) or 0) + 1
    rs = RuleSet(year=year, version=version, status="draft",
                 name=f"{year}年度星级党支部考核细则（第{version}版）",
                 settings=dict(source.settings or {}))
    rs.weights = [IndexWeight(category=w.category, index_code=w.index_code, weight=w.weight) for w in source.weights]
    rs.bands = [StarBand(stars=b.stars, min_score=b.min_score) for b in source.bands]
    rs.indicators = [Indicator(**{f: getattr(i, f) for f in INDICATOR_FIELDS}) for i in source.indicators]
    session.add(rs)
    session.flush()
    audit(session, actor=actor, action="ruleset.copy", obj=rs,
          new={"from": source.id, "year": year, "version": version})
    return rs


def activate_ruleset(session: Session, ruleset: RuleSet, *, actor) -> None:
    """Make it the year's active rule set; the previous active one is retired (closed
    periods keep the rule set they were scored with)."""
    if ruleset.status == "active":
        return
    if not ruleset.indicators:
        raise CatalogueError(gettext("该细则没有任何指标，不能启用。"))
    validate_weights([(w.category, w.index_code, w.weight) for w in ruleset.weights])
    validate_bands([(b.stars, b.min_score) for b in ruleset.bands])
    for other in session.scalars(select(RuleSet).where(RuleSet.year == ruleset.year, RuleSet.status == "active")):
        other.status = "retired"
        audit(session, actor=actor, action="ruleset.retire", obj=other, old={"status": "active"}, new={"status": "retired"})
    old = ruleset.status
    ruleset.status = "active"
    session.flush()
    audit(session, actor=actor, action="ruleset.activate", obj=ruleset, old={"status": old}, new={"status": "active"})


def save_weights(session: Session, ruleset: RuleSet, rows: list[tuple[str, str, int]], *, actor) -> None:
    """Replace the weight table; each category's five weights must sum to 100."""
    ensure_editable(session, ruleset)
    validate_weights(rows)
    current = {(w.category, w.index_code): w for w in ruleset.weights}
    old = {f"{c}.{i}": w.weight for (c, i), w in current.items()}
    for cat, idx, weight in rows:
        row = current.get((cat, idx))
        if row is None:
            ruleset.weights.append(IndexWeight(category=cat, index_code=idx, weight=int(weight)))
        else:
            row.weight = int(weight)
    session.flush()
    before, after = diff(old, {f"{c}.{i}": int(w) for c, i, w in rows})
    audit(session, actor=actor, action="ruleset.weights", obj=ruleset, old=before, new=after)


def save_bands(session: Session, ruleset: RuleSet, rows: list[tuple[int, Decimal]], *, actor) -> None:
    """Replace the star bands; they must cover 0–100 without gap or overlap."""
    ensure_editable(session, ruleset)
    validate_bands(rows)
    current = {b.stars: b for b in ruleset.bands}
    old = {str(s): str(b.min_score) for s, b in current.items()}
    for stars, minimum in rows:
        row = current.get(int(stars))
        if row is None:
            ruleset.bands.append(StarBand(stars=int(stars), min_score=to_points(minimum)))
        else:
            row.min_score = to_points(minimum)
    session.flush()
    before, after = diff(old, {str(int(s)): str(to_points(m)) for s, m in rows})
    audit(session, actor=actor, action="ruleset.bands", obj=ruleset, old=before, new=after)


def _decimal(value, what, low=None, high=None) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CatalogueError(gettext("%(what)s应为数字。", what=what)) from None
    if not number.is_finite() or (low is not None and number < low) or (high is not None and number > high):
        raise CatalogueError(gettext("%(what)s须在 %(low)s 到 %(high)s 之间。", what=what, low=low, high=high))
    return number


def _int(value, what, low, high) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise CatalogueError(gettext("%(what)s应为整数。", what=what)) from None
    if not low <= number <= high:
        raise CatalogueError(gettext("%(what)s须在 %(low)s 到 %(high)s 之间。", what=what, low=low, high=high))
    return number


def _choice(value, allowed: tuple, label) -> str:
    """One of `allowed`; missing means the first (the default)."""
    value = value or allowed[0]
    if value not in allowed:
        raise CatalogueError(gettext("%(f)s的取值无效。", f=label))
    return value


def clean_settings(values: dict) -> dict:
    """Check the (cfg) numbers of SCORING.md and return them as stored (JSON)."""
    s = {}
    s["late_factor"] = str(_decimal(values.get("late_factor"), _l("逾期上传折算系数"), Decimal(0), Decimal(1)))
    low = _decimal(values.get("attendance_low", DEFAULT_SETTINGS["attendance_low"]), _l("出勤率下限"), Decimal(0), Decimal(1))
    high = _decimal(values.get("attendance_high", DEFAULT_SETTINGS["attendance_high"]), _l("出勤率上限"), Decimal(0), Decimal(1))
    if high <= low:
        raise CatalogueError(gettext("出勤率满分线须高于零分线。"))
    s["attendance_low"], s["attendance_high"] = str(low), str(high)
    s["bonus_cap"] = str(_decimal(values.get("bonus_cap"), _l("加分上限"), Decimal(0), Decimal(100)))
    s["veto_cap"] = _int(values.get("veto_cap"), _l("否决封顶星级"), 1, 5)
    s["promotion_step"] = bool(values.get("promotion_step"))
    mode = values.get("proportion_mode") or "off"
    if mode not in ("off", "warn", "cap"):
        raise CatalogueError(gettext("比例控制方式无效。"))
    s["proportion_mode"] = mode
    s["proportion_scope"] = _choice(values.get("proportion_scope"), ("both", "quarter", "year"), _l("比例适用范围"))
    s["proportion_rounding"] = _choice(values.get("proportion_rounding"), ("half_up_min1", "floor"), _l("名额取整"))
    shares = {}
    for star, raw in (values.get("proportions") or {}).items():
        if raw in (None, ""):
            continue
        shares[str(star)] = _int(raw, gettext("%(n)s星比例", n=star), 0, 100)
    if sum(shares.values()) > 100:
        raise CatalogueError(gettext("各星级指导比例之和不能超过 100%。"))
    if mode != "off" and not shares:
        raise CatalogueError(gettext("启用比例控制时请至少填写一个星级的指导比例。"))
    s["proportions"] = shares
    gates = {}
    for star, raw in (values.get("gates") or {}).items():
        code = (raw or "").strip()
        if code:
            _int(star, _l("门槛星级"), 2, 5)
            gates[str(star)] = code[:60]
    s["gates"] = gates
    s["commendation_top_n"] = _int(values.get("commendation_top_n"), _l("每类推先表彰名额"), 0, 1000)
    s["commendation_ties"] = _choice(values.get("commendation_ties"), ("include", "order"), _l("推先名额并列"))
    s["notice_days"] = _int(values.get("notice_days"), _l("公示期（工作日）"), 1, 60)
    groups = {}
    for code in TARGET_GROUPS:
        groups[code] = _int((values.get("target_groups") or {}).get(code),
                            gettext("%(g)s权重", g=gettext(TARGET_GROUPS[code])), 0, 100)
    if sum(groups.values()) != 100:
        raise CatalogueError(gettext("目标管控三个分组的权重合计为 %(total)s，应为 100。", total=sum(groups.values())))
    s["target_groups"] = groups
    policy = values.get("unverified_policy") or DEFAULT_SETTINGS["unverified_policy"]
    if policy not in UNVERIFIED_POLICIES:
        raise CatalogueError(gettext("未审核人工评分项的处理方式无效。"))
    s["unverified_policy"] = policy
    return s


def save_settings(session: Session, ruleset: RuleSet, values: dict, *, actor) -> None:
    ensure_editable(session, ruleset)
    clean = clean_settings(values)
    old = dict(ruleset.settings or {})
    ruleset.settings = {**old, **clean}
    session.flush()
    before, after = diff({k: old.get(k) for k in clean}, clean)
    audit(session, actor=actor, action="ruleset.settings", obj=ruleset, old=before, new=after)


def clean_indicator(session: Session, ruleset: RuleSet, data: dict, *, methods: dict, indicator=None) -> dict:
    """Check the 5+N attributes of an indicator. `methods`: method code → plugin (or None)."""
    code = (data.get("code") or "").strip().upper()
    if not code:
        raise CatalogueError(gettext("请填写指标编码。"))
    clash = session.scalar(select(Indicator.id).where(Indicator.ruleset_id == ruleset.id, Indicator.code == code))
    if clash is not None and (indicator is None or clash != indicator.id):
        raise CatalogueError(gettext("本细则中已有编码为 %(code)s 的指标。", code=code))
    name = (data.get("name") or "").strip()
    if not name:
        raise CatalogueError(gettext("请填写指标名称。"))
    if data.get("index_code") not in INDICES:
        raise CatalogueError(gettext("请选择所属指数。"))
    if data.get("kind") not in INDICATOR_KINDS:
        raise CatalogueError(gettext("请选择指标类型。"))
    if data.get("cycle") not in CYCLES:
        raise CatalogueError(gettext("请选择考核周期。"))
    points = _decimal(data.get("points") or "0", _l("分值"), Decimal(0), Decimal(100))
    if data["kind"] == "veto":
        points = Decimal(0)
    elif points <= 0:
        raise CatalogueError(gettext("分值须大于 0（否决项除外）。"))
    method = data.get("method") or "manual"
    if method not in methods:
        raise CatalogueError(gettext("评分方法无效。"))
    cats = [c for c in (data.get("categories") or []) if c in CATEGORIES]
    categories = None if not cats or set(cats) == set(CATEGORIES) else sorted(cats)
    params = {}
    types = [t for t in (data.get("record_types") or []) if t in ACTIVITY_TYPES]
    if method in ("ledger_count", "attendance"):
        if not types:
            raise CatalogueError(gettext("该评分方法须选择台账活动类型。"))
        params["record_types"] = types
    if method == "ledger_count":
        params["min_count"] = _int(data.get("min_count") or 1, _l("每周期最少次数"), 1, 100)
        params["deadline_days"] = _int(data.get("deadline_days") if data.get("deadline_days") not in (None, "") else 7,
                                       _l("上传时限（天）"), 0, 366)
    if method == "target":
        params["index_code"] = data["index_code"]
    return {"code": code, "name": name[:120], "index_code": data["index_code"], "kind": data["kind"],
            "points": to_points(points), "standard": (data.get("standard") or "").strip() or None,
            "cycle": data["cycle"], "categories": categories, "method": method, "params": params,
            "plugin": methods[method]}


def save_indicator(session: Session, ruleset: RuleSet, data: dict, *, actor, methods: dict,
                   indicator: Indicator | None = None) -> Indicator:
    ensure_editable(session, ruleset)
    clean = clean_indicator(session, ruleset, data, methods=methods, indicator=indicator)
    if indicator is None:
        position = (session.scalar(select(func.max(Indicator.position)).where(Indicator.ruleset_id == ruleset.id)) or 0) + 1
        indicator = Indicator(ruleset_id=ruleset.id, position=position, **clean)
        session.add(indicator)
        session.flush()
        audit(session, actor=actor, action="indicator.create", obj=indicator, new=snapshot(indicator, INDICATOR_FIELDS))
        return indicator
    old = snapshot(indicator, INDICATOR_FIELDS)
    for key, value in clean.items():
        setattr(indicator, key, value)
    session.flush()
    before, after = diff(old, snapshot(indicator, INDICATOR_FIELDS))
    audit(session, actor=actor, action="indicator.update", obj=indicator, old=before, new=after)
    return indicator


def delete_indicator(session: Session, ruleset: RuleSet, indicator: Indicator, *, actor) -> None:
    ensure_editable(session, ruleset)
    from core.periods.models import Period
    from core.scoring.models import Evaluation
    # By the rule set's periods: evaluations are indexed by period first (a rule set
    # scores only the periods of its year).
    used = (select(Evaluation.branch_id).join(Period, Period.id == Evaluation.period_id)
            .where(Period.year == ruleset.year, Evaluation.indicator_id == indicator.id).limit(1))
    if session.scalar(used) is not None:
        raise CatalogueError(gettext("该指标已有评分记录，不能删除；可将分值或适用类别调整后保存。"))
    audit(session, actor=actor, action="indicator.delete", obj=indicator, old=snapshot(indicator, INDICATOR_FIELDS))
    session.delete(indicator)
    session.flush()
