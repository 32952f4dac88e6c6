"""Forms of the ledger. The attendance sheet and appraisal results are rows per member,
read from the request by `parse_presence` / `parse_appraisal` (names present_<id>,
reason_<id>, result_<id>)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms_util import choices_of
from core.ledger.models import ACTIVITY_TYPES, APPRAISAL_RESULTS, POINT_KINDS
from core.ledger.services import Presence


class RecordForm(FlaskForm):
    # The descriptions are the field help under each field (what, in which format, why it
    # matters for the score); the indicators each type feeds come from the year's rule
    # set (core.ledger.field_help, shown under the type).
    type = SelectField(_l("活动类型"), choices=choices_of(ACTIVITY_TYPES),
                       validators=[DataRequired(_l("请选择活动类型"))],
                       description=_l("选实际召开的会议或活动。每类活动计入各自的考核指标（见下方“计入哪些指标”）；"
                                      "选错类型，这次活动就计不到应计的指标上。"))
    held_on = DateField(_l("召开日期"), validators=[DataRequired(_l("请填写召开日期（格式 2026-03-15）"))],
                        description=_l("会议实际召开的日期，格式 2026-03-15。记录计入该日期所在的月份、季度和年度；"
                                       "须在召开后规定天数内录入台账，逾期录入只计部分分值。已结账期间的日期不能再录入。"))
    topic = StringField(_l("主题"), validators=[DataRequired(_l("请填写主题")), Length(max=200)],
                        description=_l("会议议题或活动主题，最多 200 字，如“学习贯彻党的二十届三中全会精神”。"
                                       "审核人员据此核对活动是否符合该类型的要求。"))
    location = StringField(_l("地点"), validators=[Optional(), Length(max=120)],
                           description=_l("选填，最多 120 字，如“党员活动室”。不影响得分。"))
    minutes = TextAreaField(_l("会议记录"), validators=[Optional(), Length(max=20000)],
                            render_kw={"rows": 8},
                            description=_l("议程、发言要点和决议。上级线下验收时据此核对质量，可能调整自动得分；"
                                           "签到表、照片等请在保存后于记录页上传附件。"))
    version = HiddenField()


class AttachmentForm(FlaskForm):
    file = FileField(_l("附件"))


class PointRecordForm(FlaskForm):
    kind = SelectField(_l("类型"), choices=choices_of(POINT_KINDS))
    points = StringField(_l("分值"), description=_l("否决项填 0 或留空"), validators=[Optional(), Length(max=12)])
    dated = DateField(_l("发生日期"), validators=[DataRequired(_l("请填写发生日期（格式 2026-03-15）"))])
    reason = TextAreaField(_l("原因"), validators=[DataRequired(_l("请填写原因")), Length(max=2000)],
                           render_kw={"rows": 3})
    indicator_code = StringField(_l("对应指标"), description=_l("输入编码或名称搜索，从列表中选择；扣分、否决须对应考核细则中的指标"),
                                 validators=[Optional(), Length(max=200)], render_kw={"list": "point-indicators"})
    #: Set by the page after the reviewer saw the over-the-cap warning.
    confirm_over_cap = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(_l("请填写原因")), Length(max=2000)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField(_l("类型"), choices=choices_of(ACTIVITY_TYPES, blank=_l("全部类型")),
                       validators=[Optional()])
    month = StringField(_l("月份"), description="2026-03", render_kw={"type": "month"},
                        validators=[Optional(), Length(max=7)])


def parse_presence(formdata, members) -> list[Presence]:
    """One row per listed member: ticked present, else absent with the reason given."""
    rows = []
    for m in members:
        present = formdata.get(f"present_{m.id}") in ("1", "on", "y", "true")
        reason = (formdata.get(f"reason_{m.id}") or "").strip()
        rows.append(Presence(m.id, present, None if present else reason))
    return rows


def parse_appraisal(formdata, members) -> dict[int, str]:
    results = {}
    for m in members:
        value = (formdata.get(f"result_{m.id}") or "").strip()
        if value:
            results[m.id] = value
    return results


APPRAISAL_CHOICES = list(APPRAISAL_RESULTS.items())
