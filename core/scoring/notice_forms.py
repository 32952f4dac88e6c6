"""Forms of the annual notice page: start a round, file or record an objection, open a
correction of the year."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms_util import choices_of
from core.scoring.models import OBJECTION_CHANNELS


class StartNoticeForm(FlaskForm):
    starts_on = DateField(_l("公示开始日期"), validators=[DataRequired(_l("请填写开始日期，格式 2027-01-11。"))])
    working_days = IntegerField(_l("公示期（工作日）"), description=_l("按工作日计，节假日不计，调休上班日计入"),
                                validators=[InputRequired(_l("请填写")), NumberRange(1, 60, _l("须在 1–60 之间"))])


class ObjectionForm(FlaskForm):
    """branch_id comes from the branch search's radio list (checked in scope by the view);
    the offline fields are shown to admins only."""

    branch_id = IntegerField(_l("党支部"), validators=[InputRequired(_l("请先查找并选择党支部"))])
    channel = SelectField(_l("异议来源"), choices=choices_of(OBJECTION_CHANNELS), default="online")
    received_on = DateField(_l("收到日期"), validators=[Optional()])
    complainant = StringField(_l("异议人（姓名及联系方式）"), description=_l("仅组织部管理员可见，不向被异议支部公开"),
                              validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("异议内容"), validators=[DataRequired(_l("请填写异议内容。")), Length(max=4000)])


class CorrectionForm(FlaskForm):
    objection_id = SelectField(_l("成立的异议"), coerce=int, choices=[])
    from_key = SelectField(_l("需更正的最早期间"), choices=[],
                           description=_l("该期间及其后已结账的季度和年度将按顺序重新开启"))
    reason = TextAreaField(_l("更正事项"), validators=[DataRequired(_l("请填写需要更正的事项。")), Length(max=2000)])
