"""Forms of the catalogue admin. The weight grid (5 categories × 5 indices) and the
band table are built from the domain dictionaries so every cell is a real field with
its own errors."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DecimalField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms_util import MultiCheckboxField, choices_of, options
from core.indicators.models import CYCLES, INDICATOR_KINDS, INDICES
from core.ledger.models import ACTIVITY_TYPES
from core.org.models import CATEGORIES
from core.targets.models import TARGET_GROUPS


class NewRuleSetForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度")), NumberRange(2000, 2100, _l("年度无效"))])


class CopyRuleSetForm(FlaskForm):
    year = IntegerField(_l("复制到年度"), validators=[InputRequired(_l("请填写年度")), NumberRange(2000, 2100, _l("年度无效"))])


def weight_field_name(category: str, index: str) -> str:
    return f"w_{category}_{index}"


def weights_form_class():
    class WeightsForm(FlaskForm):
        pass

    for cat in CATEGORIES:
        for idx in INDICES:
            setattr(WeightsForm, weight_field_name(cat, idx),
                    IntegerField(INDICES[idx], validators=[InputRequired(_l("请填写")),
                                                          NumberRange(0, 100, _l("须为 0–100 的整数"))]))
    return WeightsForm


class BandsForm(FlaskForm):
    min_5 = DecimalField(_l("五星最低分"), places=2, validators=[InputRequired(_l("请填写"))])
    min_4 = DecimalField(_l("四星最低分"), places=2, validators=[InputRequired(_l("请填写"))])
    min_3 = DecimalField(_l("三星最低分"), places=2, validators=[InputRequired(_l("请填写"))])
    min_2 = DecimalField(_l("二星最低分"), places=2, validators=[InputRequired(_l("请填写"))])
    min_1 = DecimalField(_l("一星最低分"), places=2, validators=[InputRequired(_l("请填写"))])


class SettingsForm(FlaskForm):
    late_factor = DecimalField(_l("逾期上传折算系数"), places=2, description=_l("逾期上传的记录按此比例计入，默认 0.5"),
                               validators=[InputRequired(_l("请填写")), NumberRange(0, 1, _l("须在 0–1 之间"))])
    attendance_low = DecimalField(_l("出勤率零分线"), places=2, validators=[InputRequired(_l("请填写")), NumberRange(0, 1)])
    attendance_high = DecimalField(_l("出勤率满分线"), places=2, validators=[InputRequired(_l("请填写")), NumberRange(0, 1)])
    bonus_cap = DecimalField(_l("每期加分上限"), places=2, validators=[InputRequired(_l("请填写")), NumberRange(0, 100)])
    veto_cap = IntegerField(_l("否决后最高星级"), validators=[InputRequired(_l("请填写")), NumberRange(1, 5)])
    promotion_step = BooleanField(_l("逐级晋升（每季度最多升一星）"))
    proportion_mode = SelectField(_l("星级比例控制"), choices=options([("off", _l("不控制")), ("warn", _l("超出时提示")),
                                                                 ("cap", _l("超出时按排名降星"))]))
    proportion_scope = SelectField(_l("比例适用范围"), choices=options([("both", _l("季度和年度")), ("quarter", _l("季度")),
                                                                   ("year", _l("年度"))]))
    proportion_rounding = SelectField(_l("名额取整"), choices=options([
        ("half_up_min1", _l("四舍五入，比例大于 0 时至少 1 个")), ("floor", _l("向下取整"))]),
        description=_l("名额 = 类别支部数 × 比例；小类别按此取整"))
    share_5 = IntegerField(_l("五星比例上限（%）"), validators=[Optional(), NumberRange(0, 100)])
    share_4 = IntegerField(_l("四星比例上限（%）"), validators=[Optional(), NumberRange(0, 100)])
    share_3 = IntegerField(_l("三星比例上限（%）"), validators=[Optional(), NumberRange(0, 100)])
    gate_5 = StringField(_l("五星附加门槛"), description=_l("条件代码，如 brand_accepted；留空表示无门槛"),
                         validators=[Optional(), Length(max=60)])
    gate_4 = StringField(_l("四星附加门槛"), validators=[Optional(), Length(max=60)])
    commendation_top_n = IntegerField(_l("每类推先表彰名额"), validators=[InputRequired(_l("请填写")), NumberRange(0, 1000)])
    commendation_ties = SelectField(_l("推先名额并列"), choices=options([
        ("include", _l("并列者全部列入")), ("order", _l("按排名顺序（总分、业绩指数、支部编码）取足名额"))]))
    notice_days = IntegerField(_l("公示期（工作日）"), validators=[InputRequired(_l("请填写")), NumberRange(1, 60)])
    tg_safety_production = IntegerField(_l("%(g)s（%%）", g=_l(TARGET_GROUPS["safety_production"])),
                                        validators=[InputRequired(_l("请填写")), NumberRange(0, 100)])
    tg_basic_work = IntegerField(_l("%(g)s（%%）", g=_l(TARGET_GROUPS["basic_work"])), validators=[InputRequired(_l("请填写")), NumberRange(0, 100)])
    tg_key_tasks = IntegerField(_l("%(g)s（%%）", g=_l(TARGET_GROUPS["key_tasks"])), validators=[InputRequired(_l("请填写")), NumberRange(0, 100)])
    unverified_policy = SelectField(_l("结账时未审核的人工评分项"), default="refuse",
                                    description=_l("结账页面默认选中的处理方式；选择计分方式时管理员须填写理由，记入审计日志"),
                                    choices=options([("refuse", _l("拒绝结账，先完成审核")),
                                                     ("self", _l("按支部自评计分（无自评计 0 分）")),
                                                     ("zero", _l("按 0 分计"))]))

    def to_values(self) -> dict:
        return {
            "late_factor": self.late_factor.data, "attendance_low": self.attendance_low.data,
            "attendance_high": self.attendance_high.data, "bonus_cap": self.bonus_cap.data,
            "veto_cap": self.veto_cap.data, "promotion_step": self.promotion_step.data,
            "proportion_mode": self.proportion_mode.data, "proportion_scope": self.proportion_scope.data,
            "proportion_rounding": self.proportion_rounding.data, "commendation_ties": self.commendation_ties.data,
            "proportions": {"5": self.share_5.data, "4": self.share_4.data, "3": self.share_3.data},
            "gates": {"5": self.gate_5.data, "4": self.gate_4.data},
            "commendation_top_n": self.commendation_top_n.data, "notice_days": self.notice_days.data,
            "target_groups": {g: getattr(self, f"tg_{g}").data for g in TARGET_GROUPS},
            "unverified_policy": self.unverified_policy.data,
        }

    def load(self, ruleset) -> None:
        # Settings keep decimals as text ("0.5"); a DecimalField formats numbers only.
        for name in ("late_factor", "attendance_low", "attendance_high", "bonus_cap"):
            getattr(self, name).data = Decimal(str(ruleset.setting(name)))
        self.veto_cap.data = ruleset.setting("veto_cap")
        self.promotion_step.data = bool(ruleset.setting("promotion_step"))
        self.proportion_mode.data = ruleset.setting("proportion_mode")
        for name in ("proportion_scope", "proportion_rounding", "commendation_ties"):
            getattr(self, name).data = ruleset.setting(name)
        shares = ruleset.setting("proportions") or {}
        for s in ("5", "4", "3"):
            getattr(self, f"share_{s}").data = shares.get(s)
        gates = ruleset.setting("gates") or {}
        self.gate_5.data, self.gate_4.data = gates.get("5", ""), gates.get("4", "")
        self.commendation_top_n.data = ruleset.setting("commendation_top_n")
        self.notice_days.data = ruleset.setting("notice_days")
        groups = ruleset.setting("target_groups") or {}
        for g in TARGET_GROUPS:
            getattr(self, f"tg_{g}").data = groups.get(g, 0)
        self.unverified_policy.data = ruleset.setting("unverified_policy")


class IndicatorForm(FlaskForm):
    code = StringField(_l("指标编码"), validators=[DataRequired(_l("请填写指标编码")), Length(max=40)])
    name = StringField(_l("指标名称"), validators=[DataRequired(_l("请填写指标名称")), Length(max=120)])
    index_code = SelectField(_l("所属指数"), choices=choices_of(INDICES))
    kind = SelectField(_l("指标类型"), choices=choices_of(INDICATOR_KINDS))
    points = DecimalField(_l("分值"), places=2, description=_l("扣分项为每周期最多扣分；否决项为 0"),
                          validators=[InputRequired(_l("请填写分值")), NumberRange(0, 100, _l("须在 0–100 之间"))])
    standard = TextAreaField(_l("评价标准"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    cycle = SelectField(_l("考核周期"), choices=choices_of(CYCLES))
    categories = MultiCheckboxField(_l("适用支部类别"), choices=choices_of(CATEGORIES),
                                    description=_l("不选表示适用全部类别"))
    method = SelectField(_l("评分方法（信息上传标准）"), choices=[])
    record_types = MultiCheckboxField(_l("台账活动类型"), choices=choices_of(ACTIVITY_TYPES))
    min_count = IntegerField(_l("每周期最少次数"), validators=[Optional(), NumberRange(1, 100)])
    deadline_days = IntegerField(_l("上传时限（活动后天数）"), validators=[Optional(), NumberRange(0, 366)])
