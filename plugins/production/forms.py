"""WTForms of the production pages (labels in Chinese through lazy_gettext)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from core.plugins.api import choices_of, sep
from plugins.production.models import ACCEPTANCE_RULES, ACCEPTANCE_STATUSES, DIRECTIONS, SEVERITIES


def _month(form, field):
    from plugins.production.services import parse_month
    try:
        parse_month(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class MeasureForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=60)])
    meaning = TextAreaField(_l("含义与评价标准"), validators=[Optional(), Length(max=2000)])
    unit = StringField(_l("计量单位"), validators=[Optional(), Length(max=20)])
    direction = SelectField(_l("方向"), choices=choices_of(DIRECTIONS))
    floor = DecimalField(_l("下限达成率"), places=None, validators=[InputRequired(), NumberRange(min=0, max=0.9999)],
                         description=_l("达成率不高于此值不得分，默认 0.8"))
    bonus_rate = DecimalField(_l("超额奖励系数"), places=None, validators=[InputRequired(), NumberRange(min=0)],
                              description=_l("每超出计划 100% 奖励的分值比例，0 为不奖励"))
    bonus_cap = DecimalField(_l("奖励封顶比例"), places=None, validators=[InputRequired(), NumberRange(min=0)],
                             description=_l("奖励最多为分值的多少倍，默认 0"))
    points = DecimalField(_l("分值（业绩指数内）"), places=2, validators=[InputRequired(), NumberRange(min=0.01, max=100)])
    key = BooleanField(_l("关键指标（季度验收）"))
    active = BooleanField(_l("启用"))
    reason = StringField(_l("修改原因"), validators=[Optional(), Length(max=200)])


class MonthEntryForm(FlaskForm):
    """Plan and actual of one month for the four measures; fields added per measure."""

    month = StringField(_l("月份"), validators=[DataRequired(), _month], description=_l("格式 2026-03"))


def month_entry_form(measures, can_plan: bool, formdata=None, **kwargs):
    """A MonthEntryForm with plan_<id> / actual_<id> Decimal fields for the measures."""
    class F(MonthEntryForm):
        pass

    for m in measures:
        if can_plan:
            setattr(F, f"plan_{m.id}", DecimalField(f"{gettext(m.slot_label)}·{gettext('计划')}{sep('open')}{m.unit}{sep('close')}", places=None,
                                                    validators=[Optional(), NumberRange(min=0)]))
        setattr(F, f"actual_{m.id}", DecimalField(f"{gettext(m.slot_label)}·{gettext('实绩')}{sep('open')}{m.unit}{sep('close')}", places=None,
                                                  validators=[Optional(), NumberRange(min=0)]))
    return F(formdata=formdata, **kwargs)


class IncidentForm(FlaskForm):
    occurred_on = DateField(_l("发生日期"), validators=[DataRequired()], default=date.today)
    severity = SelectField(_l("等级"), choices=choices_of(SEVERITIES))
    description = TextAreaField(_l("事件经过"), validators=[DataRequired(), Length(max=2000)])


class DeleteForm(FlaskForm):
    reason = StringField(_l("删除原因"), validators=[DataRequired(), Length(max=200)])


class AcceptanceForm(FlaskForm):
    branch_id = HiddenField(validators=[DataRequired()])
    measure_id = HiddenField(validators=[DataRequired()])
    status = SelectField(_l("验收结论"), choices=choices_of(ACCEPTANCE_STATUSES))
    comment = StringField(_l("验收意见"), validators=[Optional(), Length(max=500)])


class SettingForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    acceptance_rule = SelectField(_l("未验收指标的计分规则"), choices=choices_of(ACCEPTANCE_RULES))
    veto_on_major = BooleanField(_l("重大安全事故作为季度否决项"))
