"""Write paths of the electronic ledger (电子台账): activity records with attendance,
appraisal results and attachments, and bonus/deduction/veto records.

Every function takes a session, checks the period lock of every date it touches
(`ensure_open`) BEFORE changing anything, writes an audit entry, and leaves the commit
to the caller. Errors are `LedgerError` / `PeriodLocked` with a message for the user."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit.service import diff, record as audit, snapshot
from core.db import utcnow
from core.ledger import storage
from core.ledger.models import (ACTIVITY_TYPES, APPRAISAL_RESULTS, POINT_KINDS, ActivityRecord,
                                AppraisalResult, Attachment, AttendanceEntry, PointRecord)
from core.org.models import Branch, Member
from core.periods.locks import ensure_open
from core.points import to_points

RECORD_FIELDS = ("type", "held_on", "topic", "location", "minutes", "expected_full", "present_full",
                 "expected_probationary", "present_probationary", "valid")
POINT_FIELDS = ("kind", "points", "dated", "reason", "indicator_code")


class LedgerError(ValueError):
    """Bad input for the ledger; the message is for the user."""


@dataclass(frozen=True)
class Presence:
    """One row of an attendance sheet as entered."""

    member_id: int
    present: bool
    absence_reason: str | None = None


def has_quorum(record_type: str, expected_full: int, present_full: int) -> bool:
    """A 支部党员大会 counts only when the full members present exceed half of the
    full members who should attend (present × 2 > expected). With nobody expected
    there is no quorum. Other activities have no quorum rule."""
    if record_type != "member_meeting":
        return True
    return expected_full > 0 and present_full * 2 > expected_full


def roster(session: Session, branch: Branch, record: ActivityRecord | None = None) -> list[Member]:
    """Members listed on an attendance sheet: the branch's active members, plus the
    members already on the record's sheet (who may have left since)."""
    stmt = select(Member).where(Member.branch_id == branch.id, Member.active.is_(True))
    members = {m.id: m for m in session.scalars(stmt)}
    if record is not None and record.id is not None:
        ids = [e.member_id for e in record.attendance] + [a.member_id for a in appraisal_results(session, record)]
        missing = [i for i in ids if i not in members]
        if missing:
            members.update({m.id: m for m in session.scalars(select(Member).where(Member.id.in_(missing)))})
    return sorted(members.values(), key=lambda m: (m.status != "full", m.name, m.id))


def _validate_record(data: dict) -> dict:
    clean = {}
    rtype = data.get("type")
    if rtype not in ACTIVITY_TYPES:
        raise LedgerError(gettext("请选择活动类型。"))
    clean["type"] = rtype
    held_on = data.get("held_on")
    if not isinstance(held_on, date):
        raise LedgerError(gettext("请填写召开日期。"))
    if held_on > date.today():
        raise LedgerError(gettext("召开日期不能晚于今天。"))
    clean["held_on"] = held_on
    topic = (data.get("topic") or "").strip()
    if not topic:
        raise LedgerError(gettext("请填写主题。"))
    if len(topic) > 200:
        raise LedgerError(gettext("主题最多 200 个字符。"))
    clean["topic"] = topic
    clean["location"] = (data.get("location") or "").strip()[:120] or None
    clean["minutes"] = (data.get("minutes") or "").strip() or None
    return clean


def _apply_attendance(session: Session, record: ActivityRecord, members: dict[int, Member],
                      presence: list[Presence]) -> None:
    """Replace the record's attendance sheet and recompute counts and validity."""
    seen = set()
    for p in presence:
        if p.member_id not in members:
            raise LedgerError(gettext("考勤名单中有不属于本支部的党员。"))
        if p.member_id in seen:
            raise LedgerError(gettext("考勤名单中有重复的党员。"))
        seen.add(p.member_id)
        if not p.present and not (p.absence_reason or "").strip():
            raise LedgerError(gettext("请填写%(name)s的缺席原因。", name=members[p.member_id].name))
    existing = {e.member_id: e for e in record.attendance}
    for member_id, entry in list(existing.items()):
        if member_id not in seen:
            record.attendance.remove(entry)
    for p in presence:
        entry = existing.get(p.member_id)
        if entry is None:
            entry = AttendanceEntry(member_id=p.member_id, member_status=members[p.member_id].status)
            record.attendance.append(entry)
        entry.present = p.present
        entry.absence_reason = None if p.present else p.absence_reason.strip()[:200]
    counts = {"full": [0, 0], "probationary": [0, 0]}
    for entry in record.attendance:
        bucket = counts.setdefault(entry.member_status, [0, 0])
        bucket[0] += 1
        bucket[1] += 1 if entry.present else 0
    record.expected_full, record.present_full = counts["full"]
    record.expected_probationary, record.present_probationary = counts["probationary"]
    record.valid = has_quorum(record.type, record.expected_full, record.present_full)


def save_record(session: Session, *, branch: Branch, actor, data: dict, presence: list[Presence],
                record: ActivityRecord | None = None, expected_version: int | None = None) -> ActivityRecord:
    """Create (record=None) or edit an activity record with its attendance sheet.

    Refused when the new date, or for an edit the old date, lies in a locked period;
    when the form carries an older version than the record (someone saved meanwhile)."""
    clean = _validate_record(data)
    ensure_open(session, clean["held_on"])
    if record is not None:
        ensure_open(session, record.held_on)
        if expected_version is not None and expected_version != record.version:
            raise LedgerError(gettext("该记录已被他人修改，请刷新页面后重新编辑（您的修改未保存）。"))
    members = {m.id: m for m in roster(session, branch, record)}
    if record is None:
        record = ActivityRecord(branch_id=branch.id, unit_id=branch.unit_id, created_by=getattr(actor, "id", None),
                                uploaded_at=utcnow(), version=1, **clean)
        session.add(record)
        _apply_attendance(session, record, members, presence)
        session.flush()
        audit(session, actor=actor, action="ledger.record.create", obj=record, new=snapshot(record, RECORD_FIELDS))
        return record
    old = snapshot(record, RECORD_FIELDS)
    old_sheet = _sheet(record)
    for key, value in clean.items():
        setattr(record, key, value)
    _apply_attendance(session, record, members, presence)
    record.version = (record.version or 1) + 1
    session.flush()
    before, after = diff(old, snapshot(record, RECORD_FIELDS))
    new_sheet = _sheet(record)
    if new_sheet != old_sheet:
        before["attendance"], after["attendance"] = old_sheet, new_sheet
    audit(session, actor=actor, action="ledger.record.update", obj=record, old=before, new=after)
    return record


def _sheet(record: ActivityRecord) -> dict:
    return {str(e.member_id): ("到" if e.present else f"缺：{e.absence_reason or ''}")
            for e in sorted(record.attendance, key=lambda e: e.member_id)}


def delete_record(session: Session, *, record: ActivityRecord, actor, upload_dir) -> None:
    """Delete a record with its sheet, results and attachment files."""
    ensure_open(session, record.held_on)
    stored = [a.stored_name for a in record.attachments]
    session.execute(delete(AppraisalResult).where(AppraisalResult.record_id == record.id))
    audit(session, actor=actor, action="ledger.record.delete", obj=record, old=snapshot(record, RECORD_FIELDS))
    session.delete(record)
    session.flush()
    for name in stored:  # files go only once the rows are gone; a failure leaves orphans, not holes
        storage.remove_file(upload_dir, name)


def appraisal_results(session: Session, record: ActivityRecord) -> list[AppraisalResult]:
    if record.id is None:
        return []
    return list(session.scalars(select(AppraisalResult).where(AppraisalResult.record_id == record.id)
                                .order_by(AppraisalResult.member_id)))


def save_appraisal(session: Session, *, record: ActivityRecord, branch: Branch, actor,
                   results: dict[int, str]) -> None:
    """Set each member's 民主评议 result (优秀/合格/基本合格/不合格) on an appraisal record.
    Members left blank have no result. Replaces the previous results."""
    if record.type != "appraisal":
        raise LedgerError(gettext("只有“民主评议党员”记录可以录入评议结果。"))
    ensure_open(session, record.held_on)
    allowed = {m.id for m in roster(session, branch, record)}
    for member_id, result in results.items():
        if member_id not in allowed:
            raise LedgerError(gettext("评议名单中有不属于本支部的党员。"))
        if result not in APPRAISAL_RESULTS:
            raise LedgerError(gettext("评议结果无效，应为：优秀、合格、基本合格、不合格。"))
    existing = {r.member_id: r for r in appraisal_results(session, record)}
    old = {str(k): v.result for k, v in existing.items()}
    for member_id, row in existing.items():
        if member_id not in results:
            session.delete(row)
    for member_id, result in results.items():
        row = existing.get(member_id)
        if row is None:
            session.add(AppraisalResult(record_id=record.id, member_id=member_id, result=result))
        else:
            row.result = result
    session.flush()
    new = {str(k): v for k, v in sorted(results.items())}
    audit(session, actor=actor, action="ledger.appraisal.update", obj=record, old={"results": old},
          new={"results": new})


def add_attachment(session: Session, *, record: ActivityRecord, actor, filename: str, data: bytes,
                   upload_dir, max_bytes: int, extensions) -> Attachment:
    """Check and store one file for a record. Nothing is written when refused."""
    ensure_open(session, record.held_on)
    checked = storage.check_upload(filename, data, max_bytes=max_bytes, extensions=extensions)
    stored_name = storage.new_stored_name(checked.extension)
    att = Attachment(record_id=record.id, original_name=checked.original_name, stored_name=stored_name,
                     content_type=checked.content_type, size=checked.size, uploaded_at=utcnow(),
                     uploaded_by=getattr(actor, "id", None))
    session.add(att)
    session.flush()
    audit(session, actor=actor, action="ledger.attachment.add", obj=att, unit_id=record.unit_id,
          new={"record_id": record.id, "name": checked.original_name, "size": checked.size})
    storage.write_file(upload_dir, stored_name, data)
    return att


def delete_attachment(session: Session, *, attachment: Attachment, record: ActivityRecord, actor, upload_dir) -> None:
    ensure_open(session, record.held_on)
    audit(session, actor=actor, action="ledger.attachment.delete", obj=attachment, unit_id=record.unit_id,
          old={"record_id": record.id, "name": attachment.original_name})
    session.delete(attachment)
    session.flush()
    storage.remove_file(upload_dir, attachment.stored_name)


def parse_points(text) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise LedgerError(gettext("分值应为数字，如 2 或 0.5。")) from None
    if not value.is_finite():
        raise LedgerError(gettext("分值应为数字，如 2 或 0.5。"))
    return value


def add_point_record(session: Session, *, branch: Branch, actor, kind: str, points, dated: date,
                     reason: str, indicator_code: str | None = None) -> PointRecord:
    """A bonus (加分), deduction (扣分) or veto (否决) with its mandatory reason.
    A veto carries 0 points; bonus and deduction need a positive value (≤ 100). The
    indicator code, if any, must be a deduction/veto item of the year's rule set
    (core.ledger.point_catalogue); the cap warning is the view's, before this call."""
    if kind not in POINT_KINDS:
        raise LedgerError(gettext("请选择类型：加分、扣分或否决。"))
    if not isinstance(dated, date):
        raise LedgerError(gettext("请填写发生日期。"))
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(gettext("请填写原因（加分、扣分、否决都必须说明原因）。"))
    if kind == "veto":
        value = Decimal("0")
    else:
        value = parse_points(points) if points not in (None, "") else None
        if value is None or value <= 0:
            raise LedgerError(gettext("加分、扣分的分值须大于 0。"))
        if value > 100:
            raise LedgerError(gettext("分值不能超过 100。"))
    from core.ledger.point_catalogue import resolve
    try:
        indicator = resolve(session, kind, indicator_code, dated)
    except ValueError as exc:
        raise LedgerError(str(exc)) from None
    ensure_open(session, dated)
    rec = PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind=kind, points=to_points(value),
                      dated=dated, reason=reason, indicator_code=indicator.code if indicator else None,
                      created_by=getattr(actor, "id", None), created_at=utcnow())
    session.add(rec)
    session.flush()
    audit(session, actor=actor, action="ledger.points.create", obj=rec, new=snapshot(rec, POINT_FIELDS), reason=reason)
    return rec


def delete_point_record(session: Session, *, rec: PointRecord, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(gettext("删除加扣分记录须说明原因。"))
    ensure_open(session, rec.dated)
    audit(session, actor=actor, action="ledger.points.delete", obj=rec, old=snapshot(rec, POINT_FIELDS), reason=reason)
    session.delete(rec)
    session.flush()
