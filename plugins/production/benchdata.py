"""Bulk synthetic plans and actuals for benchmarks (bench/close.py --plugins production):
every branch of every unit gets the plugin enabled, a plan for each of its category's
four measures for each month of the year, and an actual for months up to `actual_months`
(a few missing), loaded through the benchmark's own bulk `load(session, table, columns, rows)`."""
from __future__ import annotations

import random
from datetime import date, datetime

from sqlalchemy import select

from core.plugins.api import Branch, OrgNode
from plugins.production.measures import all_measures, seed_measures

SCALE = 10_000  # QuantityType stores ten-thousandths


def generate(session, load, *, year: int = 2026, seed: int = 1, actual_months: int = 12,
             missing_rate: float = 0.01) -> dict:
    rnd = random.Random(seed)
    seed_measures(session)
    session.flush()
    units = list(session.scalars(select(OrgNode.id).where(OrgNode.kind == "unit")))
    load(session, "unit_plugins", ["unit_id", "plugin", "enabled_at"],
         [(u, "production", datetime(year, 1, 1)) for u in units])
    by_cat: dict[str, list] = {}
    for m in all_measures(session):
        by_cat.setdefault(m.category, []).append(m)
    plans, actuals = [], []
    for bid, uid, cat in session.execute(select(Branch.id, Branch.unit_id, Branch.category)):
        for m in by_cat.get(cat, []):
            for month in range(1, 13):
                day = date(year, month, 1)
                plan = 0 if m.slot == "safety" else rnd.randint(50, 20000)
                plans.append((bid, uid, m.id, day, plan * SCALE, datetime(year, 1, 1)))
                if month <= actual_months and rnd.random() >= missing_rate:
                    actual = rnd.choice((0, 0, 0, 1)) if plan == 0 else int(plan * rnd.uniform(0.75, 1.15))
                    actuals.append((bid, uid, m.id, day, actual * SCALE, "api", datetime(year, month, 28)))
    load(session, "production_plans", ["branch_id", "unit_id", "measure_id", "month", "value", "updated_at"], plans)
    load(session, "production_actuals",
         ["branch_id", "unit_id", "measure_id", "month", "value", "source", "updated_at"], actuals)
    return {"units_enabled": len(units), "plans": len(plans), "actuals": len(actuals)}
