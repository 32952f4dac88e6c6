"""The brand file and its stage machine: 申报 → 培育 → 验收 → 命名 (declared →
cultivating → accepted → named), with 摘牌 (withdrawn).

Decisions (README, plugin brands):
- One role per transition, no stand-ins: the branch's secretary declares; a reviewer of
  the branch's unit moves to cultivating and proposes acceptance (验收申请); the group
  admin accepts, rejects (back to cultivating, reason required), names, and withdraws
  a named brand (摘牌, reason required). A withdrawn brand may be declared again by its
  secretary, on the same file.
- Every transition has a date (default today): not in the future, not before the
  previous event's date, not inside a closed period (the window's stage is read from
  the history, so a closed window's evidence cannot change). Audited with the comment.
- The brand file (name, slogan, meaning, vanguard type) is edited by the secretary or
  a reviewer of the unit while the brand is declared or cultivating; from the
  acceptance request on it is frozen (what was accepted is what is named).
- Everything refuses branches of units where the plugin is not enabled.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugins.api import Branch, audit, ensure_open, plugin_enabled
from plugins.brands.models import STAGES, VANGUARD_TYPES, Brand, BrandEvent

PLUGIN = "brands"

#: The roles a transition needs: secretary of the branch, reviewer of its unit, admin.
ROLE_LABELS = {"secretary": "支部书记", "reviewer": "二级单位党委审核员", "admin": "组织部管理员"}


class BrandError(ValueError):
    """A refused brand write; the message is for the user. `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str | None, ...]
    target: str
    role: str
    reason_required: bool = False


#: The stage machine. `None` as a source = no brand file yet.
TRANSITIONS = {t.action: t for t in (
    Transition("declare", "申报品牌", (None, "withdrawn"), "declared", "secretary"),
    Transition("cultivate", "列入培育", ("declared",), "cultivating", "reviewer"),
    Transition("propose", "申请验收", ("cultivating",), "proposed", "reviewer"),
    Transition("accept", "验收通过", ("proposed",), "accepted", "admin"),
    Transition("reject", "验收不通过（退回培育）", ("proposed",), "cultivating", "admin", reason_required=True),
    Transition("name", "命名品牌", ("accepted",), "named", "admin"),
    Transition("withdraw", "摘牌", ("named",), "withdrawn", "admin", reason_required=True),
)}

#: Stages in which the brand file may be edited.
EDITABLE_STAGES = ("declared", "cultivating")
#: Stage order for "reached" comparisons (proposed counts as cultivating).
STAGE_RANK = {"declared": 1, "cultivating": 2, "proposed": 2, "accepted": 3, "named": 4, "withdrawn": 0}


def require_enabled(session: Session, branch: Branch) -> None:
    if not plugin_enabled(session, branch.unit_id, PLUGIN):
        raise BrandError(gettext("该支部所在单位未启用支部品牌创建插件。"))


def has_role(user, role: str, branch: Branch) -> bool:
    """Whether `user` holds `role` for this branch (no stand-ins)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if role == "secretary":
        return user.role == "secretary" and user.branch_id == branch.id
    if role == "reviewer":
        return user.role == "reviewer" and branch.unit_id in user.unit_ids
    return role == "admin" and user.role == "admin"


def brand_of(session: Session, branch_id: int) -> Brand | None:
    return session.scalar(select(Brand).where(Brand.branch_id == branch_id))


def allowed_actions(user, branch: Branch, brand: Brand | None) -> list[Transition]:
    """The transitions `user` may make now (for the page's buttons)."""
    stage = brand.stage if brand else None
    return [t for t in TRANSITIONS.values() if stage in t.sources and has_role(user, t.role, branch)]


def can_edit_file(user, branch: Branch, brand: Brand | None) -> bool:
    return (brand is not None and brand.stage in EDITABLE_STAGES
            and (has_role(user, "secretary", branch) or has_role(user, "reviewer", branch)))


# ------------------------------------------------------------------ checks

def clean_file(values: dict) -> dict:
    """The brand file's fields, checked."""
    name = (values.get("name") or "").strip()
    if not name:
        raise BrandError(gettext("请填写品牌名称。"), "name")
    if len(name) > 60:
        raise BrandError(gettext("品牌名称最多 60 个字。"), "name")
    slogan = (values.get("slogan") or "").strip()
    if len(slogan) > 120:
        raise BrandError(gettext("品牌口号最多 120 个字。"), "slogan")
    meaning = (values.get("meaning") or "").strip()
    if not meaning:
        raise BrandError(gettext("请填写品牌内涵。"), "meaning")
    if len(meaning) > 5000:
        raise BrandError(gettext("品牌内涵最多 5000 个字。"), "meaning")
    vtype = values.get("vanguard_type")
    if vtype not in VANGUARD_TYPES:
        raise BrandError(gettext("请选择先锋类型。"), "vanguard_type")
    return {"name": name, "slogan": slogan, "meaning": meaning, "vanguard_type": vtype}


def _check_date(session: Session, brand: Brand | None, on, today: date) -> date:
    if not isinstance(on, date):
        raise BrandError(gettext("请填写日期。"), "happened_on")
    if on > today:
        raise BrandError(gettext("日期不能晚于今天。"), "happened_on")
    if brand is not None and on < brand.stage_on:
        raise BrandError(gettext("日期不能早于上一环节的日期（%(d)s）。", d=brand.stage_on.isoformat()), "happened_on")
    ensure_open(session, on)
    return on


# ------------------------------------------------------------------ writes

def transition(session: Session, branch: Branch, action: str, *, actor, on: date | None = None,
               comment: str = "", values: dict | None = None, today: date | None = None) -> Brand:
    """Move the branch's brand by `action` (a key of TRANSITIONS). `values` are the brand
    file's fields for a declaration. Refused (BrandError, PeriodLocked) with nothing
    written: an unknown action, a stage skipped, the wrong role, a missing reason, a bad
    date, a branch of a unit without the plugin."""
    today = today or date.today()
    t = TRANSITIONS.get(action)
    if t is None:
        raise BrandError(gettext("未知的操作。"))
    require_enabled(session, branch)
    brand = brand_of(session, branch.id)
    stage = brand.stage if brand else None
    if stage not in t.sources:
        raise BrandError(gettext("当前阶段为“%(stage)s”，不能执行“%(action)s”。",
                                 stage=gettext(STAGES[stage]) if stage else gettext("未申报"),
                                 action=gettext(t.label)))
    if not has_role(actor, t.role, branch):
        raise BrandError(gettext("“%(action)s”须由%(role)s办理。", action=gettext(t.label),
                                 role=gettext(ROLE_LABELS[t.role])))
    comment = (comment or "").strip()
    if t.reason_required and not comment:
        raise BrandError(gettext("请填写理由。"), "comment")
    if len(comment) > 2000:
        raise BrandError(gettext("意见最多 2000 个字。"), "comment")
    on = _check_date(session, brand, on or today, today)
    fields = clean_file(values or {}) if action == "declare" else None
    old = {"stage": stage}
    if brand is None:
        brand = Brand(branch_id=branch.id, unit_id=branch.unit_id, stage=t.target, stage_on=on, **fields)
        session.add(brand)
        session.flush()
    else:
        if fields:
            old.update({k: getattr(brand, k) for k in fields})
            for k, v in fields.items():
                setattr(brand, k, v)
        brand.stage, brand.stage_on = t.target, on
    session.add(BrandEvent(brand_id=brand.id, action=action, from_stage=stage, to_stage=t.target, happened_on=on,
                           comment=comment, actor_id=getattr(actor, "id", None)))
    session.flush()
    audit(session, actor=actor, action=f"brands.{action}", obj=brand, old=old,
          new={"stage": t.target, "on": on, **(fields or {})}, reason=comment or None)
    return brand


def update_file(session: Session, branch: Branch, values: dict, *, actor) -> Brand:
    """Edit the brand file (declared or cultivating; its secretary or unit reviewer)."""
    require_enabled(session, branch)
    brand = brand_of(session, branch.id)
    if brand is None:
        raise BrandError(gettext("该支部尚未申报品牌。"))
    if brand.stage not in EDITABLE_STAGES:
        raise BrandError(gettext("品牌已申请验收或已验收，档案不能再修改。"))
    if not can_edit_file(actor, branch, brand):
        raise BrandError(gettext("只有本支部书记或本单位审核员可以修改品牌档案。"))
    fields = clean_file(values)
    old = {k: getattr(brand, k) for k in fields}
    changed = {k: v for k, v in fields.items() if old[k] != v}
    if changed:
        for k, v in changed.items():
            setattr(brand, k, v)
        session.flush()
        audit(session, actor=actor, action="brands.file.update", obj=brand,
              old={k: old[k] for k in changed}, new=changed)
    return brand
