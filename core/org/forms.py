"""WTForms for organisation administration. Choices that depend on the user's scope are
filled in by the view; labels and messages are Chinese msgids."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from core.forms_util import choices_of
from core.org.models import CATEGORIES, GENDERS, MEMBER_STATUSES, NODE_KINDS


CODE_RULE = Regexp(r"^[A-Za-z0-9_\-]+$", message=_l("编码只能包含字母、数字、下划线和连字符。"))


def _coerce_int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class VersionedForm(FlaskForm):
    """An edit form carrying the record's version for the optimistic lock."""

    version = HiddenField()

    def version_value(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class NodeForm(VersionedForm):
    name = StringField(_l("组织名称"), validators=[DataRequired(_l("请填写组织名称。")), Length(max=120, message=_l("不能超过 120 个字。"))])
    code = StringField(_l("组织编码"), validators=[DataRequired(_l("请填写组织编码。")), Length(max=32, message=_l("不能超过 32 个字符。")), CODE_RULE])
    kind = SelectField(_l("组织类型"), choices=choices_of(NODE_KINDS), validators=[DataRequired(_l("请选择组织类型。"))])
    parent_id = SelectField(_l("上级组织"), coerce=_coerce_int_or_none, validate_choice=False)

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "code": self.code.data.strip(), "kind": self.kind.data,
                "parent_id": self.parent_id.data}


class BranchForm(VersionedForm):
    name = StringField(_l("支部名称"), validators=[DataRequired(_l("请填写支部名称。")), Length(max=120, message=_l("不能超过 120 个字。"))])
    code = StringField(_l("支部编码"), validators=[DataRequired(_l("请填写支部编码。")), Length(max=32, message=_l("不能超过 32 个字符。")), CODE_RULE])
    category = SelectField(_l("支部类别"), choices=choices_of(CATEGORIES), validators=[DataRequired(_l("请选择支部类别。"))])
    parent_id = SelectField(_l("上级组织"), coerce=_coerce_int_or_none,
                            validators=[InputRequired(_l("请选择上级组织。"))])
    secretary_name = StringField(_l("支部书记"), validators=[Optional(), Length(max=60, message=_l("不能超过 60 个字。"))])
    founded_on = DateField(_l("成立日期"), validators=[Optional()],
                           description=_l("台账检查清单从成立日期起计算应办事项"))

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "code": self.code.data.strip(), "category": self.category.data,
                "parent_id": self.parent_id.data, "secretary_name": (self.secretary_name.data or "").strip(),
                "founded_on": self.founded_on.data}


class MemberForm(VersionedForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=60, message=_l("不能超过 60 个字。"))])
    gender = SelectField(_l("性别"), choices=choices_of(GENDERS), validators=[DataRequired(_l("请选择性别。"))])
    birth_date = DateField(_l("出生日期"), validators=[Optional()])
    joined_on = DateField(_l("入党日期"), validators=[Optional()])
    status = SelectField(_l("党员类别"), choices=choices_of(MEMBER_STATUSES), validators=[DataRequired(_l("请选择党员类别。"))])
    post = StringField(_l("岗位"), validators=[Optional(), Length(max=60, message=_l("不能超过 60 个字。"))])

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "gender": self.gender.data, "birth_date": self.birth_date.data,
                "joined_on": self.joined_on.data, "status": self.status.data,
                "post": (self.post.data or "").strip()}


class TransferForm(VersionedForm):
    to_branch_id = SelectField(_l("转入支部"), coerce=_coerce_int_or_none,
                               validators=[InputRequired(_l("请选择转入支部。"))])
    transferred_on = DateField(_l("转接日期"), validators=[InputRequired(_l("请填写转接日期。"))])
    reason = TextAreaField(_l("转接原因"), validators=[Optional(), Length(max=500, message=_l("不能超过 500 个字。"))])
