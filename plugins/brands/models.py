"""Tables of the brands plugin (all prefixed `brand_`): one brand file per branch with its
stage history, the 五有 checklist with evidence, achievements, benchmark branches,
observation routes and benchmarking visits.

The stage a brand had on a day is read from its history (the latest event dated on or
before that day), so a window's score and star gate do not depend on when the close
runs; `Brand.stage` is the current stage, kept in step by the services."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.plugins.api import Base, utcnow

#: The five vanguard types (先锋类型) of a brand.
VANGUARD_TYPES = {
    "manufacturing": "生产制造",
    "efficiency": "提质增效",
    "marketing": "营销创效",
    "service": "管理服务",
    "diversified": "多元发展",
}

#: The 五有 standard, item code → label, in display order.
WUYOU_ITEMS = {
    "secretary": "有过硬支部书记",
    "team": "有骨干党员队伍",
    "meaning": "有鲜明品牌内涵",
    "venue": "有活动阵地",
    "results": "有一流工作业绩",
}

#: Stages of a brand. `proposed` (验收申请) is cultivating with acceptance asked for.
STAGES = {
    "declared": "申报",
    "cultivating": "培育",
    "proposed": "待验收",
    "accepted": "验收通过",
    "named": "命名",
    "withdrawn": "已摘牌",
}


class Brand(Base):
    """The brand file (品牌档案) of one branch: name, slogan, meaning, vanguard type and
    its current stage."""

    __tablename__ = "brand_brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One brand file per branch (a withdrawn brand is declared again on the same file).
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), unique=True)
    #: The branch's subsidiary unit (scoping and per-unit enabling without a join).
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: Brand name (品牌名称), e.g. “铁军先锋”.
    name: Mapped[str] = mapped_column(String(60))
    #: Slogan (品牌口号).
    slogan: Mapped[str] = mapped_column(String(120), default="")
    #: Meaning (品牌内涵).
    meaning: Mapped[str] = mapped_column(Text, default="")
    #: One of VANGUARD_TYPES.
    vanguard_type: Mapped[str] = mapped_column(String(20))
    #: Current stage, one of STAGES (the latest event's to_stage).
    stage: Mapped[str] = mapped_column(String(20), index=True)
    #: Date of the latest stage event.
    stage_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    events: Mapped[list[BrandEvent]] = relationship(order_by="BrandEvent.id", cascade="all, delete-orphan")
    items: Mapped[list[WuyouItem]] = relationship(cascade="all, delete-orphan")
    achievements: Mapped[list[Achievement]] = relationship(order_by="Achievement.achieved_on.desc()",
                                                           cascade="all, delete-orphan")


class BrandEvent(Base):
    """One stage transition (申报、培育、验收申请、验收、退回、命名、摘牌) with its date and comment."""

    __tablename__ = "brand_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand_brands.id"), index=True)
    #: A key of services.TRANSITIONS (declare, cultivate, propose, accept, reject, name, withdraw).
    action: Mapped[str] = mapped_column(String(20))
    #: Stage before (None for the first declaration).
    from_stage: Mapped[str | None] = mapped_column(String(20))
    #: Stage after.
    to_stage: Mapped[str] = mapped_column(String(20))
    #: The date the transition takes effect; never before the previous event's date.
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    #: Comment, or the reason of a rejection or withdrawal (required for those).
    comment: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WuyouItem(Base):
    """One item of the 五有 checklist of a brand: the branch's evidence text and the
    reviewer's verification (a verified item counts from its verification date)."""

    __tablename__ = "brand_wuyou_items"
    __table_args__ = (UniqueConstraint("brand_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand_brands.id"), index=True)
    #: One of WUYOU_ITEMS.
    item: Mapped[str] = mapped_column(String(20))
    #: What the branch offers as evidence (text; files in brand_files).
    evidence: Mapped[str] = mapped_column(Text, default="")
    #: The day a reviewer verified the item; None = not verified.
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class BrandFile(Base):
    """A photo or document attached as evidence of a 五有 item (ledger attachment rules)."""

    __tablename__ = "brand_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand_brands.id"), index=True)
    #: The 五有 item it supports.
    item: Mapped[str] = mapped_column(String(20))
    original_name: Mapped[str] = mapped_column(String(200))
    #: Random name under UPLOAD_DIR (never the user's name).
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Achievement(Base):
    """A dated result of the brand (创建成效): an award, a breakthrough, a figure."""

    __tablename__ = "brand_achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand_brands.id"), index=True)
    achieved_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Benchmark(Base):
    """The benchmark branch (标杆支部) of one branch category in one year."""

    __tablename__ = "brand_benchmarks"
    __table_args__ = (UniqueConstraint("year", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    #: A branch category code (CATEGORIES); the branch is of that category.
    category: Mapped[str] = mapped_column(String(20))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"))
    #: From this day the benchmark bonus counts (windows of `year` ending on or after it).
    designated_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Route(Base):
    """An observation route (观摩路线), e.g. 主业线: an ordered list of branches to visit.
    `unit_id` None = a group route (admins); else a unit's route (its reviewers too)."""

    __tablename__ = "brand_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    stops: Mapped[list[RouteStop]] = relationship(order_by="RouteStop.position", cascade="all, delete-orphan")


class RouteStop(Base):
    """One branch on a route, at its position (1, 2, …)."""

    __tablename__ = "brand_route_stops"
    __table_args__ = (UniqueConstraint("route_id", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("brand_routes.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    position: Mapped[int] = mapped_column(Integer)
    #: What to see there (观摩点位说明).
    note: Mapped[str] = mapped_column(String(200), default="")


class Visit(Base):
    """A benchmarking visit (对标观摩): visiting branches went to a host branch (optionally
    along a route) on a day, and what they learned."""

    __tablename__ = "brand_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    host_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    route_id: Mapped[int | None] = mapped_column(ForeignKey("brand_routes.id"))
    #: What the visitors learned (收获体会).
    learned: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    visitors: Mapped[list[VisitBranch]] = relationship(cascade="all, delete-orphan")


class VisitBranch(Base):
    """A visiting branch of a visit."""

    __tablename__ = "brand_visit_branches"

    visit_id: Mapped[int] = mapped_column(ForeignKey("brand_visits.id"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True, index=True)
    #: The visiting branch's unit (scoping without a join).
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"))
