"""Writes of the production plugin: plans, actuals (one batch path shared by the forms,
the Excel import and the MES/ERP push), quarterly acceptance, safety incidents (with
the veto they may carry) and the yearly settings. Every write is checked (scope, plugin
enabled for the unit, open period, numbers) and audited; a batch is all-or-nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.plugins.api import (Branch, PeriodKey, PeriodLocked, PointRecord, UnitPlugin, audit as record, can_keep_ledger,
                              can_review, ensure_open)
from plugins.production.measures import PLUGIN, all_measures, find_measure
from plugins.production.models import (ACCEPTANCE_RULES, ACCEPTANCE_STATUSES, QUANTITY_PLACES, SEVERITIES,
                                       Acceptance, Actual, Incident, Measure, Plan, Setting)

#: The core catalogue's veto item the record cites (重大安全生产事故).
VETO_CODE = "V-ACCIDENT"


class ProductionError(ValueError):
    """A refused write; the message is for the user."""


# ------------------------------------------------------------------ parsing

def within_bounds(number: Decimal) -> Decimal:
    """What every plan and actual keeps: a finite, non-negative number below 10¹⁰ (a
    year's sum then stays exact in the scoring's integers, scoring.py)."""
    if not number.is_finite():
        raise ValueError(gettext("应为数字。"))
    if number < 0:
        raise ValueError(gettext("不能为负数。"))
    if number >= Decimal(10) ** 10:
        raise ValueError(gettext("数值过大。"))
    return number


def parse_quantity(value) -> Decimal:
    """A non-negative number with at most 4 decimals (text, int or Decimal; not bool)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(gettext("应为数字。"))
    try:
        number = within_bounds(Decimal(str(value).strip().replace(",", "")))
    except InvalidOperation:
        raise ValueError(gettext("应为数字。")) from None
    if number != number.quantize(Decimal(1).scaleb(-QUANTITY_PLACES)):
        raise ValueError(gettext("最多 %(n)s 位小数。", n=QUANTITY_PLACES))
    return number


def parse_month(value) -> date:
    """'2026-03' (or a date) → the month's first day."""
    if isinstance(value, date):
        return value.replace(day=1)
    try:
        key = PeriodKey.parse(str(value))
    except ValueError:
        raise ValueError(gettext("月份格式应为 2026-03。")) from None
    if key.kind != "month":
        raise ValueError(gettext("月份格式应为 2026-03。"))
    return key.starts_on


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


# ------------------------------------------------------------------ batch of entries

@dataclass
class Entry:
    """One line of a batch: a branch code, a measure (code, slot or Chinese name), a month
    and a plan and/or an actual. `ref` locates it for errors (sheet/row, or item index)."""

    ref: object
    branch: str
    measure: str
    month: date
    plan: Decimal | None = None
    actual: Decimal | None = None


@dataclass
class EntryError:
    ref: object
    field: str
    message: str
    #: unknown_branch (also: out of scope) / disabled / unknown_measure / duplicate / locked / no_plan / over_100
    code: str = "invalid"


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    items: list[dict] = field(default_factory=list)


def _enabled_units(session: Session, unit_ids) -> set[int]:
    return set(session.scalars(select(UnitPlugin.unit_id).where(
        UnitPlugin.plugin == PLUGIN, UnitPlugin.unit_id.in_(set(unit_ids)))))


def check_entries(session: Session, actor, entries: list[Entry], *, field_names: dict | None = None
                  ) -> tuple[list[tuple[Entry, Branch, Measure]], list[EntryError]]:
    """Resolve and check a whole batch with a few set queries; returns the resolved
    entries and every error (an empty error list means the batch may be written).

    `actor` None is the system (CLI): every branch is in scope."""
    names = {"branch": "branch", "measure": "measure", "month": "month", "plan": "plan", "actual": "actual",
             **(field_names or {})}
    errors: list[EntryError] = []
    codes = {e.branch for e in entries}
    branches = {b.code: b for b in session.scalars(select(Branch).where(Branch.code.in_(codes)))} if codes else {}
    enabled = _enabled_units(session, {b.unit_id for b in branches.values()})
    measures = all_measures(session)
    resolved, seen = [], {}
    for e in entries:
        branch = branches.get(e.branch)
        out_of_scope = actor is not None and branch is not None and not (
            can_review(actor, branch) if e.plan is not None else can_keep_ledger(actor, branch))
        if branch is None or not branch.active or out_of_scope:
            # One answer for "no such branch" and "not yours": a caller must not learn
            # which codes exist outside its scope (issue #14, item 11).
            errors.append(EntryError(e.ref, names["branch"], gettext(
                "支部编码“%(b)s”不存在、已停用或不在您的管理范围内。", b=e.branch), "unknown_branch"))
            continue
        if branch.unit_id not in enabled:
            errors.append(EntryError(e.ref, names["branch"],
                                     gettext("支部“%(b)s”所在单位未启用生产经营指标插件。", b=e.branch), "disabled"))
            continue
        measure = find_measure(measures, branch.category, e.measure)
        if measure is None or not measure.active:
            errors.append(EntryError(e.ref, names["measure"],
                                     gettext("“%(m)s”不是%(c)s支部的生产经营指标（应为产量、成本、质量或安全）。", m=e.measure,
                                             c=gettext(branch.category_label)), "unknown_measure"))
            continue
        key = (branch.id, measure.id, e.month)
        if key in seen:
            errors.append(EntryError(e.ref, names["measure"],
                                     gettext("与%(ref)s重复：同一支部、指标和月份只能有一行。", ref=seen[key]), "duplicate"))
            continue
        seen[key] = _ref_text(e.ref)
        over = [(name, v) for name, v in (("plan", e.plan), ("actual", e.actual)) if v is not None and v > 100]
        if measure.is_rate and over:
            for name, v in over:
                errors.append(EntryError(e.ref, names[name], gettext(
                    "“%(m)s”是比率指标（%%），月度数值不能超过 100，当前为 %(v)s。", m=measure.name, v=v), "over_100"))
            continue
        resolved.append((e, branch, measure))
    # Locked periods: one check per distinct month.
    for month in sorted({e.month for e, _, _ in resolved}):
        try:
            ensure_open(session, month)
        except PeriodLocked as exc:
            for e, _, _ in resolved:
                if e.month == month:
                    errors.append(EntryError(e.ref, names["month"], str(exc), "locked"))
    # An actual needs a plan for its month (in the database or in the same batch).
    need = [(b.id, m.id, e.month) for e, b, m in resolved if e.actual is not None and e.plan is None]
    planned = _existing(session, Plan, need)
    for e, b, m in resolved:
        if e.actual is not None and e.plan is None and (b.id, m.id, e.month) not in planned:
            errors.append(EntryError(e.ref, names["month"],
                                     gettext("%(month)s 没有“%(m)s”的计划，不能填报实绩；请先下达该月计划。", month=month_key(e.month),
                                             m=gettext(m.slot_label)), "no_plan"))
    return resolved, errors


def _ref_text(ref) -> str:
    if isinstance(ref, tuple):
        return gettext("工作表“%(s)s”第 %(r)s 行", s=ref[0], r=ref[1])
    return gettext("第 %(n)s 条", n=int(ref) + 1) if isinstance(ref, int) else str(ref)


def _existing(session: Session, model, keys) -> dict:
    """Rows of `model` for the (branch_id, measure_id, month) keys, by key (one query)."""
    keys = list(set(keys))
    if not keys:
        return {}
    out = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        rows = session.scalars(select(model).where(
            or_(*[and_(model.branch_id == b, model.measure_id == m, model.month == d) for b, m, d in chunk])))
        out.update({(r.branch_id, r.measure_id, r.month): r for r in rows})
    return out


def write_entries(session: Session, actor, resolved, *, source: str, source_ref: str | None = None) -> BatchResult:
    """Write checked entries: new → created; same value → unchanged (nothing written);
    a different value → updated and audited with old and new. Each month is taken
    (core.periods.ensure_open) again here, so a caller that skipped check_entries still
    cannot write into a closed month."""
    for month in sorted({e.month for e, _, _ in resolved}):
        ensure_open(session, month)
    result = BatchResult()
    plans = _existing(session, Plan, [(b.id, m.id, e.month) for e, b, m in resolved if e.plan is not None])
    actuals = _existing(session, Actual, [(b.id, m.id, e.month) for e, b, m in resolved if e.actual is not None])
    for e, branch, measure in resolved:
        key = (branch.id, measure.id, e.month)
        for kind, value, model, rows in (("plan", e.plan, Plan, plans), ("actual", e.actual, Actual, actuals)):
            if value is None:
                continue
            row = rows.get(key)
            status = _upsert(session, actor, model, row, branch, measure, e.month, value, source, source_ref)
            setattr(result, status, getattr(result, status) + 1)
            result.items.append({"branch": branch.code, "measure": measure.code, "month": month_key(e.month),
                                 "kind": kind, "value": str(value), "status": status})
    session.flush()
    return result


def _upsert(session, actor, model, row, branch, measure, month, value, source, source_ref) -> str:
    what = "plan" if model is Plan else "actual"
    obj_id = f"{branch.code}:{measure.code}:{month_key(month)}"
    if row is None:
        row = model(branch_id=branch.id, unit_id=branch.unit_id, measure_id=measure.id, month=month,
                    value=value, updated_by=getattr(actor, "id", None))
        if model is Actual:
            row.source, row.source_ref = source, source_ref
        session.add(row)
        record(session, actor=actor, action=f"production.{what}.create", object_type=model.__tablename__,
               object_id=obj_id, new={"value": value, "source": source}, unit_id=branch.unit_id)
        return "created"
    if Decimal(row.value) == value:
        return "unchanged"
    old = row.value
    row.value, row.updated_by = value, getattr(actor, "id", None)
    if model is Actual:
        row.source, row.source_ref = source, source_ref
    record(session, actor=actor, action=f"production.{what}.update", object_type=model.__tablename__,
           object_id=obj_id, old={"value": old}, new={"value": value, "source": source}, unit_id=branch.unit_id)
    return "updated"


def save_entries(session: Session, actor, entries: list[Entry], *, source: str, source_ref: str | None = None,
                 field_names: dict | None = None) -> tuple[BatchResult | None, list[EntryError]]:
    """Check then write a batch, all-or-nothing. Returns (result, []) or (None, errors)."""
    resolved, errors = check_entries(session, actor, entries, field_names=field_names)
    if errors:
        return None, errors
    return write_entries(session, actor, resolved, source=source, source_ref=source_ref), []


# ------------------------------------------------------------------ reading a branch

def branch_year(session: Session, branch: Branch, year: int) -> dict:
    """Plans and actuals of a branch for a year: {(measure_id, month): (plan, actual)}."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    out: dict = {}
    for p in session.scalars(select(Plan).where(Plan.branch_id == branch.id, Plan.month.between(start, end))):
        out.setdefault((p.measure_id, p.month), [None, None])[0] = p.value
    for a in session.scalars(select(Actual).where(Actual.branch_id == branch.id, Actual.month.between(start, end))):
        out.setdefault((a.measure_id, a.month), [None, None])[1] = a.value
    return out


def measures_of(session: Session, category: str) -> list[Measure]:
    return [m for m in all_measures(session) if m.category == category and m.active]


def require_enabled(session: Session, branch: Branch) -> None:
    if session.scalar(select(UnitPlugin.id).where(UnitPlugin.unit_id == branch.unit_id,
                                                  UnitPlugin.plugin == PLUGIN)) is None:
        raise ProductionError(gettext("该支部所在单位未启用生产经营指标插件。"))


# ------------------------------------------------------------------ settings

def get_setting(session: Session, year: int) -> Setting:
    """The year's settings (an unsaved row with the defaults when none is stored)."""
    row = session.scalar(select(Setting).where(Setting.year == year))
    return row or Setting(year=year, acceptance_rule="computed", veto_on_major=True)


def save_setting(session: Session, actor, year: int, *, acceptance_rule: str, veto_on_major: bool) -> Setting:
    if acceptance_rule not in ACCEPTANCE_RULES:
        raise ProductionError(gettext("未知的验收计分规则。"))
    row = session.scalar(select(Setting).where(Setting.year == year))
    old = {"acceptance_rule": row.acceptance_rule, "veto_on_major": row.veto_on_major} if row else {}
    if row is None:
        row = Setting(year=year)
        session.add(row)
    row.acceptance_rule, row.veto_on_major, row.updated_by = acceptance_rule, veto_on_major, getattr(actor, "id", None)
    session.flush()
    record(session, actor=actor, action="production.setting.save", obj=row, old=old,
           new={"acceptance_rule": acceptance_rule, "veto_on_major": veto_on_major})
    return row


# ------------------------------------------------------------------ quarterly acceptance

def decide_acceptance(session: Session, actor, branch: Branch, measure: Measure, quarter: str, *,
                      status: str, comment: str) -> Acceptance:
    """The unit committee accepts (or not) one key measure of a branch for a quarter."""
    if actor is not None and not can_review(actor, branch):
        raise ProductionError(gettext("只有本单位党委审核员或组织部可以进行季度验收。"))
    require_enabled(session, branch)
    key = PeriodKey.parse(quarter)
    if key.kind != "quarter":
        raise ProductionError(gettext("季度格式应为 2026Q1。"))
    if status not in ACCEPTANCE_STATUSES:
        raise ProductionError(gettext("验收结论应为“验收通过”或“验收不通过”。"))
    if measure.category != branch.category or not measure.key:
        raise ProductionError(gettext("该指标不是本支部的关键指标。"))
    comment = (comment or "").strip()
    if status == "rejected" and not comment:
        raise ProductionError(gettext("验收不通过时必须填写意见。"))
    ensure_open(session, key.ends_on)  # the quarter's last month and the quarter itself
    row = session.scalar(select(Acceptance).where(Acceptance.branch_id == branch.id,
                                                  Acceptance.measure_id == measure.id,
                                                  Acceptance.quarter == key.key))
    old = {"status": row.status, "comment": row.comment} if row else {}
    if row is None:
        row = Acceptance(branch_id=branch.id, unit_id=branch.unit_id, measure_id=measure.id, quarter=key.key)
        session.add(row)
    row.status, row.comment, row.decided_by = status, comment, getattr(actor, "id", None)
    session.flush()
    record(session, actor=actor, action="production.acceptance.decide", obj=row, old=old,
           new={"status": status, "comment": comment, "measure": measure.code, "quarter": key.key})
    return row


def window_figures(session: Session, branch_ids, key: PeriodKey, measures: dict) -> dict:
    """{(branch_id, measure_id): (plan, actual)} over the window's months (one GROUP BY):
    sums for quantities, the mean of the months for rates (Measure.is_rate — no volume
    behind a rate is known, so each month counts equally; Σ actual ÷ Σ plan over the
    same months, the score's attainment, is the ratio of these means). actual is None
    until every planned month is reported. `measures`: id → Measure."""
    from sqlalchemy import and_, func
    from plugins.production.models import Actual, Plan
    if not branch_ids:
        return {}
    rows = session.execute(
        select(Plan.branch_id, Plan.measure_id, func.sum(Plan.value), func.sum(Actual.value), func.count(Plan.id),
               func.count(Actual.id))
        .outerjoin(Actual, and_(Actual.branch_id == Plan.branch_id, Actual.measure_id == Plan.measure_id,
                                Actual.month == Plan.month))
        .where(Plan.branch_id.in_(list(branch_ids)), Plan.month.between(key.starts_on, key.ends_on))
        .group_by(Plan.branch_id, Plan.measure_id))
    out = {}
    for b, m, plan, actual, n_plan, n_actual in rows:
        if n_actual < n_plan:
            actual = None
        measure = measures.get(m)
        if measure is not None and measure.is_rate and n_plan:
            plan = mean_of(plan, n_plan)
            actual = mean_of(actual, n_plan) if actual is not None else None
        out[(b, m)] = (plan, actual)
    return out


def mean_of(total, n: int) -> Decimal:
    """A rate's window value: the mean of its months, to the stored 4 places, half-up."""
    from decimal import ROUND_HALF_UP
    value = (Decimal(total) / n).quantize(Decimal(1).scaleb(-QUANTITY_PLACES), rounding=ROUND_HALF_UP)
    return Decimal(format(value.normalize(), "f"))


def accept_all(session: Session, actor, unit_id: int, quarter: str, branch_ids, measures: list[Measure],
               exceptions: dict) -> tuple[int, int]:
    """季度验收 in one submit: every key measure of the unit's `branch_ids` that has a
    plan in the quarter, every planned month reported and no decision yet is accepted;
    the `exceptions` {(branch_id, measure_id): comment} are rejected with their comment
    (required) whether decided before or not. All or nothing: one refused row refuses
    the batch. Returns (accepted, rejected)."""
    key = PeriodKey.parse(quarter)
    if key.kind != "quarter":
        raise ProductionError(gettext("季度格式应为 2026Q1。"))
    branches = {b.id: b for b in session.scalars(select(Branch).where(Branch.id.in_(list(branch_ids)),
                                                                       Branch.unit_id == unit_id))}
    by_id = {m.id: m for m in measures}
    figures = window_figures(session, list(branches), key, by_id)
    decided = acceptances(session, list(branches), key.key)
    for (b, m), comment in exceptions.items():
        if b not in branches or m not in by_id:
            raise ProductionError(gettext("例外项不属于本单位的关键指标。"))
        if not (comment or "").strip():
            raise ProductionError(gettext("%(b)s的%(m)s标为不通过，必须填写意见。", b=branches[b].name,
                                          m=gettext(by_id[m].slot_label)))
    accepted = rejected = 0
    for (b, m), (plan, actual) in sorted(figures.items()):
        measure = by_id.get(m)
        if measure is None or not measure.key or (b, m) in exceptions or (b, m) in decided or actual is None:
            continue
        decide_acceptance(session, actor, branches[b], measure, key.key, status="accepted", comment="")
        accepted += 1
    for (b, m), comment in sorted(exceptions.items()):
        decide_acceptance(session, actor, branches[b], by_id[m], key.key, status="rejected", comment=comment)
        rejected += 1
    return accepted, rejected


def closed_months(session: Session, quarter: str) -> list[str]:
    """Labels of the quarter's months already closed: under a strict acceptance rule a
    decision reaches their stored scores only after they are reopened and closed again."""
    from core.plugins.api import Period
    keys = [k.key for k in PeriodKey.parse(quarter).children()]
    rows = session.scalars(select(Period).where(Period.key.in_(keys), Period.status == "closed")
                           .order_by(Period.starts_on))
    return [p.label for p in rows]


def acceptances(session: Session, unit_branch_ids, quarter: str) -> dict:
    """{(branch_id, measure_id): Acceptance} for the branches and quarter (one query)."""
    rows = session.scalars(select(Acceptance).where(Acceptance.quarter == quarter,
                                                    Acceptance.branch_id.in_(unit_branch_ids)))
    return {(r.branch_id, r.measure_id): r for r in rows}


# ------------------------------------------------------------------ incidents and veto

def record_incident(session: Session, actor, branch: Branch, *, occurred_on: date, severity: str,
                    description: str) -> Incident:
    """Record a safety incident. A major one, when the year's setting says so, also
    writes a core veto PointRecord dated the same day: the engine then caps the star of
    every quarter (and year) containing it, like any other 否决 item."""
    if actor is not None and not can_keep_ledger(actor, branch):
        raise ProductionError(gettext("该支部不在您的管理范围内。"))
    require_enabled(session, branch)
    if severity not in SEVERITIES:
        raise ProductionError(gettext("事件等级无效。"))
    description = (description or "").strip()
    if not description:
        raise ProductionError(gettext("请填写事件经过。"))
    if occurred_on > date.today():
        raise ProductionError(gettext("发生日期不能晚于今天。"))
    ensure_open(session, occurred_on)
    incident = Incident(branch_id=branch.id, unit_id=branch.unit_id, occurred_on=occurred_on,
                        severity=severity, description=description, created_by=getattr(actor, "id", None))
    session.add(incident)
    if severity == "major" and get_setting(session, occurred_on.year).veto_on_major:
        veto = PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="veto", points=Decimal("0"),
                           dated=occurred_on, reason=f"重大安全事故（一票否决）：{description}",
                           indicator_code=VETO_CODE, created_by=getattr(actor, "id", None))
        session.add(veto)
        session.flush()
        incident.veto_record_id = veto.id
        record(session, actor=actor, action="ledger.point.create", obj=veto,
               new={"kind": "veto", "dated": occurred_on, "reason": veto.reason})
    session.flush()
    record(session, actor=actor, action="production.incident.create", obj=incident,
           new={"occurred_on": occurred_on, "severity": severity, "description": description,
                "veto_record_id": incident.veto_record_id})
    return incident


def delete_incident(session: Session, actor, incident: Incident, *, reason: str) -> None:
    """Delete a wrongly entered incident and the veto it produced (open periods only)."""
    branch = session.get(Branch, incident.branch_id)
    if actor is not None and not can_review(actor, branch):
        raise ProductionError(gettext("只有本单位党委审核员或组织部可以删除安全事件。"))
    if not (reason or "").strip():
        raise ProductionError(gettext("删除必须填写原因。"))
    ensure_open(session, incident.occurred_on)
    old = {"occurred_on": incident.occurred_on, "severity": incident.severity,
           "description": incident.description, "veto_record_id": incident.veto_record_id}
    veto_id = incident.veto_record_id
    record(session, actor=actor, action="production.incident.delete", obj=incident, old=old, reason=reason)
    session.delete(incident)
    session.flush()
    if veto_id:
        veto = session.get(PointRecord, veto_id)
        if veto is not None:
            record(session, actor=actor, action="ledger.point.delete", obj=veto,
                   old={"kind": "veto", "dated": veto.dated, "reason": veto.reason}, reason=reason)
            session.delete(veto)
    session.flush()


def days_without_incident(session: Session, branch_id: int, until: date) -> int | None:
    """Days since the last recordable or major incident up to `until` (None if none)."""
    from sqlalchemy import func
    last = session.scalar(select(func.max(Incident.occurred_on)).where(
        Incident.branch_id == branch_id, Incident.severity.in_(("recordable", "major")),
        Incident.occurred_on <= until))
    return None if last is None else (until - last).days
