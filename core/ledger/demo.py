"""Demo ledger: a realistic year of activity records (at the CPC frequencies, a few
missed or uploaded late, an occasional member meeting without quorum), attendance
sheets, appraisal results, and some bonus/deduction/veto records. Deterministic."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.db import insert_rows
from core.ledger.models import ActivityRecord, AppraisalResult, AttendanceEntry, PointRecord
from core.ledger.services import has_quorum
from core.org.models import Member

_REASONS = ["出差", "病假", "倒班", "外出培训", "事假"]
_TOPICS = {
    "member_meeting": ["学习贯彻党的二十大精神", "发展党员表决", "支部年度工作部署", "党费收缴情况通报"],
    "committee_meeting": ["研究本月党建工作", "讨论党员发展计划", "部署安全生产包保工作", "研究困难职工帮扶"],
    "group_meeting": ["学习安全操作规程", "交流岗位建功经验", "讨论班组降本增效", "学习党章"],
    "party_lecture": ["书记讲党课：坚守初心", "以党建引领提质增效", "弘扬劳模精神"],
    "theme_day": ["重温入党誓词", "志愿服务进社区", "参观红色教育基地", "安全隐患排查"],
    "appraisal": ["年度民主评议党员"],
    "life_meeting": ["年度组织生活会"],
}
_MONTHLY = ("committee_meeting", "group_meeting", "theme_day")
_QUARTERLY = ("member_meeting", "party_lecture")


def _plan(rng: random.Random, year: int, today: date, quality: float = 0.9) -> list[tuple[str, date]]:
    """Which activities a branch held in `year` up to `today`, and when: a branch of
    higher quality (core.org.demodata.branch_quality) misses fewer."""
    held = []
    last_month = today.month if today.year == year else 12
    monthly, quarterly = 0.35 + 0.65 * quality, 0.3 + 0.7 * quality
    for month in range(1, last_month + 1):
        for rtype in _MONTHLY:
            if rng.random() < monthly:
                held.append((rtype, date(year, month, rng.randint(3, 26))))
        if month % 3 == 2:
            for rtype in _QUARTERLY:
                if rng.random() < quarterly:
                    held.append((rtype, date(year, month, rng.randint(5, 25))))
    if rng.random() < 0.95:
        held.append(("appraisal", date(year, 1, rng.randint(10, 28))))
    if rng.random() < 0.9:
        held.append(("life_meeting", date(year, 1, rng.randint(5, 28))))
    return [(t, d) for t, d in held if d < today]


def add_demo(session, units, branches, today: date | None = None, year: int | None = None) -> None:
    """A year of ledger records for `branches`: `year` (default today's) up to `today`
    (default core.clock) — nothing dated after today."""
    from core import clock
    from core.org.demodata import branch_quality

    today = today or clock.today()
    year = year or today.year
    today = min(today, date(year + 1, 1, 1))
    rng = random.Random(5521)
    branch_ids = [b.id for b in branches]
    members = defaultdict(list)
    for m in session.scalars(select(Member).where(Member.branch_id.in_(branch_ids), Member.active.is_(True))
                             .order_by(Member.id)):
        members[m.branch_id].append(m)
    records: list[tuple[ActivityRecord, list[tuple[Member, bool, str | None]]]] = []
    for branch in branches:
        roster = members.get(branch.id, [])
        quality = branch_quality(branch.code)
        for rtype, held_on in _plan(rng, year, today, quality):
            rate = 0.45 if (rtype == "member_meeting" and rng.random() < 0.05) else 0.72 + 0.24 * quality
            sheet = [(m, rng.random() < rate, None) for m in roster]
            sheet = [(m, p, None if p else rng.choice(_REASONS)) for m, p, _ in sheet]
            full = [p for m, p, _ in sheet if m.status == "full"]
            prob = [p for m, p, _ in sheet if m.status != "full"]
            on_time = 0.55 + 0.45 * quality
            delay = rng.choice([0, 1, 2, 3, 5, 6]) if rng.random() < on_time else rng.randint(8, 20)
            uploaded = datetime.combine(min(held_on + timedelta(days=delay), today), time(9 + rng.randint(0, 8), 30))
            rec = ActivityRecord(branch_id=branch.id, unit_id=branch.unit_id, type=rtype, held_on=held_on,
                                 uploaded_at=uploaded, topic=rng.choice(_TOPICS[rtype]),
                                 location=rng.choice(["支部会议室", "党员活动室", "车间学习室"]),
                                 minutes="（演示数据）会议按议程进行，与会党员充分讨论并形成决议。",
                                 expected_full=len(full), present_full=sum(full),
                                 expected_probationary=len(prob), present_probationary=sum(prob),
                                 valid=has_quorum(rtype, len(full), sum(full)), version=1)
            records.append((rec, sheet))
    session.add_all([r for r, _ in records])
    session.flush()
    attendance, results = [], []
    for rec, sheet in records:
        for m, present, reason in sheet:
            attendance.append({"record_id": rec.id, "member_id": m.id, "member_status": m.status,
                               "present": present, "absence_reason": reason})
            if rec.type == "appraisal":
                roll = rng.random()
                result = "excellent" if roll < 0.25 else "qualified" if roll < 0.95 else "basic"
                results.append({"record_id": rec.id, "member_id": m.id, "result": result})
    insert_rows(session, AttendanceEntry, attendance)
    insert_rows(session, AppraisalResult, results)
    points = []
    last = 12 if year < today.year else max(1, today.month - 1)
    for branch in branches:
        roll = rng.random()
        if roll < 0.15:
            points.append(PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="bonus", points=Decimal(2),
                                      dated=date(year, rng.randint(1, last), 15),
                                      reason="支部工作经验在集团党建简报刊发"))
        elif roll < 0.25:
            points.append(PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="deduction",
                                      points=Decimal(1), dated=date(year, rng.randint(1, last), 10),
                                      reason="台账资料应报未报", indicator_code="D-LEDGER"))
        elif roll < 0.26:
            points.append(PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="veto", points=Decimal(0),
                                      dated=date(year, rng.randint(1, last), 20),
                                      reason="发生重大安全生产事故", indicator_code="V-ACCIDENT"))
    session.add_all(points)
    session.flush()
