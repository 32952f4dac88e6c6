"""年度星级报告 as PDF: ★3/★4/★5 counts per unit and category, the group's radar (the
five indices' average score rates of all branches and of the ★5 branches), the bars of
starred branches per unit, and the report sentence — the same data (core.analysis) and
the same server-side SVG charts (core.analysis.charts) as the pages.

Decisions (README, "Documents"): the year must be closed (its grades are the closed
year's results; the report does not wait for the notice); admins issue it, for the
group or one unit. Chart text is drawn with the document's own fonts (the SVG font
stack is replaced by the renderer's `__DOCUMENT_FONTS__` token).
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select

from core.analysis import charts, queries, reports
from core.documents.papers.common import closed_period
from core.documents.render import FONT_TOKEN
from core.documents.types import DocumentRefused, DocumentType, Paper, default_template
from core.indicators.models import INDICES
from core.org.models import CATEGORIES, OrgNode
from core.scoring.models import ScoreResult


class _Everyone:
    """The report's reader for scoping: the whole group (only admins issue it)."""

    role = "admin"
    is_authenticated = True
    unit_ids = ()


def _document_fonts(svg) -> str:
    return str(svg).replace(f"font-family=\"{charts.FONT_FAMILY}\"", f"font-family=\"{FONT_TOKEN}\"")


def _averages(session, period, unit_id):
    """(all branches, ★5 branches) → average score rate (%) per index."""
    stmt = select(ScoreResult).where(ScoreResult.period_id == period.id)
    if unit_id:
        stmt = stmt.where(ScoreResult.unit_id == unit_id)
    results = list(session.scalars(stmt))
    weights = {}
    sums = {"all": {k: [] for k in INDICES}, "five": {k: [] for k in INDICES}}
    for r in results:
        key = (r.ruleset_id, r.category)
        if key not in weights:
            weights[key] = queries.weights_for(session, [r.ruleset_id], r.category)[r.ruleset_id]
        for code, pct in queries.index_percentages(r, weights[key]).items():
            if pct is not None:
                sums["all"][code].append(pct)
                if r.stars == 5:
                    sums["five"][code].append(pct)

    def avg(values):
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1")) if values else None

    return ({k: avg(v) for k, v in sums["all"].items()}, {k: avg(v) for k, v in sums["five"].items()}, len(results))


def build(session, request) -> list[Paper]:
    period = closed_period(session, request.period_key)
    if period.kind != "year":
        raise DocumentRefused(gettext("年度星级报告只按年度出具。"))
    unit_name = None
    if request.unit_id:
        unit_name = session.scalar(select(OrgNode.name).where(OrgNode.id == request.unit_id, OrgNode.kind == "unit"))
        if unit_name is None:
            raise DocumentRefused(gettext("单位不存在。"))
    report = queries.star_report(session, _Everyone(), period, request.unit_id)
    summary = reports.star_report_summary(report, period.year)
    everyone, five, n = _averages(session, period, request.unit_id)
    axes = list(INDICES.values())
    radar = charts.radar("report-radar", axes, [("全部支部平均", [everyone[k] for k in INDICES]),
                                                ("五星级支部平均", [five[k] for k in INDICES])],
                         title="五项指数平均得分率",
                         desc="；".join(f"{label} {everyone[k] if everyone[k] is not None else '—'}%"
                                       for k, label in INDICES.items()))
    per_unit: dict[str, int] = {}
    for row in report.rows:
        per_unit[row["unit_name"]] = per_unit.get(row["unit_name"], 0) + row[3] + row[4] + row[5]
    bars = charts.bar_chart("report-bars", list(per_unit), list(per_unit.values()),
                            title="各单位三星级及以上支部数",
                            desc="；".join(f"{u} {c} 个" for u, c in per_unit.items()), y_label="个",
                            width=620, height=240) if per_unit else ""
    rows = [{"unit": r["unit_name"], "category": CATEGORIES.get(r["category"], r["category"]),
             "s3": r[3], "s4": r[4], "s5": r[5]} for r in report.rows]
    scope = unit_name or "全集团"
    title = f"{period.year}年度星级党支部评定报告"
    return [Paper(subject=f"unit:{request.unit_id}" if request.unit_id else "group", recipient=scope, title=title,
                  period_key=period.key, unit_id=request.unit_id,
                  context={"year": period.year, "scope": scope, "summary": summary, "rows": rows,
                           "totals": {"s3": report.totals[3], "s4": report.totals[4], "s5": report.totals[5]},
                           "honoured": report.honoured, "branches": n,
                           "radar_svg": _document_fonts(radar), "bars_svg": _document_fonts(bars)},
                  fields=[("文书", "年度星级报告"),
                          ("范围", scope), ("摘要", summary)])]


STAR_REPORT = DocumentType(code="star_report", label="年度星级报告", template=default_template("star_report.html"),
                           build=build, face="ming", max_pages=40,
                           sample={"title": "2025年度星级党支部评定报告", "recipient": "全集团", "year": 2025,
                                   "scope": "全集团", "summary": "2025年全年共评定三星级支部40个；四星级支部30个；"
                                   "五星级支部12个，全年获市级以上荣誉的党组织5个。", "branches": 150,
                                   "rows": [{"unit": "炼钢厂党委", "category": "生产类", "s3": 5, "s4": 4, "s5": 2}],
                                   "totals": {"s3": 5, "s4": 4, "s5": 2}, "honoured": 5,
                                   "radar_svg": "", "bars_svg": ""})
