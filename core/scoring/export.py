"""Export of a window's results: branch code, name, unit, category, the five index
scores, total, star, tier, rank — CSV (UTF-8 with BOM) or xlsx via core.xlsx."""
from __future__ import annotations

from core.formatting import fmt_points
from core.points import to_points
from core.indicators.models import INDICES
from core.org.models import CATEGORIES
from core.scoring.models import TIERS
from core.xlsx import Sheet, write_csv, write_workbook

HEADERS = ["支部编码", "支部名称", "所属单位", "支部类别", *INDICES.values(), "总分", "星级", "梯级", "类别内排名"]


def result_rows(rows, *, typed: bool = False) -> list[list]:
    """rows: (ScoreResult, Branch, OrgNode) in display order. `typed`: points as Decimals
    with two places (xlsx writes them as numbers with a 0.00 format), else as text."""
    point = (lambda v: to_points(v)) if typed else fmt_points
    out = []
    for sr, branch, unit in rows:
        scores = sr.index_scores()
        out.append([branch.code, branch.name, unit.name, CATEGORIES.get(sr.category, sr.category),
                    *(point(scores[i]) if scores[i] is not None else "" for i in INDICES),
                    point(sr.total), sr.stars or "", TIERS[sr.tier][0] if sr.tier else "", sr.rank])
    return out


def export_results(rows, fmt: str, title: str = "考核结果") -> bytes:
    if fmt == "csv":
        return write_csv(HEADERS, result_rows(rows))
    if fmt == "xlsx":
        return write_workbook([Sheet(title, HEADERS, result_rows(rows, typed=True))])
    raise ValueError(f"不支持的导出格式：{fmt}（可选 csv、xlsx）")
