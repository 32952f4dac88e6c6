"""The 五有 checklist with its evidence, and the brand's dated achievements.

Decisions (README, plugin brands):
- The branch's secretary (or a reviewer of its unit) writes each item's evidence text
  and attaches photos and documents under the ledger attachment rules (size, extension
  and content checked; stored outside the web root; served only as downloads).
- A reviewer of the unit (or the admin) verifies an item that has evidence (text or a
  file); the item counts in the brand index from the verification date. A verified
  item's evidence is frozen; un-verifying is refused when the verification date lies in
  a closed period (that window's score read it).
- A withdrawn brand's checklist stays as it was (read-only).
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.plugins.api import (Branch, audit, can_review, check_upload, ensure_open, new_stored_name, remove_file,
                              utcnow, write_file)
from plugins.brands.models import WUYOU_ITEMS, Achievement, Brand, BrandFile, WuyouItem
from plugins.brands.stages import BrandError, brand_of, has_role, require_enabled

#: Files per 五有 item (enough for photos and a document or two).
MAX_FILES_PER_ITEM = 10


def may_keep(user, branch: Branch) -> bool:
    """May write the brand's evidence and achievements: its secretary or unit reviewer."""
    return has_role(user, "secretary", branch) or has_role(user, "reviewer", branch)


def _open_brand(session: Session, branch: Branch) -> Brand:
    require_enabled(session, branch)
    brand = brand_of(session, branch.id)
    if brand is None:
        raise BrandError(gettext("该支部尚未申报品牌。"))
    if brand.stage == "withdrawn":
        raise BrandError(gettext("品牌已摘牌，档案只读；重新申报后可继续填报。"))
    return brand


def _item_code(item: str) -> str:
    if item not in WUYOU_ITEMS:
        raise BrandError(gettext("未知的“五有”项目。"))
    return item


def item_row(session: Session, brand: Brand, item: str, *, create: bool = False) -> WuyouItem | None:
    row = session.scalar(select(WuyouItem).where(WuyouItem.brand_id == brand.id, WuyouItem.item == item))
    if row is None and create:
        row = WuyouItem(brand_id=brand.id, item=item, evidence="")
        session.add(row)
        session.flush()
    return row


def items_of(session: Session, brand: Brand | None) -> dict[str, WuyouItem]:
    if brand is None:
        return {}
    return {r.item: r for r in session.scalars(select(WuyouItem).where(WuyouItem.brand_id == brand.id))}


def files_of(session: Session, brand: Brand | None) -> dict[str, list[BrandFile]]:
    out: dict[str, list[BrandFile]] = {}
    if brand is None:
        return out
    for f in session.scalars(select(BrandFile).where(BrandFile.brand_id == brand.id).order_by(BrandFile.id)):
        out.setdefault(f.item, []).append(f)
    return out


def save_evidence(session: Session, branch: Branch, item: str, text: str, *, actor) -> WuyouItem:
    item = _item_code(item)
    brand = _open_brand(session, branch)
    if not may_keep(actor, branch):
        raise BrandError(gettext("只有本支部书记或本单位审核员可以填报“五有”佐证。"))
    text = (text or "").strip()
    if len(text) > 5000:
        raise BrandError(gettext("佐证说明最多 5000 个字。"), "evidence")
    row = item_row(session, brand, item, create=True)
    if row.verified_on is not None:
        raise BrandError(gettext("该项已核实，佐证不能再修改；如需修改请审核员先撤销核实。"))
    if row.evidence != text:
        old = row.evidence
        row.evidence = text
        session.flush()
        audit(session, actor=actor, action="brands.evidence.update", obj=row, unit_id=brand.unit_id,
              old={"item": item, "evidence": old}, new={"item": item, "evidence": text})
    return row


def add_file(session: Session, branch: Branch, item: str, *, actor, filename: str, data: bytes, upload_dir,
             max_bytes: int, extensions) -> BrandFile:
    """Check and store one evidence file; nothing is written when refused."""
    item = _item_code(item)
    brand = _open_brand(session, branch)
    if not may_keep(actor, branch):
        raise BrandError(gettext("只有本支部书记或本单位审核员可以上传“五有”佐证。"))
    row = item_row(session, brand, item)
    if row is not None and row.verified_on is not None:
        raise BrandError(gettext("该项已核实，佐证不能再修改；如需修改请审核员先撤销核实。"))
    n = session.scalar(select(func.count(BrandFile.id)).where(BrandFile.brand_id == brand.id, BrandFile.item == item))
    if n >= MAX_FILES_PER_ITEM:
        raise BrandError(gettext("每项最多上传 %(n)s 个文件。", n=MAX_FILES_PER_ITEM))
    checked = check_upload(filename, data, max_bytes=max_bytes, extensions=extensions)
    stored = new_stored_name(checked.extension)
    f = BrandFile(brand_id=brand.id, item=item, original_name=checked.original_name, stored_name=stored,
                  content_type=checked.content_type, size=checked.size, uploaded_at=utcnow(),
                  uploaded_by=getattr(actor, "id", None))
    session.add(f)
    session.flush()
    audit(session, actor=actor, action="brands.file.add", obj=f, unit_id=brand.unit_id,
          new={"item": item, "name": checked.original_name, "size": checked.size})
    write_file(upload_dir, stored, data)
    return f


def delete_file(session: Session, branch: Branch, f: BrandFile, *, actor, upload_dir) -> None:
    brand = _open_brand(session, branch)
    if f.brand_id != brand.id:
        raise BrandError(gettext("文件不属于该品牌。"))
    if not may_keep(actor, branch):
        raise BrandError(gettext("只有本支部书记或本单位审核员可以删除佐证文件。"))
    row = item_row(session, brand, f.item)
    if row is not None and row.verified_on is not None:
        raise BrandError(gettext("该项已核实，佐证不能再修改；如需修改请审核员先撤销核实。"))
    audit(session, actor=actor, action="brands.file.delete", obj=f, unit_id=brand.unit_id,
          old={"item": f.item, "name": f.original_name})
    session.delete(f)
    session.flush()
    remove_file(upload_dir, f.stored_name)


def set_verified(session: Session, branch: Branch, item: str, verified: bool, *, actor,
                 today: date | None = None) -> WuyouItem:
    """A reviewer of the unit (or the admin) verifies an item with evidence, or takes
    the verification back (not when it dates from a closed period)."""
    today = today or date.today()
    item = _item_code(item)
    brand = _open_brand(session, branch)
    if not can_review(actor, branch):
        raise BrandError(gettext("只有本单位审核员或组织部可以核实“五有”项目。"))
    row = item_row(session, brand, item, create=verified)
    if verified:
        if row.verified_on is not None:
            return row
        has_file = session.scalar(select(func.count(BrandFile.id)).where(
            BrandFile.brand_id == brand.id, BrandFile.item == item))
        if not row.evidence and not has_file:
            raise BrandError(gettext("该项还没有佐证，不能核实。"))
        ensure_open(session, today)
        row.verified_on, row.verified_by = today, actor.id
        session.flush()
        audit(session, actor=actor, action="brands.item.verify", obj=row, unit_id=brand.unit_id,
              new={"item": item, "verified_on": today})
        return row
    if row is None or row.verified_on is None:
        return row
    ensure_open(session, row.verified_on)
    old = row.verified_on
    row.verified_on, row.verified_by = None, None
    session.flush()
    audit(session, actor=actor, action="brands.item.unverify", obj=row, unit_id=brand.unit_id,
          old={"item": item, "verified_on": old})
    return row


def add_achievement(session: Session, branch: Branch, *, actor, achieved_on, title: str, detail: str = "",
                    today: date | None = None) -> Achievement:
    today = today or date.today()
    brand = _open_brand(session, branch)
    if not may_keep(actor, branch):
        raise BrandError(gettext("只有本支部书记或本单位审核员可以记录创建成效。"))
    title = (title or "").strip()
    if not title:
        raise BrandError(gettext("请填写成效标题。"), "title")
    if len(title) > 120:
        raise BrandError(gettext("成效标题最多 120 个字。"), "title")
    if not isinstance(achieved_on, date):
        raise BrandError(gettext("请填写日期。"), "achieved_on")
    if achieved_on > today:
        raise BrandError(gettext("日期不能晚于今天。"), "achieved_on")
    a = Achievement(brand_id=brand.id, achieved_on=achieved_on, title=title, detail=(detail or "").strip()[:5000],
                    created_by=getattr(actor, "id", None))
    session.add(a)
    session.flush()
    audit(session, actor=actor, action="brands.achievement.add", obj=a, unit_id=brand.unit_id,
          new={"title": title, "on": achieved_on})
    return a


def delete_achievement(session: Session, branch: Branch, a: Achievement, *, actor) -> None:
    brand = _open_brand(session, branch)
    if a.brand_id != brand.id:
        raise BrandError(gettext("该成效不属于该品牌。"))
    if not may_keep(actor, branch):
        raise BrandError(gettext("只有本支部书记或本单位审核员可以删除创建成效。"))
    audit(session, actor=actor, action="brands.achievement.delete", obj=a, unit_id=brand.unit_id,
          old={"title": a.title, "on": a.achieved_on})
    session.delete(a)
    session.flush()
