"""Forms of targets: decomposition to branches and monthly progress."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms_util import MultiCheckboxField, choices_of, options
from core.indicators.models import INDICES
from core.targets.models import TARGET_GROUPS


class TargetForm(FlaskForm):
    title = StringField(_l("目标名称"), validators=[DataRequired(_l("请填写目标名称")), Length(max=200)])
    description = TextAreaField(_l("目标说明"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    group = SelectField(_l("分组"), choices=choices_of(TARGET_GROUPS))
    index_code = SelectField(_l("计入指数"), choices=choices_of(INDICES))
    points = StringField(_l("分值"), validators=[DataRequired(_l("请填写分值")), Length(max=12)])
    owner = StringField(_l("责任人（定责）"), validators=[DataRequired(_l("请填写责任人")), Length(max=60)])
    deadline = DateField(_l("完成时限"), validators=[DataRequired(_l("请填写完成时限（格式 2026-06-30）"))])
    version = HiddenField()


class DecomposeForm(TargetForm):
    #: Checkboxes of the branches the page's filters (unit, category, name or code) show.
    branches = MultiCheckboxField(_l("分解到党支部"), coerce=int,
                                  validators=[DataRequired(_l("请至少选择一个党支部"))])


class ProgressForm(FlaskForm):
    month = StringField(_l("月份"), description="2026-03", render_kw={"type": "month"},
                        validators=[DataRequired(_l("请填写月份")), Length(max=7)])
    completion = StringField(_l("完成率（%）"), validators=[DataRequired(_l("请填写完成率")), Length(max=8)])
    note = TextAreaField(_l("进展说明"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class TargetFilterForm(FlaskForm):
    class Meta:
        csrf = False

    group = SelectField(_l("分组"), choices=choices_of(TARGET_GROUPS, blank=_l("全部分组")), validators=[Optional()])
    overdue = SelectField(_l("逾期"), choices=options([("", _l("全部")), ("1", _l("仅逾期"))]), validators=[Optional()])
