"""Demo data: a year of monthly plans and actuals for branches of units where the plugin
is enabled, with a little noise so every traffic-light colour shows up."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.plugins.api import UnitPlugin
from plugins.production.measures import PLUGIN, all_measures, seed_measures
from plugins.production.models import Actual, Plan

_BASE = {"吨": 12000, "元/吨": 2800, "%": 95, "起": 0, "万元": 500}
_LOWER_PCT = {"cost": 8, "safety": 3}


def _plan_value(measure, rng) -> Decimal:
    if measure.unit == "%" and measure.direction == "lower":
        return Decimal(_LOWER_PCT.get(measure.slot, 5))
    base = _BASE.get(measure.unit, 100)
    return Decimal(base) if base == 0 else Decimal(int(base * rng.uniform(0.9, 1.1)))


def _actual_value(measure, plan: Decimal, rng) -> Decimal:
    if plan == 0:
        return Decimal(rng.choice([0, 0, 0, 0, 0, 1]))
    factor = Decimal(str(round(rng.uniform(0.85, 1.08), 3)))
    if measure.direction == "lower":
        factor = Decimal(2) - factor
    return (plan * factor).quantize(Decimal("0.01"))


def add_demo(session, units, branches, year: int | None = None, seed: int = 5521) -> int:
    """Plans for every month of the year and actuals up to the last full month."""
    seed_measures(session)
    enabled = set(session.scalars(select(UnitPlugin.unit_id).where(UnitPlugin.plugin == PLUGIN)))
    from core.plugins.api import today as app_today  # the demo's today (STARBRANCH_TODAY)

    today = app_today()
    year = year or today.year
    last_month = 12 if year < today.year else max(today.month - 1, 0)
    rng = random.Random(seed)
    by_category: dict = {}
    for m in all_measures(session):
        if m.active:
            by_category.setdefault(m.category, []).append(m)
    n = 0
    for branch in branches:
        if branch.unit_id not in enabled:
            continue
        for measure in by_category.get(branch.category, []):
            for month in range(1, 13):
                day = date(year, month, 1)
                plan = _plan_value(measure, rng)
                session.add(Plan(branch_id=branch.id, unit_id=branch.unit_id, measure_id=measure.id,
                                 month=day, value=plan))
                if month <= last_month:
                    session.add(Actual(branch_id=branch.id, unit_id=branch.unit_id, measure_id=measure.id,
                                       month=day, value=_actual_value(measure, plan, rng), source="demo"))
                n += 1
    session.flush()
    return n
