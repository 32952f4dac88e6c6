"""Bulk synthetic brands for benchmarks (bench/close.py --plugins brands): the plugin
enabled in every unit; 70 % of the branches have a brand file whose history reaches a
stage spread from 申报 to 命名 (a few 摘牌) between January and March, with 0–5 verified
五有 items; one benchmark per category. Loaded through the benchmark's bulk `load`."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.plugins.api import Branch, OrgNode
from plugins.brands.models import WUYOU_ITEMS

_PATH = ["declared", "cultivating", "proposed", "accepted", "named", "withdrawn"]
_ACTIONS = ["declare", "cultivate", "propose", "accept", "name", "withdraw"]


def generate(session, load, *, year: int = 2026, seed: int = 1, share: float = 0.7) -> dict:
    rnd = random.Random(seed)
    units = list(session.scalars(select(OrgNode.id).where(OrgNode.kind == "unit")))
    load(session, "unit_plugins", ["unit_id", "plugin", "enabled_at"], [(u, "brands", datetime(year, 1, 1)) for u in units])
    brands, events, items, bench, seen = [], [], [], [], set()
    now = datetime(year, 1, 1)
    for bid, uid, cat in session.execute(select(Branch.id, Branch.unit_id, Branch.category).order_by(Branch.id)):
        if rnd.random() >= share:
            continue
        brand_id = len(brands) + 1
        steps = rnd.choice([1, 2, 2, 3, 4, 5, 5, 6])
        day = date(year, 1, 1) + timedelta(days=rnd.randint(0, 20))
        for i in range(steps):
            events.append((brand_id, _ACTIONS[i], _PATH[i - 1] if i else None, _PATH[i], day, "", now))
            last = day
            day += timedelta(days=rnd.randint(5, 15))
        stage = _PATH[steps - 1]
        brands.append((brand_id, bid, uid, f"品牌{bid}", "", "", "manufacturing", stage, last, now, now))
        for item in list(WUYOU_ITEMS)[:rnd.randint(0, 5)]:
            items.append((brand_id, item, "佐证", date(year, rnd.randint(1, 3), rnd.randint(1, 28)), now))
        if stage == "named" and cat not in seen:
            seen.add(cat)
            bench.append((year, cat, bid, uid, date(year, 2, 1), "", now))
    load(session, "brand_brands", ["id", "branch_id", "unit_id", "name", "slogan", "meaning", "vanguard_type", "stage",
                                   "stage_on", "created_at", "updated_at"], brands)
    load(session, "brand_events", ["brand_id", "action", "from_stage", "to_stage", "happened_on", "comment",
                                   "created_at"], events)
    load(session, "brand_wuyou_items", ["brand_id", "item", "evidence", "verified_on", "updated_at"], items)
    load(session, "brand_benchmarks", ["year", "category", "branch_id", "unit_id", "designated_on", "note",
                                       "created_at"], bench)
    return {"units_enabled": len(units), "brands": len(brands), "events": len(events), "items": len(items)}
