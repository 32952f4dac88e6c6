"""Users and roles (组织部 admin, 二级单位党委 reviewer, 支部书记 secretary, viewer)."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.auth.directory import DIRECTORY_PASSWORD
from core.db import Base, utcnow

ROLES = {
    "admin": "组织部管理员",
    "reviewer": "二级单位党委审核员",
    "secretary": "支部书记",
    "viewer": "只读查看",
}


class User(UserMixin, Base):
    """A login. Its role and its units/branch decide everything it may see."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(256))
    #: One of ROLES.
    role: Mapped[str] = mapped_column(String(20))
    #: The branch of a secretary; None for other roles.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    #: zh_CN (default) or en.
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Rotated on login and logout so an old session cookie stops working.
    session_nonce: Mapped[str | None] = mapped_column(String(32))
    #: Set by an administrator's password reset: the one-time password must be
    #: replaced before anything else can be done.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    units: Mapped[list[UserUnit]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def password_in_directory(self) -> bool:
        """Logs in with the group directory's password (core.auth.directory), none here."""
        return self.password_hash == DIRECTORY_PASSWORD

    def get_id(self) -> str:
        # Flask-Login keeps this in the session: id plus nonce, so rotating the nonce
        # invalidates every older session of this user.
        return f"{self.id}:{self.session_nonce or ''}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def unit_ids(self) -> set[int]:
        return {uu.unit_id for uu in self.units}

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class UserUnit(Base):
    """A subsidiary unit a reviewer or viewer is responsible for."""

    __tablename__ = "user_units"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id"), index=True)


class LoginFailure(Base):
    """One failed login, kept to rate-limit guessing per username."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class ApiToken(Base):
    """A personal API token (个人令牌) for the read-only API and the push endpoints.

    Only the token's sha256 is kept; the token itself is shown once. A user may hold
    several (one per script or upstream system); each can be revoked, and all of them
    are revoked when the password is changed or reset or the account is deactivated."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: sha256 hex of the token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: What the user called it ("MES 推送", "报表脚本").
    label: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: Last request authenticated with it (updated at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Set when revoked; a revoked token never authenticates again.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
