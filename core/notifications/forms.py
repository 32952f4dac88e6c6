from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField
from wtforms.validators import Email, Length, NumberRange, Optional


class MailPreferenceForm(FlaskForm):
    email = EmailField(_l("电子邮箱"), validators=[Optional(), Length(max=200), Email(_l("邮箱地址格式不正确。"))])
    digest = BooleanField(_l("每天接收一封邮件摘要"))


class ScheduleStepForm(FlaskForm):
    enabled = BooleanField(_l("启用"))
    day = IntegerField(_l("日期"), validators=[NumberRange(0, 28, _l("应为 0–28（0 表示每天）。"))])
    working_day = BooleanField(_l("按工作日计"))
    hour = IntegerField(_l("时刻（时）"), validators=[NumberRange(0, 23, _l("应为 0–23。"))])
