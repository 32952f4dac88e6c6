"""Who may do what in a campaign (deny by default).

Decisions (README, "最美一线员工"):
- The organisers (宣传部) are the group admins: they open campaigns, set quotas, review at
  group level, publish the notice, resolve objections, select and record publicity.
- A secretary declares for her branch; a unit reviewer declares for any branch of his
  units (or for the unit itself) and reviews his units' declarations.
- A declaration is seen by its branch's secretary, its unit's reviewers and viewers, and
  the organisers. The public notice is group-wide: every logged-in user who can open the
  plugin's pages reads every shortlisted candidate and may object.
"""
from __future__ import annotations


def is_organiser(user) -> bool:
    return getattr(user, "role", None) == "admin"


def can_declare(user, unit_id: int, branch_id: int | None) -> bool:
    if is_organiser(user):
        return True
    if user.role == "reviewer":
        return unit_id in user.unit_ids
    return user.role == "secretary" and branch_id is not None and user.branch_id == branch_id


def can_correct(user, decl) -> bool:
    """May edit a declaration and its files: whoever could have declared it."""
    return user.role != "viewer" and can_declare(user, decl.unit_id, decl.branch_id)


def can_unit_review(user, decl) -> bool:
    return is_organiser(user) or (user.role == "reviewer" and decl.unit_id in user.unit_ids)
