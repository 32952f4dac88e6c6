from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.forms_util import SelectChoice

#: Shortest password accepted anywhere (users' own and administrators' resets).
MIN_PASSWORD = 8


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=60)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。")), Length(max=200)])
    password = PasswordField(_l("新密码"), validators=[
        DataRequired(_l("请填写新密码。")), Length(min=MIN_PASSWORD, max=200, message=_l("密码至少 8 位。"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[
        DataRequired(_l("请再次输入新密码。")), EqualTo("password", message=_l("两次输入的密码不一致。"))])


class LanguageForm(FlaskForm):
    # each language named in itself, marked so (a screen reader reads 中文 as Chinese)
    locale = SelectField(_l("界面语言"), choices=[SelectChoice("zh_CN", "中文", render_kw={"lang": "zh-CN"}),
                                               SelectChoice("en", "English", render_kw={"lang": "en"})])
