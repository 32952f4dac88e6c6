"""The calendar day form (工作日历)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.forms_util import choices_of

#: The two answers the table can give for a day.
DAY_KINDS = {"off": "放假", "work": "调休上班"}


class CalendarDayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired()])
    kind = SelectField(_l("安排"), choices=choices_of(DAY_KINDS))
    name = StringField(_l("节日名称"), validators=[DataRequired(), Length(max=40)])
    reason = StringField(_l("修改原因"), validators=[Optional(), Length(max=200)])
