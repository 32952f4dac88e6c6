"""WTForms of the brand pages (labels in Chinese through lazy_gettext). The services
check everything again: a form only helps the user find the field."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.plugins.api import CATEGORIES, choices_of
from plugins.brands.models import VANGUARD_TYPES


def _today():
    return date.today()


class BrandFileForm(FlaskForm):
    name = StringField(_l("品牌名称"), validators=[DataRequired(_l("请填写品牌名称。")), Length(max=60)])
    slogan = StringField(_l("品牌口号"), validators=[Optional(), Length(max=120)])
    meaning = TextAreaField(_l("品牌内涵"), validators=[DataRequired(_l("请填写品牌内涵。")), Length(max=5000)])
    vanguard_type = SelectField(_l("先锋类型"), choices=choices_of(VANGUARD_TYPES, blank=_l("请选择")),
                                validators=[DataRequired(_l("请选择先锋类型。"))])

    def values(self) -> dict:
        return {"name": self.name.data, "slogan": self.slogan.data, "meaning": self.meaning.data,
                "vanguard_type": self.vanguard_type.data}


class TransitionForm(FlaskForm):
    happened_on = DateField(_l("日期"), default=_today, validators=[InputRequired(_l("请填写日期。"))])
    comment = TextAreaField(_l("意见"), validators=[Optional(), Length(max=2000)])


class DeclareForm(BrandFileForm, TransitionForm):
    pass


class EvidenceForm(FlaskForm):
    evidence = TextAreaField(_l("佐证说明"), validators=[Optional(), Length(max=5000)])
    file = FileField(_l("佐证文件（照片、文档）"))


class AchievementForm(FlaskForm):
    achieved_on = DateField(_l("日期"), default=_today, validators=[InputRequired(_l("请填写日期。"))])
    title = StringField(_l("成效"), validators=[DataRequired(_l("请填写成效标题。")), Length(max=120)])
    detail = TextAreaField(_l("说明"), validators=[Optional(), Length(max=5000)])


class BenchmarkForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(), NumberRange(2000, 2100)])
    category = SelectField(_l("支部类别"), choices=choices_of(CATEGORIES, blank=_l("请选择")),
                           validators=[DataRequired(_l("请选择支部类别。"))])
    branch_code = StringField(_l("支部编码"), validators=[DataRequired(_l("请填写支部编码。")), Length(max=40)])
    designated_on = DateField(_l("确定日期"), default=_today, validators=[InputRequired(_l("请填写日期。"))])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class RouteForm(FlaskForm):
    name = StringField(_l("路线名称"), validators=[DataRequired(_l("请填写路线名称。")), Length(max=60)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    unit_id = SelectField(_l("范围"), coerce=str)


class StopForm(FlaskForm):
    branch_code = StringField(_l("支部编码"), validators=[DataRequired(_l("请填写支部编码。")), Length(max=40)])
    note = StringField(_l("观摩点位说明"), validators=[Optional(), Length(max=200)])


class VisitForm(FlaskForm):
    host_code = StringField(_l("被观摩支部编码"), validators=[DataRequired(_l("请填写支部编码。")), Length(max=40)])
    visitor_codes = TextAreaField(_l("观摩支部编码"), description=_l("每行一个，或用逗号分隔"),
                                  validators=[DataRequired(_l("请填写观摩支部。")), Length(max=4000)])
    visited_on = DateField(_l("观摩日期"), default=_today, validators=[InputRequired(_l("请填写日期。"))])
    route_id = SelectField(_l("观摩路线"), coerce=str)
    learned = TextAreaField(_l("观摩收获"), validators=[DataRequired(_l("请填写观摩收获。")), Length(max=5000)])

    def codes(self) -> list[str]:
        return [c for c in (self.visitor_codes.data or "").replace("，", ",").replace("\n", ",").split(",") if c.strip()]


def _points(label):
    return DecimalField(label, places=2, validators=[InputRequired(_l("请填写")), NumberRange(0, 50)])


class SettingsForm(FlaskForm):
    stage_declared = _points(_l("申报阶段分"))
    stage_cultivating = _points(_l("培育阶段分"))
    stage_accepted = _points(_l("验收阶段分"))
    stage_named = _points(_l("命名阶段分"))
    item_points = _points(_l("“五有”每项分"))
    benchmark_bonus = _points(_l("标杆支部加分"))

    STAGES = ("declared", "cultivating", "accepted", "named")

    def values(self) -> dict:
        return {"stage_points": {s: getattr(self, f"stage_{s}").data for s in self.STAGES},
                "item_points": self.item_points.data, "benchmark_bonus": self.benchmark_bonus.data}

    def load(self, settings: dict) -> None:
        for s in self.STAGES:
            getattr(self, f"stage_{s}").data = settings["stage_points"][s]
        self.item_points.data = settings["item_points"]
        self.benchmark_bonus.data = settings["benchmark_bonus"]
