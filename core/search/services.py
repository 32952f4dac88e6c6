"""Search within scope, results grouped by kind. Plain functions over a session.

Decisions: a query of fewer than 1 character finds nothing; matching is a substring
match (case-insensitive for codes and usernames, after NFKC so full-width ＬＴ０２ finds
LT02); each kind returns at most `limit` hits plus the total, so a short query over
tens of thousands of branches stays one bounded query per kind. Members and branches
go through the scoping module; user accounts are listed for administrators only.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.auth.models import User
from core.auth.scoping import visible_branches, visible_members
from core.org.models import Branch, Member

MAX_QUERY = 60


@dataclass
class Hits:
    """One kind's results: the first `items` and how many there are in all."""

    items: list = field(default_factory=list)
    total: int = 0


@dataclass
class SearchResult:
    query: str
    branches: Hits = field(default_factory=Hits)
    members: Hits = field(default_factory=Hits)
    users: Hits = field(default_factory=Hits)

    @property
    def total(self) -> int:
        return self.branches.total + self.members.total + self.users.total


def normalise(text: str | None) -> str:
    return unicodedata.normalize("NFKC", (text or "")).strip()[:MAX_QUERY]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _hits(session: Session, stmt, limit: int) -> Hits:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return Hits(list(session.execute(stmt.limit(limit)).all()), total or 0)


def search(session: Session, user, query: str, *, limit: int = 20) -> SearchResult:
    q = normalise(query)
    result = SearchResult(q)
    if not q:
        return result
    pattern = _like(q)
    result.branches = _hits(session, visible_branches(user).with_only_columns(Branch).where(
        or_(Branch.name.like(pattern, escape="\\"), func.lower(Branch.code).like(pattern.lower(), escape="\\")))
        .order_by(Branch.code), limit)
    result.members = _hits(session, visible_members(user).with_only_columns(Member, Branch)
                           .join(Branch, Branch.id == Member.branch_id)
                           .where(Member.name.like(pattern, escape="\\")).order_by(Member.name, Member.id), limit)
    if user.role == "admin":
        result.users = _hits(session, select(User).where(or_(
            User.display_name.like(pattern, escape="\\"),
            func.lower(User.username).like(pattern.lower(), escape="\\"))).order_by(User.username), limit)
    return result
