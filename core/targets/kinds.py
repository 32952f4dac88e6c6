"""Scoring method `target` (目标考核): the targets whose deadline falls in the cycle
period, weighted by their group (安全生产经营 / 支部基础工作 / 重点工作任务).

Decisions (README, scoring section):
- Which targets: those of the branch with `deadline` inside the cycle period and, when
  the indicator has params["index_code"], attached to that index (Target.index_code).
- Completion at the deadline: the latest monthly progress recorded for a month up to
  and including the deadline's month (capped at 100 %).
- Overdue and incomplete → 0: a target below 100 % whose deadline month has no
  progress recorded (tracking stopped before the deadline) earns 0; one tracked in its
  deadline month earns points × completion; one that reached 100 % earns its points.
- Group weights (settings["target_groups"], percent): per group g, ratio_g =
  Σ earned ÷ Σ points of its due targets; the indicator earns
  points × Σ_g w_g·ratio_g ÷ Σ_g w_g over the groups that have targets due (a group
  without targets drops out and the others are re-scaled, as indices are).
- A branch with no target due in the period gets no evaluation: the indicator drops out
  of its index for that window (the sheet says so).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import and_, select

from core.points import ZERO
from core.scoring.kinds import EvalContext, EvalRow, IndicatorKind
from core.targets.models import Target, TargetProgress

HUNDRED = Decimal(100)


def _month_start(day):
    return day.replace(day=1)


def evaluate_target(ctx: EvalContext):
    start, end = ctx.period.starts_on, ctx.period.ends_on
    weights = {g: Decimal(str(w)) for g, w in (ctx.ruleset.setting("target_groups") or {}).items()}
    for ind in ctx.indicators:
        stmt = (select(Target.id, Target.branch_id, Target.group, Target.points, Target.deadline,
                       TargetProgress.month, TargetProgress.completion)
                .outerjoin(TargetProgress, and_(TargetProgress.target_id == Target.id,
                                                TargetProgress.month <= Target.deadline))
                .where(Target.deadline >= start, Target.deadline <= end,
                       Target.branch_id.in_(ctx.applicable[ind.id])))
        index_code = (ind.params or {}).get("index_code")
        if index_code:
            stmt = stmt.where(Target.index_code == index_code)
        targets: dict[int, dict] = {}
        for tid, branch_id, group, points, deadline, month, completion in ctx.session.connection().execute(stmt).all():
            t = targets.setdefault(tid, {"branch": branch_id, "group": group, "points": points,
                                         "deadline": deadline, "month": None, "completion": ZERO})
            if month is not None and (t["month"] is None or month > t["month"]):
                t["month"], t["completion"] = month, completion
        per_branch: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [ZERO, ZERO]))
        counts: dict[int, dict[str, int]] = defaultdict(lambda: {"due": 0, "complete": 0, "overdue": 0})
        for tid in sorted(targets):
            t = targets[tid]
            c = min(t["completion"], HUNDRED) / HUNDRED
            tracked_at_deadline = t["month"] is not None and t["month"] == _month_start(t["deadline"])
            if c >= 1:
                share = Decimal(1)
                counts[t["branch"]]["complete"] += 1
            elif tracked_at_deadline:
                share = c
            else:
                share = ZERO
                counts[t["branch"]]["overdue"] += 1
            counts[t["branch"]]["due"] += 1
            acc = per_branch[t["branch"]][t["group"]]
            acc[0] += t["points"] * share
            acc[1] += t["points"]
        points = Decimal(ind.points)
        for branch_id in sorted(per_branch):
            groups = per_branch[branch_id]
            num = den = ZERO
            evidence_groups = {}
            for g in sorted(groups):
                got, full = groups[g]
                w = weights.get(g, ZERO)
                evidence_groups[g] = {"earned": str(got), "points": str(full), "weight": str(w)}
                if full > 0 and w > 0:
                    num += w * got / full
                    den += w
            earned = points * num / den if den else ZERO
            yield EvalRow(branch_id, ind.id, earned, {**counts[branch_id], "groups": evidence_groups})


KINDS = [IndicatorKind("target", "目标管控（按截止期考核）", evaluate_target, params=("index_code",))]
