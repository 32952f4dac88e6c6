"""Assembles what the analysis pages show: the branch dashboard (radar, trends,
distribution, weak points, ledger due list), the tier ladder and the annual star report.
Plain functions taking a session; the views only render what these return."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup, escape

from core.analysis import charts, queries
from core.formatting import N_, QUARTER_NAMES, _english, cn_period, sep
from core.indicators.models import INDICES
from core.org.models import CATEGORIES
from core.periods.models import Period
from core.scoring.models import TIERS, ScoreResult, tier_of

log = logging.getLogger(__name__)

TREND_MONTHS = 12
TREND_QUARTERS = 8
WEAK_POINTS = 3
TOTAL_LABEL = N_("总分")


@dataclass
class WeakPoint:
    """An index below the category average (短板弱项)."""

    code: str
    label: str
    branch_pct: Decimal
    avg_pct: Decimal

    @property
    def gap(self) -> Decimal:
        return self.branch_pct - self.avg_pct


@dataclass
class Dashboard:
    branch: object
    period: Period | None = None
    result: ScoreResult | None = None
    periods: list[Period] = field(default_factory=list)
    pct: dict[str, Decimal | None] = field(default_factory=dict)
    avg_pct: dict[str, Decimal | None] = field(default_factory=dict)
    stats: queries.CategoryStats | None = None
    radar: Markup | None = None
    trend_months: Markup | None = None
    trend_quarters: Markup | None = None
    distribution: Markup | None = None
    weak: list[WeakPoint] = field(default_factory=list)
    tier: int | None = None
    stars: int | None = None
    prev_stars: int | None = None

    @property
    def tier_label(self) -> str | None:
        return TIERS[self.tier][0] if self.tier else None

    @property
    def focus(self) -> str | None:
        return TIERS[self.tier][1] if self.tier else None


def _pick_current(history, period_key: str | None):
    if period_key:
        for sr, p in history:
            if p.key == period_key:
                return sr, p
        return None, None
    # By default the newest rated window (quarter or year): it has stars, a tier and
    # all five indices; a month has no star and only its monthly indicators.
    rated = next((row for row in history if row[1].kind != "month"), None)
    return rated or (history[0] if history else (None, None))


def _trend(chart_id, rows, weights, title, desc):
    """rows: [(ScoreResult, Period)] oldest first → a line chart of total and indices (%)."""
    labels = [_axis_label(p) for _sr, p in rows]
    series = [(gettext(TOTAL_LABEL), [sr.total for sr, _p in rows])]
    pcts = [queries.index_percentages(sr, weights.get(sr.ruleset_id, {})) for sr, _p in rows]
    for code, name in INDICES.items():
        series.append((gettext(name), [pct[code] for pct in pcts]))
    table = charts.data_table(title, [gettext("期间")] + [name for name, _v in series],
                              [[label] + [_fmt(values[i]) for _n, values in series] for i, label in enumerate(labels)])
    return charts.line_chart(chart_id, labels, series, title=title, desc=desc, y_label=gettext("得分率 %")) + table


def _axis_label(p) -> str:
    """A trend's x label, short: 2026年第三季度 / 26年3月 (English: Q3 2026 / Mar 2026)."""
    if _english():
        return cn_period(p.kind, p.year, p.number)
    if p.kind == "quarter":
        return f"{p.year}年{QUARTER_NAMES[p.number]}季度"
    return f"{p.year % 100:02d}年{p.number}月"


def branch_dashboard(session, branch, period_key: str | None = None) -> Dashboard:
    """Everything the dashboard of `branch` shows for its latest closed window (or
    `period_key`). A fixed number of queries whatever the number of branches."""
    history = queries.branch_history(session, branch.id)
    board = Dashboard(branch=branch, periods=[p for _sr, p in history])
    result, period = _pick_current(history, period_key)
    board.result, board.period = result, period
    weights = queries.weights_for(session, {sr.ruleset_id for sr, _p in history}, branch.category)

    months = [(sr, p) for sr, p in history if p.kind == "month"][:TREND_MONTHS][::-1]
    quarters = [(sr, p) for sr, p in history if p.kind == "quarter"][:TREND_QUARTERS][::-1]
    if months:
        board.trend_months = _trend("trend-months", months, weights, gettext("%(b)s月度得分趋势", b=branch.name),
                                    gettext("近 %(n)s 个月总分与五项指数得分率（占各指数权重的百分比）", n=len(months)))
    if quarters:
        board.trend_quarters = _trend("trend-quarters", quarters, weights, gettext("%(b)s季度得分趋势", b=branch.name),
                                      gettext("近 %(n)s 个季度总分与五项指数得分率", n=len(quarters)))
    # the latest star and tier, from this window or else the newest quarter/year
    starred = [sr for sr, p in history if sr.stars and (period is None or p.ends_on <= period.ends_on)]
    if result is not None and result.stars:
        board.stars = result.stars
    elif starred:
        board.stars = starred[0].stars
    board.tier = (result.tier if result is not None and result.tier else tier_of(board.stars))
    if period is not None and period.kind == "quarter":
        prev = [sr for sr, p in history if p.kind == "quarter" and p.ends_on < period.ends_on]
        board.prev_stars = prev[0].stars if prev else None
    if result is None:
        return board

    w = weights.get(result.ruleset_id, {})
    board.pct = queries.index_percentages(result, w)
    stats = queries.category_stats(session, period, result.category)
    board.stats = stats
    board.avg_pct = stats.avg_percent(w)
    category_label = gettext(CATEGORIES.get(result.category, result.category))
    axes = [gettext(name) for name in INDICES.values()]
    average = gettext("%(c)s平均", c=category_label)
    desc_parts = [gettext("%(i)s：本支部 %(b)s%%，%(avg)s %(a)s%%", i=gettext(INDICES[c]), b=_fmt(board.pct[c]),
                          avg=average, a=_fmt(board.avg_pct[c])) for c in INDICES]
    board.radar = charts.radar(
        "radar", axes,
        [(branch.name, [board.pct[c] for c in INDICES]), (average, [board.avg_pct[c] for c in INDICES])],
        title=gettext("%(b)s %(p)s五项堡垒指数雷达图", b=branch.name, p=period.label),
        desc=sep("semicolon").join(desc_parts) + gettext("。")) + charts.data_table(
        gettext("%(b)s %(p)s五项堡垒指数得分率（%%）", b=branch.name, p=period.label),
        [gettext("指数"), branch.name, average],
        [[gettext(INDICES[c]), _fmt(board.pct[c]), _fmt(board.avg_pct[c])] for c in INDICES])
    band = queries.band_of(result.total)
    this_branch = gettext("本支部")
    distribution_title = gettext("%(p)s%(c)s党支部总分分布", p=period.label, c=category_label)
    board.distribution = charts.bar_chart(
        "distribution", queries.BAND_LABELS, stats.bands,
        title=distribution_title,
        desc=gettext("%(c)s共 %(n)s 个党支部参评，平均 %(avg)s 分；本支部 %(t)s 分，位于 %(band)s 分段，排名第 %(r)s 名。",
                     c=category_label, n=stats.count, avg=_fmt(stats.avg_total), t=_fmt(result.total),
                     band=queries.BAND_LABELS[band], r=result.rank),
        highlight=band, highlight_label=this_branch, y_label=gettext("支部数")) + charts.data_table(
        distribution_title, [gettext("分段"), gettext("支部数")],
        [[label + (sep("open") + this_branch + sep("close") if i == band else ""), n]
         for i, (label, n) in enumerate(zip(queries.BAND_LABELS, stats.bands))])
    weak = [WeakPoint(c, INDICES[c], board.pct[c], board.avg_pct[c]) for c in INDICES
            if board.pct[c] is not None and board.avg_pct[c] is not None and board.pct[c] < board.avg_pct[c]]
    board.weak = sorted(weak, key=lambda wp: (wp.gap, list(INDICES).index(wp.code)))[:WEAK_POINTS]
    return board


def _fmt(v) -> str:
    return "—" if v is None else f"{Decimal(v):.2f}"


# ------------------------------------------------------------------ ledger due list

@dataclass
class DueList:
    available: bool
    items: list = field(default_factory=list)
    note: str = ""


def ledger_due_list(session, branch, today: date | None = None) -> DueList:
    """What is due/late in the branch's ledger, from core.ledger.checklist.checklists
    (one grouped query); an explained absence when the ledger module is not there."""
    try:
        from core.ledger.checklist import checklists
    except ImportError:
        return DueList(False, note="台账待办清单功能尚未启用。")
    try:
        items = checklists(session, [branch.id], today or date.today()).get(branch.id, [])
    except Exception:  # the due list must never take the dashboard down
        log.exception("ledger checklist failed for branch %s", branch.id)
        session.rollback()
        return DueList(False, note="台账待办清单暂时无法读取。")
    return DueList(True, items=list(items))


def item_view(item) -> dict:
    """A checklist item as the dashboard shows it: done / due this period / late last period."""
    return {"label": item.label, "period": item.current.label, "done": item.status == "ok",
            "count": f"{item.done}/{item.required}", "days_left": item.days_left,
            "late": item.previous_status == "late", "previous": item.previous.label}


# ------------------------------------------------------------------ tier ladder

def tier_ladder_chart(counts: dict, title: str):
    steps = [(gettext(TIERS[1][0]), "★5", counts.get(1, 0)), (gettext(TIERS[2][0]), "★4" + sep("list") + "★3", counts.get(2, 0)),
             (gettext(TIERS[3][0]), gettext("★2及以下"), counts.get(3, 0))]
    total = sum(s[2] for s in steps)
    desc = sep("semicolon").join(gettext("%(l)s（%(s)s）%(n)s 个支部", l=label, s=stars, n=n) for label, stars, n in steps)
    desc += sep("semicolon") + gettext("合计 %(n)s 个。", n=total)
    return charts.tier_ladder("tier-ladder", steps, title=title, desc=desc) + charts.data_table(
        title, [gettext("梯级"), gettext("星级"), gettext("支部数")], [[label, stars, n] for label, stars, n in steps])


# ------------------------------------------------------------------ annual star report

def star_report_summary(report: queries.StarReport, year: int) -> str:
    """The year-end sentence of the seed's summary."""
    t = report.totals
    return (f"{year}年全年共评定三星级支部{t[3]}个；四星级支部{t[4]}个；五星级支部{t[5]}个，"
            f"全年获市级以上荣誉的党组织{report.honoured}个。")


# ------------------------------------------------------------------ ranking rows

class RankingGroup(NamedTuple):
    """Consecutive ranking rows of one category: its size and its <tr> rows."""

    category: str
    size: int
    html: Markup


#: One ranking row. Rendered here, not in Jinja: a page of 50 rows is printed many
#: times a second and Jinja's per-value escaping was most of the page's cost. Text
#: values are escaped; numbers are formatted by us.
ROW = ('<tr data-branch="{id}"><td class="num">{rank}<span class="muted"> / {size}</span></td>'
       '<td><a href="{href}">{name}</a> <span class="muted">{code}</span>{veto}</td>'
       '<td class="opt">{unit}</td>{cells}<td class="num"><strong>{total}</strong></td><td>{stars}</td>'
       '<td>{tier}</td></tr>\n')
CELL = '<td class="num opt">%s</td>'
_SENTINEL_ID = 987654321987
MARKER = ' <span class="badge due" title="{title}">{label}</span>'


def _marker(label: str | None, veto: str) -> str:
    """The row's badges: why the star is below its band (逐级晋升 / 门槛 / 比例), and the
    veto badge (which already says 一票否决)."""
    if label is None or label == gettext("一票否决"):
        return veto
    return MARKER.format(label=escape(label), title=escape(gettext("星级低于分数段：%(r)s", r=label))) + veto


def ranking_groups(items, sizes: dict[str, int], period_key: str, veto_label: str) -> list[RankingGroup]:
    """queries.ranking_stmt rows (in category order) → groups of rendered rows."""
    from core.formatting import fmt_points, stars as stars_text

    codes = list(INDICES)
    veto = f' <span class="badge late">{escape(veto_label)}</span>'
    from core.scoring.explain import star_marker
    tiers = {tier: escape(gettext(label)) for tier, (label, _focus) in TIERS.items()}
    # The dashboard URL from the route once, with a sentinel id replaced per row.
    href = escape(url_for("analysis.dashboard", branch_id=_SENTINEL_ID, period=period_key))
    groups: list[tuple[str, list[str]]] = []
    for r in items:
        if not groups or groups[-1][0] != r.category:
            groups.append((r.category, []))
        groups[-1][1].append(ROW.format(
            id=int(r.branch_id), rank=int(r.rank), size=sizes.get(r.category, 0),
            href=href.replace(str(_SENTINEL_ID), str(int(r.branch_id))),
            name=escape(r.branch_name), code=escape(r.branch_code), unit=escape(r.unit_name),
            veto=_marker(star_marker(r.notes), veto if r.vetoed else ""), cells="".join(CELL % fmt_points(getattr(r, c)) for c in codes),
            total=fmt_points(r.total), stars=stars_text(r.stars) if r.stars else "—",
            tier=tiers[r.tier] if r.tier else "—"))
    return [RankingGroup(cat, sizes.get(cat, 0), Markup("".join(rows))) for cat, rows in groups]
