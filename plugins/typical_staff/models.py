"""Models of the 最美一线员工 campaigns: a campaign with its deed categories and quotas,
declarations with their files and review steps, objections to the public notice, and
the publicity and 学习宣传 records after selection."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugins.typical_staff._core import Base, utcnow

PLUGIN = "typical_staff"

#: Campaign states, in order.
CAMPAIGN_STATUSES = {"draft": "筹备中", "open": "申报评审中", "notice": "公示中", "selected": "已评选"}

#: The deed categories a new campaign starts with (editable per campaign).
DEFAULT_CATEGORIES = ("爱岗敬业", "帮扶救助", "诚信守约", "见义勇为", "孝老爱亲")

#: Declaration states. submitted → (unit) recommended / returned / unit_rejected;
#: recommended → (group) shortlisted / returned / group_rejected; shortlisted → selected,
#: or withdrawn when an objection is upheld; returned → submitted again when corrected.
DECLARATION_STATUSES = {
    "submitted": "待单位审核",
    "returned": "退回修改",
    "unit_rejected": "单位未推荐",
    "recommended": "已推荐，待集团审核",
    "group_rejected": "集团未通过",
    "shortlisted": "入围公示",
    "withdrawn": "异议成立，已撤销",
    "selected": "当选",
}
#: Declarations counting against the unit's declaration quota.
COUNTED_DECLARED = ("submitted", "returned", "recommended", "shortlisted", "selected")
#: Declarations counting against the unit's recommendation quota (forwarded to the group).
COUNTED_RECOMMENDED = ("recommended", "shortlisted", "selected")
#: Declarations counting against the group's quota (the shortlist).
COUNTED_SHORTLISTED = ("shortlisted", "selected")

REVIEW_LEVELS = {"unit": "单位党委审核", "group": "集团审核"}
REVIEW_DECISIONS = {"approve": "通过", "return": "退回修改", "reject": "不通过"}
OBJECTION_STATUSES = {"open": "调查中", "upheld": "异议成立", "dismissed": "异议不成立"}
FILE_KINDS = {"photo": "照片", "evidence": "事迹证明材料"}
GENDERS = {"male": "男", "female": "女"}
#: Publicity channels (宣传渠道).
CHANNELS = {
    "intranet": "内网",
    "tv": "电视",
    "newspaper": "报纸",
    "weibo": "微博",
    "wechat": "微信",
    "moral_lecture": "道德大讲堂",
    "pictorial": "电子画报",
}


class Campaign(Base):
    """A 最美一线员工 campaign (评选活动): one year or batch, opened by the organisers."""

    __tablename__ = "ts_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    #: The year (or batch year) it selects for.
    year: Mapped[int] = mapped_column(Integer, index=True)
    #: The selection criteria (评选条件) as published.
    criteria: Mapped[str] = mapped_column(Text, default="")
    #: draft / open / notice / selected — see CAMPAIGN_STATUSES.
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: Last day declarations may be made or corrected.
    declaration_deadline: Mapped[date] = mapped_column(Date)
    #: Last day of the unit committees' review.
    unit_review_deadline: Mapped[date] = mapped_column(Date)
    #: Last day of the group's review.
    group_review_deadline: Mapped[date] = mapped_column(Date)
    #: Planned first day of the public notice (the first working day on or after it).
    notice_start: Mapped[date] = mapped_column(Date)
    #: Length of the public notice in working days (公示期).
    notice_days: Mapped[int] = mapped_column(Integer, default=5)
    #: How many the group may shortlist (the honours of the campaign).
    group_quota: Mapped[int] = mapped_column(Integer, default=10)
    #: Actual first and last day of the notice, fixed when it is published.
    notice_first: Mapped[date | None] = mapped_column(Date)
    notice_last: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    selected_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    categories: Mapped[list[DeedCategory]] = relationship(order_by="DeedCategory.sort_order",
                                                          cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return CAMPAIGN_STATUSES.get(self.status, self.status)


class DeedCategory(Base):
    """A deed category (事迹类别) of one campaign, e.g. 爱岗敬业."""

    __tablename__ = "ts_deed_categories"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ts_campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class UnitQuota(Base):
    """A unit's quotas in one campaign: how many it may declare and recommend to the group."""

    __tablename__ = "ts_unit_quotas"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ts_campaigns.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: Declarations the unit's branches may have in the campaign (申报名额).
    declare_quota: Mapped[int] = mapped_column(Integer, default=0)
    #: Declarations the unit committee may recommend to the group (推荐名额).
    recommend_quota: Mapped[int] = mapped_column(Integer, default=0)


class Declaration(Base):
    """A declared candidate (基层申报): a frontline employee, linked to a member record or
    entered as a person, with the deed and the review outcome."""

    __tablename__ = "ts_declarations"
    #: One candidate once per campaign (candidate_key: m:<member id> or p:<unit id>:<name>).
    __table_args__ = (UniqueConstraint("campaign_id", "candidate_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ts_campaigns.id"), index=True)
    #: The declaring unit (scoping, quotas, enabling).
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: The declaring branch; None when the unit committee declares directly.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    #: The member record when the candidate is a Party member of the branch.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    #: Identity of the candidate within the campaign (see __table_args__).
    candidate_key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(10))
    #: Post (岗位), e.g. 高炉炉前工.
    post: Mapped[str] = mapped_column(String(60))
    #: Years on the front line (一线工作年限).
    frontline_years: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(ForeignKey("ts_deed_categories.id"))
    #: The written deed (主要事迹).
    deed: Mapped[str] = mapped_column(Text)
    #: Recommenders (推荐人), as written.
    recommenders: Mapped[str] = mapped_column(String(200))
    #: See DECLARATION_STATUSES.
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship()
    category: Mapped[DeedCategory] = relationship()
    files: Mapped[list[DeclarationFile]] = relationship(order_by="DeclarationFile.id", cascade="all, delete-orphan")
    reviews: Mapped[list[Review]] = relationship(order_by="Review.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return DECLARATION_STATUSES.get(self.status, self.status)

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender, self.gender)

    @property
    def photo(self) -> DeclarationFile | None:
        return next((f for f in self.files if f.kind == "photo"), None)


class DeclarationFile(Base):
    """A photo or an evidence file of a declaration, stored like ledger attachments."""

    __tablename__ = "ts_declaration_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("ts_declarations.id"), index=True)
    #: photo / evidence — see FILE_KINDS.
    kind: Mapped[str] = mapped_column(String(20))
    original_name: Mapped[str] = mapped_column(String(200))
    #: Random name under the upload directory's typical_staff/ folder.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Review(Base):
    """One review decision on a declaration, at the unit or the group level."""

    __tablename__ = "ts_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("ts_declarations.id"), index=True)
    #: unit / group — see REVIEW_LEVELS.
    level: Mapped[str] = mapped_column(String(10))
    #: approve / return / reject — see REVIEW_DECISIONS.
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def level_label(self) -> str:
        return REVIEW_LEVELS.get(self.level, self.level)

    @property
    def decision_label(self) -> str:
        return REVIEW_DECISIONS.get(self.decision, self.decision)


class Objection(Base):
    """An objection (异议) to a shortlisted candidate during the notice. The filer is known
    to the organisers and never shown to the candidate's side."""

    __tablename__ = "ts_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("ts_declarations.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ts_campaigns.id"), index=True)
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: open / upheld / dismissed — see OBJECTION_STATUSES.
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    #: The investigation's finding.
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    declaration: Mapped[Declaration] = relationship()

    @property
    def status_label(self) -> str:
        return OBJECTION_STATUSES.get(self.status, self.status)


class PublicityRecord(Base):
    """A publicity item (宣传报道) after selection: channel, date and link or reference."""

    __tablename__ = "ts_publicity"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ts_campaigns.id"), index=True)
    #: The employee it is about; None for the whole list.
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("ts_declarations.id"))
    #: See CHANNELS.
    channel: Mapped[str] = mapped_column(String(20))
    published_on: Mapped[date] = mapped_column(Date)
    #: A link (https://…) or a reference (报纸版面、期号).
    reference: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    declaration: Mapped[Declaration | None] = relationship()

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)


class StudyRecord(Base):
    """A unit's 学习宣传 follow-up: an activity learning from the selected models."""

    __tablename__ = "ts_study_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ts_campaigns.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: How many took part.
    participants: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
