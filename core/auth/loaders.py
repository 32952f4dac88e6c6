"""Flask-Login loaders: the session cookie (id + nonce) and personal API tokens."""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from core.auth.models import User
from core.db import get_session


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_user_from_session(user_key: str):
    user_id, _, nonce = user_key.partition(":")
    if not user_id.isdigit():
        return None
    # Units load on first use (reviewers/viewers only): no second query on every page
    # of an admin or a secretary.
    user = get_session().get(User, int(user_id), options=[lazyload(User.units)])
    if user is None or not user.active or (user.session_nonce or "") != nonce:
        return None
    return user


def load_user_from_request(request):
    """`Authorization: Bearer <token>` on /api/ only: a token never opens the web forms."""
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header[len("Bearer "):].strip()
    if not token:
        return None
    return get_session().scalar(
        select(User).where(User.api_token_hash == token_hash(token), User.active.is_(True)))
