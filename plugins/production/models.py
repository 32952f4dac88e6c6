"""Tables of the production plugin (all prefixed `production_`): the measure definitions
per category, monthly plans and actuals per branch, quarterly acceptance, safety
incidents and the plugin's yearly settings.

Quantities (tonnes, yuan per tonne, percent, counts) are Decimals with up to four
places, stored as integer ten-thousandths (`QuantityType`) so SQLite and PostgreSQL
hold the same digits (SQLite has no decimal type)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from core.plugins.api import N_, Base, PointsType, utcnow

#: The four measures of the category standard, slot code → Chinese name.
SLOTS = {"output": N_("产量"), "cost": N_("成本"), "quality": N_("质量"), "safety": N_("安全")}
DIRECTIONS = {"higher": "越高越好", "lower": "越低越好"}
#: What counts when a key measure was not accepted at the quarterly acceptance.
ACCEPTANCE_RULES = {
    "computed": "未验收或未通过的按计算得分计（验收仅作记录）",
    "rejected_zero": "验收未通过的记 0 分，尚未验收的按计算得分计",
    "accepted_only": "只有验收通过的计分，未验收或未通过的记 0 分",
}
ACCEPTANCE_STATUSES = {"accepted": "验收通过", "rejected": "验收不通过"}
SEVERITIES = {"minor": "一般", "recordable": "可记录", "major": "重大"}

QUANTITY_PLACES = 4
_SCALE = Decimal(10) ** QUANTITY_PLACES


class QuantityType(TypeDecorator):
    """A Decimal with up to 4 places in Python, a BIGINT of ten-thousandths in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * _SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"数值最多 {QUANTITY_PLACES} 位小数：{value}")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(int(value)) / _SCALE


class Measure(Base):
    """One measure of a category's standard (e.g. 生产类·产量, tonnes, higher is better)
    with its scoring curve and its points within the 业绩 index. Admins edit these; the
    rule set's indicators snapshot the curve when seeded (see measures.sync_indicators)."""

    __tablename__ = "production_measures"
    __table_args__ = (UniqueConstraint("category", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "<category>.<slot>", e.g. "production.output"; the API and imports accept it.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: One of core.org.models.CATEGORIES.
    category: Mapped[str] = mapped_column(String(20), index=True)
    #: output / cost / quality / safety (SLOTS).
    slot: Mapped[str] = mapped_column(String(10))
    #: Name shown on sheets, e.g. "产量（吨）".
    name: Mapped[str] = mapped_column(String(60))
    #: What is measured and how (评价标准 text).
    meaning: Mapped[str] = mapped_column(Text, default="")
    #: Unit of the quantity, e.g. 吨, 元/吨, %, 起.
    unit: Mapped[str] = mapped_column(String(20), default="")
    #: higher / lower (DIRECTIONS).
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    #: Attainment at or below which the measure earns 0 (SCORING.md floor, default 0.8).
    floor: Mapped[Decimal] = mapped_column(QuantityType, default=Decimal("0.8"))
    #: Bonus per unit of attainment above 1, as a share of points (0 = no bonus).
    bonus_rate: Mapped[Decimal] = mapped_column(QuantityType, default=Decimal("0"))
    #: Most bonus, as a share of points (default 0).
    bonus_cap: Mapped[Decimal] = mapped_column(QuantityType, default=Decimal("0"))
    #: Points within the 业绩 index.
    points: Mapped[Decimal] = mapped_column(PointsType)
    #: A key measure (关键指标) is accepted quarterly by the unit committee.
    key: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def slot_label(self) -> str:
        return SLOTS.get(self.slot, self.slot)

    @property
    def direction_label(self) -> str:
        return DIRECTIONS.get(self.direction, self.direction)

    @property
    def is_rate(self) -> bool:
        """A rate (合格率, 完成率…: unit %) — at most 100 a month, and over a quarter or a
        year the mean of its months, never their sum (README, production plugin)."""
        return is_rate_unit(self.unit)


def is_rate_unit(unit: str | None) -> bool:
    return (unit or "").strip() in ("%", "％")


class _MonthlyFigure:
    """Columns shared by plans and actuals: one value of one measure for one branch and
    month, unique on (branch, measure, month)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    #: The branch's unit, denormalised for scoping and per-unit enabling.
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("production_measures.id"), index=True)
    #: First day of the month.
    month: Mapped[date] = mapped_column(Date, index=True)
    value: Mapped[Decimal] = mapped_column(QuantityType)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def __table_args__(cls):
        return (UniqueConstraint("branch_id", "measure_id", "month"),)

    @declared_attr
    def measure(cls) -> Mapped[Measure]:
        return relationship(Measure)


class Plan(_MonthlyFigure, Base):
    """The monthly plan (target) of one measure for one branch."""

    __tablename__ = "production_plans"


class Actual(_MonthlyFigure, Base):
    """The actual (实绩) of one measure for one branch and month. The natural key
    (branch, measure, month) makes pushes idempotent: the same value twice is one row."""

    __tablename__ = "production_actuals"

    #: form / import / api / demo — where the last value came from.
    source: Mapped[str] = mapped_column(String(10), default="form")
    #: The upstream system's reference of the last push (MES/ERP), if any.
    source_ref: Mapped[str | None] = mapped_column(String(80))


class Acceptance(Base):
    """季度验收: the unit committee's decision on one key measure of one branch for a quarter."""

    __tablename__ = "production_acceptances"
    __table_args__ = (UniqueConstraint("branch_id", "measure_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("production_measures.id"), index=True)
    #: '2026Q1'
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    #: accepted / rejected (ACCEPTANCE_STATUSES); no row = not yet accepted.
    status: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Incident(Base):
    """A safety incident of a branch. A 'major' one is a 否决 item for its quarter when
    the year's setting says so: a core veto PointRecord is written with it."""

    __tablename__ = "production_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    #: minor / recordable / major (SEVERITIES).
    severity: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text)
    #: The core veto record this incident produced, if any.
    veto_record_id: Mapped[int | None] = mapped_column(ForeignKey("point_records.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def severity_label(self) -> str:
        return SEVERITIES.get(self.severity, self.severity)


class Setting(Base):
    """The plugin's (cfg) rules of one year; no row = the defaults."""

    __tablename__ = "production_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    #: One of ACCEPTANCE_RULES (default 'computed').
    acceptance_rule: Mapped[str] = mapped_column(String(20), default="computed")
    #: A major safety incident is a 否决 item for its quarter (default on).
    veto_on_major: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
