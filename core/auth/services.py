"""Login checks, rate limiting, session rotation and API tokens (plain functions)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from core.audit.service import record
from core.auth.directory import DIRECTORY_PASSWORD, Directory, DirectoryAnswer
from core.auth.models import LoginFailure, User
from core.db import utcnow


class LoginRefused(Exception):
    """Login refused; the message is for the user (never says which part was wrong)."""


#: Seconds the first refused attempt waits once a (username, address) pair has reached
#: the failure limit; each further failure doubles it, up to the lock window.
BACKOFF_BASE_SECONDS = 30
_DUMMY_HASH: list[str] = []


def _dummy_check(password: str) -> None:
    """Check a password against a throw-away hash: an unknown username costs the same
    work as a known one, so timing does not tell which usernames exist."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(16), method="scrypt"))
    check_password_hash(_DUMMY_HASH[0], password)


def wait_seconds(failures: int, last_failure, now, *, max_failures: int, lock_minutes: int) -> int:
    """How long a (username, address) pair must still wait before its next attempt.

    Throttling is per pair, not per account: a stranger guessing the admin's password
    slows himself down but cannot lock the admin out from her own desk (issue #14)."""
    if failures < max_failures or last_failure is None:
        return 0
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (failures - max_failures), lock_minutes * 60)
    remaining = delay - int((now - last_failure).total_seconds())
    return max(remaining, 0)


def authenticate(session: Session, username: str, password: str, *, remote_addr=None,
                 max_failures=5, lock_minutes=15, directory: Directory | None = None) -> User:
    """The account for this username and password, or LoginRefused. With a directory
    (LDAP) configured, a username it knows is checked there; others, and everyone while
    it cannot be reached, by the local password (core.auth.directory)."""
    now = utcnow()
    since = now - timedelta(minutes=lock_minutes)
    pair = (LoginFailure.username == username, LoginFailure.remote_addr == remote_addr,
            LoginFailure.at >= since)
    failures, last_failure = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(*pair)).one()
    wait = wait_seconds(failures, last_failure, now, max_failures=max_failures, lock_minutes=lock_minutes)
    if wait:
        raise LoginRefused(gettext("登录失败次数过多，请 %(n)s 秒后再试。", n=wait))
    user = session.scalar(select(User).where(User.username == username))
    answer = directory.check(username, password) if directory is not None else None
    if answer is DirectoryAnswer.OK:
        if user is None:
            _refuse(session, username, remote_addr, now, gettext(
                "目录（LDAP）密码正确，但本平台尚未为该用户开通账号：请管理员先创建同名账号并设定角色和范围。"))
        if not user.active:
            _refuse(session, username, remote_addr, now, gettext("用户名或密码错误。"))
        # The directory owns this person's password from now on: no local second key.
        user.password_hash = DIRECTORY_PASSWORD
        user.must_change_password = False
    elif answer is DirectoryAnswer.WRONG_PASSWORD:
        _refuse(session, username, remote_addr, now, gettext("用户名或密码错误。"))
    else:
        if user is None:
            _dummy_check(password)
        if user is None or not user.active or not user.check_password(password):
            _refuse(session, username, remote_addr, now, gettext(
                "目录服务（LDAP）暂时无法连接，无法核对密码，请稍后再试；仍无法登录请联系管理员。")
                if answer is DirectoryAnswer.UNREACHABLE else gettext("用户名或密码错误。"))
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    rotate_session(user)
    session.commit()
    return user


def _refuse(session: Session, username: str, remote_addr, now, message: str):
    """Count the failure for the (username, address) pair, then refuse with `message`."""
    session.add(LoginFailure(username=username, remote_addr=remote_addr, at=now))
    session.commit()
    raise LoginRefused(message)


def rotate_session(user: User) -> None:
    """A new nonce: every cookie issued before stops working (login and logout)."""
    user.session_nonce = secrets.token_hex(8)


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


class PasswordRefused(ValueError):
    """The password change is refused; `field` names the form field to mark."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    """A user replaces her own password: the current one is required, and every other
    session and API token of hers ends (the caller logs this browser in again)."""
    from core.auth.tokens import revoke_all_tokens

    if user.password_hash == DIRECTORY_PASSWORD:
        raise PasswordRefused(gettext("您的密码由集团目录（LDAP）管理，请在目录中修改。"), "current")
    if not user.check_password(current or ""):
        raise PasswordRefused(gettext("当前密码不正确。"), "current")
    if current == new:
        raise PasswordRefused(gettext("新密码不能与当前密码相同。"), "password")
    user.set_password(new)
    user.must_change_password = False
    user.version = (user.version or 0) + 1
    rotate_session(user)
    revoked = revoke_all_tokens(session, user)
    record(session, actor=user, action="user.change_password", obj=user,
           new={"password": "changed", "api_tokens_revoked": revoked})


def one_time_password() -> str:
    """A readable one-time password for an administrator's reset (no 0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
