"""The honour form (reviewers and admins write)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms_util import choices_of
from core.honours.models import LEVELS


class HonourForm(FlaskForm):
    title = StringField(_l("荣誉名称"), validators=[DataRequired(_l("请填写荣誉名称。")), Length(max=200)])
    level = SelectField(_l("级别"), choices=choices_of(LEVELS), validators=[DataRequired()])
    issuer = StringField(_l("颁发单位"), validators=[DataRequired(_l("请填写颁发单位。")), Length(max=120)])
    awarded_on = DateField(_l("授予日期"), validators=[DataRequired(_l("请填写授予日期，格式 2026-03-15。"))])
    evidence = FileField(_l("证明材料（证书扫描件）"))
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()
