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
- Rounding (exact integer arithmetic in the database, identical on SQLite and
  PostgreSQL): each group's ratio is rounded half-up to millionths, then earned in
  hundredths of points is rounded half-up once. The evidence shows each group's earned
  and full points with two places.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Text, and_, case, cast, func, literal, select

from core.formatting import sep
from core.points import to_cents
from core.scoring.bulk import canonical_json
from core.scoring.kinds import EvalContext, IndicatorKind
from core.scoring.sqlfuncs import as_bigint, fixed_text, month_start, round_div
from core.targets.models import TARGET_GROUPS, Target, TargetProgress

#: Ratios are rounded to millionths.
U = 10 ** 6
FULL = 10000  # completion 100 %, in hundredths of a percent (PointsType)


def _weights(ctx: EvalContext) -> tuple[dict[str, int], int]:
    """The group weights as integers on one scale (e.g. 50/30/20 → 50, 30, 20)."""
    raw = {g: Decimal(str(w)) for g, w in (ctx.ruleset.setting("target_groups") or {}).items()}
    places = max([-w.as_tuple().exponent for w in raw.values()] + [0])
    return {g: int(w.scaleb(places)) for g, w in raw.items()}, places


def select_target(ctx: EvalContext) -> list:
    """Per indicator: the due targets with their completion at the deadline (latest
    progress up to the deadline month), summed per branch and group, then the groups'
    weighted ratio — one statement, no Python per branch."""
    start, end = ctx.period.starts_on, ctx.period.ends_on
    weights, places = _weights(ctx)
    groups = sorted(set(TARGET_GROUPS) | set(weights))
    statements = []
    for ind in ctx.indicators:
        due = and_(Target.deadline >= start, Target.deadline <= end, Target.branch_id.in_(ctx.applicable[ind.id]))
        index_code = (ind.params or {}).get("index_code")
        if index_code:
            due = and_(due, Target.index_code == index_code)
        latest = (select(TargetProgress.target_id, func.max(TargetProgress.month).label("month"))
                  .join(Target, Target.id == TargetProgress.target_id)
                  .where(due, TargetProgress.month <= Target.deadline)
                  .group_by(TargetProgress.target_id).subquery("latest"))
        completion = func.coalesce(as_bigint(TargetProgress.completion), 0)
        complete = completion >= FULL
        tracked = latest.c.month == month_start(Target.deadline)
        share = case((complete, FULL), (tracked, completion), else_=0)   # hundredths of a percent
        points = as_bigint(Target.points)
        per_target = (select(Target.branch_id, Target.group, points.label("points"),
                             (points * share).label("got"),
                             case((complete, 1), else_=0).label("complete"),
                             case((and_(~complete, ~tracked), 1), (latest.c.month.is_(None), 1),
                                  else_=0).label("overdue"))
                      .select_from(Target).outerjoin(latest, latest.c.target_id == Target.id)
                      .outerjoin(TargetProgress, and_(TargetProgress.target_id == Target.id,
                                                      TargetProgress.month == latest.c.month))
                      .where(due).subquery("per_target"))
        t = per_target.c

        def in_group(g, value):
            return func.sum(case((t.group == g, value), else_=0))

        cols = [t.branch_id.label("branch_id"), func.count().label("due"),
                func.sum(t.complete).label("complete"), func.sum(t.overdue).label("overdue")]
        for n, g in enumerate(groups):
            cols += [in_group(g, t.points).label(f"full_{n}"), in_group(g, t.got).label(f"got_{n}"),
                     in_group(g, 1).label(f"n_{n}")]
        per_branch = select(*cols).group_by(t.branch_id).subquery("per_branch")
        b = per_branch.c
        num = den = literal(0)
        group_json = literal("", Text)
        for n, g in enumerate(groups):
            full, got, count = as_bigint(b[f"full_{n}"]), as_bigint(b[f"got_{n}"]), b[f"n_{n}"]
            # ratio_g in millionths: Σ points × share ÷ (Σ points × 100 %)
            ratio = case((full > 0, round_div(got * (U // FULL), full)), else_=0)
            w = weights.get(g, 0)
            if w > 0:
                num = num + case((full > 0, ratio * w), else_=0)
                den = den + case((full > 0, w), else_=0)
            weight_text = canonical_json(str(Decimal(w).scaleb(-places)))
            group_json = group_json.concat(case((count > 0, literal(canonical_json(g) + ':{"earned":"', Text)
                                                 .concat(fixed_text(round_div(got, FULL), 2))
                                                 .concat(literal('","points":"', Text))
                                                 .concat(fixed_text(full, 2))
                                                 .concat(literal(f'","weight":{weight_text}}},', Text))),
                                                else_=literal("", Text)))
        earned = case((den > 0, round_div(to_cents(Decimal(ind.points)) * num, den * U)), else_=0)
        # canonical JSON (sorted keys): complete, due, groups (one entry per group with
        # targets due, each fragment ending in a comma, the last one trimmed), overdue
        evidence = (literal('{"complete":', Text).concat(cast(b.complete, Text))
                    .concat(literal(',"due":', Text)).concat(cast(b.due, Text))
                    .concat(literal(',"groups":{', Text)).concat(func.rtrim(group_json, ","))
                    .concat(literal('},"overdue":', Text)).concat(cast(b.overdue, Text))
                    .concat(literal("}", Text)))
        statements.append(select(b.branch_id, literal(ind.id), earned, evidence))
    return statements


def describe_target(ev: dict, ind, ruleset) -> str:
    """到期目标 3 项，完成 2 项，逾期未完成 1 项。安全生产经营（权重 50%）：得 8.00 / 10.00 分，完成 80.00%；…"""
    from flask_babel import gettext
    from core.points import to_points
    text = gettext("本期到期目标 %(due)s 项，按期完成 %(complete)s 项，逾期未完成 %(overdue)s 项。",
                   due=ev["due"], complete=ev["complete"], overdue=ev["overdue"])
    parts = []
    groups = ev.get("groups") or {}
    for code in list(TARGET_GROUPS) + sorted(set(groups) - set(TARGET_GROUPS)):
        g = groups.get(code)
        if not g:
            continue
        points, earned = Decimal(g["points"]), Decimal(g["earned"])
        ratio = to_points(earned * 100 / points) if points else Decimal("0.00")
        parts.append(gettext("%(group)s（权重 %(w)s%%）：得 %(e)s / %(p)s 分，完成 %(r)s%%",
                             group=gettext(TARGET_GROUPS.get(code, code)), w=g["weight"], e=g["earned"],
                             p=g["points"], r=ratio))
    if parts:
        text += sep("semicolon").join(parts) + gettext("。无到期目标的分组不计，其权重按比例分给其他分组。")
    return text


KINDS = [IndicatorKind("target", "目标管控（按截止期考核）", None, select=select_target, params=("index_code",),
                       describe=describe_target, reads_settings=frozenset({"target_groups"}))]
