"""A realistic demo organisation of a steel group, made deterministically (seeded random):
集团党委 → seven unit committees (some with 党总支) → ~150 branches over the five
categories → 8–20 members each, plus one login per role.

Each branch has a founding date (成立日期: most decades ago, the restructured companies'
in the 2000s–2010s, a few recent) and a working quality (`branch_quality`, 0.3–1)
that the ledger, targets and reviewers' demo parts share, so a branch that keeps its
records well also serves its members well — and stars spread as in practice.

Plain functions taking a session; `core.org.commands.demo` is the CLI around them. The
demo's year is today's (core.clock); nothing is dated after today."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from core import clock
from core.auth.models import User, UserUnit
from core.db import Base, import_all_models
from core.org.models import Branch, Member, OrgNode
from core.org.services import add_years

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_MALE = "伟强军磊勇杰涛斌鹏超浩波明辉刚健峰建国平亮飞宏志俊华东林海洋晓文博宇龙凯成庆松"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪琳慧颖洁倩萍红梅兰英秀华莉婧晶欣悦月彤"

#: Unit code → (committee name, {category: branch count}, general branches {code: name}).
UNITS = [
    ("LT", "炼铁厂党委", {"production": 18, "auxiliary": 6, "management": 2}, {"LT-SJ": "烧结党总支"}),
    ("LG", "炼钢厂党委", {"production": 18, "auxiliary": 6, "management": 2}, {}),
    ("ZG", "轧钢厂党委", {"production": 20, "auxiliary": 6, "management": 2}, {"ZG-RZ": "热轧党总支"}),
    ("SB", "设备能源部党委", {"auxiliary": 14, "management": 2, "production": 2}, {}),
    ("JX", "检修公司党委", {"auxiliary": 12, "nonpublic": 4, "management": 2}, {}),
    ("XS", "销售公司党委", {"market": 12, "nonpublic": 3, "management": 1}, {}),
    ("JG", "机关党委", {"management": 15}, {}),
]
#: The units that run production: the production plugin is enabled there.
PRODUCTION_UNITS = ("LT", "LG", "ZG")

WORK_AREAS = {
    "LT": ["1号高炉作业区", "2号高炉作业区", "3号高炉作业区", "4号高炉作业区", "原料作业区", "球团作业区",
           "烧结一作业区", "烧结二作业区", "烧结三作业区", "喷煤作业区", "热风炉作业区", "炉前作业区",
           "出铁场作业区", "渣处理作业区", "焦化一作业区", "焦化二作业区", "配料作业区", "铁水运输作业区"],
    "LG": ["一号转炉作业区", "二号转炉作业区", "三号转炉作业区", "一号连铸作业区", "二号连铸作业区", "三号连铸作业区",
           "精炼一作业区", "精炼二作业区", "RH真空精炼作业区", "LF精炼作业区", "铁水预处理作业区", "板坯作业区",
           "方坯作业区", "废钢作业区", "合金料作业区", "天车作业区", "钢包作业区", "出钢作业区"],
    "ZG": ["热轧加热炉作业区", "热轧粗轧作业区", "热轧精轧作业区", "热轧卷取作业区", "冷轧酸轧作业区",
           "冷轧退火作业区", "冷轧镀锌作业区", "冷轧精整作业区", "中厚板轧制作业区", "中厚板精整作业区",
           "高线轧制作业区", "棒材轧制作业区", "型钢轧制作业区", "平整作业区", "横切作业区", "纵切作业区",
           "成品库作业区", "磨辊作业区", "热处理作业区", "镀锡作业区"],
    "SB": ["发电作业区", "制氧作业区"],
}
AUX_AREAS = ["设备点检作业区", "电气维护作业区", "机械维护作业区", "质检计量站", "动力作业区", "给排水作业区",
             "供电作业区", "燃气作业区", "铁路运输作业区", "汽车运输作业区", "仪表自动化作业区", "液压润滑站",
             "环保设施作业区", "检化验中心", "备件库", "综合服务站"]
MGMT_AREAS = ["机关第一", "机关第二", "机关第三", "生产技术科", "安全环保科", "财务科", "人力资源科",
              "经营管理科", "党群工作部", "纪检监察室", "办公室", "企业管理部", "规划发展部", "审计部", "工会"]
MARKET_AREAS = ["华东销售部", "华南销售部", "华北销售部", "西南销售部", "东北销售部", "出口贸易部", "汽车板销售部",
                "家电板销售部", "建材销售部", "客户服务部", "物流配送部", "电子商务部"]
NONPUBLIC_NAMES = ["鑫达实业有限公司", "金鼎物流有限公司", "华冶钢构有限公司", "瑞丰机电有限公司", "联合再生资源有限公司",
                   "宏泰耐材有限公司", "中冶汽车服务有限公司"]
POSTS = {
    "production": ["作业长", "炉长", "主控工", "炉前工", "天车工", "操作工", "调度员", "技术员", "班长", "轧钢工", "连铸工"],
    "auxiliary": ["点检员", "电工", "钳工", "焊工", "检验员", "司机", "仪表工", "技术员", "班长", "维修工"],
    "management": ["科长", "副科长", "主任科员", "科员", "工程师", "会计", "统计员", "干事", "主管"],
    "market": ["销售经理", "客户经理", "业务员", "结算员", "调度员", "质量工程师", "区域经理"],
    "nonpublic": ["总经理", "部门经理", "技术员", "操作工", "司机", "会计", "业务员", "班长"],
}

DEMO_USERS = [
    # username, password, display name, role
    ("admin", "demo-admin-2026", "组织部管理员", "admin"),
    ("lg_reviewer", "demo-reviewer-2026", "炼钢厂党委审核员", "reviewer"),
    ("lg_secretary", "demo-secretary-2026", None, "secretary"),
    ("viewer", "demo-viewer-2026", "集团只读用户", "viewer"),
]


class DemoRefused(RuntimeError):
    """The database already holds an organisation; the message says what to do."""


@dataclass
class DemoResult:
    group: OrgNode
    units: list[OrgNode]
    general_branches: list[OrgNode]
    branches: list[Branch]
    members: int
    #: (username, password, role label, scope) for the printed login list.
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)


def has_org_data(session: Session) -> bool:
    return bool(session.scalar(select(func.count(OrgNode.id))))


def wipe(session: Session) -> None:
    """Empty every table of the platform (core and plugins), keeping the schema and the
    Alembic version table."""
    import_all_models()
    bind = session.get_bind()
    existing = set(inspect(bind).get_table_names())
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
    if bind.dialect.name == "postgresql" and tables:
        session.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            session.execute(table.delete())
    session.flush()
    session.expunge_all()  # the rows are gone; forget their objects before ids are reused


def _name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def branch_quality(code: str, seed: int = 5521) -> float:
    """How well a branch works, 0.3–1, fixed by its code (the same in every demo part):
    around 0.7, about a tenth excellent and a fifth struggling."""
    rng = random.Random(f"{seed}:{code}")
    return max(0.3, min(1.0, rng.gauss(0.7, 0.1)))


def founding_date(rng: random.Random, category: str, today: date) -> date:
    """A realistic 成立日期: production, auxiliary and office branches mostly decades
    old, restructured companies' (非公改制类) since the 2000s, a few set up recently
    (still before the demo's year)."""
    roll = rng.random()
    if category == "nonpublic":
        start, end = date(2003, 1, 1), date(2019, 12, 31)
    elif roll < 0.08:
        start, end = date(2019, 1, 1), date(today.year - 1, 12, 31)
    else:
        start, end = date(1985, 1, 1), date(2018, 12, 31)
    return _day_between(rng, start, min(end, date(today.year - 1, 12, 31)))


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def _members_for(rng: random.Random, branch: Branch, today: date) -> list[Member]:
    out = []
    female_share = {"management": 0.45, "market": 0.35, "auxiliary": 0.2}.get(branch.category, 0.12)
    for _ in range(rng.randint(8, 20)):
        gender = "female" if rng.random() < female_share else "male"
        probationary = rng.random() < 0.08
        birth = _day_between(rng, date(1990 if probationary else 1966, 1, 1), date(2001, 12, 31))
        earliest = add_years(birth, 19)
        if probationary:
            joined = _day_between(rng, today - timedelta(days=360), today - timedelta(days=10))
            joined = max(joined, earliest)
        else:
            joined = _day_between(rng, earliest, min(today - timedelta(days=400), add_years(earliest, 20)))
        out.append(Member(branch_id=branch.id, name=_name(rng, gender), gender=gender, birth_date=birth,
                          joined_on=joined, status="probationary" if probationary else "full",
                          post=rng.choice(POSTS[branch.category]), active=True, version=1))
    return out


def _branch_names(code: str, category: str, count: int, used_nonpublic: list[str]) -> list[str]:
    if category == "production":
        areas = WORK_AREAS.get(code, [])
    elif category == "auxiliary":
        areas = AUX_AREAS
    elif category == "management":
        areas = MGMT_AREAS
    elif category == "market":
        areas = MARKET_AREAS
    else:
        free = [n for n in NONPUBLIC_NAMES if n not in used_nonpublic]
        used_nonpublic.extend(free[:count])
        return [n + "党支部" for n in free[:count]]
    names = [a + "党支部" for a in areas[:count]]
    names += [f"第{i}联合党支部" for i in range(1, count - len(names) + 1)]
    return names


def build_demo(session: Session, *, seed: int = 2026, today: date | None = None,
               password_method: str = "scrypt") -> DemoResult:
    """Write the demo organisation and logins in the session (the caller commits).
    Refuses when an organisation already exists."""
    if has_org_data(session):
        raise DemoRefused("数据库中已有组织数据，未做任何改动。如需重建演示数据，请使用 --reset（将清空全部数据）。")
    rng = random.Random(seed)
    today = today or clock.today()
    group = OrgNode(code="JT", name="钢铁集团党委", kind="group", active=True, version=1)
    session.add(group)
    session.flush()

    units, generals, branches = [], [], []
    used_nonpublic: list[str] = []
    for code, name, mix, general_defs in UNITS:
        unit = OrgNode(code=code, name=name, kind="unit", parent_id=group.id, active=True, version=1)
        session.add(unit)
        session.flush()
        unit.unit_id = unit.id
        units.append(unit)
        sub = []
        for gcode, gname in general_defs.items():
            g = OrgNode(code=gcode, name=gname, kind="general_branch", parent_id=unit.id, unit_id=unit.id,
                        active=True, version=1)
            session.add(g)
            sub.append(g)
        session.flush()
        generals.extend(sub)
        n = 0
        for category, count in mix.items():
            short = name.removesuffix("党委") if category != "nonpublic" else ""
            for bname in _branch_names(code, category, count, used_nonpublic):
                bname = short + bname if not bname.startswith(short) else bname
                n += 1
                # areas named after a 党总支 (烧结…, 热轧…) sit under it
                parent = next((g for g in sub if g.name.removesuffix("党总支") in bname), unit)
                branches.append(Branch(code=f"{code}-{n:02d}", name=bname, category=category, parent_id=parent.id,
                                       unit_id=unit.id, secretary_name=_name(rng, "male" if rng.random() < 0.75 else "female"),
                                       active=True, version=1))
    founded = random.Random(seed + 1)  # its own stream: the members stay as they were
    for branch in branches:
        branch.founded_on = founding_date(founded, branch.category, today)
    session.add_all(branches)
    session.flush()

    members = 0
    for branch in branches:
        batch = _members_for(rng, branch, today)
        members += len(batch)
        session.add_all(batch)
    session.flush()

    result = DemoResult(group=group, units=units, general_branches=generals, branches=branches, members=members)
    _add_users(session, result, password_method)
    return result


def _add_users(session: Session, result: DemoResult, password_method: str) -> None:
    lg = next(u for u in result.units if u.code == "LG")
    secretary_branch = next(b for b in result.branches if b.unit_id == lg.id and b.category == "production")
    for username, password, display, role in DEMO_USERS:
        user = User(username=username, display_name=display or secretary_branch.secretary_name, role=role,
                    active=True, version=1, locale="zh_CN")
        user.set_password(password, method=password_method)
        if role == "reviewer":
            user.units = [UserUnit(unit_id=lg.id)]
            scope = lg.name
        elif role == "viewer":
            user.units = [UserUnit(unit_id=u.id) for u in result.units]
            scope = "全部二级单位（只读）"
        elif role == "secretary":
            user.branch_id = secretary_branch.id
            scope = secretary_branch.name
        else:
            scope = "全集团"
        session.add(user)
        result.logins.append((username, password, user.role_label, scope))
    session.flush()


def enable_demo_plugins(session: Session, registry, result: DemoResult) -> list[str]:
    """Production indicators in the production units; brands and typical staff group-wide
    (both are group campaigns). Only plugins that are loaded; returns what was enabled."""
    from core.plugins import service

    done = []
    for unit in result.units:
        wanted = ["brands", "typical_staff"] + (["production"] if unit.code in PRODUCTION_UNITS else [])
        for name in wanted:
            if name in registry.manifests:
                service.enable(session, registry, unit_id=unit.id, name=name, actor=None, reason="演示数据")
                done.append(f"{unit.code}:{name}")
    session.flush()
    return done
