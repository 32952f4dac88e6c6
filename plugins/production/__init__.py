"""Plugin `production`: the category standard 发挥作用 — output, cost, quality, safety
(产量、成本、质量、安全) per branch category, with monthly targets and actuals."""
MANIFEST = {
    "name": "production",
    "label": "生产经营指标",
    "version": "0.1.0",
    "depends": [],
    "summary": "分类标准：产量、成本、质量、安全四项专项指标的目标、实绩与季度验收。",
}
