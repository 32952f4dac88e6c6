"""Forms of the scoring pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, Optional

from core.forms_util import options


class CloseForm(FlaskForm):
    """The close page: what unverified manual items count as, and why."""

    unverified = RadioField(_l("未审核的人工评分项"), validators=[Optional()],
                            choices=options([("refuse", _l("拒绝结账，先完成审核")),
                                             ("self", _l("按支部自评计分（无自评计 0 分）")),
                                             ("zero", _l("按 0 分计"))]))
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=500)],
                           description=_l("选择计分方式时必填（与考核细则的设置相同时可不填），记入审计日志"))
