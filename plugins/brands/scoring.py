"""The brand index contribution (品牌创建进度) and the star gates `brand_accepted` and
`brand_named`.

One indicator, BR-PROGRESS (index 品牌, kind 专项, monthly, method `brands.progress`),
is scored for every branch of a unit with the plugin enabled, inside the database (one
INSERT … SELECT per month for all branches, like the production measures):

    earned = stage points (cumulative over the stages reached by the window's end)
           + item points × verified 五有 items (verified on or before the end)
           + benchmark bonus (benchmark branch of the window's year, designated on or
             before the end)

- The stage on a day is the latest event of the brand's history dated on or before it
  (events never go back in date, so the largest event id among them is the latest).
  待验收 (acceptance asked for) counts as 培育; a withdrawn brand (摘牌) earns no stage
  and no item points; no brand file → 0 (evidence says 未申报).
- The numbers are rule-set settings (settings["brands"], edited on 品牌计分设置):
  default 申报 2, 培育 3, 验收 3, 命名 2 (10 for a named brand), 1 per verified item (5),
  benchmark bonus 2. The indicator's points are Σ stage points + 5 × item points (15);
  the bonus may take the earned value above them (max_earned = points + bonus), as the
  production bonus does; the engine clamps to that bound.
- All arithmetic is in integer hundredths; the evidence is canonical JSON built in SQL
  (byte-identical on SQLite and PostgreSQL).
- Gates: `brand_accepted` passes a branch whose brand is 验收通过 or 命名 at the
  window's end, `brand_named` one whose brand is 命名 (a unit without the plugin has
  no brands, so its branches do not pass).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, Text, and_, case, cast, false, func, literal, null, select
from sqlalchemy.orm import Session

from core.plugins.api import (Branch, CatalogueError, EvalContext, IndicatorKind, JsonInt, JsonStr, StarGate, audit,
                              ensure_ruleset_editable, fixed_text, json_text, to_cents)
from plugins.brands.models import WUYOU_ITEMS, Benchmark, Brand, BrandEvent, WuyouItem
from plugins.brands.stages import PLUGIN, BrandError

METHOD = "brands.progress"
CODE = "BR-PROGRESS"
#: Stages that earn points, in order; their points add up as the brand moves on.
SCORED_STAGES = ("declared", "cultivating", "accepted", "named")
DEFAULT_SETTINGS = {
    "stage_points": {"declared": "2", "cultivating": "3", "accepted": "3", "named": "2"},
    "item_points": "1",
    "benchmark_bonus": "2",
}
#: Bounds of the settings (points, per value).
MAX_POINTS = Decimal(50)


def settings_of(ruleset) -> dict:
    """The rule set's brand settings merged over the defaults, as Decimals."""
    stored = ((getattr(ruleset, "settings", None) or {}).get("brands")) or {}
    stage = {**DEFAULT_SETTINGS["stage_points"], **(stored.get("stage_points") or {})}
    return {"stage_points": {s: Decimal(str(stage[s])) for s in SCORED_STAGES},
            "item_points": Decimal(str(stored.get("item_points", DEFAULT_SETTINGS["item_points"]))),
            "benchmark_bonus": Decimal(str(stored.get("benchmark_bonus", DEFAULT_SETTINGS["benchmark_bonus"])))}


def total_points(settings: dict) -> Decimal:
    return sum(settings["stage_points"].values()) + len(WUYOU_ITEMS) * settings["item_points"]


def cumulative_cents(settings: dict) -> dict[str, int]:
    """Stage → hundredths earned for having reached it (待验收 as 培育, 摘牌 0)."""
    out, running = {}, 0
    for stage in SCORED_STAGES:
        running += to_cents(settings["stage_points"][stage])
        out[stage] = running
    out["proposed"] = out["cultivating"]
    out["withdrawn"] = 0
    return out


def indicator_row(ruleset) -> dict:
    s = settings_of(ruleset)
    sp = s["stage_points"]
    return {
        "code": CODE, "name": "支部品牌创建进度", "index_code": "brand", "kind": "special",
        "points": total_points(s),
        "standard": (f"按月计：品牌达到申报 {sp['declared']} 分、培育 {sp['cultivating']} 分、验收 {sp['accepted']} 分、"
                     f"命名 {sp['named']} 分（累计）；“五有”每核实一项 {s['item_points']} 分；"
                     f"当年标杆支部另加 {s['benchmark_bonus']} 分。摘牌后阶段与“五有”不计分。"),
        "cycle": "month", "categories": None, "method": METHOD,
        "params": {"benchmark_bonus": str(s["benchmark_bonus"])}, "plugin": PLUGIN, "position": 700,
    }


# ------------------------------------------------------------------ settings

def clean_settings(values: dict) -> dict:
    def number(raw, field):
        try:
            d = Decimal(str(raw).strip())
        except Exception:
            raise BrandError(_msg_number(), field) from None
        if not d.is_finite() or d < 0 or d > MAX_POINTS or d != d.quantize(Decimal("0.01")):
            raise BrandError(_msg_number(), field)
        return d

    stage = {s: number((values.get("stage_points") or {}).get(s), f"stage_{s}") for s in SCORED_STAGES}
    item = number(values.get("item_points"), "item_points")
    bonus = number(values.get("benchmark_bonus"), "benchmark_bonus")
    if sum(stage.values()) + len(WUYOU_ITEMS) * item <= 0:
        raise BrandError(_msg_positive(), "item_points")
    return {"stage_points": {s: str(v.normalize()) if v else "0" for s, v in stage.items()},
            "item_points": str(item.normalize()) if item else "0",
            "benchmark_bonus": str(bonus.normalize()) if bonus else "0"}


def _msg_number():
    from flask_babel import gettext
    return gettext("须为 0 到 50 之间、最多两位小数的数字。")


def _msg_positive():
    from flask_babel import gettext
    return gettext("阶段分与“五有”分合计须大于 0。")


def save_settings(session: Session, ruleset, values: dict, *, actor) -> int:
    """Store the brand settings of a rule set no closed period used, and refresh its
    BR-PROGRESS indicator (points, standard, bonus). Audited. Returns indicators changed."""
    from core.plugins.api import Indicator

    try:
        ensure_ruleset_editable(session, ruleset)
    except CatalogueError as exc:
        raise BrandError(str(exc)) from None
    clean = clean_settings(values)
    old = dict((ruleset.settings or {}).get("brands") or {})
    ruleset.settings = {**(ruleset.settings or {}), "brands": clean}
    row = indicator_row(ruleset)
    n = 0
    for ind in session.scalars(select(Indicator).where(Indicator.ruleset_id == ruleset.id, Indicator.method == METHOD)):
        ind.points, ind.standard, ind.params = row["points"], row["standard"], row["params"]
        n += 1
    session.flush()
    if old != clean:
        audit(session, actor=actor, action="brands.settings", obj=ruleset, old={"brands": old}, new={"brands": clean})
    return n


# ------------------------------------------------------------------ as of a day

def stage_asof(end):
    """SELECT (brand_id, branch_id, stage) of every brand as of `end` (brands whose
    history starts later are absent)."""
    latest = (select(BrandEvent.brand_id, func.max(BrandEvent.id).label("event_id"))
              .where(BrandEvent.happened_on <= end).group_by(BrandEvent.brand_id).subquery("latest"))
    return (select(Brand.id.label("brand_id"), Brand.branch_id, BrandEvent.to_stage.label("stage"))
            .join(latest, latest.c.brand_id == Brand.id).join(BrandEvent, BrandEvent.id == latest.c.event_id))


def stages_on(session: Session, branch_ids, end) -> dict[int, str]:
    """branch id → stage on `end` (one query)."""
    sub = stage_asof(end).where(Brand.branch_id.in_(list(branch_ids))).subquery()
    return dict(session.execute(select(sub.c.branch_id, sub.c.stage)).all())


# ------------------------------------------------------------------ SQL form

def select_progress(ctx: EvalContext) -> list:
    """One SELECT per indicator: applicable branches LEFT JOIN the stage, the verified
    items and the benchmark as of the period's end; earned and evidence in SQL."""
    end, year = ctx.period.ends_on, ctx.period.starts_on.year
    settings = settings_of(ctx.ruleset)
    cents = cumulative_cents(settings)
    item_c = to_cents(settings["item_points"])
    stmts = []
    for ind in ctx.indicators:
        bonus_c = to_cents(Decimal(str((ind.params or {}).get("benchmark_bonus", settings["benchmark_bonus"]))))
        app = ctx.applicable[ind.id].subquery("app")
        branch_id = list(app.c)[0]
        # Materialised CTEs, and OFFSET 0 on the statement so the engine's INSERT … SELECT
        # does not flatten it (both databases accept both): flattened into the engine's
        # join with branches, SQLite re-ran the stage GROUP BY per branch — a month of
        # 20,000 branches took 55 s instead of under one (bench/close.py --plugins brands).
        st = stage_asof(end).cte(f"st_{ind.id}").prefix_with("MATERIALIZED")
        items = (select(WuyouItem.brand_id, func.count(WuyouItem.id).label("n"))
                 .where(WuyouItem.verified_on.is_not(None), WuyouItem.verified_on <= end)
                 .group_by(WuyouItem.brand_id).cte(f"items_{ind.id}").prefix_with("MATERIALIZED"))
        bench = (select(Benchmark.branch_id).where(Benchmark.year == year, Benchmark.designated_on <= end)
                 .cte(f"bench_{ind.id}").prefix_with("MATERIALIZED"))
        stage = func.coalesce(st.c.stage, literal("none", Text))
        live = and_(st.c.stage.is_not(None), st.c.stage != "withdrawn")
        n_items = case((live, func.coalesce(items.c.n, 0)), else_=0)
        stage_c = case(*((st.c.stage == s, c) for s, c in cents.items()), else_=0)
        is_bench = case((bench.c.branch_id.is_not(None), 1), else_=0)
        earned = stage_c + n_items * item_c + is_bench * bonus_c
        evidence = json_text({"stage": JsonStr(stage), "verified_items": JsonInt(n_items),
                              "stage_points": JsonStr(fixed_text(stage_c, 2)),
                              "item_points": JsonStr(fixed_text(n_items * item_c, 2)),
                              "benchmark": JsonInt(is_bench)})
        stmts.append(
            select(branch_id, cast(literal(ind.id), Integer), earned, evidence)
            .select_from(app.outerjoin(st, st.c.branch_id == branch_id)
                         .outerjoin(items, items.c.brand_id == st.c.brand_id)
                         .outerjoin(bench, bench.c.branch_id == branch_id))
            .offset(0))
    if not stmts:
        return [select(Branch.id, cast(null(), Integer), literal(0), cast(null(), Text)).where(false())]
    return stmts


def max_earned(ind) -> Decimal:
    return Decimal(ind.points) + Decimal(str((ind.params or {}).get("benchmark_bonus") or 0))


KIND = IndicatorKind(method=METHOD, label="支部品牌创建进度（阶段、五有、标杆）", evaluate=None, plugin=PLUGIN,
                     params=("benchmark_bonus",), max_earned=max_earned, select=select_progress)


# ------------------------------------------------------------------ gates

def _gate(stages: tuple[str, ...]):
    def check(session, branch_ids, window) -> set[int]:
        sub = stage_asof(window.ends_on).where(Brand.branch_id.in_(list(branch_ids))).subquery()
        return set(session.scalars(select(sub.c.branch_id).where(sub.c.stage.in_(stages))))
    return check


GATES = [
    StarGate("brand_accepted", "支部品牌已通过验收（或已命名）", _gate(("accepted", "named"))),
    StarGate("brand_named", "支部品牌已命名", _gate(("named",))),
]
