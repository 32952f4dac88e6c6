"""Flask-Login loaders: the session cookie (id + nonce) and personal API tokens."""
from __future__ import annotations

from flask import g
from sqlalchemy.orm import lazyload

from core.auth.models import User
from core.auth.tokens import user_for_token
from core.db import get_session


def load_user_from_session(user_key: str):
    user_id, _, nonce = user_key.partition(":")
    if not user_id.isdigit() or not nonce:
        # Every session carries its user's nonce; a cookie without one is refused, so a
        # forged cookie for a user who never logged in (no nonce yet) opens nothing.
        return None
    # Units load on first use (reviewers/viewers only): no second query on every page
    # of an admin or a secretary.
    user = get_session().get(User, int(user_id), options=[lazyload(User.units)])
    if user is None or not user.active or not user.session_nonce or user.session_nonce != nonce:
        return None
    return user


def load_user_from_request(request):
    """`Authorization: Bearer <token>` on /api/ only: a token never opens the web forms."""
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    found = user_for_token(get_session(), header[len("Bearer "):].strip())
    if found is None:
        return None
    user, api_token = found
    g.api_token_id = api_token.id
    return user


def authenticated_by_token() -> bool:
    """True when the current request's user came from a bearer token (not a session)."""
    return g.get("api_token_id") is not None
