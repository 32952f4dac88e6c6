"""Organisation models: nodes of the tree, branches (党支部) and members (党员)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, utcnow

#: The five branch categories (支部类别), code → Chinese label.
CATEGORIES = {
    "production": "生产类",
    "auxiliary": "辅助类",
    "management": "综合管理类",
    "market": "市场经营类",
    "nonpublic": "非公改制类",
}

#: Kinds of organisation node above the branch.
NODE_KINDS = {
    "group": "集团党委",
    "unit": "二级单位党委",
    "general_branch": "党总支",
}

MEMBER_STATUSES = {"full": "正式党员", "probationary": "预备党员"}
GENDERS = {"male": "男", "female": "女"}


class OrgNode(Base):
    """A Party organisation above the branch: the group committee (集团党委), a
    subsidiary unit's committee (二级单位党委) or a general branch (党总支). Any depth."""

    __tablename__ = "org_nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short code used in imports and URLs, e.g. "GT01".
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: group / unit / general_branch — see NODE_KINDS.
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: The subsidiary unit this node belongs to (itself for a unit, None for the group):
    #: scoping and per-unit plugin enabling read this, never walk the tree.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Optimistic-lock counter, bumped on every edit.
    version: Mapped[int] = mapped_column(Integer, default=1)

    parent: Mapped[OrgNode | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def kind_label(self) -> str:
        return NODE_KINDS.get(self.kind, self.kind)

    def __repr__(self):
        return f"<OrgNode {self.code} {self.kind}>"


class Branch(Base):
    """A Party branch (党支部): the unit that is rated."""

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used in imports, exports and tie-breaks of rankings.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: One of CATEGORIES.
    category: Mapped[str] = mapped_column(String(20), index=True)
    #: Direct parent in the tree: a unit or a general branch.
    parent_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: The subsidiary unit (denormalised from the parent) for scoping and plugins.
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: Name of the secretary (支部书记) as printed; the login is a User with this branch.
    secretary_name: Mapped[str | None] = mapped_column(String(60))
    #: Founding date (成立日期): obligations (the 台账检查清单) start here, not at the
    #: row's creation time. None = unknown: created_at stands in for it.
    founded_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    parent: Mapped[OrgNode] = relationship(foreign_keys=[parent_id])
    unit: Mapped[OrgNode] = relationship(foreign_keys=[unit_id])

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    def __repr__(self):
        return f"<Branch {self.code}>"


class Member(Base):
    """A Party member (党员) of a branch. No national ID numbers are stored."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Member number (党员编号): the member's identity in imports and exports. Typed by
    #: the user or generated (DY + 8 digits) when a member is added without one.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    #: male / female
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date | None] = mapped_column(Date)
    #: Date joined the Party (入党日期).
    joined_on: Mapped[date | None] = mapped_column(Date)
    #: full (正式) / probationary (预备): counted apart for a meeting's quorum.
    status: Mapped[str] = mapped_column(String(20), default="full")
    post: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    branch: Mapped[Branch] = relationship()

    @property
    def status_label(self) -> str:
        return MEMBER_STATUSES.get(self.status, self.status)

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender, self.gender)


#: Generated member numbers: this prefix and a zero-padded counter (8 digits).
NUMBER_PREFIX = "DY"


def next_member_numbers(session, n: int) -> list[str]:
    """`n` fresh generated member numbers, after the largest one in use (one query)."""
    from sqlalchemy import func, select
    top = session.scalar(select(func.max(Member.number)).where(
        Member.number.like(NUMBER_PREFIX + "%"), func.length(Member.number) == len(NUMBER_PREFIX) + 8))
    start = int(top[len(NUMBER_PREFIX):]) + 1 if top and top[len(NUMBER_PREFIX):].isdigit() else 1
    return [f"{NUMBER_PREFIX}{i:08d}" for i in range(start, start + n)]


@event.listens_for(Session, "before_flush")
def _number_new_members(session, _context, _instances):
    """Every member added through the ORM without a number gets a generated one."""
    new = [obj for obj in session.new if isinstance(obj, Member) and not obj.number]
    if new:
        with session.no_autoflush:
            for member, number in zip(new, next_member_numbers(session, len(new))):
                member.number = number


class MemberTransfer(Base):
    """A member's move between branches (组织关系转接); history is kept, never rewritten."""

    __tablename__ = "member_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    from_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    to_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    transferred_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
