"""Plugin `brands`: one branch, one brand (一支部一品牌) — the 五有 checklist, stages,
benchmark branches and observation routes; feeds the brand index."""
MANIFEST = {
    "name": "brands",
    "label": "支部品牌创建",
    "version": "0.1.0",
    "depends": [],
    "summary": "一支部一品牌：五有标准、创建阶段、标杆支部、观摩路线。",
}
