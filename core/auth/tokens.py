"""Personal API tokens: issue, find, revoke (issue #14 item 4).

Decisions: a user may hold several tokens, each with a label, its creation and last
use shown on the profile page; each is revocable; changing or resetting the password
and deactivating the account revoke them all (a stolen token must not outlive the
credential that made it). Only a token's sha256 is stored."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit.service import record
from core.auth.models import ApiToken, User
from core.db import utcnow

TOKEN_PREFIX = "sb_"
#: How often last_used_at is written: a busy script must not write on every request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, label: str = "", *, actor=None) -> str:
    """Make a new token for `user`, keep only its hash, return it (shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_hash(token), label=(label or "").strip()[:60])
    session.add(row)
    session.flush()
    record(session, actor=actor or user, action="user.api_token", obj=user,
           new={"api_token": "issued", "token_id": row.id, "label": row.label})
    return token


def active_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int, *, actor) -> bool:
    """Revoke one of `user`'s tokens; False when it is not theirs or already revoked."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record(session, actor=actor, action="user.api_token_revoke", obj=user,
           old={"token_id": row.id, "label": row.label}, new={"api_token": "revoked"})
    return True


def revoke_all_tokens(session: Session, user: User) -> int:
    """Revoke every active token of `user` (password change/reset, deactivation)."""
    result = session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    return result.rowcount or 0


def user_for_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The active user holding this active token, or None; notes the token's last use."""
    if not token:
        return None
    row = session.execute(
        select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id).where(
            ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None),
            User.active.is_(True))).first()
    if row is None:
        return None
    user, api_token = row
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USE_RESOLUTION:
        api_token.last_used_at = now
        session.commit()
    return user, api_token
