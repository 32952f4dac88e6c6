"""The SVG chart module: self-contained, accessible, Chinese, deterministic."""
from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree as ET

from core.analysis import charts

SVG = "{http://www.w3.org/2000/svg}"


def _radar():
    return charts.radar("r1", ["星级队伍", "星级管理", "星级业绩", "星级品牌", "星级服务"],
                        [("第一党支部", [Decimal("90"), Decimal("80"), None, Decimal("70.5"), Decimal("100")]),
                         ("生产类平均", [Decimal("75")] * 5)],
                        title="第一党支部雷达图", desc="五项指数得分率")


def all_charts():
    return [
        _radar(),
        charts.line_chart("l1", ["26年1月", "26年2月", "26年3月"], [("总分", [Decimal("80"), None, Decimal("85.5")]),
                                                                 ("星级队伍", [70, 72, 74])],
                          title="趋势", desc="近三个月"),
        charts.bar_chart("b1", ["0–9", "10–19", "20–29"], [0, 5, 2], title="分布", desc="总分分布",
                         highlight=1, highlight_label="本支部"),
        charts.tier_ladder("t1", [("第一梯级", "★5", 3), ("第二梯级", "★4、★3", 10), ("第三梯级", "★2及以下", 0)],
                           title="梯级", desc="梯级分布"),
    ]


def test_every_chart_is_well_formed_accessible_svg():
    for svg in all_charts():
        root = ET.fromstring(str(svg))
        assert root.tag == SVG + "svg"
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.find(SVG + "title").text and root.find(SVG + "desc").text
        assert "WenQuanYi Micro Hei" in root.get("font-family") and "Noto Sans CJK SC" in root.get("font-family")


def test_charts_are_self_contained():
    for svg in all_charts():
        text = str(svg)
        assert "<script" not in text and "href" not in text and "url(" not in text
        assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in text and "<image" not in text and "<foreignObject" not in text


def test_charts_are_deterministic():
    assert [str(c) for c in all_charts()] == [str(c) for c in all_charts()]


def test_radar_draws_one_polygon_per_series_with_chinese_axes():
    root = ET.fromstring(str(_radar()))
    series = [p for p in root.iter(SVG + "polygon") if p.get("class") == "series"]
    assert [p.get("data-series") for p in series] == ["第一党支部", "生产类平均"]
    labels = [t.text for t in root.iter(SVG + "text") if t.get("class") == "axis-label"]
    assert labels == ["星级队伍", "星级管理", "星级业绩", "星级品牌", "星级服务"]
    # a missing index is drawn at the centre, a full one on the outer ring
    points = series[0].get("points").split()
    assert len(points) == 5


def test_radar_top_axis_at_100_percent_reaches_outer_ring():
    svg = charts.radar("r", ["甲", "乙", "丙"], [("s", [100, 0, 0])], title="t", desc="d", size=300)
    root = ET.fromstring(str(svg))
    outer = [p for p in root.iter(SVG + "polygon") if p.get("class") != "series"][-1]
    series = [p for p in root.iter(SVG + "polygon") if p.get("class") == "series"][0]
    assert outer.get("points").split()[0] == series.get("points").split()[0]


def test_line_chart_breaks_at_missing_values():
    svg = charts.line_chart("l", ["1", "2", "3"], [("总分", [80, None, 85])], title="t", desc="d")
    assert len(re.findall("<polyline", str(svg))) == 2


def test_bar_chart_marks_the_highlighted_band():
    svg = str(charts.bar_chart("b", ["a", "b"], [3, 4], title="t", desc="d", highlight=0, highlight_label="本支部"))
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(SVG + "rect") if "bar" in (r.get("class") or "")]
    assert [("highlight" in r.get("class")) for r in bars] == [True, False]
    assert "▼ 本支部" in svg


def test_text_is_escaped():
    svg = charts.bar_chart("b", ["<x>&"], [1], title="a<b", desc="c&d")
    ET.fromstring(str(svg))
    assert "a&lt;b" in str(svg)
