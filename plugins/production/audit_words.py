"""The production plugin's audit codes in words (hook `starbranch_audit_words`)."""
from core.plugins.api import AuditWords

WORDS = AuditWords(
    actions={"production.plan.create": "登记生产计划", "production.plan.update": "修改生产计划",
             "production.actual.create": "登记生产实绩", "production.actual.update": "修改生产实绩",
             "production.acceptance.decide": "季度验收", "production.incident.create": "登记安全事件",
             "production.incident.delete": "删除安全事件", "production.measure.update": "修改生产指标定义",
             "production.setting.save": "修改生产计分规则"},
    fields={"value": "数值", "accepted": "验收通过", "comment": "意见", "severity": "严重程度"},
    objects={"production_plans": "生产计划", "production_actuals": "生产实绩", "production_acceptances": "季度验收",
             "production_incidents": "安全事件", "production_measures": "生产指标", "production_settings": "计分规则"},
)
