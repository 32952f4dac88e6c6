"""Demo only: seed a year's rule set, let secretaries self-assess and reviewers verify the
manual items as they would, and close every window of the year that has ended — so a
fresh demo shows rankings, stars, trends and radar charts right away.

- `review_manual_items`: for each manual item of the given cycle periods, the branch's
  secretary self-assesses (generous, around its quality) and the unit's reviewer
  confirms most self-assessments unchanged and adjusts about one in six, with a
  reason — the values follow the branch's quality (core.org.demodata.branch_quality),
  so stars spread as in practice.
- `close_year(session, registry, year, today)`: builds on the year's ledger, targets and
  plugin data already in the database; closes its months, quarters and — once it has
  ended — the year, in the order the close rules require. Another year (a closed 2025
  before the current one) is made by calling it with that year.
"""
from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.indicators.catalogue import active_ruleset, seed_ruleset
from core.org.demodata import branch_quality
from core.org.models import Branch
from core.periods.keys import PeriodKey
from core.periods.services import get_or_create_periods
from core.scoring import manual, sources
from core.scoring.close import close_period
from core.scoring.compute import cycle_keys
from core.scoring.models import Evaluation

#: Reasons reviewers give when they adjust a self-assessment.
ADJUST_REASONS = [
    "服务群众活动记录缺少照片和签到，酌减",
    "走访慰问台账不完整，按实际完成情况核减",
    "志愿服务次数不足计划，按比例计分",
    "自评偏高，按考核细则评分标准核定",
    "群众满意度测评结果一般，酌减",
]
CONFIRM_REASON = "经核查，与自评一致，确认"


def windows_to_close(today: date, year: int | None = None) -> list[PeriodKey]:
    """Every window of `year` (default today's) that has ended by `today`, in close
    order: each month, each quarter right after its third month, the year last."""
    year = year or today.year
    out: list[PeriodKey] = []
    for month in range(1, 13):
        pk = PeriodKey(year, "month", month)
        if pk.ends_on >= today:
            break
        out.append(pk)
        if month % 3 == 0:
            out.append(PeriodKey(year, "quarter", month // 3))
    if PeriodKey(year, "year", 0).ends_on < today:
        out.append(PeriodKey(year, "year", 0))
    return out


def _half_points(value: float) -> Decimal:
    """Round to half points, as reviewers score."""
    return (Decimal(str(value)) * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def review_manual_items(session: Session, registry, keys: list[PeriodKey], ruleset, *, seed: int = 5521) -> dict:
    """Self-assess and verify every manual item of the open cycle periods `keys`.
    Returns {"confirmed": n, "adjusted": n}."""
    kinds = sources.kinds_from(registry)
    keys = manual.open_cycle_keys(session, keys)
    manual.ensure_items(session, keys, ruleset, kinds)
    periods = get_or_create_periods(session, keys)
    ids = {i.id for k in keys for i, _p in manual.manual_indicators(ruleset, kinds, k.kind)}
    if not ids:
        return {"confirmed": 0, "adjusted": 0}
    codes = dict(session.execute(select(Branch.id, Branch.code)).all())
    rows = session.execute(select(Evaluation.period_id, Evaluation.branch_id, Evaluation.indicator_id,
                                  Evaluation.points)
                           .where(Evaluation.period_id.in_([p.id for p in periods.values()]),
                                  Evaluation.indicator_id.in_(ids), Evaluation.verified_earned.is_(None))
                           .order_by(Evaluation.period_id, Evaluation.branch_id, Evaluation.indicator_id)).all()
    counts = {"confirmed": 0, "adjusted": 0}
    for period_id, branch_id, indicator_id, points in rows:
        rng = random.Random(f"{seed}:{period_id}:{branch_id}:{indicator_id}")
        quality = branch_quality(codes[branch_id], seed)
        claimed = min(points, _half_points(float(points) * min(1.0, quality + 0.08 + rng.gauss(0, 0.05))))
        claimed = max(claimed, Decimal(0))
        if rng.random() < 0.83:
            verified, reason = claimed, CONFIRM_REASON
            counts["confirmed"] += 1
        else:
            verified = max(Decimal(0), min(points, _half_points(float(points) * (quality - 0.1))))
            reason = rng.choice(ADJUST_REASONS)
            counts["adjusted"] += 1
        session.execute(update(Evaluation).where(
            Evaluation.period_id == period_id, Evaluation.branch_id == branch_id,
            Evaluation.indicator_id == indicator_id).values(
            self_earned=claimed, self_note="按考核细则自评", verified_earned=verified, verify_reason=reason,
            version=Evaluation.version + 1).execution_options(synchronize_session=False))
    return counts


def close_year(session: Session, registry, year: int, today: date) -> list[str]:
    """Seed `year`'s rule set if it has none, review its manual items and close every
    window of `year` that has ended by `today` (windows closed already are skipped).
    Returns the keys closed now."""
    ruleset = active_ruleset(session, year)
    if ruleset is None:
        ruleset = seed_ruleset(session, year, registry=registry)
    closed = []
    for pk in windows_to_close(today, year):
        review_manual_items(session, registry, cycle_keys(pk), ruleset)
        if not close_period(session, pk, kinds=registry, today=today).already_closed:
            closed.append(pk.key)
    return closed


def close_demo_periods(session: Session, registry, today: date) -> list[str]:
    """The current year: its rule set, reviews and the windows ended by `today`."""
    return close_year(session, registry, today.year, today)
