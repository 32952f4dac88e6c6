"""Demo data: brands in every stage for branches of units where the plugin is enabled
(about a quarter undeclared, the rest spread from 申报 to 命名 with a few 摘牌), their
五有 evidence and verifications, achievements, one benchmark per category, the three
routes 主业线、辅业线、改制线 and a few benchmarking visits. Dates lie in the ten
months before today, so the demo's closes score them."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from core.plugins.api import UnitPlugin
from plugins.brands.models import (WUYOU_ITEMS, Achievement, Benchmark, Brand, BrandEvent, Route, RouteStop, Visit,
                                   VisitBranch, WuyouItem)
from plugins.brands.stages import PLUGIN

_NAMES = ["铁军先锋", "钢铁脊梁", "红色引擎", "匠心筑梦", "精益先锋", "炉火映党旗", "创新工坊", "服务零距离",
          "营销尖兵", "绿色动力", "安全卫士", "质量标杆", "党旗红·设备稳", "攻坚突击队", "连心桥"]
_SLOGANS = ["一名党员一面旗，一个支部一座堡垒", "把支部建在生产线上", "支部围绕中心转，党员冲在最前线",
            "精益求精，追求卓越", "服务无止境，满意在基层"]
_TYPES_BY_CATEGORY = {"production": ["manufacturing", "efficiency"], "auxiliary": ["efficiency", "service"],
                      "market": ["marketing"], "management": ["service"], "nonpublic": ["diversified", "marketing"]}
#: (final stage, weight): the spread of the demo's brands.
#: "一支部一品牌": nearly every branch is creating one; most have got past declaring.
_SPREAD = [(None, 4), ("declared", 6), ("cultivating", 22), ("proposed", 8), ("accepted", 18), ("named", 38),
           ("withdrawn", 4)]
_PATH = {"declared": ["declare"], "cultivating": ["declare", "cultivate"],
         "proposed": ["declare", "cultivate", "propose"],
         "accepted": ["declare", "cultivate", "propose", "accept"],
         "named": ["declare", "cultivate", "propose", "accept", "name"],
         "withdrawn": ["declare", "cultivate", "propose", "accept", "name", "withdraw"]}
_TARGET = {"declare": "declared", "cultivate": "cultivating", "propose": "proposed", "accept": "accepted",
           "name": "named", "withdraw": "withdrawn"}
_EVIDENCE = {
    "secretary": "支部书记政治素质过硬，连续三年考核优秀，带头攻关重点难题。",
    "team": "党员骨干占班组长的 80% 以上，设立党员责任区和党员先锋岗。",
    "meaning": "品牌内涵凝练为“三个一”：一面旗帜、一套机制、一批成果。",
    "venue": "建成党员活动室和现场“党建角”，定期开展主题党日活动。",
    "results": "年度主要生产经营指标全面完成，获评公司先进集体。",
}


def add_demo(session, units, branches, *, today: date | None = None, seed: int = 5521) -> int:
    """Write the demo's brands; returns how many brand files were made."""
    today = today or date.today()
    enabled = set(session.scalars(select(UnitPlugin.unit_id).where(UnitPlugin.plugin == PLUGIN)))
    rng = random.Random(seed)
    start = today - timedelta(days=720)  # brands take years: most stages were reached before this year
    stages, weights = zip(*_SPREAD)
    made: list[tuple[Brand, object]] = []
    for branch in branches:
        if branch.unit_id not in enabled:
            continue
        final = rng.choices(stages, weights)[0]
        if final is None:
            continue
        day = start + timedelta(days=rng.randint(0, 60))
        brand = Brand(branch_id=branch.id, unit_id=branch.unit_id, name=rng.choice(_NAMES),
                      slogan=rng.choice(_SLOGANS), vanguard_type=rng.choice(_TYPES_BY_CATEGORY[branch.category]),
                      meaning=f"{branch.name}立足岗位职责，以党建引领中心工作，形成特色鲜明的支部品牌。",
                      stage="declared", stage_on=day)
        session.add(brand)
        session.flush()
        previous = None
        for action in _PATH[final]:
            if previous is not None:
                day = day + timedelta(days=rng.randint(20, 50))
            if day >= today:
                break
            comment = "整改不到位，依规摘牌。" if action == "withdraw" else ""
            session.add(BrandEvent(brand_id=brand.id, action=action, from_stage=previous, to_stage=_TARGET[action],
                                   happened_on=day, comment=comment))
            previous = brand.stage = _TARGET[action]
            brand.stage_on = day
        _add_items(session, brand, rng, today)
        if brand.stage in ("accepted", "named"):
            session.add(Achievement(brand_id=brand.id, achieved_on=min(today, brand.stage_on),
                                    title="获评公司“红旗党支部”", detail="品牌创建成效得到上级党委肯定。"))
        made.append((brand, branch))
    session.flush()
    _add_showcase(session, made, rng, today)
    session.flush()
    return len(made)


def _add_items(session, brand: Brand, rng, today: date) -> None:
    if brand.stage == "declared":
        n_evidence, n_verified = rng.randint(0, 2), 0
    elif brand.stage in ("cultivating", "proposed"):
        n_evidence, n_verified = rng.randint(3, 5), rng.randint(0, 3)
    else:
        n_evidence = n_verified = len(WUYOU_ITEMS)
    for i, item in enumerate(list(WUYOU_ITEMS)[:n_evidence]):
        verified = min(today, brand.stage_on) if i < n_verified else None
        session.add(WuyouItem(brand_id=brand.id, item=item, evidence=_EVIDENCE[item], verified_on=verified))


def _add_showcase(session, made, rng, today: date) -> None:
    named = [(b, br) for b, br in made if b.stage == "named"]
    for category in _TYPES_BY_CATEGORY:
        pick = next(((b, br) for b, br in named if br.category == category), None)
        if pick is not None:
            b, br = pick
            session.add(Benchmark(year=today.year, category=category, branch_id=br.id, unit_id=br.unit_id,
                                  designated_on=max(date(today.year, 1, 1), b.stage_on), note="演示数据"))
    routes = [("主业线", "炼铁、炼钢、轧钢主体生产单元的品牌支部。", ("production",)),
              ("辅业线", "检修、能源、运输等辅助单元的品牌支部。", ("auxiliary", "management")),
              ("改制线", "改制、合资企业的品牌支部。", ("nonpublic", "market"))]
    showcase = [(b, br) for b, br in made if b.stage in ("accepted", "named")]
    for position, (name, description, categories) in enumerate(routes, start=1):
        route = Route(name=name, description=description, position=position)
        stops = [br for _b, br in showcase if br.category in categories][:5]
        route.stops = [RouteStop(branch_id=br.id, position=i, note="品牌展示、现场交流")
                       for i, br in enumerate(stops, start=1)]
        session.add(route)
    session.flush()
    hosts = [br for _b, br in showcase][:3]
    others = [br for _b, br in made if br not in hosts]
    for i, host in enumerate(hosts):
        visitors = rng.sample(others, min(3, len(others)))
        visit = Visit(visited_on=today - timedelta(days=30 * (i + 1)), host_branch_id=host.id,
                      learned="学习了品牌创建的机制和做法，计划在本支部推广“党员责任区”。")
        visit.visitors = [VisitBranch(branch_id=v.id, unit_id=v.unit_id) for v in visitors]
        session.add(visit)
