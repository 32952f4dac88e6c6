"""Login checks, rate limiting, session rotation and API tokens (plain functions)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.audit.service import record
from core.auth.loaders import token_hash
from core.auth.models import LoginFailure, User
from core.db import utcnow


class LoginRefused(Exception):
    """Login refused; the message is for the user (never says which part was wrong)."""


def authenticate(session: Session, username: str, password: str, *, remote_addr=None,
                 max_failures=5, lock_minutes=15) -> User:
    since = utcnow() - timedelta(minutes=lock_minutes)
    failures = session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.username == username, LoginFailure.at >= since))
    if failures >= max_failures:
        raise LoginRefused(gettext("登录失败次数过多，请 %(n)s 分钟后再试。", n=lock_minutes))
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        session.add(LoginFailure(username=username, remote_addr=remote_addr))
        session.commit()
        raise LoginRefused(gettext("用户名或密码错误。"))
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    rotate_session(user)
    session.commit()
    return user


def rotate_session(user: User) -> None:
    """A new nonce: every cookie issued before stops working (login and logout)."""
    user.session_nonce = secrets.token_hex(8)


def issue_api_token(session: Session, user: User) -> str:
    """Make a new personal API token, keep only its hash, return it (shown once)."""
    token = "sb_" + secrets.token_urlsafe(32)
    user.api_token_hash = token_hash(token)
    record(session, actor=user, action="user.api_token", obj=user, new={"api_token": "issued"})
    return token


def create_user(session: Session, *, username, display_name, password, role, branch_id=None,
                unit_ids=(), actor=None, locale="zh_CN") -> User:
    from core.auth.models import UserUnit

    user = User(username=username, display_name=display_name, role=role, branch_id=branch_id,
                locale=locale)
    user.set_password(password)
    user.units = [UserUnit(unit_id=u) for u in unit_ids]
    session.add(user)
    session.flush()
    record(session, actor=actor, action="user.create", obj=user,
           new={"username": username, "role": role, "branch_id": branch_id, "unit_ids": sorted(unit_ids)})
    return user
