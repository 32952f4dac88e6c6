"""The handbook's content: per role, per rhythm, steps with the page they happen on.
Texts are Chinese msgids (translated when shown); endpoints are resolved when shown,
and a step whose page the user cannot open is shown without a link."""
from __future__ import annotations

from typing import NamedTuple


class HelpStep(NamedTuple):
    text: str
    endpoint: str | None = None


RHYTHMS = {"month": "每月", "quarter": "每季度", "year": "每年", "any": "随时"}

GUIDE: dict[str, dict[str, list[HelpStep]]] = {
    "secretary": {
        "month": [HelpStep("在电子台账登记支委会、党小组会、主题党日：日期、议题、记录，逐人勾选出席，缺席须填原因；会后 7 天内上传签到表等附件（逾期上传只计一半）。", "ledger.index"),
                  HelpStep("首页的台账检查清单显示本期还差什么；铃铛会在期末前 7 天提醒。", "home.index")],
        "quarter": [HelpStep("召开支部党员大会（到会正式党员须超过应到正式党员的一半，否则不计）和党课。", "ledger.index"),
                    HelpStep("在考核评分表对人工评分项填写自评和说明，供上级审核。", "scoring.sheets"),
                    HelpStep("季度结账后，在支部看板查看得分、星级、雷达图和短板弱项。", "analysis.my_dashboard")],
        "year": [HelpStep("召开组织生活会、开展民主评议党员并登记评议结果。", "ledger.index"),
                 HelpStep("年度定级公示期间可对本支部的结果提出异议。", "scoring.notice_index")],
        "any": [HelpStep("修改密码、选择界面语言、管理 API 令牌在个人设置。", "auth.profile")],
    },
    "reviewer": {
        "month": [HelpStep("审核本单位支部的考核评分表：自动得分无误可一键“确认全部自动得分”，调整须填理由。", "scoring.sheets"),
                  HelpStep("随时登记加分、扣分和一票否决事项（在支部台账页）。", "ledger.index"),
                  HelpStep("在目标管控登记各支部目标的月度完成情况。", "targets.index")],
        "quarter": [HelpStep("季度验收生产经营指标（启用生产插件的单位）。", None),
                    HelpStep("结账前清零待审核项：首页和消息提醒会列出。", "home.index")],
        "year": [HelpStep("协助组织部处理公示异议，查看年度排名和梯级分布。", "analysis.rankings")],
        "any": [HelpStep("审计日志记录本单位的每项改动（谁、何时、改了什么、原因）。", "audit.index")],
    },
    "admin": {
        "month": [HelpStep("月初试算上月、提醒审核，待审核项清零后结账（也可在计划任务中设为自动）。", "scoring.periods"),
                  HelpStep("计划任务：提醒、邮件摘要、试算和自动结账的时间与开关。", "notifications.schedule")],
        "quarter": [HelpStep("三个月结账后结账季度，得出季度星级；查看排名、梯级和升降。", "scoring.periods")],
        "year": [HelpStep("年初复制并启用当年考核细则（权重、分数段、参数、指标）。", "catalogue.index"),
                 HelpStep("年末结账全年，发起年度定级公示，处理异议，确定推先表彰名单。", "scoring.notice_index"),
                 HelpStep("查看年度星级报告。", "analysis.star_report")],
        "any": [HelpStep("组织机构、支部、党员和用户的维护与 Excel 导入导出。", "org.units"),
                HelpStep("按二级单位启用插件。", "plugins.index"),
                HelpStep("备份与恢复：starbranch backup / starbranch restore（命令行）。", None)],
    },
    "viewer": {
        "quarter": [HelpStep("查看各单位、各类别支部的排名与星级。", "analysis.rankings"),
                    HelpStep("查看梯级分布与升降情况。", "analysis.tiers")],
        "year": [HelpStep("查看年度星级报告和荣誉登记。", "analysis.star_report")],
    },
}
