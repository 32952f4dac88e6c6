"""The one chart module: radar (雷达图), trend line (纵向分析), distribution bars
(横向比较) and the tier ladder (阶梯), drawn as SVG on the server.

Every chart is self-contained (no external references, no scripts), accessible
(role="img", aria-label, <title>, <desc>), labelled in the UI language (callers pass
translated titles; names stay Chinese and carry lang="zh-CN" on English pages) with a CJK font stack,
and deterministic: the same input gives the same bytes, so pages and the later
WeasyPrint PDFs share it and tests can compare structure.

Values are percentages or points (Decimal or int); coordinates are rounded to one
decimal place so output never depends on float noise."""
from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from core.formatting import _english, sep

FONT_FAMILY = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
#: Series colours: 党建红 first, then restrained greys/blues that print well.
PALETTE = ("#b71c1c", "#546e7a", "#1565c0", "#8d6e63", "#2e7d32", "#6a1b9a")
GRID = "#d9d9d9"
INK = "#333333"
MUTED = "#595959"  # 7:1 on white: axis text stays legible (WCAG 1.4.3)
#: Series differ by more than colour (WCAG 1.4.1): a dash pattern and a marker shape each.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "circle-open")


def _n(x) -> str:
    """A coordinate with one decimal place, no '-0.0'."""
    text = f"{float(x):.1f}"  # correctly rounded, as round(x, 1)
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _t(text) -> str:
    return escape(str(text))


def _lang(text) -> str:
    """lang="zh-CN" for a label with Han characters (a branch name) on an English page."""
    return ' lang="zh-CN"' if _english() and any("\u3400" <= ch <= "\u9fff" for ch in str(text)) else ""


def gettext(text: str) -> str:
    """flask_babel's gettext where an app is there (pages, documents); the Chinese as
    written elsewhere (the chart tests draw without an app)."""
    from flask import has_app_context

    if not has_app_context():
        return text
    from flask_babel import gettext as translate

    return translate(text)


def _val(v) -> float | None:
    return None if v is None else float(Decimal(str(v)))


def _marker(shape: str, x: float, y: float, color: str) -> str:
    """A small mark of `shape` centred on (x, y): what tells series apart in grey print too."""
    if shape == "square":
        return f'<rect x="{_n(x - 3)}" y="{_n(y - 3)}" width="6" height="6" fill="{color}"/>'
    if shape == "triangle":
        return f'<polygon points="{_n(x)},{_n(y - 4)} {_n(x + 4)},{_n(y + 3)} {_n(x - 4)},{_n(y + 3)}" fill="{color}"/>'
    if shape == "diamond":
        return f'<polygon points="{_n(x)},{_n(y - 4)} {_n(x + 4)},{_n(y)} {_n(x)},{_n(y + 4)} {_n(x - 4)},{_n(y)}" fill="{color}"/>'
    if shape == "cross":
        return (f'<path d="M{_n(x - 3)} {_n(y - 3)}L{_n(x + 3)} {_n(y + 3)}M{_n(x - 3)} {_n(y + 3)}L{_n(x + 3)} {_n(y - 3)}" '
                f'stroke="{color}" stroke-width="2"/>')
    if shape == "circle-open":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3" fill="#ffffff" stroke="{color}" stroke-width="1.5"/>'
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3" fill="{color}"/>'


def _dash(s: int) -> str:
    pattern = DASHES[s % len(DASHES)]
    return f' stroke-dasharray="{pattern}"' if pattern else ""


def data_table(caption: str, header: Sequence[str], rows: Sequence[Sequence], summary: str | None = None) -> Markup:
    """The chart's numbers as a table under it, collapsed (<details>): what a screen
    reader or a keyboard user reads instead of the picture (WCAG 1.1.1). Its words are
    the UI language's; names in it (a branch in a header or row) carry lang="zh-CN" on
    English pages so a screen reader switches voice for them."""
    head = "".join(f'<th scope="col"{_lang(h)}>{_t(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join((f'<th scope="row"{_lang(c)}>{_t(c)}</th>' if i == 0 else
                                     f'<td class="num">{_t("—" if c is None else c)}</td>') for i, c in enumerate(row)) + "</tr>"
                   for row in rows)
    summary = gettext("数据表") if summary is None else summary
    return Markup(f'<details class="chart-data"><summary>{_t(summary)}</summary><table class="list">'
                  f'<caption>{_t(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>')


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id={quoteattr(chart_id)} '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{_t(chart_id)}-title {_t(chart_id)}-desc" aria-label={quoteattr(title)} '
        f'font-family={quoteattr(FONT_FAMILY)} font-size="12">'
        f'<title id="{_t(chart_id)}-title">{_t(title)}</title>'
        f'<desc id="{_t(chart_id)}-desc">{_t(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _legend(series_labels: Sequence[str], x: float, y: float, dashed: Sequence[bool] = ()) -> list[str]:
    out = ['<g class="legend">']
    for i, label in enumerate(series_labels):
        color = PALETTE[i % len(PALETTE)]
        dash = ' stroke-dasharray="4 3"' if i < len(dashed) and dashed[i] else ""
        yy = y + i * 18
        out.append(f'<line x1="{_n(x)}" y1="{_n(yy)}" x2="{_n(x + 18)}" y2="{_n(yy)}" '
                   f'stroke="{color}" stroke-width="2.5"{dash}/>')
        out.append(f'<text x="{_n(x + 24)}" y="{_n(yy + 4)}" fill="{INK}"{_lang(label)}>{_t(label)}</text>')
    out.append("</g>")
    return out


def radar(chart_id: str, axes: Sequence[str], series: Sequence[tuple[str, Sequence]],
          *, title: str, desc: str, size: int = 340, dashed: Sequence[bool] = (False, True)) -> Markup:
    """A radar of percentages (0–100) on len(axes) axes; one polygon per (label, values).
    A missing value (None) is drawn at the centre and said so in the desc."""
    legend_h = 18 * len(series) + 10
    width, height = size + 40, size + legend_h
    cx, cy, r = width / 2, size / 2 + 4, size / 2 - 56
    n = len(axes)
    body = ['<g class="grid">']

    def point(i, pct):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        rr = r * max(0.0, min(100.0, pct)) / 100
        return cx + rr * math.cos(angle), cy + rr * math.sin(angle)

    for ring in (20, 40, 60, 80, 100):
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in (point(i, ring) for i in range(n)))
        body.append(f'<polygon points="{pts}" fill="none" stroke="{GRID}" stroke-width="1"/>')
    for i, name in enumerate(axes):
        x, y = point(i, 100)
        body.append(f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}" stroke="{GRID}"/>')
        lx, ly = point(i, 122)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        body.append(f'<text class="axis-label" x="{_n(lx)}" y="{_n(ly + 4)}" text-anchor="{anchor}" '
                    f'fill="{INK}"{_lang(name)}>{_t(name)}</text>')
    body.append(f'<text x="{_n(cx + 3)}" y="{_n(cy - r / 2 - 2)}" fill="{MUTED}" font-size="12">50%</text>')
    body.append("</g>")
    for s, (label, values) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        pts = [point(i, _val(v) or 0.0) for i, v in enumerate(values)]
        dash = ' stroke-dasharray="4 3"' if s < len(dashed) and dashed[s] else ""
        opacity = "0.18" if s == 0 else "0.06"
        body.append(f'<polygon class="series" data-series={quoteattr(label)} '
                    f'points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in pts)}" fill="{color}" '
                    f'fill-opacity="{opacity}" stroke="{color}" stroke-width="2"{dash}/>')
        if s == 0:
            for x, y in pts:
                body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3" fill="{color}"/>')
    body += _legend([label for label, _ in series], 20, size + 4, dashed)
    return _svg(chart_id, width, height, title, desc, body)


def line_chart(chart_id: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence]],
               *, title: str, desc: str, y_max: float = 100, width: int = 620, height: int = 280,
               y_label: str = "") -> Markup:
    """Lines over time: x = labels (periods), one polyline per (label, values);
    None breaks the line (no score that period)."""
    legend_cols = 3
    legend_rows = math.ceil(len(series) / legend_cols)
    left, right, top, bottom = 44, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    total_h = height + 18 * legend_rows + 6
    body = ['<g class="grid">']
    for i in range(6):
        v = y_max * i / 5
        y = top + plot_h - plot_h * i / 5
        body.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{_n(y + 4)}" text-anchor="end" fill="{MUTED}">{_n(v)}</text>')
    if y_label:
        body.append(f'<text x="4" y="{top - 4 if top > 14 else 12}" fill="{MUTED}" font-size="12">{_t(y_label)}</text>')
    count = max(1, len(labels))
    step = plot_w / max(1, count - 1) if count > 1 else 0

    def xpos(i):
        return left + (plot_w / 2 if count == 1 else i * step)

    every = max(1, math.ceil(count / 8))  # 12 px labels need room
    for i, label in enumerate(labels):
        if i % every == 0 or i == count - 1:
            body.append(f'<text class="x-label" x="{_n(xpos(i))}" y="{height - bottom + 16}" text-anchor="middle" '
                        f'fill="{INK}" font-size="12"{_lang(label)}>{_t(label)}</text>')
    body.append("</g>")
    for s, (label, values) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        width_px = "2.5" if s == 0 else "1.5"
        segments, current = [], []
        for i, v in enumerate(values):
            fv = _val(v)
            if fv is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append((xpos(i), top + plot_h - plot_h * max(0.0, min(fv, y_max)) / y_max))
        if current:
            segments.append(current)
        body.append(f'<g class="series" data-series={quoteattr(label)}>')
        for seg in segments:
            pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in seg)
            body.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="{width_px}"{_dash(s)}/>')
            body += [_marker(MARKERS[s % len(MARKERS)], x, y, color) for x, y in seg]
        body.append("</g>")
    legend = ['<g class="legend">']
    for s, (label, _v) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        lx = left + (s % legend_cols) * 180
        ly = height + 4 + (s // legend_cols) * 18
        legend.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 18}" y2="{ly}" stroke="{color}" stroke-width="2.5"{_dash(s)}/>')
        legend.append(_marker(MARKERS[s % len(MARKERS)], lx + 9, ly, color))
        legend.append(f'<text x="{lx + 24}" y="{ly + 4}" fill="{INK}"{_lang(label)}>{_t(label)}</text>')
    legend.append("</g>")
    return _svg(chart_id, width, total_h, title, desc, body + legend)


def bar_chart(chart_id: str, labels: Sequence[str], values: Sequence[int | Decimal],
              *, title: str, desc: str, highlight: int | None = None, highlight_label: str = "",
              width: int = 620, height: int = 240, y_label: str = "") -> Markup:
    """Vertical bars (e.g. how many branches in each 10-point band); bar `highlight`
    is drawn in red and annotated (the branch's own band)."""
    left, right, top, bottom = 44, 12, 24, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = max([float(v) for v in values] + [1.0])
    ticks = 4
    nice = math.ceil(vmax / ticks) * ticks if vmax > ticks else ticks
    body = ['<g class="grid">']
    for i in range(ticks + 1):
        y = top + plot_h - plot_h * i / ticks
        body.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{_n(y + 4)}" text-anchor="end" fill="{MUTED}">{_n(nice * i / ticks)}</text>')
    if y_label:
        body.append(f'<text x="4" y="12" fill="{MUTED}" font-size="12">{_t(y_label)}</text>')
    body.append("</g>")
    n = max(1, len(labels))
    slot = plot_w / n
    bar_w = slot * 0.72
    body.append('<g class="bars">')
    for i, (label, v) in enumerate(zip(labels, values)):
        h = plot_h * float(v) / nice
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h - h
        mark = i == highlight
        color = PALETTE[0] if mark else "#78909c"
        body.append(f'<rect class="bar{" highlight" if mark else ""}" x="{_n(x)}" y="{_n(y)}" width="{_n(bar_w)}" '
                    f'height="{_n(h)}" fill="{color}"><title>{_t(label)}{sep("colon")}{_t(v)}</title></rect>')
        body.append(f'<text x="{_n(x + bar_w / 2)}" y="{height - bottom + 14}" text-anchor="middle" '
                    f'fill="{INK}" font-size="12"{_lang(label)}>{_t(label)}</text>')
        if mark and highlight_label:
            body.append(f'<text class="marker" x="{_n(x + bar_w / 2)}" y="{_n(y - 6)}" text-anchor="middle" '
                        f'fill="{PALETTE[0]}" font-weight="bold">▼ {_t(highlight_label)}</text>')
    body.append("</g>")
    return _svg(chart_id, width, height, title, desc, body)


def tier_ladder(chart_id: str, steps: Sequence[tuple[str, str, int]], *, title: str, desc: str,
                width: int = 520) -> Markup:
    """The tier ladder as stairs: steps = [(tier label, stars text, count)] from the
    top tier down; each step is wider the lower it is, with its count."""
    step_h, gap = 46, 8
    height = len(steps) * (step_h + gap) + 8
    total = sum(c for _l, _s, c in steps) or 1
    body = ['<g class="steps">']
    for i, (label, stars_text, count) in enumerate(steps):
        w = (width - 40) * (i + 1) / len(steps)
        x = 20 + (width - 40 - w) / 2
        y = 4 + i * (step_h + gap)
        color = ("#b71c1c", "#d32f2f", "#546e7a")[min(i, 2)]  # white text ≥ 4.5:1 on each
        pct = Decimal(count * 100) / Decimal(total)
        body.append(f'<rect class="step" x="{_n(x)}" y="{y}" width="{_n(w)}" height="{step_h}" rx="3" fill="{color}"/>')
        body.append(f'<text x="{_n(width / 2)}" y="{y + 19}" text-anchor="middle" fill="#ffffff" font-weight="bold">'
                    f'{_t(label)}{sep("open")}{_t(stars_text)}{sep("close")}</text>')
        branches = gettext("%(n)s 个支部") % {"n": count}
        body.append(f'<text x="{_n(width / 2)}" y="{y + 37}" text-anchor="middle" fill="#ffffff">'
                    f'{_t(branches)} · {pct.quantize(Decimal("0.1"))}%</text>')
    body.append("</g>")
    return _svg(chart_id, width, height, title, desc, body)
