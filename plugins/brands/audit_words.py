"""The brands plugin's audit codes in words (hook `starbranch_audit_words`)."""
from core.plugins.api import AuditWords
from plugins.brands.stages import TRANSITIONS

WORDS = AuditWords(
    actions={**{f"brands.{code}": t.label for code, t in TRANSITIONS.items()},
             "brands.achievement.add": "登记品牌成果", "brands.achievement.delete": "删除品牌成果",
             "brands.benchmark.designate": "确定标杆支部", "brands.benchmark.revoke": "撤销标杆支部",
             "brands.evidence.update": "修改五有佐证", "brands.file.add": "上传品牌佐证",
             "brands.file.delete": "删除品牌佐证", "brands.file.update": "修改品牌档案",
             "brands.item.verify": "核实五有事项", "brands.item.unverify": "撤销五有核实",
             "brands.route.create": "新建观摩路线", "brands.route.stop.add": "增加观摩点",
             "brands.route.stop.move": "调整观摩顺序", "brands.route.stop.remove": "移除观摩点",
             "brands.settings": "修改品牌计分设置", "brands.visit.record": "登记对标观摩",
             "brands.visit.delete": "删除对标观摩"},
    fields={"stage": "阶段", "slogan": "口号", "meaning": "品牌内涵", "vanguard_type": "先锋类型"},
    objects={"brand_brands": "支部品牌", "brand_files": "品牌佐证", "brand_achievements": "品牌成果",
             "brand_benchmarks": "标杆支部", "brand_routes": "观摩路线", "brand_route_stops": "观摩点",
             "brand_visits": "对标观摩", "brand_wuyou_items": "五有事项", "brand_events": "品牌创建记录"},
)
