"""Forms of the scoring pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.forms_util import options


class CloseForm(FlaskForm):
    """The close page: what unverified manual items count as, and why."""

    unverified = RadioField(_l("未审核的人工评分项"), validators=[Optional()],
                            choices=options([("refuse", _l("拒绝结账，先完成审核")),
                                             ("self", _l("按支部自评计分（无自评计 0 分）")),
                                             ("zero", _l("按 0 分计"))]))
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=500)],
                           description=_l("选择计分方式时必填（与考核细则的设置相同时可不填），记入审计日志"))


class WhatIfForm(FlaskForm):
    """The what-if page: which rule set, on which closed year."""

    ruleset_id = SelectField(_l("考核细则"), coerce=int, validators=[InputRequired(_l("请选择考核细则。"))])
    year = IntegerField(_l("已结账年度"), validators=[InputRequired(_l("请填写年度。")),
                                                  NumberRange(2000, 2100, _l("年度无效。"))])
