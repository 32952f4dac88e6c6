"""The one scoping layer. Every query for branches, members, ledger records or scores
filters through these clauses: a secretary sees her branch, a reviewer or viewer his
units, an admin everything; anyone else nothing (deny by default)."""
from __future__ import annotations

from flask import abort
from sqlalchemy import false, select, true
from sqlalchemy.orm import Session

from core.org.models import Branch, Member, OrgNode


def unit_ids_in_scope(session: Session, user) -> set[int] | None:
    """Units the user may see; None means every unit (admin)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if user.role == "admin":
        return None
    if user.role in ("reviewer", "viewer"):
        return set(user.unit_ids)
    if user.role == "secretary" and user.branch_id:
        unit = session.scalar(select(Branch.unit_id).where(Branch.id == user.branch_id))
        return {unit} if unit else set()
    return set()


def branch_clause(user, branch_id_col=Branch.id, unit_id_col=None):
    """A WHERE clause limiting rows to the user's branches.

    `branch_id_col` is the column holding a branch id in the queried table; pass
    `unit_id_col` when the table also has the branch's unit id (saves a join)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    if user.role == "admin":
        return true()
    if user.role in ("reviewer", "viewer"):
        units = sorted(user.unit_ids)
        if not units:
            return false()
        if unit_id_col is not None:
            return unit_id_col.in_(units)
        return branch_id_col.in_(select(Branch.id).where(Branch.unit_id.in_(units)))
    if user.role == "secretary" and user.branch_id:
        return branch_id_col == user.branch_id
    return false()


def unit_clause(user, unit_id_col=OrgNode.unit_id):
    """A WHERE clause limiting rows carrying a unit id to the user's units."""
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    if user.role == "admin":
        return true()
    if user.role in ("reviewer", "viewer"):
        units = sorted(user.unit_ids)
        return unit_id_col.in_(units) if units else false()
    if user.role == "secretary" and user.branch_id:
        return unit_id_col.in_(select(Branch.unit_id).where(Branch.id == user.branch_id))
    return false()


def visible_branches(user):
    return select(Branch).where(branch_clause(user, Branch.id, Branch.unit_id))


def visible_members(user):
    return select(Member).where(branch_clause(user, Member.branch_id))


def visible_units(user):
    return select(OrgNode).where(OrgNode.kind == "unit", unit_clause(user, OrgNode.id))


def get_branch_or_404(session: Session, user, branch_id: int, may=None) -> Branch:
    """The branch if `user` may see it and, when `may` is given, may(user, branch) is
    true (e.g. can_review): a right the user lacks answers 404 like an unseen branch."""
    branch = session.scalar(visible_branches(user).where(Branch.id == branch_id))
    if branch is None or (may is not None and not may(user, branch)):
        abort(404)
    return branch


def get_member_or_404(session: Session, user, member_id: int) -> Member:
    member = session.scalar(visible_members(user).where(Member.id == member_id))
    if member is None:
        abort(404)
    return member


def get_unit_or_404(session: Session, user, unit_id: int) -> OrgNode:
    unit = session.scalar(visible_units(user).where(OrgNode.id == unit_id))
    if unit is None:
        abort(404)
    return unit


def can_review(user, branch: Branch) -> bool:
    """Reviewer-level rights on a branch: admin, or a reviewer of its unit."""
    if user.role == "admin":
        return True
    return user.role == "reviewer" and branch.unit_id in user.unit_ids


def can_keep_ledger(user, branch: Branch) -> bool:
    """May record in the branch's ledger: its secretary, its reviewers, admins."""
    return can_review(user, branch) or (user.role == "secretary" and user.branch_id == branch.id)
