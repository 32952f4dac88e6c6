"""Demo targets: each branch gets one target per group (安全生产经营 / 支部基础工作 /
重点工作任务) with an owner and a quarter-end deadline, and monthly progress up to last
month — some finished, some behind, a few overdue. Deterministic."""
from __future__ import annotations

import random
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import insert

from core.periods.keys import PeriodKey
from core.targets.models import Target, TargetProgress

_TARGETS = [
    ("safety_production", "performance", "全年安全生产零事故", Decimal(8)),
    ("basic_work", "management", "“三会一课”规范化建设达标", Decimal(6)),
    ("key_tasks", "performance", "重点降本增效项目按期完成", Decimal(6)),
]
_OWNERS = ["王建国", "李卫东", "张海燕", "刘志强", "陈晓梅", "赵文华"]


def add_demo(session, units, branches, today: date | None = None, year: int | None = None) -> None:
    """Targets of `year` (default today's, core.clock) with progress up to the last
    month ended by `today`; a branch's pace follows its quality."""
    from core import clock
    from core.org.demodata import branch_quality

    today = today or clock.today()
    year = year or today.year
    rng = random.Random(2026)
    batches = {group: uuid.UUID(int=rng.getrandbits(128)).hex[:16] for group, *_ in _TARGETS}
    targets = []
    for branch in branches:
        for group, index_code, title, points in _TARGETS:
            quarter = rng.randint(1, 4)
            deadline = PeriodKey(year, "quarter", quarter).ends_on
            targets.append(Target(branch_id=branch.id, unit_id=branch.unit_id, title=title, group=group,
                                  index_code=index_code, points=points, owner=rng.choice(_OWNERS),
                                  deadline=deadline, batch=batches[group], version=1))
    session.add_all(targets)
    session.flush()
    progress = []
    quality = {b.id: branch_quality(b.code) for b in branches}
    last = 13 if year < today.year else today.month
    for t in targets:
        q = quality[t.branch_id]
        pace = rng.choice([Decimal(100), Decimal(100), Decimal(90), Decimal(70)] if rng.random() < q else
                          [Decimal(80), Decimal(60), Decimal(40)])
        months = [m for m in range(1, last) if date(year, m, 1) <= t.deadline]
        for i, month in enumerate(months, start=1):
            completion = min(pace, (pace * i / len(months)).quantize(Decimal("0.01")))
            progress.append({"target_id": t.id, "month": date(year, month, 1), "completion": completion,
                             "note": None})
    if progress:
        session.execute(insert(TargetProgress), progress)
