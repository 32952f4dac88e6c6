"""Forms of the documents pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

PERIOD_RE = r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$"


class IssueForm(FlaskForm):
    doc_type = SelectField(_l("文书类型"), validators=[DataRequired()])
    period = StringField(_l("期间"), validators=[DataRequired(_l("请填写期间。")),
                                               Regexp(PERIOD_RE, message=_l("期间应为 2026、2026Q1 或 2026-03。"))],
                         description=_l("年度如 2025；季度如 2025Q4；月份如 2025-12。"))
    branch_code = StringField(_l("党支部编码"), validators=[Optional(), Length(max=32)],
                              description=_l("考核评分表和单个证书填写；留空表示全部。"))
    unit = SelectField(_l("二级单位"), coerce=str, validators=[Optional()])


class BulkForm(FlaskForm):
    doc_type = SelectField(_l("文书类型"), validators=[DataRequired()])
    period = StringField(_l("年度"), validators=[DataRequired(_l("请填写年度。")),
                                               Regexp(PERIOD_RE, message=_l("期间应为 2026、2026Q1 或 2026-03。"))])
    unit = SelectField(_l("二级单位"), coerce=str, validators=[Optional()])
    output = SelectField(_l("输出"), validators=[DataRequired()])


class RevokeForm(FlaskForm):
    reason = StringField(_l("作废原因"), validators=[DataRequired(_l("作废文书必须填写原因。")), Length(max=500)])


class TemplateForm(FlaskForm):
    issuer = StringField(_l("出具单位"), validators=[Optional(), Length(max=200)],
                         description=_l("留空则使用集团党委全称。"))
    number_prefix = StringField(_l("文号前缀"), validators=[Optional(), Length(max=40)],
                                description=_l("编号文书（如表彰决定）的发文机关代字，例如“集团党委”。"))
    color = StringField(_l("主色"), validators=[DataRequired(_l("请填写颜色。")),
                                              Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("颜色应为 #rrggbb，例如 #c00000。"))])
    seal = FileField(_l("印章图片（PNG/JPEG，不超过 2 MB）"))
    source = TextAreaField(_l("模板（HTML + Jinja）"), validators=[DataRequired(_l("模板不能为空。"))])
    version = HiddenField()
