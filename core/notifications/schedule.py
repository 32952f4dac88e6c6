"""The year's rhythm as scheduled steps (计划任务): what runs when, switched on and off
by an admin; Celery beat ticks `run_due_steps` every few minutes.

Decisions (README "Jobs and the schedule"):
- A step is due on its day (a day of the month, the n-th working day, or every day)
  from its hour on (group time zone); it runs at most once that day — the run is
  claimed by a unique (step, date) row before it starts, so ticks, several beat
  processes or a restarted worker never run it twice.
- Nothing closes by itself unless an admin switched that step on; a switched-on close
  is the ordinary close, so unverified manual items follow the rule set's policy —
  with the default (refuse) the window is skipped and the outcome says so.
- Working days come from the working-day calendar (core.workdays: public holidays and
  adjusted working days).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.notifications.models import ScheduleRun, ScheduleStep
from core.periods.keys import PeriodKey


@dataclass(frozen=True)
class Step:
    label: str
    #: Defaults: (enabled, day, working_day, hour); day 0 = every day.
    default: tuple[bool, int, bool, int]
    run: Callable[[Session, object, date], str]


def working_day_number(session: Session, day: date) -> int | None:
    """n when `day` is the n-th working day of its month (core.workdays: the admin's
    calendar, then the official schedule, then Monday–Friday), else None."""
    from core.workdays.service import is_working_day

    if not is_working_day(session, day):
        return None
    return sum(1 for d in range(1, day.day + 1) if is_working_day(session, day.replace(day=d)))


def _remind(session, app, today) -> str:
    from core.notifications.reminders import send_reminders

    return f"新提醒 {send_reminders(session, today, app.extensions['starbranch.plugins'])} 条"


def _digest(session, app, today) -> str:
    from core.notifications.mail import send_digests, smtp_configured

    if not smtp_configured(app.config):
        return "未配置邮件服务器，跳过"
    return f"发送邮件摘要 {send_digests(session, app.config)} 封"


def _trial_last_month(session, app, today) -> str:
    from core.notifications.reminders import send_reminders
    from core.periods.models import Period
    from core.scoring.close import recompute

    key = PeriodKey.of_date("month", today).previous()
    if session.scalar(select(Period.status).where(Period.key == key.key)) == "closed":
        return f"{key.label}已结账，无需试算"
    recompute(session, key.key, app.extensions["starbranch.plugins"])
    return f"已试算{key.label}，新提醒 {send_reminders(session, today, app.extensions['starbranch.plugins'])} 条"


def _close(kind: str):
    def run(session, app, today) -> str:
        from core.periods.models import Period
        from core.scoring.close import close_period
        from core.scoring.manual import UnverifiedItems

        key = PeriodKey.of_date(kind, today).previous()
        if session.scalar(select(Period.status).where(Period.key == key.key)) == "closed":
            return f"{key.label}已结账"
        try:  # the close's own rule decides about unverified items (the rule set's policy)
            close_period(session, key.key, kinds=app.extensions["starbranch.plugins"], today=today)
        except UnverifiedItems as exc:
            return f"{key.label}尚有 {exc.summary.count} 项人工评分未审核，未结账"
        return f"已结账{key.label}"
    return run


STEPS: dict[str, Step] = {
    "remind": Step("每日提醒（台账、待审核、异议、逾期目标）", (True, 0, False, 8), _remind),
    "digest": Step("每日邮件摘要", (True, 0, False, 18), _digest),
    "trial_last_month": Step("试算上月并提醒审核", (True, 5, True, 9), _trial_last_month),
    "close_last_month": Step("自动结账上月（无未审核项时）", (False, 10, False, 20), _close("month")),
    "close_last_quarter": Step("自动结账上季度（无未审核项时）", (False, 15, False, 20), _close("quarter")),
}


def steps(session: Session) -> list[tuple[str, Step, ScheduleStep]]:
    """Every step with its configuration (defaults where the admin set none)."""
    rows = {r.code: r for r in session.scalars(select(ScheduleStep))}
    out = []
    for code, step in STEPS.items():
        row = rows.get(code)
        if row is None:
            enabled, day, working, hour = step.default
            row = ScheduleStep(code=code, enabled=enabled, day=day, working_day=working, hour=hour)
        out.append((code, step, row))
    return out


def is_due(session: Session, row: ScheduleStep, now: datetime) -> bool:
    today = now.date()
    if not row.enabled or now.hour < row.hour:
        return False
    if row.day == 0:
        return True
    if row.working_day:
        return working_day_number(session, today) == row.day
    return today.day == row.day


def run_due_steps(session: Session, app, now: datetime) -> dict[str, str]:
    """Run every step due at `now` (group-zone wall clock) that has not run today."""
    done = {}
    for code, step, row in steps(session):
        if not is_due(session, row, now) or (code == "close_last_quarter" and now.month not in (1, 4, 7, 10)):
            continue
        if session.scalar(select(ScheduleRun.id).where(ScheduleRun.code == code, ScheduleRun.run_on == now.date())):
            continue
        claim = ScheduleRun(code=code, run_on=now.date())
        session.add(claim)
        try:
            session.flush()  # the unique (step, date) row claims the run
        except IntegrityError:
            session.rollback()
            continue  # another tick claimed it first
        try:
            outcome = step.run(session, app, now.date())
            claim.outcome = outcome
            session.commit()
        except Exception as exc:  # recorded; the step's next day tries again
            session.rollback()
            outcome = f"失败：{exc}"[:2000]
            session.add(ScheduleRun(code=code, run_on=now.date(), outcome=outcome))
            session.commit()
        done[code] = outcome
    return done
