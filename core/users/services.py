"""User administration as plain functions: create, edit role and scope, reset a password,
deactivate. Admins only; every write audited; the caller commits."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import diff, record
from core.auth.models import ROLES, User, UserUnit
from core.auth.services import rotate_session
from core.auth.tokens import revoke_all_tokens
from core.org.models import Branch, OrgNode
from core.org.services import NotAllowed, OrgError, claim_version

USER_FIELDS = ("username", "display_name", "role", "branch_id", "active")


def _snapshot(user: User) -> dict:
    data = {f: getattr(user, f) for f in USER_FIELDS}
    data["unit_ids"] = sorted(user.unit_ids)
    return data


def _check(session: Session, values: dict, user: User | None = None) -> dict:
    """Normalise role/scope: a secretary has one branch and no units; reviewers and
    viewers have units and no branch; admins neither."""
    if values["role"] not in ROLES:
        raise OrgError(gettext("角色不正确。"), "role")
    clash = session.scalar(select(User.id).where(User.username == values["username"]))
    if clash is not None and (user is None or clash != user.id):
        raise OrgError(gettext("用户名“%(username)s”已被使用。", username=values['username']), "username")
    values = dict(values)
    role = values["role"]
    if role == "secretary":
        branch = session.get(Branch, values["branch_id"]) if values.get("branch_id") else None
        if branch is None or not branch.active:
            raise OrgError(gettext("支部书记必须选择一个在用的支部。"), "branch_id")
        values["unit_ids"] = []
    else:
        values["branch_id"] = None
    if role in ("reviewer", "viewer"):
        ids = sorted(set(values.get("unit_ids") or []))
        found = set(session.scalars(select(OrgNode.id).where(OrgNode.id.in_(ids), OrgNode.kind == "unit")))
        if not ids:
            raise OrgError(gettext("审核员和只读用户至少要负责一个二级单位。"), "unit_ids")
        if found != set(ids):
            raise OrgError(gettext("所选二级单位不存在。"), "unit_ids")
        values["unit_ids"] = ids
    elif role != "secretary":
        values["unit_ids"] = []
    return values


def create_user(session: Session, values: dict, *, password: str, actor) -> User:
    if actor.role != "admin":
        raise NotAllowed()
    values = _check(session, values)
    user = User(username=values["username"], display_name=values["display_name"], role=values["role"],
                branch_id=values["branch_id"], active=True, version=1)
    user.set_password(password)
    user.units = [UserUnit(unit_id=u) for u in values["unit_ids"]]
    user.must_change_password = True  # the administrator knows the initial password
    session.add(user)
    session.flush()
    record(session, actor=actor, action="user.create", obj=user, new=_snapshot(user))
    return user


def update_user(session: Session, user: User, values: dict, *, version: int | None, actor) -> User:
    if actor.role != "admin":
        raise NotAllowed()
    values = _check(session, values, user)
    if user.id == actor.id and values["role"] != "admin":
        raise OrgError(gettext("不能取消自己的管理员角色。"), "role")
    before = _snapshot(user)
    claim_version(session, user, version)
    user.username, user.display_name = values["username"], values["display_name"]
    user.role, user.branch_id = values["role"], values["branch_id"]
    if sorted(user.unit_ids) != values["unit_ids"]:
        keep = {uu.unit_id: uu for uu in user.units}
        user.units = [keep.get(u) or UserUnit(unit_id=u) for u in values["unit_ids"]]
    after = _snapshot(user)
    old, new = diff(before, after)
    if before["role"] != after["role"] or before["unit_ids"] != after["unit_ids"] or before["branch_id"] != after["branch_id"]:
        rotate_session(user)  # a narrowed scope takes effect now, not at the next login
    record(session, actor=actor, action="user.update", obj=user, old=old, new=new)
    return user


def reset_password(session: Session, user: User, password: str, *, actor) -> None:
    """Give `user` a one-time password: it works once, for the log-in that replaces it."""
    if actor.role != "admin":
        raise NotAllowed()
    user.set_password(password)
    user.must_change_password = user.id != actor.id
    user.version = (user.version or 0) + 1
    rotate_session(user)
    revoked = revoke_all_tokens(session, user)
    record(session, actor=actor, action="user.reset_password", obj=user,
           new={"password": "reset", "api_tokens_revoked": revoked})


def set_user_active(session: Session, user: User, active: bool, *, actor) -> None:
    if actor.role != "admin":
        raise NotAllowed()
    if user.id == actor.id and not active:
        raise OrgError(gettext("不能停用自己的账号。"))
    if user.active == active:
        return
    user.active = active
    user.version = (user.version or 0) + 1
    if not active:
        rotate_session(user)
        revoke_all_tokens(session, user)
    record(session, actor=actor, action="user.activate" if active else "user.deactivate", obj=user,
           old={"active": not active}, new={"active": active})
