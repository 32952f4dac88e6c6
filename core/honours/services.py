"""Writing the honours register: create, edit, delete, with evidence files and audit."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask_babel import gettext
from sqlalchemy.orm import Session

from core.audit.service import diff, record, snapshot
from core.honours.models import LEVELS, Honour
from core.ledger import storage

FIELDS = ("title", "level", "issuer", "awarded_on", "evidence_name", "note")


class HonourError(ValueError):
    """A refused honour change; the message is for the user."""


def _check(values: dict) -> None:
    if values.get("level") not in LEVELS:
        raise HonourError(gettext("级别无效。"))
    awarded = values.get("awarded_on")
    if not isinstance(awarded, date):
        raise HonourError(gettext("请填写授予日期。"))
    if awarded > date.today():
        raise HonourError(gettext("授予日期不能晚于今天。"))
    if not (values.get("title") or "").strip() or not (values.get("issuer") or "").strip():
        raise HonourError(gettext("请填写荣誉名称和颁发单位。"))


def save_evidence(upload_dir: str, filename: str, data: bytes, *, allowed: list[str], max_bytes: int
                  ) -> tuple[str, str]:
    """Check an evidence file as ledger attachments are checked (size, extension and
    content: a renamed SVG or HTML page is refused) and store it under a random name;
    returns (clean original name, stored name)."""
    try:
        checked = storage.check_upload(filename, data, max_bytes=max_bytes, extensions=allowed)
    except storage.UploadRefused as exc:
        raise HonourError(gettext("证明材料：%(why)s", why=str(exc))) from None
    stored = storage.new_stored_name(checked.extension)
    storage.write_file(Path(upload_dir) / "honours", stored, data)
    return checked.original_name, stored


def evidence_file(upload_dir: str, honour: Honour) -> Path | None:
    if not honour.evidence_path:
        return None
    path = Path(upload_dir) / "honours" / Path(honour.evidence_path).name
    return path if path.is_file() else None


def create_honour(session: Session, *, branch, actor, values: dict, evidence: tuple[str, str] | None = None) -> Honour:
    """Add an honour to `branch`. `evidence` = (original name, stored name)."""
    _check(values)
    honour = Honour(branch_id=branch.id, unit_id=branch.unit_id, title=values["title"].strip(),
                    level=values["level"], issuer=values["issuer"].strip(), awarded_on=values["awarded_on"],
                    note=(values.get("note") or "").strip() or None, created_by=getattr(actor, "id", None))
    if evidence:
        honour.evidence_name, honour.evidence_path = evidence
    session.add(honour)
    session.flush()
    record(session, actor=actor, action="honour.create", obj=honour, new=snapshot(honour, FIELDS))
    return honour


def update_honour(session: Session, honour: Honour, *, actor, values: dict, version: int | None,
                  evidence: tuple[str, str] | None = None) -> Honour:
    _check(values)
    if version is not None and version != honour.version:
        raise HonourError(gettext("该荣誉已被他人修改，请刷新页面后重试。"))
    old = snapshot(honour, FIELDS)
    honour.title, honour.level, honour.issuer = values["title"].strip(), values["level"], values["issuer"].strip()
    honour.awarded_on = values["awarded_on"]
    honour.note = (values.get("note") or "").strip() or None
    if evidence:
        honour.evidence_name, honour.evidence_path = evidence
    honour.version += 1
    o, n = diff(old, snapshot(honour, FIELDS))
    record(session, actor=actor, action="honour.update", obj=honour, old=o, new=n)
    return honour


def delete_honour(session: Session, honour: Honour, *, actor, reason: str | None = None) -> None:
    record(session, actor=actor, action="honour.delete", obj=honour, old=snapshot(honour, FIELDS), reason=reason)
    session.delete(honour)
