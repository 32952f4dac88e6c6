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

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.notifications.recipients import admin_ids, reviewers_of, secretaries_of
from core.notifications.services import Message, notify

#: Days before a period's end from which an open obligation is reminded.
DUE_WITHIN_DAYS = 7


def ledger_messages(session: Session, today: date) -> list[Message]:
    from core.ledger.checklist import checklists

    keepers = secretaries_of(session)
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


def verification_messages(session: Session, today: date, kinds) -> list[Message]:
    """Manual items awaiting verification, per unit and cycle period, counted by the
    manual module's rule (core.scoring.manual): an open window expects its manual items
    from its start, whether or not an evaluation row is stored yet. Windows of this year
    and of last year (a December still open in January) under their active rule set."""
    from core.formatting import cn_period
    from core.indicators.catalogue import active_ruleset
    from core.org.models import OrgNode
    from core.periods.keys import PeriodKey
    from core.scoring import manual, sources

    kinds = sources.kinds_from(kinds)
    pending: dict[tuple[int, str], int] = {}
    for year in (today.year - 1, today.year):
        ruleset = active_ruleset(session, year)
        if ruleset is not None:
            pending.update(manual.unverified_counts(session, manual.started_open_keys(session, year, today),
                                                    ruleset, kinds))
    if not pending:
        return []
    reviewers = reviewers_of(session, {unit_id for unit_id, _ in pending})
    names = dict(session.execute(select(OrgNode.id, OrgNode.name).where(OrgNode.id.in_(sorted(reviewers)))).all())
    out = []
    for (unit_id, key), n in sorted(pending.items()):
        if reviewers.get(unit_id):
            pk = PeriodKey.parse(key)
            out.append(Message(tuple(reviewers[unit_id]), "verify_pending", f"verify_pending:{unit_id}:{key}",
                               f"{names.get(unit_id, unit_id)} {cn_period(pk.kind, pk.year, pk.number)}"
                               f"有 {n} 项人工评分待审核", url=f"/scoring/sheets?period={key}"))
    return out


def objection_messages(session: Session) -> list[Message]:
    from core.org.models import Branch
    from core.periods.models import Period
    from core.scoring.models import AnnualNotice, Objection

    admins = admin_ids(session)
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

    keepers = secretaries_of(session)
    latest = latest_progress()
    rows = session.execute(select(Target.id, Target.branch_id, Target.title, Target.deadline)
                           .outerjoin(latest, latest.c.target_id == Target.id)
                           .where(overdue_clause(latest, today), Target.branch_id.in_(sorted(keepers)))).all()
    return [Message(tuple(keepers[branch_id]), "target_overdue", f"target_overdue:{tid}",
                    f"目标“{title}”已过期限（{deadline:%Y-%m-%d}）仍未完成", url=f"/targets/branch/{branch_id}")
            for tid, branch_id, title, deadline in rows]


def send_reminders(session: Session, today: date, kinds=None) -> int:
    """Create every reminder due on `today` that does not exist yet; returns how many.
    `kinds`: the plugin registry (which scoring methods are manual); default the current
    app's."""
    if kinds is None:
        from flask import current_app

        kinds = current_app.extensions["starbranch.plugins"]
    messages = (ledger_messages(session, today) + verification_messages(session, today, kinds)
                + objection_messages(session) + target_messages(session, today))
    return notify(session, messages)
