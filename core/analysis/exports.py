"""Excel sheets of every ranking and report, through core.xlsx (formula cells escaped)."""
from __future__ import annotations

from core.indicators.models import INDICES
from core.org.models import CATEGORIES
from core.scoring.models import TIERS
from core.xlsx import Sheet

RANKING_HEADERS = ["类别", "排名", "支部编码", "党支部", "二级单位", *INDICES.values(), "基础分", "加分", "扣分",
                   "总分", "星级", "梯级", "一票否决"]


def _tier(t):
    return TIERS[t][0] if t else ""


def ranking_sheet(title: str, rows) -> Sheet:
    """rows: queries.ranking_stmt rows (score columns, branch_name, branch_code, unit_name)."""
    def out():
        for r in rows:
            yield [CATEGORIES.get(r.category, r.category), r.rank, r.branch_code, r.branch_name, r.unit_name,
                   *[getattr(r, c) for c in INDICES], r.base, r.bonus, r.deduction, r.total,
                   r.stars or "", _tier(r.tier), "是" if r.vetoed else ""]
    return Sheet(title, RANKING_HEADERS, out(),
                 widths=[12, 6, 12, 28, 24, 10, 10, 10, 10, 10, 8, 8, 8, 8, 6, 10, 8])


def tier_sheets(counts: dict, movers) -> list[Sheet]:
    summary = Sheet("梯级分布", ["梯级", "星级", "支部数", "管理重点"],
                    [[TIERS[t][0], s, counts.get(t, 0), TIERS[t][1]] for t, s in ((1, "★5"), (2, "★4、★3"), (3, "★2及以下"))],
                    widths=[12, 12, 10, 60])

    def out():
        for sr, prev_tier, prev_stars, name, code, unit in movers:
            yield [code, name, unit, CATEGORIES.get(sr.category, sr.category), _tier(prev_tier), _tier(sr.tier),
                   prev_stars or "", sr.stars or "", "上升" if sr.tier < prev_tier else "下降"]
    moved = Sheet("梯级变动", ["支部编码", "党支部", "二级单位", "类别", "上期梯级", "本期梯级", "上期星级", "本期星级", "变动"],
                  out(), widths=[12, 28, 24, 12, 12, 12, 10, 10, 8])
    return [summary, moved]


def star_report_sheets(report, summary: str) -> list[Sheet]:
    rows = [[r["unit_name"], CATEGORIES.get(r["category"], r["category"]), r[3], r[4], r[5],
             report.honoured_by_unit.get(r["unit_id"], "")] for r in report.rows]
    rows.append(["合计", "", report.totals[3], report.totals[4], report.totals[5], report.honoured])
    return [Sheet("年度星级报告", ["二级单位", "类别", "三星级支部", "四星级支部", "五星级支部", "获市级以上荣誉的党组织（按单位）"],
                  rows, widths=[28, 14, 12, 12, 12, 30]),
            Sheet("总结", ["年度总结"], [[summary]], widths=[100])]


def rankings_workbook(session, user, args: dict):
    """The rankings page's export for `user` with the page's filters `args`:
    (xlsx bytes, file name, rows). Used by the page and by an export job."""
    from core.analysis import queries
    from core.periods.models import Period
    from core.xlsx import write_workbook

    period = session.get(Period, int(args["period_id"]))
    filters = queries.RankingFilters.from_args(args)
    rows = list(session.execute(queries.ranking_stmt(user, period.id, filters)))
    return write_workbook([ranking_sheet(f"{period.label}排名", rows)]), f"{period.label}排名.xlsx", len(rows)
