"""Demo data: one campaign in each state (筹备中, 申报评审中, 公示中, 已评选), with
declarations from branches of units where the plugin is enabled, taken through the same
services the pages use (so the demo exercises the pipeline, reviews and notice included)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from plugins.typical_staff import services
from plugins.typical_staff._core import UnitPlugin, User, first_working_day, today as clock_today
from plugins.typical_staff.models import PLUGIN

_PEOPLE = [("王建国", "male", "高炉炉前工", 18), ("李秀英", "female", "天车司机", 12), ("张志强", "male", "电工班长", 21),
           ("陈丽华", "female", "化验员", 9), ("刘海涛", "male", "轧钢工", 15), ("赵春梅", "female", "仓储保管员", 11),
           ("孙立军", "male", "设备点检员", 14), ("周晓燕", "female", "调度员", 8)]
_DEED = "扎根生产一线{y}年，攻坚克难、甘于奉献，带领班组连续安全生产，多次在急难险重任务中挺身而出，受到职工群众一致好评。"


def _dates(declared_by: date) -> dict:
    return {"declaration_deadline": declared_by, "unit_review_deadline": declared_by + timedelta(days=7),
            "group_review_deadline": declared_by + timedelta(days=14), "notice_start": declared_by + timedelta(days=15),
            "notice_days": 5, "group_quota": 5}


def _declare_all(session, admin, campaign, branches, people, on: date):
    out = []
    for branch, (name, gender, post, years) in zip(branches, people):
        out.append(services.declare(session, admin, campaign, unit_id=branch.unit_id, branch_id=branch.id,
                                    member_id=None, today=on, name=name, gender=gender, post=post,
                                    frontline_years=years, category_id=campaign.categories[len(out) % 5].id,
                                    deed=_DEED.format(y=years), recommenders="班组职工代表"))
    return out


def add_demo(session, units, branches, today: date | None = None) -> int:
    """Four campaigns; returns how many declarations were made. Needs an admin user and
    at least one branch in a unit with the plugin enabled; else adds nothing."""
    today = today or clock_today()
    admin = session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    enabled = set(session.scalars(select(UnitPlugin.unit_id).where(UnitPlugin.plugin == PLUGIN)))
    mine = [b for b in branches if b.unit_id in enabled and b.active]
    if admin is None or not mine:
        return 0
    picked, seen = [], set()
    for b in mine:  # spread the candidates over units first
        if b.unit_id not in seen:
            picked.append(b)
            seen.add(b.unit_id)
    picked += [b for b in mine if b not in picked]
    picked = (picked * 8)[:8]
    quotas = {u: (3, 2) for u in {b.unit_id for b in picked}}
    made = 0

    def campaign(title, year, start):
        c = services.create_campaign(session, admin, title=title, year=year, criteria="热爱祖国、爱岗敬业、业绩突出、群众公认。",
                                     **_dates(start))
        services.set_quotas(session, admin, c, {u: q for u, q in quotas.items()})
        return c

    # 已评选: last year's campaign, run to its end.
    past = today - timedelta(days=120)
    done = campaign(f"{past.year}年度“最美一线员工”推选", past.year, past)
    services.open_campaign(session, admin, done)
    decls = _declare_all(session, admin, done, picked[:3], _PEOPLE[:3], past - timedelta(days=3))
    for d in decls:
        services.review(session, admin, d, decision="approve", comment="", today=past + timedelta(days=2))
        services.review(session, admin, d, decision="approve", comment="", today=past + timedelta(days=9))
    first, last = services.publish_notice(session, admin, done, today=past + timedelta(days=15))
    services.select_winners(session, admin, done, today=last + timedelta(days=1))
    made += len(decls)
    # 公示中: the notice runs today.
    start = first_working_day(session, today) - timedelta(days=15)
    running = campaign(f"{today.year}年第二批“最美一线员工”推选", today.year, start)
    services.open_campaign(session, admin, running)
    decls = _declare_all(session, admin, running, picked[3:5], _PEOPLE[3:5], start - timedelta(days=1))
    for d in decls:
        services.review(session, admin, d, decision="approve", comment="", today=start + timedelta(days=1))
        services.review(session, admin, d, decision="approve", comment="", today=start + timedelta(days=8))
    services.publish_notice(session, admin, running, today=first_working_day(session, today))
    made += len(decls)
    # 申报评审中: declarations open for two more weeks, one already recommended, one returned.
    open_ = campaign(f"{today.year}年第三批“最美一线员工”推选", today.year, today + timedelta(days=14))
    services.open_campaign(session, admin, open_)
    decls = _declare_all(session, admin, open_, picked[5:8], _PEOPLE[5:8], today)
    services.review(session, admin, decls[0], decision="approve", comment="事迹突出，同意推荐。", today=today)
    services.review(session, admin, decls[1], decision="return", comment="请补充具体事例和证明材料。", today=today)
    made += len(decls)
    # 筹备中: next year's, still a draft.
    campaign(f"{today.year + 1}年度“最美一线员工”推选", today.year + 1, today + timedelta(days=60))
    session.flush()
    return made
