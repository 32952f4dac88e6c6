"""Correcting a year after an upheld objection (年度更正): a guided reopen of the chain.

Decisions (README, "The annual notice"):
- Chosen: a guided reopen of the chain, not a year-level correction record. The
  stored results stay the engine's own (a quarter's star feeds 逐级晋升 and the annual
  total is the evidence of the year — an annual-only adjustment would make the year
  disagree with its quarters). What was hard by hand is the order; this does it.
- `start_correction`: one upheld objection of the year, one reason (what to correct),
  and the earliest window whose evidence must change — the year itself, a quarter or
  a month of that year. It reopens, in one transaction and in the order the close
  rules require, the year (which cancels the notice round), the closed quarters from
  Q4 back to that quarter, then that month. Each reopen is audited by
  core.scoring.close.reopen_period with the same reason; the correction is audited once
  with the chain.
- While a correction is open: no new notice round starts and the commendation list is
  never final (core.scoring.notice).
- `finish_correction`: closes the reopened windows in order — the month, quarters
  ascending, the year — with the real close (so every precondition applies), marks
  the correction done and audits it. The admin then starts the next notice round.
- One open correction per year at a time.
"""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import get_period
from core.scoring.errors import NoticeError, NotFound, ReasonRequired
from core.scoring.models import AnnualNotice, Objection, YearCorrection

_ORDER = {"month": 0, "quarter": 1, "year": 2}


def open_correction(session: Session, year: int) -> YearCorrection | None:
    return session.scalar(select(YearCorrection).join(Period, Period.id == YearCorrection.period_id)
                          .where(Period.key == str(year), YearCorrection.status == "open")
                          .order_by(YearCorrection.id.desc()).limit(1))


def corrections_of_year(session: Session, year: int) -> list[YearCorrection]:
    return list(session.scalars(select(YearCorrection).join(Period, Period.id == YearCorrection.period_id)
                                .where(Period.key == str(year)).order_by(YearCorrection.id)))


def chain_to(session: Session, year: int, from_key: PeriodKey) -> list[PeriodKey]:
    """The closed windows to reopen, in reopening order, to correct `from_key`."""
    chain = [PeriodKey(year, "year", 0)]
    if from_key.kind != "year":
        first_q = from_key.number if from_key.kind == "quarter" else (from_key.number - 1) // 3 + 1
        chain += [PeriodKey(year, "quarter", q) for q in range(4, first_q - 1, -1)]
    if from_key.kind == "month":
        chain.append(from_key)
    closed = set(session.scalars(select(Period.key).where(Period.key.in_([k.key for k in chain]),
                                                          Period.status == "closed")))
    return [k for k in chain if k.key in closed]


def start_correction(session: Session, year: int, objection_id: int, from_key: str, reason: str, *,
                     actor=None) -> YearCorrection:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(gettext("请填写需要更正的事项。"))
    objection = session.get(Objection, objection_id)
    year_period = get_period(session, PeriodKey(year, "year", 0))
    notice = session.get(AnnualNotice, objection.notice_id) if objection else None
    if objection is None or notice is None or year_period is None or notice.period_id != year_period.id:
        raise NotFound(gettext("异议不存在。"))
    if objection.status != "upheld":
        raise NoticeError(gettext("只有成立的异议才需要更正。"))
    if open_correction(session, year) is not None:
        raise NoticeError(gettext("%(year)s年度已有一项更正在进行中。", year=year))
    if not year_period.is_closed:
        raise NoticeError(gettext("%(year)s年度未结账，可直接更正后结账。", year=year))
    try:
        pk = PeriodKey.parse(str(from_key))
    except ValueError:
        pk = None
    if pk is None or pk.year != year:
        raise NoticeError(gettext("请选择%(year)s年度内需要更正的期间。", year=year))
    from core.scoring.close import reopen_period
    chain = chain_to(session, year, pk)
    for key in chain:
        reopen_period(session, key, reason, actor=actor)
    correction = YearCorrection(period_id=year_period.id, objection_id=objection.id, branch_id=objection.branch_id,
                                from_key=pk.key, reopened=[k.key for k in chain], reason=reason, status="open",
                                opened_by=getattr(actor, "id", None), opened_at=utcnow())
    session.add(correction)
    session.flush()
    record(session, actor=actor, action="correction.start", obj=correction, reason=reason,
           new={"objection_id": objection.id, "branch_id": objection.branch_id, "from": pk.key,
                "reopened": correction.reopened})
    return correction


def finish_correction(session: Session, correction_id: int, *, kinds, actor=None, gates=None) -> YearCorrection:
    correction = session.get(YearCorrection, correction_id)
    if correction is None:
        raise NotFound(gettext("更正记录不存在。"))
    if correction.status != "open":
        raise NoticeError(gettext("该更正已完成。"))
    from core.scoring.close import close_period
    keys = sorted((PeriodKey.parse(k) for k in correction.reopened), key=lambda k: (_ORDER[k.kind], k.number))
    for key in keys:
        close_period(session, key, kinds=kinds, actor=actor, gates=gates)
    correction.status = "done"
    correction.closed_by = getattr(actor, "id", None)
    correction.closed_at = utcnow()
    record(session, actor=actor, action="correction.finish", obj=correction, old={"status": "open"},
           new={"status": "done", "closed": [k.key for k in keys]})
    session.flush()
    return correction
