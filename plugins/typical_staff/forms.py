"""WTForms of the campaign pages (labels in Chinese through lazy_gettext)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from plugins.typical_staff._core import choices_of
from plugins.typical_staff.models import CHANNELS, FILE_KINDS, GENDERS, REVIEW_DECISIONS


class CampaignForm(FlaskForm):
    title = StringField(_l("活动名称"), validators=[DataRequired(), Length(max=120)])
    year = IntegerField(_l("年度"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    criteria = TextAreaField(_l("评选条件"), validators=[Optional(), Length(max=5000)])
    categories = TextAreaField(_l("事迹类别"), validators=[DataRequired()], description=_l("每行一个类别"))
    declaration_deadline = DateField(_l("申报截止日期"), validators=[DataRequired()])
    unit_review_deadline = DateField(_l("单位审核截止日期"), validators=[DataRequired()])
    group_review_deadline = DateField(_l("集团审核截止日期"), validators=[DataRequired()])
    notice_start = DateField(_l("公示开始日期"), validators=[DataRequired()],
                             description=_l("遇节假日顺延到下一个工作日"))
    notice_days = IntegerField(_l("公示期（工作日）"), default=5, validators=[InputRequired(), NumberRange(min=1, max=30)])
    group_quota = IntegerField(_l("集团评选名额"), default=10, validators=[InputRequired(), NumberRange(min=1, max=1000)])


class DeclarationForm(FlaskForm):
    branch_id = SelectField(_l("申报支部"), choices=[], validate_choice=False)
    member_id = SelectField(_l("关联党员"), choices=[], validate_choice=False,
                            description=_l("候选人是本支部党员时选择；非党员请留空并填写姓名"))
    name = StringField(_l("姓名"), validators=[Optional(), Length(max=60)])
    gender = SelectField(_l("性别"), choices=choices_of(GENDERS))
    post = StringField(_l("岗位"), validators=[DataRequired(), Length(max=60)])
    frontline_years = IntegerField(_l("一线工作年限"), validators=[InputRequired(), NumberRange(min=0, max=60)])
    category_id = SelectField(_l("事迹类别"), choices=[], coerce=int, validate_choice=False)
    deed = TextAreaField(_l("主要事迹"), validators=[DataRequired(), Length(min=20, max=5000)])
    recommenders = StringField(_l("推荐人"), validators=[DataRequired(), Length(max=200)])


class FileForm(FlaskForm):
    kind = SelectField(_l("材料类型"), choices=choices_of(FILE_KINDS))
    file = FileField(_l("文件"), validators=[FileRequired(_l("请选择要上传的文件。"))])


class ReviewForm(FlaskForm):
    decision = RadioField(_l("审核结论"), choices=choices_of(REVIEW_DECISIONS), validators=[InputRequired()])
    comment = TextAreaField(_l("审核意见"), validators=[Optional(), Length(max=2000)])


class ObjectionForm(FlaskForm):
    reason = TextAreaField(_l("异议事实和理由"), validators=[DataRequired(), Length(max=2000)])


class ResolveForm(FlaskForm):
    outcome = RadioField(_l("处理结论"), choices=choices_of({"dismissed": "异议不成立", "upheld": "异议成立，撤销候选人"}),
                         validators=[InputRequired()])
    resolution = TextAreaField(_l("调查核实情况"), validators=[DataRequired(), Length(max=2000)])


class PublicityForm(FlaskForm):
    channel = SelectField(_l("宣传渠道"), choices=choices_of(CHANNELS))
    published_on = DateField(_l("刊发日期"), validators=[DataRequired()])
    title = StringField(_l("标题"), validators=[Optional(), Length(max=120)])
    reference = StringField(_l("链接或刊发信息"), validators=[DataRequired(), Length(max=300)])
    declaration_id = SelectField(_l("报道对象"), choices=[], coerce=int, validate_choice=False)


class StudyForm(FlaskForm):
    unit_id = SelectField(_l("单位"), choices=[], coerce=int, validate_choice=False)
    held_on = DateField(_l("活动日期"), validators=[DataRequired()])
    title = StringField(_l("活动名称"), validators=[DataRequired(), Length(max=120)])
    summary = TextAreaField(_l("活动情况"), validators=[Optional(), Length(max=2000)])
    participants = IntegerField(_l("参加人数"), validators=[InputRequired(), NumberRange(min=0, max=100000)])
