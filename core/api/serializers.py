"""Plain dicts for the JSON API. No national ID numbers exist to leak; members carry
only what the ledger needs."""
from __future__ import annotations

from core.org.models import Branch, Member, OrgNode


def _day(value):
    return value.isoformat() if value else None


def unit_dict(unit: OrgNode) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "active": unit.active}


def branch_dict(branch: Branch, members: int | None = None) -> dict:
    data = {
        "id": branch.id, "code": branch.code, "name": branch.name,
        "category": branch.category, "category_label": branch.category_label,
        "unit": {"id": branch.unit_id, "code": branch.unit.code, "name": branch.unit.name},
        "parent": {"id": branch.parent_id, "code": branch.parent.code, "name": branch.parent.name,
                   "kind": branch.parent.kind},
        "secretary_name": branch.secretary_name, "active": branch.active,
    }
    if members is not None:
        data["members"] = members
    return data


def member_dict(member: Member) -> dict:
    return {"id": member.id, "name": member.name, "gender": member.gender, "birth_date": _day(member.birth_date),
            "joined_on": _day(member.joined_on), "status": member.status, "post": member.post,
            "branch_id": member.branch_id, "active": member.active}
