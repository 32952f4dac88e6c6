"""Forms for user administration; unit choices are filled in by the view. A secretary's
branch is given by its code (a select of every branch does not scale to tens of
thousands of branches); the code is checked against the active branches."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from core.auth.forms import MIN_PASSWORD  # one rule for every password form
from core.auth.models import ROLES
from core.db import get_session
from core.forms_util import choices_of
from core.org.forms import VersionedForm
from core.org.models import Branch
from flask_wtf import FlaskForm


class UserForm(VersionedForm):
    username = StringField(_l("用户名"), validators=[
        DataRequired(_l("请填写用户名。")), Length(max=60, message=_l("不能超过 60 个字符。")),
        Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("用户名只能包含字母、数字、点、下划线和连字符。"))])
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")),
                                                      Length(max=60, message=_l("不能超过 60 个字。"))])
    role = SelectField(_l("角色"), choices=choices_of(ROLES), validators=[DataRequired(_l("请选择角色。"))])
    branch_code = StringField(_l("所在支部编码（支部书记）"),
                              description=_l("填写支部编码；编码可在“支部”列表中按名称查找。"),
                              filters=[lambda v: (v or "").strip()])
    unit_ids = SelectMultipleField(_l("负责的二级单位（审核员、只读用户）"), coerce=int, validate_choice=False)

    #: The branch the code names (set by validate_branch_code).
    branch = None

    def validate_branch_code(self, field):
        if not field.data:
            self.branch = None
            return
        branch = get_session().scalar(select(Branch).where(Branch.code == field.data))
        if branch is None or not branch.active:
            raise ValidationError(gettext("没有编码为“%(c)s”的在用支部。", c=field.data))
        self.branch = branch

    @property
    def branch_id(self):
        """Where the services' refusals about the branch (field "branch_id") are shown."""
        return self.branch_code

    def values(self) -> dict:
        return {"username": self.username.data.strip(), "display_name": self.display_name.data.strip(),
                "role": self.role.data, "branch_id": self.branch.id if self.branch else None,
                "unit_ids": list(self.unit_ids.data or [])}


class NewUserForm(UserForm):
    password = PasswordField(_l("初始密码"), validators=[
        DataRequired(_l("请填写初始密码。")), Length(min=MIN_PASSWORD, max=200, message=_l("密码至少 8 位。"))])


class PasswordResetForm(FlaskForm):
    """Leave both empty to have a one-time password generated (shown once)."""

    password = PasswordField(_l("新密码（留空则自动生成一次性密码）"), validators=[
        Optional(), Length(min=MIN_PASSWORD, max=200, message=_l("密码至少 8 位。"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[
        EqualTo("password", message=_l("两次输入的密码不一致。"))])
