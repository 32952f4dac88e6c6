"""The typical_staff plugin's audit codes in words (hook `starbranch_audit_words`)."""
from core.plugins.api import AuditWords

WORDS = AuditWords(
    actions={"typical_staff.campaign.create": "发起评选活动", "typical_staff.campaign.update": "修改评选活动",
             "typical_staff.campaign.open": "开始申报", "typical_staff.declaration.create": "申报候选人",
             "typical_staff.declaration.correct": "修改申报", "typical_staff.declaration.withdraw": "撤回申报",
             "typical_staff.file.add": "上传申报材料", "typical_staff.review.unit": "单位审核",
             "typical_staff.review.group": "集团审核", "typical_staff.notice.publish": "发布公示",
             "typical_staff.objection.file": "提出异议", "typical_staff.objection.resolve": "处理异议",
             "typical_staff.select": "确定评选结果", "typical_staff.publicity.add": "登记宣传",
             "typical_staff.study.add": "登记学习宣传", "typical_staff.quota.set": "设置名额"},
    fields={"quota": "名额", "decision": "审核结果", "deed": "事迹", "post": "岗位"},
    objects={"ts_campaigns": "评选活动", "ts_declarations": "申报", "ts_reviews": "审核", "ts_objections": "异议",
             "ts_publicity": "宣传记录", "ts_study_records": "学习宣传", "ts_unit_quotas": "单位名额",
             "ts_declaration_files": "申报材料", "ts_deed_categories": "事迹类别"},
)
