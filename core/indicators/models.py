"""Rule sets (one per year and version), index weights per category, star bands, and
indicators with their 5+N attributes."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.points import PointsType

#: The five fortress indices (堡垒指数), in display order.
INDICES = {
    "team": "星级队伍",
    "management": "星级管理",
    "performance": "星级业绩",
    "brand": "星级品牌",
    "service": "星级服务",
}

#: The four indicator kinds.
INDICATOR_KINDS = {
    "basic": "基础指标",
    "special": "专项指标",
    "deduction": "扣分项目",
    "veto": "否决专项",
}

CYCLES = {"month": "月度", "quarter": "季度", "year": "年度"}

RULESET_STATUSES = {"draft": "草稿", "active": "启用", "retired": "停用"}


def ruleset_status_label(status: str) -> str:
    """A rule set's status in the UI language: "启用" is a state here ("Active"), a verb
    on buttons ("Enable"), hence the context."""
    from flask_babel import pgettext

    labels = {"draft": pgettext("rule set status", "草稿"), "active": pgettext("rule set status", "启用"),
              "retired": pgettext("rule set status", "停用")}
    return labels.get(status, status)

#: Defaults of a rule set's settings (SCORING.md's (cfg) numbers).
DEFAULT_SETTINGS = {
    "late_factor": "0.5",
    "attendance_low": "0.5",
    "attendance_high": "0.9",
    "bonus_cap": "5",
    "veto_cap": 1,
    "promotion_step": True,
    "gates": {},            # e.g. {"5": "brand_accepted"}
    "proportions": {},      # e.g. {"5": 10, "4": 30}; percent of a category
    "proportion_mode": "off",  # off / warn / cap
    "proportion_scope": "both",  # quarter / year / both (#18)
    "proportion_rounding": "half_up_min1",  # half_up_min1 / floor (#18, small categories)
    "commendation_top_n": 3,
    "commendation_ties": "include",  # include (all tied at the cut-off) / order (display order)
    "notice_days": 5,  # working days (core.workdays)
    "target_groups": {"safety_production": 50, "basic_work": 30, "key_tasks": 20},
    # What a close does with manual items no reviewer verified (UNVERIFIED_POLICIES):
    # refuse the close (default), count the self-assessment, or count 0 — the last two
    # only with the admin's reason, audited (core.scoring.manual).
    "unverified_policy": "refuse",
}

#: Policies for unverified manual items at a close (SCORING.md "Manual and verified items").
UNVERIFIED_POLICIES = {
    "refuse": "拒绝结账，先完成审核",
    "self": "按支部自评计分（无自评计 0 分）",
    "zero": "按 0 分计",
}


class RuleSet(Base):
    """The scoring rules of one year (考核细则), versioned. A closed period keeps the
    rule set it was scored with; editing next year's never changes it."""

    __tablename__ = "rulesets"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(120))
    #: draft / active / retired — one active rule set per year scores its periods.
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: The (cfg) numbers of SCORING.md; keys as in DEFAULT_SETTINGS.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    weights: Mapped[list[IndexWeight]] = relationship(cascade="all, delete-orphan")
    bands: Mapped[list[StarBand]] = relationship(cascade="all, delete-orphan", order_by="StarBand.stars")
    indicators: Mapped[list[Indicator]] = relationship(cascade="all, delete-orphan", order_by="Indicator.position")

    def setting(self, name: str):
        return (self.settings or {}).get(name, DEFAULT_SETTINGS[name])


class IndexWeight(Base):
    """Weight W(category, index) of an index for one category; per category they sum to 100."""

    __tablename__ = "index_weights"
    __table_args__ = (UniqueConstraint("ruleset_id", "category", "index_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(ForeignKey("rulesets.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    index_code: Mapped[str] = mapped_column(String(20))
    weight: Mapped[int] = mapped_column(Integer)


class StarBand(Base):
    """Lowest total that earns `stars` (★1 has min 0). Bands cover 0–100 with no gaps."""

    __tablename__ = "star_bands"
    __table_args__ = (UniqueConstraint("ruleset_id", "stars"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(ForeignKey("rulesets.id"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    min_score: Mapped[Decimal] = mapped_column(PointsType)


class Indicator(Base):
    """One quantified indicator with its 5+N attributes: owning index, points,
    evaluation standard, cycle, and the information upload standard (method + params)."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("ruleset_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(ForeignKey("rulesets.id"), index=True)
    #: Stable code across versions, e.g. "B-ORGLIFE-01".
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    #: Owning index, one of INDICES.
    index_code: Mapped[str] = mapped_column(String(20))
    #: basic / special / deduction / veto (INDICATOR_KINDS).
    kind: Mapped[str] = mapped_column(String(20))
    #: Full points of the indicator (for deductions: the most that can be taken off).
    points: Mapped[Decimal] = mapped_column(PointsType)
    #: Evaluation standard text (评价标准) shown on the sheet.
    standard: Mapped[str | None] = mapped_column(Text)
    #: month / quarter / year — evaluated once per cycle period.
    cycle: Mapped[str] = mapped_column(String(10))
    #: Categories it applies to; null = all five.
    categories: Mapped[list | None] = mapped_column(JSON)
    #: Scoring method: a code of an IndicatorKind (core: ledger_count, attendance,
    #: appraisal, target, manual; plugins: e.g. production.measure).
    method: Mapped[str] = mapped_column(String(60), default="manual")
    #: The method's parameters (upload standard: record_types, min_count, deadline_days…).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The plugin owning the method; the indicator applies only where it is enabled.
    plugin: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
