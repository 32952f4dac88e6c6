"""Forms for user administration; unit and branch choices are filled in by the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from core.auth.models import ROLES
from core.forms_util import choices_of
from core.org.forms import VersionedForm
from flask_wtf import FlaskForm

MIN_PASSWORD = 8


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class UserForm(VersionedForm):
    username = StringField(_l("用户名"), validators=[
        DataRequired(_l("请填写用户名。")), Length(max=60, message=_l("不能超过 60 个字符。")),
        Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("用户名只能包含字母、数字、点、下划线和连字符。"))])
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")),
                                                      Length(max=60, message=_l("不能超过 60 个字。"))])
    role = SelectField(_l("角色"), choices=choices_of(ROLES), validators=[DataRequired(_l("请选择角色。"))])
    branch_id = SelectField(_l("所在支部（支部书记）"), coerce=_int_or_none, validate_choice=False)
    unit_ids = SelectMultipleField(_l("负责的二级单位（审核员、只读用户）"), coerce=int, validate_choice=False)

    def values(self) -> dict:
        return {"username": self.username.data.strip(), "display_name": self.display_name.data.strip(),
                "role": self.role.data, "branch_id": self.branch_id.data, "unit_ids": list(self.unit_ids.data or [])}


class NewUserForm(UserForm):
    password = PasswordField(_l("初始密码"), validators=[
        DataRequired(_l("请填写初始密码。")), Length(min=MIN_PASSWORD, max=200, message=_l("密码至少 8 位。"))])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[
        DataRequired(_l("请填写新密码。")), Length(min=MIN_PASSWORD, max=200, message=_l("密码至少 8 位。"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[
        DataRequired(_l("请再次输入新密码。")), EqualTo("password", message=_l("两次输入的密码不一致。"))])
