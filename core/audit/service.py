"""The one audit function. Call it in the same transaction as the change."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from core.audit.models import AuditEntry


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj, fields) -> dict:
    """The named attributes of obj as JSON-able values."""
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(old: dict, new: dict) -> tuple[dict, dict]:
    """Keep only the keys whose values differ."""
    keys = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def record(session: Session, *, actor, action: str, obj=None, object_type: str | None = None,
           object_id=None, old: dict | None = None, new: dict | None = None,
           reason: str | None = None, unit_id: int | None = None) -> AuditEntry:
    """Add an audit entry for a change. `actor` is a User or None (system)."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        if unit_id is None:
            unit_id = getattr(obj, "unit_id", None)
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or "",
        object_id=None if object_id is None else str(object_id),
        old={k: _plain(v) for k, v in (old or {}).items()} or None,
        new={k: _plain(v) for k, v in (new or {}).items()} or None,
        reason=reason,
        unit_id=unit_id,
    )
    session.add(entry)
    return entry


def record_many(session: Session, entries: list[dict]) -> None:
    """Many audit entries in one INSERT (an import's 100,000 changed rows): each dict
    holds record()'s keyword arguments actor, action, object_type, object_id, old, new,
    reason, unit_id."""
    from sqlalchemy import insert

    if not entries:
        return
    session.execute(insert(AuditEntry), [{
        "user_id": getattr(e.get("actor"), "id", None), "action": e["action"], "object_type": e.get("object_type") or "",
        "object_id": None if e.get("object_id") is None else str(e["object_id"]),
        "old": {k: _plain(v) for k, v in (e.get("old") or {}).items()} or None,
        "new": {k: _plain(v) for k, v in (e.get("new") or {}).items()} or None,
        "reason": e.get("reason"), "unit_id": e.get("unit_id")} for e in entries])
