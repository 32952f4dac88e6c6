"""Targets (目标管控): decomposition to branches (分解), owner and deadline (定责),
monthly progress (追踪) and the overdue flag. Plain functions taking a session; every
write checks the period lock first, is audited, and leaves the commit to the caller."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.audit.service import diff, record as audit, snapshot
from core.db import utcnow
from core.indicators.models import INDICES
from core.periods.keys import PeriodKey
from core.periods.locks import ensure_open
from core.points import to_points
from core.targets.models import TARGET_GROUPS, Target, TargetProgress

TARGET_FIELDS = ("title", "description", "group", "index_code", "points", "owner", "deadline")


class TargetError(ValueError):
    """Bad input for a target; the message is for the user."""


def parse_decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TargetError(gettext("%(what)s应为数字。", what=what)) from None
    if not number.is_finite():
        raise TargetError(gettext("%(what)s应为数字。", what=what))
    return number


def _clean(data: dict) -> dict:
    title = (data.get("title") or "").strip()
    if not title:
        raise TargetError(gettext("请填写目标名称。"))
    if data.get("group") not in TARGET_GROUPS:
        raise TargetError(gettext("请选择目标分组：安全生产经营、支部基础工作或重点工作任务。"))
    if data.get("index_code") not in INDICES:
        raise TargetError(gettext("请选择目标考核计入的指数。"))
    points = parse_decimal(data.get("points"), _l("分值"))
    if not Decimal(0) < points <= Decimal(100):
        raise TargetError(gettext("分值须大于 0 且不超过 100。"))
    owner = (data.get("owner") or "").strip()
    if not owner:
        raise TargetError(gettext("请填写责任人（目标定责）。"))
    if not isinstance(data.get("deadline"), date):
        raise TargetError(gettext("请填写完成时限。"))
    return {"title": title[:200], "description": (data.get("description") or "").strip() or None,
            "group": data["group"], "index_code": data["index_code"], "points": to_points(points),
            "owner": owner[:60], "deadline": data["deadline"]}


def create_targets(session: Session, *, actor, data: dict, branches) -> list[Target]:
    """Decompose one target to several branches at once (one batch)."""
    clean = _clean(data)
    branches = list(branches)
    if not branches:
        raise TargetError(gettext("请至少选择一个党支部。"))
    ensure_open(session, clean["deadline"])
    batch = uuid.uuid4().hex[:16]
    targets = []
    for branch in branches:
        t = Target(branch_id=branch.id, unit_id=branch.unit_id, batch=batch, created_by=getattr(actor, "id", None),
                   created_at=utcnow(), version=1, **clean)
        session.add(t)
        targets.append(t)
    session.flush()
    for t in targets:
        audit(session, actor=actor, action="targets.create", obj=t, new={**snapshot(t, TARGET_FIELDS), "batch": batch})
    return targets


def update_target(session: Session, *, target: Target, actor, data: dict, expected_version: int | None = None) -> Target:
    clean = _clean(data)
    ensure_open(session, target.deadline)
    ensure_open(session, clean["deadline"])
    if expected_version is not None and expected_version != target.version:
        raise TargetError(gettext("该目标已被他人修改，请刷新后重试（您的修改未保存）。"))
    old = snapshot(target, TARGET_FIELDS)
    for key, value in clean.items():
        setattr(target, key, value)
    target.version += 1
    session.flush()
    before, after = diff(old, snapshot(target, TARGET_FIELDS))
    audit(session, actor=actor, action="targets.update", obj=target, old=before, new=after)
    return target


def delete_target(session: Session, *, target: Target, actor) -> None:
    ensure_open(session, target.deadline)
    for p in target.progress:
        ensure_open(session, p.month)
    audit(session, actor=actor, action="targets.delete", obj=target, old=snapshot(target, TARGET_FIELDS))
    session.delete(target)
    session.flush()


def record_progress(session: Session, *, target: Target, actor, month: str | date, completion,
                    note: str | None = None, today: date | None = None) -> TargetProgress:
    """Completion (0–100 %) at the end of a month; one row per month (a second entry
    for the same month replaces the first). A closed month is refused."""
    if isinstance(month, date):
        first = month.replace(day=1)
    else:
        try:
            pk = PeriodKey.parse(month)
        except ValueError as exc:
            raise TargetError(str(exc)) from None
        if pk.kind != "month":
            raise TargetError(gettext("请填写月份，如 2026-03。"))
        first = pk.starts_on
    today = today or date.today()
    if first > today:
        raise TargetError(gettext("不能登记未来月份的进度。"))
    value = parse_decimal(completion, _l("完成率"))
    if not Decimal(0) <= value <= Decimal(100):
        raise TargetError(gettext("完成率须在 0 到 100 之间。"))
    ensure_open(session, first)
    row = session.scalar(select(TargetProgress).where(TargetProgress.target_id == target.id,
                                                      TargetProgress.month == first))
    old = None
    if row is None:
        row = TargetProgress(target_id=target.id, month=first)
        session.add(row)
    else:
        old = {"completion": row.completion, "note": row.note}
    row.completion = to_points(value)
    row.note = (note or "").strip() or None
    row.recorded_by = getattr(actor, "id", None)
    row.recorded_at = utcnow()
    session.flush()
    audit(session, actor=actor, action="targets.progress", obj=target, old=old,
          new={"month": first.isoformat(), "completion": row.completion, "note": row.note})
    return row


def latest_progress():
    """A subquery: each target's latest month tracked and the completion then."""
    last = (select(TargetProgress.target_id, func.max(TargetProgress.month).label("month"))
            .group_by(TargetProgress.target_id).subquery())
    return (select(TargetProgress.target_id, TargetProgress.completion, TargetProgress.month)
            .join(last, and_(last.c.target_id == TargetProgress.target_id, last.c.month == TargetProgress.month))
            .subquery())


def overdue_clause(latest, today: date):
    """Deadline passed and not complete (no progress counts as 0 %)."""
    return and_(Target.deadline < today, or_(latest.c.completion.is_(None), latest.c.completion < Decimal(100)))


def target_rows(scope_clause, *, today: date, group: str | None = None, overdue: bool = False,
                branch_id: int | None = None, unit_id: int | None = None):
    """The select of Targets for a list, filtered (overdue computed in SQL)."""
    stmt = select(Target).where(scope_clause)
    if group in TARGET_GROUPS:
        stmt = stmt.where(Target.group == group)
    if overdue:
        latest = latest_progress()
        stmt = stmt.outerjoin(latest, latest.c.target_id == Target.id).where(overdue_clause(latest, today))
    if branch_id:
        stmt = stmt.where(Target.branch_id == branch_id)
    if unit_id:
        stmt = stmt.where(Target.unit_id == unit_id)
    return stmt.order_by(Target.deadline, Target.id)


def latest_completions(session: Session, target_ids) -> dict[int, Decimal]:
    """{target id: completion of its latest month} for a page of targets, one query."""
    ids = list(target_ids)
    if not ids:
        return {}
    latest = latest_progress()
    return dict(session.execute(select(latest.c.target_id, latest.c.completion).where(latest.c.target_id.in_(ids))).all())


def is_overdue(target: Target, completion: Decimal | None, today: date) -> bool:
    return target.deadline < today and (completion is None or completion < Decimal(100))
