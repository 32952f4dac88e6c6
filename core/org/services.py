"""Organisation administration as plain functions: nodes of the tree (units, general
branches), branches (党支部) and members (党员), with their transfers.

Every write checks the caller's right, keeps the denormalised `unit_id` right, refuses a
stale edit (optimistic lock on `version`) and writes an audit entry in the same
transaction. The caller commits. Nothing here imports Flask's request."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import clock
from core.audit.service import diff, record, snapshot
from core.formatting import with_code
from core.auth.scoping import can_keep_ledger, can_review, unit_ids_in_scope
from core.org.unit_follow import follow_branches
from core.org.models import CATEGORIES, GENDERS, MEMBER_STATUSES, Branch, Member, MemberTransfer, OrgNode

NODE_FIELDS = ("code", "name", "kind", "parent_id", "unit_id", "active")
BRANCH_FIELDS = ("code", "name", "category", "parent_id", "unit_id", "secretary_name", "founded_on", "active")
MEMBER_FIELDS = ("name", "gender", "birth_date", "joined_on", "status", "post", "branch_id", "active")

#: Minimum age to join the Party (党章: 年满十八岁).
MIN_JOIN_AGE = 18


class OrgError(ValueError):
    """A refused change; `field` names the form field at fault (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleEdit(OrgError):
    """Someone saved the record since this form was opened."""

    def __init__(self):
        super().__init__(gettext("该记录已被他人修改，您的保存未生效。请刷新页面，查看最新内容后重新修改。"))


class NotAllowed(OrgError):
    """The user may see the object but not change it (views answer 404)."""

    def __init__(self):
        super().__init__(gettext("无权操作。"))


# ---------------------------------------------------------------- helpers

def claim_version(session: Session, obj, expected: int | None) -> None:
    """Optimistic lock: bump `version` only if it still is `expected`, in one UPDATE, so
    two concurrent saves of the same form cannot both succeed."""
    if expected is None:
        raise StaleEdit()
    model = type(obj)
    result = session.execute(
        update(model).where(model.id == obj.id, model.version == expected)
        .values(version=expected + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaleEdit()
    set_committed_value(obj, "version", expected + 1)


def _apply(obj, values: dict, fields) -> None:
    for f in fields:
        if f in values:
            setattr(obj, f, values[f])


def is_writer(user) -> bool:
    return user.role in ("admin", "reviewer", "secretary")


def can_manage_branch(user, branch: Branch) -> bool:
    """Create/edit/deactivate a branch: admins, reviewers of its unit."""
    return can_review(user, branch)


def can_edit_members(user, branch: Branch) -> bool:
    """Add/edit/deactivate members: admins, the unit's reviewers, the branch's secretary."""
    return can_keep_ledger(user, branch)


def parent_nodes_for(session: Session, user) -> list[OrgNode]:
    """Active units and general branches a branch may be put under by this user."""
    scope = unit_ids_in_scope(session, user)
    if user.role not in ("admin", "reviewer"):
        return []
    stmt = select(OrgNode).where(OrgNode.kind.in_(("unit", "general_branch")), OrgNode.active.is_(True))
    if scope is not None:
        stmt = stmt.where(OrgNode.unit_id.in_(sorted(scope)))
    return list(session.scalars(stmt.order_by(OrgNode.unit_id, OrgNode.kind.desc(), OrgNode.code)))


def node_label(node: OrgNode) -> str:
    return with_code(node.name, node.code)


# ---------------------------------------------------------------- nodes (units, general branches)

def _descendant_ids(session: Session, node_id: int) -> set[int]:
    found: set[int] = set()
    frontier = {node_id}
    while frontier:
        children = set(session.scalars(select(OrgNode.id).where(OrgNode.parent_id.in_(frontier))))
        frontier = children - found
        found |= children
    return found


def _unit_for(kind: str, node_id: int | None, parent: OrgNode | None) -> int | None:
    if kind == "unit":
        return node_id
    if kind == "general_branch":
        return parent.unit_id if parent is not None else None
    return None


def _check_node(session: Session, values: dict, node: OrgNode | None = None) -> OrgNode | None:
    kind = values["kind"]
    code = values["code"]
    clash = session.scalar(select(OrgNode.id).where(OrgNode.code == code))
    if clash is not None and (node is None or clash != node.id):
        raise OrgError(gettext("组织编码“%(code)s”已被使用。", code=code), "code")
    parent = session.get(OrgNode, values["parent_id"]) if values.get("parent_id") else None
    if kind == "group":
        if parent is not None:
            raise OrgError(gettext("集团党委不能有上级组织。"), "parent_id")
    elif kind == "unit":
        if parent is None or parent.kind != "group":
            raise OrgError(gettext("二级单位党委的上级必须是集团党委。"), "parent_id")
    elif kind == "general_branch":
        if parent is None or parent.kind not in ("unit", "general_branch"):
            raise OrgError(gettext("党总支的上级必须是二级单位党委或党总支。"), "parent_id")
    else:
        raise OrgError(gettext("组织类型不正确。"), "kind")
    if node is not None and parent is not None and (parent.id == node.id or parent.id in _descendant_ids(session, node.id)):
        raise OrgError(gettext("上级组织不能是本组织或其下级组织。"), "parent_id")
    if parent is not None and not parent.active:
        raise OrgError(gettext("上级组织已停用。"), "parent_id")
    return parent


def create_node(session: Session, values: dict, *, actor) -> OrgNode:
    """Create a group committee, unit committee or general branch (admins only)."""
    if actor.role != "admin":
        raise NotAllowed()
    parent = _check_node(session, values)
    node = OrgNode(code=values["code"], name=values["name"], kind=values["kind"],
                   parent_id=parent.id if parent else None, active=True, version=1)
    session.add(node)
    session.flush()
    node.unit_id = _unit_for(node.kind, node.id, parent)
    record(session, actor=actor, action="org_node.create", obj=node, new=snapshot(node, NODE_FIELDS),
           unit_id=node.unit_id)
    return node


def _propagate_unit(session: Session, node: OrgNode) -> None:
    """After a node moved: its general branches and all branches below follow its unit."""
    below = _descendant_ids(session, node.id)
    if below:
        session.execute(update(OrgNode).where(OrgNode.id.in_(below), OrgNode.kind == "general_branch")
                        .values(unit_id=node.unit_id).execution_options(synchronize_session="fetch"))
    session.execute(update(Branch).where(Branch.parent_id.in_(below | {node.id}))
                    .values(unit_id=node.unit_id).execution_options(synchronize_session="fetch"))
    moved = session.scalars(select(Branch.id).where(Branch.parent_id.in_(below | {node.id})))
    follow_branches(session, moved, node.unit_id)  # their records follow (core.org.unit_follow)


def update_node(session: Session, node: OrgNode, values: dict, *, version: int | None, actor) -> OrgNode:
    if actor.role != "admin":
        raise NotAllowed()
    if values["kind"] != node.kind and (
            session.scalar(select(func.count(OrgNode.id)).where(OrgNode.parent_id == node.id))
            or session.scalar(select(func.count(Branch.id)).where(Branch.parent_id == node.id))):
        raise OrgError(gettext("该组织下已有下级组织或支部，不能更改组织类型。"), "kind")
    parent = _check_node(session, values, node)
    before = snapshot(node, NODE_FIELDS)
    claim_version(session, node, version)
    node.code, node.name, node.kind = values["code"], values["name"], values["kind"]
    node.parent_id = parent.id if parent else None
    old_unit = node.unit_id
    node.unit_id = _unit_for(node.kind, node.id, parent)
    session.flush()
    if node.unit_id != old_unit:
        _propagate_unit(session, node)
    old, new = diff(before, snapshot(node, NODE_FIELDS))
    record(session, actor=actor, action="org_node.update", obj=node, old=old, new=new, unit_id=node.unit_id)
    return node


def set_node_active(session: Session, node: OrgNode, active: bool, *, actor, reason=None) -> None:
    if actor.role != "admin":
        raise NotAllowed()
    if node.active == active:
        return
    if not active:
        busy = (session.scalar(select(func.count(OrgNode.id)).where(OrgNode.parent_id == node.id, OrgNode.active.is_(True)))
                + session.scalar(select(func.count(Branch.id)).where(Branch.parent_id == node.id, Branch.active.is_(True))))
        if busy:
            raise OrgError(gettext("该组织下还有 %(busy)s 个在用的下级组织或支部，请先停用或转移它们。", busy=busy))
    elif node.parent is not None and not node.parent.active:
        raise OrgError(gettext("上级组织已停用，不能恢复。"))
    node.active = active
    node.version = (node.version or 0) + 1
    record(session, actor=actor, action="org_node.activate" if active else "org_node.deactivate",
           obj=node, old={"active": not active}, new={"active": active}, reason=reason, unit_id=node.unit_id)


# ---------------------------------------------------------------- branches

def _check_branch(session: Session, values: dict, actor, branch: Branch | None = None) -> OrgNode:
    code = values["code"]
    clash = session.scalar(select(Branch.id).where(Branch.code == code))
    if clash is not None and (branch is None or clash != branch.id):
        raise OrgError(gettext("支部编码“%(code)s”已被使用。", code=code), "code")
    if values["category"] not in CATEGORIES:
        raise OrgError(gettext("支部类别不正确。"), "category")
    founded = values.get("founded_on")
    if founded is not None and founded > clock.today():
        raise OrgError(gettext("成立日期不能晚于今天。"), "founded_on")
    parent = session.get(OrgNode, values["parent_id"]) if values.get("parent_id") else None
    if parent is None or parent.id not in {n.id for n in parent_nodes_for(session, actor)}:
        raise OrgError(gettext("请选择您管理范围内在用的二级单位党委或党总支。"), "parent_id")
    return parent


def create_branch(session: Session, values: dict, *, actor) -> Branch:
    if actor.role not in ("admin", "reviewer"):
        raise NotAllowed()
    parent = _check_branch(session, values, actor)
    branch = Branch(code=values["code"], name=values["name"], category=values["category"],
                    parent_id=parent.id, unit_id=parent.unit_id,
                    secretary_name=values.get("secretary_name") or None, founded_on=values.get("founded_on"),
                    active=True, version=1)
    session.add(branch)
    session.flush()
    record(session, actor=actor, action="branch.create", obj=branch, new=snapshot(branch, BRANCH_FIELDS))
    return branch


def update_branch(session: Session, branch: Branch, values: dict, *, version: int | None, actor) -> Branch:
    if not can_manage_branch(actor, branch):
        raise NotAllowed()
    parent = _check_branch(session, values, actor, branch)
    before = snapshot(branch, BRANCH_FIELDS)
    claim_version(session, branch, version)
    branch.code, branch.name, branch.category = values["code"], values["name"], values["category"]
    branch.secretary_name = values.get("secretary_name") or None
    branch.founded_on = values.get("founded_on")
    branch.parent_id, branch.unit_id = parent.id, parent.unit_id
    old, new = diff(before, snapshot(branch, BRANCH_FIELDS))
    moved = follow_branches(session, [branch.id], branch.unit_id) if "unit_id" in new else {}
    record(session, actor=actor, action="branch.update", obj=branch, old=old,
           new={**new, "rows_moved": moved} if moved else new)
    return branch


def set_branch_active(session: Session, branch: Branch, active: bool, *, actor, reason=None) -> None:
    if not can_manage_branch(actor, branch):
        raise NotAllowed()
    if branch.active == active:
        return
    if active and not branch.parent.active:
        raise OrgError(gettext("上级组织已停用，不能恢复该支部。"))
    branch.active = active
    branch.version = (branch.version or 0) + 1
    record(session, actor=actor, action="branch.activate" if active else "branch.deactivate", obj=branch,
           old={"active": not active}, new={"active": active}, reason=reason)


def member_counts(session: Session, branch_ids) -> dict[int, int]:
    """Active members per branch, one GROUP BY for a whole page of branches."""
    ids = list(branch_ids)
    if not ids:
        return {}
    rows = session.execute(select(Member.branch_id, func.count(Member.id))
                           .where(Member.branch_id.in_(ids), Member.active.is_(True))
                           .group_by(Member.branch_id))
    return {b: n for b, n in rows}


# ---------------------------------------------------------------- members

def check_member_values(values: dict, today: date | None = None) -> list[tuple[str, str]]:
    """Plausibility of a member's data: [(field, message)], empty when fine. Shared by
    the form and the Excel import."""
    today = today or date.today()
    errors = []
    if values.get("gender") not in GENDERS:
        errors.append(("gender", gettext("性别应为：男、女。")))
    if values.get("status") not in MEMBER_STATUSES:
        errors.append(("status", gettext("党员类别应为：正式党员、预备党员。")))
    birth, joined = values.get("birth_date"), values.get("joined_on")
    if birth and birth > today:
        errors.append(("birth_date", gettext("出生日期不能晚于今天。")))
    if joined and joined > today:
        errors.append(("joined_on", gettext("入党日期不能晚于今天。")))
    if birth and joined and joined < add_years(birth, MIN_JOIN_AGE):
        errors.append(("joined_on", gettext("入党时应年满 %(n)s 周岁，请核对出生日期和入党日期。", n=MIN_JOIN_AGE)))
    return errors


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _raise_first(errors):
    if errors:
        field, message = errors[0]
        raise OrgError(message, field)


def create_member(session: Session, branch: Branch, values: dict, *, actor) -> Member:
    if not can_edit_members(actor, branch) or not branch.active:
        raise NotAllowed()
    _raise_first(check_member_values(values))
    member = Member(branch_id=branch.id, active=True, version=1)
    _apply(member, values, ("name", "gender", "birth_date", "joined_on", "status", "post"))
    member.post = member.post or None
    session.add(member)
    session.flush()
    record(session, actor=actor, action="member.create", obj=member, new=snapshot(member, MEMBER_FIELDS),
           unit_id=branch.unit_id)
    return member


def update_member(session: Session, member: Member, values: dict, *, version: int | None, actor) -> Member:
    if not can_edit_members(actor, member.branch):
        raise NotAllowed()
    _raise_first(check_member_values(values))
    before = snapshot(member, MEMBER_FIELDS)
    claim_version(session, member, version)
    _apply(member, values, ("name", "gender", "birth_date", "joined_on", "status", "post"))
    member.post = member.post or None
    old, new = diff(before, snapshot(member, MEMBER_FIELDS))
    record(session, actor=actor, action="member.update", obj=member, old=old, new=new,
           unit_id=member.branch.unit_id)
    return member


def set_member_active(session: Session, member: Member, active: bool, *, actor, reason=None) -> None:
    if not can_edit_members(actor, member.branch):
        raise NotAllowed()
    if member.active == active:
        return
    member.active = active
    member.version = (member.version or 0) + 1
    record(session, actor=actor, action="member.activate" if active else "member.deactivate", obj=member,
           old={"active": not active}, new={"active": active}, reason=reason, unit_id=member.branch.unit_id)


def transfer_targets(session: Session, user, member: Member) -> list[Branch]:
    """Active branches the user may move the member into (both ends must be his)."""
    if user.role not in ("admin", "reviewer"):
        return []
    stmt = select(Branch).where(Branch.active.is_(True), Branch.id != member.branch_id)
    if user.role == "reviewer":
        stmt = stmt.where(Branch.unit_id.in_(sorted(user.unit_ids)))
    return list(session.scalars(stmt.order_by(Branch.unit_id, Branch.code)))


def transfer_member(session: Session, member: Member, to_branch: Branch, *, on: date, reason: str | None,
                    version: int | None, actor) -> MemberTransfer:
    """Move a member to another branch (组织关系转接); the history row is never rewritten."""
    if not (can_review(actor, member.branch) and can_review(actor, to_branch)):
        raise NotAllowed()
    if to_branch.id == member.branch_id:
        raise OrgError(gettext("转入支部不能是当前所在支部。"), "to_branch_id")
    if not to_branch.active:
        raise OrgError(gettext("转入支部已停用。"), "to_branch_id")
    if on > date.today():
        raise OrgError(gettext("转接日期不能晚于今天。"), "transferred_on")
    if not member.active:
        raise OrgError(gettext("该党员已停用，不能转接。"))
    from_branch = member.branch
    claim_version(session, member, version)
    move = MemberTransfer(member_id=member.id, from_branch_id=from_branch.id, to_branch_id=to_branch.id,
                          transferred_on=on, reason=reason or None)
    session.add(move)
    member.branch_id = to_branch.id
    member.branch = to_branch
    record(session, actor=actor, action="member.transfer", obj=member,
           old={"branch_id": from_branch.id, "branch": from_branch.name},
           new={"branch_id": to_branch.id, "branch": to_branch.name, "transferred_on": on},
           reason=reason, unit_id=to_branch.unit_id)
    if from_branch.unit_id != to_branch.unit_id:
        # the unit the member left sees the move in its own log too
        record(session, actor=actor, action="member.transfer_out", obj=member,
               old={"branch_id": from_branch.id}, new={"branch_id": to_branch.id}, reason=reason,
               unit_id=from_branch.unit_id)
    return move


@dataclass
class TransferRow:
    on: date
    from_name: str
    to_name: str
    reason: str | None


def transfer_history(session: Session, member: Member) -> list[TransferRow]:
    """The member's moves, oldest first, with branch names in one query."""
    from sqlalchemy.orm import aliased

    src, dst = aliased(Branch), aliased(Branch)
    rows = session.execute(
        select(MemberTransfer.transferred_on, src.name, dst.name, MemberTransfer.reason)
        .join(src, src.id == MemberTransfer.from_branch_id)
        .join(dst, dst.id == MemberTransfer.to_branch_id)
        .where(MemberTransfer.member_id == member.id)
        .order_by(MemberTransfer.transferred_on, MemberTransfer.id))
    return [TransferRow(*r) for r in rows]
