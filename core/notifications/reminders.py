"""Reminders (提醒): who must act on what, as notifications. Each function returns
`Message`s; `send_reminders` creates the ones that do not exist yet (idempotent).

Who is reminded of what (README "Reminders and notifications"):
- secretaries: an obligation of the running period still open with ≤ 7 days left
  (台账待完成), and one the previous period ended short of (台账逾期);
- reviewers: manual items awaiting verification in an open window of their units,
  once per unit and window (待审核评分项);
- admins: each objection filed during a public notice (收到异议);
- secretaries of a branch owning a target past its deadline and incomplete (目标逾期).
Messages are in Chinese (the source language); their titles name the facts.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.models import User, UserUnit
from core.notifications.services import Message, notify

#: Days before a period's end from which an open obligation is reminded.
DUE_WITHIN_DAYS = 7


def _secretaries(session: Session) -> dict[int, list[int]]:
    """branch id → ids of the active secretaries keeping it."""
    out: dict[int, list[int]] = defaultdict(list)
    for user_id, branch_id in session.execute(select(User.id, User.branch_id).where(
            User.role == "secretary", User.active.is_(True), User.branch_id.is_not(None))):
        out[branch_id].append(user_id)
    return out


def ledger_messages(session: Session, today: date) -> list[Message]:
    from core.ledger.checklist import checklists

    keepers = _secretaries(session)
    out = []
    for branch_id, items in checklists(session, sorted(keepers), today).items():
        users = tuple(keepers[branch_id])
        url = f"/ledger/branch/{branch_id}"
        for item in items:
            if item.status == "due" and item.days_left <= DUE_WITHIN_DAYS:
                out.append(Message(users, "ledger_due", f"ledger_due:{branch_id}:{item.current.key}:{item.type}",
                                   f"{item.label}：{item.current.label}还需 {item.required - item.done} 次，"
                                   f"剩 {item.days_left} 天", url=url))
            if item.late:
                out.append(Message(users, "ledger_overdue",
                                   f"ledger_overdue:{branch_id}:{item.previous.key}:{item.type}",
                                   f"{item.label}：{item.previous.label}未完成"
                                   f"（{item.previous_done}/{item.required}）", url=url))
    return out


def verification_messages(session: Session) -> list[Message]:
    from core.org.models import OrgNode
    from core.periods.models import Period
    from core.scoring.models import Evaluation

    pending = session.execute(
        select(Evaluation.unit_id, Period.key, Period.kind, Period.year, Period.number, func.count())
        .join(Period, Period.id == Evaluation.period_id)
        .where(Period.status != "closed", Evaluation.auto_earned.is_(None), Evaluation.verified_earned.is_(None))
        .group_by(Evaluation.unit_id, Period.key, Period.kind, Period.year, Period.number)).all()
    if not pending:
        return []
    reviewers: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in session.execute(select(User.id, UserUnit.unit_id).join(UserUnit, UserUnit.user_id == User.id)
                                            .where(User.role == "reviewer", User.active.is_(True))):
        reviewers[unit_id].append(user_id)
    names = dict(session.execute(select(OrgNode.id, OrgNode.name).where(
        OrgNode.id.in_({row[0] for row in pending}))).all())
    from core.formatting import cn_period

    return [Message(tuple(reviewers[unit_id]), "verify_pending", f"verify_pending:{unit_id}:{key}",
                    f"{names.get(unit_id, unit_id)} {cn_period(kind, year, number)}有 {n} 项人工评分待审核",
                    url=f"/scoring/sheets?period={key}")
            for unit_id, key, kind, year, number, n in pending if reviewers.get(unit_id)]


def objection_messages(session: Session) -> list[Message]:
    from core.org.models import Branch
    from core.periods.models import Period
    from core.scoring.models import AnnualNotice, Objection

    admins = tuple(session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True))))
    if not admins:
        return []
    rows = session.execute(select(Objection.id, Branch.name, Period.year)
                           .join(Branch, Branch.id == Objection.branch_id)
                           .join(AnnualNotice, AnnualNotice.id == Objection.notice_id)
                           .join(Period, Period.id == AnnualNotice.period_id)
                           .where(Objection.status == "open")).all()
    return [Message(admins, "objection_filed", f"objection_filed:{oid}", f"{year}年度公示收到对“{name}”的异议",
                    url=f"/scoring/notice/{year}") for oid, name, year in rows]


def target_messages(session: Session, today: date) -> list[Message]:
    from core.targets.models import Target
    from core.targets.services import latest_progress, overdue_clause

    keepers = _secretaries(session)
    latest = latest_progress()
    rows = session.execute(select(Target.id, Target.branch_id, Target.title, Target.deadline)
                           .outerjoin(latest, latest.c.target_id == Target.id)
                           .where(overdue_clause(latest, today), Target.branch_id.in_(sorted(keepers)))).all()
    return [Message(tuple(keepers[branch_id]), "target_overdue", f"target_overdue:{tid}",
                    f"目标“{title}”已过期限（{deadline:%Y-%m-%d}）仍未完成", url=f"/targets/branch/{branch_id}")
            for tid, branch_id, title, deadline in rows]


def send_reminders(session: Session, today: date) -> int:
    """Create every reminder due on `today` that does not exist yet; returns how many."""
    messages = (ledger_messages(session, today) + verification_messages(session) + objection_messages(session)
                + target_messages(session, today))
    return notify(session, messages)
