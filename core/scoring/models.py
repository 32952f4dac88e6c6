from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.formatting import N_
from core.points import PointsType

#: Tier ladder (阶梯式分层管理): tier → (label, management focus).
TIERS = {
    1: ("第一梯级", "总结特色经验，抓好示范推广，持续巩固提升，争创支部品牌"),
    2: ("第二梯级", "深化创新，重点突破，提升星级创建水平"),
    3: ("第三梯级", "整章建制，提升党组织活力，着力改进提升"),
}


# Why evaluations and score_results declare no foreign keys to branches, org_nodes,
# indicators, periods and rulesets. Both tables are engine output: only the close
# (core.scoring.bulk) writes their rows, in one INSERT … SELECT from ids it has just
# read from those tables in the same transaction, and no referenced row is ever
# deleted (branches and units are deactivated, periods kept, a rule set used by a
# closed period is read-only and an indicator with evaluations cannot be deleted —
# core.indicators.admin). On PostgreSQL each declared key is a trigger run per
# inserted row: with them a quarter's close spent ~70 % of its time in key checks
# (~2.5 µs × 4 keys × ~350 000 rows; bench/close.py). tests/core/scoring/
# test_engine_output_integrity.py checks that a close writes no orphan id.
# verified_by (a reviewer's edit, one row at a time) keeps its foreign key.


def tier_of(stars: int | None) -> int | None:
    if not stars:
        return None
    return 1 if stars >= 5 else 2 if stars >= 3 else 3


class Evaluation(Base):
    """One indicator evaluated for one branch over one cycle period: the automatic
    score (线上自动考核), the secretary's self-assessment (自评) and the reviewer's
    verified score with its reason (线下质量验收). Both are kept; the verified one counts."""

    __tablename__ = "evaluations"
    #: The natural key (period, branch, indicator) is the primary key and the only index
    #: (a quarter's close inserts ~270 000 rows and every index costs on each; no
    #: surrogate id): it is the order in which a close writes (appends at the right edge
    #: of the B-tree) and serves every read — a period's aggregation and stale delete, a
    #: branch's sheet and trends (always for a list of periods), the catalogue's "has
    #: evaluations" check (by the rule set's periods). No query selects by unit_id alone.
    #: period_id periods.id (the cycle period evaluated: a month, quarter or year),
    #: branch_id branches.id, indicator_id indicators.id, unit_id org_nodes.id — not
    #: declared as foreign keys, on purpose (see the note above tier_of).
    period_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    indicator_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(Integer)
    #: Full points of the indicator at evaluation time.
    points: Mapped[Decimal] = mapped_column(PointsType)
    #: Computed by the indicator's method; None for a manual item.
    auto_earned: Mapped[Decimal | None] = mapped_column(PointsType)
    #: What the evidence showed, for the explainable sheet (counts, record ids…).
    evidence: Mapped[dict | None] = mapped_column(JSON)
    self_earned: Mapped[Decimal | None] = mapped_column(PointsType)
    self_note: Mapped[str | None] = mapped_column(Text)
    verified_earned: Mapped[Decimal | None] = mapped_column(PointsType)
    verify_reason: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Optimistic lock: a save carrying an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def ident(self) -> tuple[int, int, int]:
        """The primary key (period_id, branch_id, indicator_id), as session.get takes it."""
        return self.period_id, self.branch_id, self.indicator_id

    @property
    def key(self) -> str:
        """The item's key as text ("period-branch-indicator"): audit entries and anchors."""
        return f"{self.period_id}-{self.branch_id}-{self.indicator_id}"

    @property
    def earned(self) -> Decimal:
        """The value that counts: verified, else automatic, else 0."""
        if self.verified_earned is not None:
            return self.verified_earned
        return self.auto_earned if self.auto_earned is not None else Decimal("0.00")


class ScoreResult(Base):
    """A branch's result for a closed window: the five index scores, total, star,
    tier and rank within its category, with the rule set used."""

    __tablename__ = "score_results"
    __table_args__ = (
        UniqueConstraint("period_id", "branch_id"),
        # Added by analysis: a ranking page (period, category, by rank) is read in index
        # order and stops at the page size (bench/web.py, 20,000 branches).
        Index("ix_score_results_ranking", "period_id", "category", "rank", "branch_id"),
        # Rankings filtered by unit — every reviewer's page — read this one the same way.
        Index("ix_score_results_unit_ranking", "period_id", "unit_id", "category", "rank", "branch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: periods.id, indexed as the prefix of the unique (period_id, branch_id). This and
    #: branch_id, unit_id and ruleset_id are not declared as foreign keys, on purpose
    #: (see the note above tier_of).
    period_id: Mapped[int] = mapped_column(Integer)
    branch_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20))
    ruleset_id: Mapped[int] = mapped_column(Integer)
    #: Weighted index scores; None when the index had no evaluation in the window.
    team: Mapped[Decimal | None] = mapped_column(PointsType)
    management: Mapped[Decimal | None] = mapped_column(PointsType)
    performance: Mapped[Decimal | None] = mapped_column(PointsType)
    brand: Mapped[Decimal | None] = mapped_column(PointsType)
    service: Mapped[Decimal | None] = mapped_column(PointsType)
    base: Mapped[Decimal] = mapped_column(PointsType)
    bonus: Mapped[Decimal] = mapped_column(PointsType)
    deduction: Mapped[Decimal] = mapped_column(PointsType)
    total: Mapped[Decimal] = mapped_column(PointsType)
    #: 1–5 for quarters and years; None for months.
    stars: Mapped[int | None] = mapped_column(Integer)
    tier: Mapped[int | None] = mapped_column(Integer)
    #: Rank within category and window (1, 2, 2, 4).
    rank: Mapped[int] = mapped_column(Integer)
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why the star differs from the band (veto, promotion step, gate, proportion),
    #: and which indices were re-scaled — shown on the sheet.
    notes: Mapped[dict | None] = mapped_column(JSON)

    def index_scores(self) -> dict[str, Decimal | None]:
        return {k: getattr(self, k) for k in ("team", "management", "performance", "brand", "service")}


NOTICE_STATUSES = {"open": N_("公示中"), "final": N_("已确定"), "cancelled": N_("已撤销")}
OBJECTION_STATUSES = {"open": N_("待处理"), "upheld": N_("异议成立"), "rejected": N_("异议不成立")}
#: How an objection reached the organisation department.
OBJECTION_CHANNELS = {"online": "网上提交", "letter": "来信", "phone": "来电", "in_person": "来访"}
CORRECTION_STATUSES = {"open": "更正中", "done": "已更正"}


class AnnualNotice(Base):
    """The public notice (公示) of a closed year's grades. The grades become final when
    the notice period has passed and no objection is open or upheld."""

    __tablename__ = "annual_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The year's Period.
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    #: First and last day of the notice (inclusive).
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: Its length in working days (core.workdays); None for a notice
    #: started before #18 (counted in calendar days).
    working_days: Mapped[int | None] = mapped_column(Integer)
    #: open / final / cancelled (NOTICE_STATUSES).
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime)


class Objection(Base):
    """An objection (异议) to a branch's annual grade, filed during the notice."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("annual_notices.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    #: online / letter / phone / in_person (OBJECTION_CHANNELS); offline ones are
    #: recorded by an admin (filed_by) on the objector's behalf.
    channel: Mapped[str] = mapped_column(String(12), default="online", server_default="online")
    #: The day it was received (offline) or filed (online).
    received_on: Mapped[date | None] = mapped_column(Date)
    #: Who raised an offline objection (name, contact) — admins only, never the branch.
    complainant: Mapped[str | None] = mapped_column(Text)
    #: open / upheld / rejected (OBJECTION_STATUSES).
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class YearCorrection(Base):
    """A correction (年度更正) after an upheld objection: the windows reopened back to
    the one holding the item in question, in one guided step, and re-closed in order
    (core.scoring.correction)."""

    __tablename__ = "year_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The year's Period.
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("objections.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    #: The earliest window to correct (a month, quarter or the year's key).
    from_key: Mapped[str] = mapped_column(String(10))
    #: Keys reopened, in the order they were reopened (the year first).
    reopened: Mapped[list] = mapped_column(JSON)
    #: What is to be corrected (the items), required.
    reason: Mapped[str] = mapped_column(Text)
    #: open / done (CORRECTION_STATUSES).
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
