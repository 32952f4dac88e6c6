"""The annual public notice (公示) and objections (异议), and the commendation list.

Decisions (README, scoring section):
- A notice starts on a closed year only, on the date the admin chooses; it runs
  `notice_days` WORKING days (core.workdays: the working-day calendar — weekdays, public holidays
  and adjusted working days), the start day counted when it is a working day (default
  5: starts Mon 2027-01-11 → ends Fri 2027-01-15). One notice per year at a time (a
  cancelled one can be followed by a new one: a new round); every round stays listed.
- Objections are accepted from the first to the last day of the notice, about one
  branch with a grade in that year, with a text. Online (the logged-in user files
  it) or offline (letter / phone / in person: an admin records it with the day it was
  received — within the notice — and who raised it; that name is shown to admins only).
- Resolving needs a resolution text: upheld (异议成立) or rejected (异议不成立).
- Finalising is refused before the notice has ended, while an objection is open, and
  when one was upheld — the year must then be reopened (which cancels the notice),
  corrected, closed and noticed again.
- Commendation list (推先表彰): per category, eligible = annual grade ≥ ★4 and no veto
  in the year; the top n (commendation_top_n) eligible in display order, ties at the
  cut-off included (eligible rank ≤ n) when `commendation_ties` is "include"
  (default), or exactly n in the ranking's display order (core.scoring.ranking) when it
  is "order". It is marked final only with a final notice — never while a correction
  of the year (core.scoring.correction) is open.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import get_period
from core.scoring.errors import NoticeError, NotFound, ReasonRequired
from core.scoring.models import OBJECTION_CHANNELS, AnnualNotice, Objection, ScoreResult
from core.workdays.service import notice_window
from core.scoring.ranking import display_key


def current_notice(session: Session, year: int) -> AnnualNotice | None:
    """The year's notice that is not cancelled (open or final), if any."""
    return session.scalar(select(AnnualNotice).join(Period, Period.id == AnnualNotice.period_id)
                          .where(Period.key == str(year), AnnualNotice.status != "cancelled")
                          .order_by(AnnualNotice.id.desc()).limit(1))


def notices_of_year(session: Session, year: int) -> list[AnnualNotice]:
    """Every notice round of the year, the first first (cancelled ones included)."""
    return list(session.scalars(select(AnnualNotice).join(Period, Period.id == AnnualNotice.period_id)
                                .where(Period.key == str(year)).order_by(AnnualNotice.id)))


def _ruleset_setting(session: Session, period: Period, name: str):
    from core.indicators.models import DEFAULT_SETTINGS, RuleSet
    ruleset = session.get(RuleSet, period.ruleset_id) if period.ruleset_id else None
    return ruleset.setting(name) if ruleset else DEFAULT_SETTINGS[name]


def start_notice(session: Session, year: int, *, actor=None, starts_on: date | None = None,
                 days: int | None = None) -> AnnualNotice:
    period = get_period(session, PeriodKey(year, "year", 0))
    if period is None or not period.is_closed:
        raise NoticeError(gettext("%(year)s年度尚未结账，不能公示年度定级结果。", year=year))
    if current_notice(session, year) is not None:
        raise NoticeError(gettext("%(year)s年度定级结果已在公示或已确定。", year=year))
    from core.scoring.correction import open_correction
    if open_correction(session, year) is not None:
        raise NoticeError(gettext("%(year)s年度有未完成的更正，完成更正（重新结账）后才能再次公示。", year=year))
    if days is None:
        days = int(_ruleset_setting(session, period, "notice_days"))
    if not 1 <= days <= 60:
        raise NoticeError(gettext("公示期须为 1–60 个工作日。"))
    starts_on = starts_on or date.today()
    if starts_on.year <= year:
        raise NoticeError(gettext("公示须在%(year)s年度结束之后开始。", year=year))
    ends_on = notice_window(session, starts_on, days)[1]
    notice = AnnualNotice(period_id=period.id, starts_on=starts_on, ends_on=ends_on,
                          working_days=days, status="open", created_by=getattr(actor, "id", None),
                          created_at=utcnow())
    session.add(notice)
    session.flush()
    record(session, actor=actor, action="notice.start", obj=notice,
           new={"year": year, "starts_on": notice.starts_on, "ends_on": notice.ends_on, "working_days": days})
    return notice


def _notice(session, notice_id) -> AnnualNotice:
    notice = session.get(AnnualNotice, notice_id)
    if notice is None:
        raise NotFound(gettext("公示不存在。"))
    return notice


def file_objection(session: Session, notice_id: int, branch_id: int, text: str, *, actor=None,
                   today: date | None = None, channel: str = "online", received_on: date | None = None,
                   complainant: str | None = None) -> Objection:
    """An objection filed online (channel "online": dated today) or recorded by an
    admin from a letter, call or visit (`received_on` within the notice, `complainant`
    required)."""
    notice = _notice(session, notice_id)
    today = today or date.today()
    text = (text or "").strip()
    complainant = (complainant or "").strip() or None
    if channel not in OBJECTION_CHANNELS:
        raise NoticeError(gettext("异议来源无效。"))
    if channel == "online":
        received_on, complainant = today, None
    else:
        if received_on is None:
            raise NoticeError(gettext("请填写收到异议的日期。"))
        if received_on > today:
            raise NoticeError(gettext("收到日期不能晚于今天。"))
        if not complainant:
            raise ReasonRequired(gettext("请填写异议人（姓名及联系方式）。"))
    if notice.status != "open":
        raise NoticeError(gettext("公示已结束或已撤销，不能再提出异议。"))
    if not notice.starts_on <= received_on <= notice.ends_on:
        raise NoticeError(gettext("异议须在公示期内（%(starts_on)s 至 %(ends_on)s）提出。",
                                  starts_on=format(notice.starts_on, "%Y-%m-%d"),
                                  ends_on=format(notice.ends_on, "%Y-%m-%d")))
    if not text:
        raise ReasonRequired(gettext("请填写异议内容。"))
    has_grade = session.scalar(select(ScoreResult.id).where(ScoreResult.period_id == notice.period_id,
                                                            ScoreResult.branch_id == branch_id))
    branch = session.get(Branch, branch_id)
    if branch is None or not has_grade:
        raise NotFound(gettext("该支部在本年度没有定级结果。"))
    objection = Objection(notice_id=notice.id, branch_id=branch_id, unit_id=branch.unit_id, text=text,
                          status="open", filed_by=getattr(actor, "id", None), filed_at=utcnow(),
                          channel=channel, received_on=received_on, complainant=complainant)
    session.add(objection)
    session.flush()
    record(session, actor=actor, action="objection.file", obj=objection,
           new={"text": text, "notice_id": notice.id, "channel": channel, "received_on": received_on})
    return objection


def resolve_objection(session: Session, objection_id: int, *, upheld: bool, resolution: str, actor=None) -> Objection:
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(gettext("异议不存在。"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ReasonRequired(gettext("处理异议必须填写处理意见。"))
    if objection.status != "open":
        raise NoticeError(gettext("该异议已处理。"))
    objection.status = "upheld" if upheld else "rejected"
    objection.resolution = resolution
    objection.resolved_by = getattr(actor, "id", None)
    objection.resolved_at = utcnow()
    record(session, actor=actor, action="objection.resolve", obj=objection,
           old={"status": "open"}, new={"status": objection.status}, reason=resolution)
    return objection


def finalise_grades(session: Session, notice_id: int, *, actor=None, today: date | None = None) -> AnnualNotice:
    notice = _notice(session, notice_id)
    today = today or date.today()
    if notice.status != "open":
        raise NoticeError(gettext("该公示不在公示中，不能确定结果。"))
    if today <= notice.ends_on:
        raise NoticeError(gettext("公示期至 %(ends_on)s 结束，期满后才能确定定级结果。", ends_on=format(notice.ends_on, "%Y-%m-%d")))
    statuses = set(session.scalars(select(Objection.status).where(Objection.notice_id == notice.id)))
    if "open" in statuses:
        raise NoticeError(gettext("仍有未处理的异议，处理完毕后才能确定定级结果。"))
    if "upheld" in statuses:
        raise NoticeError(gettext("有异议成立：请重新开启年度、更正后重新结账并再次公示。"))
    notice.status = "final"
    notice.finalised_at = utcnow()
    record(session, actor=actor, action="notice.finalise", obj=notice, old={"status": "open"}, new={"status": "final"})
    return notice


def cancel_notice(session: Session, period: Period, *, actor=None, reason: str | None = None) -> None:
    for notice in session.scalars(select(AnnualNotice).where(AnnualNotice.period_id == period.id,
                                                             AnnualNotice.status != "cancelled")):
        old = notice.status
        notice.status = "cancelled"
        record(session, actor=actor, action="notice.cancel", obj=notice, old={"status": old},
               new={"status": "cancelled"}, reason=reason)


@dataclass
class Commended:
    branch_id: int
    code: str
    name: str
    category: str
    total: object
    stars: int
    rank: int


def commendation_rule(session: Session, year: int) -> tuple[int, str]:
    """(places per category, tie rule "include" / "order") of the year's rule set."""
    period = get_period(session, PeriodKey(year, "year", 0))
    if period is None:
        from core.indicators.models import DEFAULT_SETTINGS
        return int(DEFAULT_SETTINGS["commendation_top_n"]), DEFAULT_SETTINGS["commendation_ties"]
    return (int(_ruleset_setting(session, period, "commendation_top_n")),
            _ruleset_setting(session, period, "commendation_ties"))


def commendation_list(session: Session, year: int, top_n: int | None = None) -> tuple[bool, dict[str, list[Commended]]]:
    """(final?, category → commended branches in order) for a closed year — or for a
    year under correction (from its stored results, never final)."""
    from core.scoring.correction import open_correction
    period = get_period(session, PeriodKey(year, "year", 0))
    correcting = open_correction(session, year) is not None
    if period is None or not (period.is_closed or correcting):
        return False, {}
    default_n, ties = commendation_rule(session, year)
    top_n = default_n if top_n is None else top_n
    rows = session.execute(
        select(ScoreResult, Branch.code, Branch.name).join(Branch, Branch.id == ScoreResult.branch_id)
        .where(ScoreResult.period_id == period.id, ScoreResult.vetoed.is_(False), ScoreResult.stars >= 4)).all()
    by_cat: dict[str, list] = {}
    for sr, code, name in rows:
        by_cat.setdefault(sr.category, []).append((sr, code, name))
    out: dict[str, list[Commended]] = {}
    for cat in sorted(by_cat):
        items = sorted(by_cat[cat], key=lambda t: display_key(SimpleNamespace(
            total=t[0].total, index_scores={"performance": t[0].performance}, code=t[1])))
        chosen, prev_total, rank = [], None, 0
        for pos, (sr, code, name) in enumerate(items, start=1):
            if sr.total != prev_total:
                rank, prev_total = pos, sr.total
            if rank > top_n or (ties == "order" and pos > top_n):
                break
            chosen.append(Commended(sr.branch_id, code, name, cat, sr.total, sr.stars, rank))
        out[cat] = chosen
    notice = current_notice(session, year)
    return bool(notice and notice.status == "final") and not correcting, out
