"""Creating and reading notifications. Plain functions; the caller commits.

Idempotent by design: `notify` skips (user, event_key) pairs that already exist, so a
reminder job run twice, or re-run after a worker died, creates nothing twice."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.notifications.models import Notification


@dataclass(frozen=True)
class Message:
    """A notification to create for each user in `user_ids`."""

    user_ids: tuple[int, ...]
    kind: str
    event_key: str
    title: str
    body: str = ""
    url: str | None = None


def notify(session: Session, messages) -> int:
    """Create the messages' notifications that do not exist yet; returns how many."""
    messages = list(messages)
    keys = {m.event_key for m in messages}
    if not keys:
        return 0
    existing = set(session.execute(select(Notification.user_id, Notification.event_key)
                                   .where(Notification.event_key.in_(keys))).all())
    rows = []
    for m in messages:
        for user_id in sorted(set(m.user_ids)):
            if (user_id, m.event_key) in existing:
                continue
            rows.append({"user_id": user_id, "kind": m.kind, "event_key": m.event_key, "title": m.title,
                         "body": m.body, "url": m.url, "created_at": utcnow()})
            existing.add((user_id, m.event_key))
    if rows:  # one executemany: a notice to hundreds of branches is one statement, not hundreds
        session.execute(insert(Notification), rows)
    return len(rows)


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def user_notifications(user_id: int):
    """The select of a user's notifications, newest first (for a paginated list)."""
    return (select(Notification).where(Notification.user_id == user_id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc()))


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of the user read."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=utcnow())).rowcount or 0
