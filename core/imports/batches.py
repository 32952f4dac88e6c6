"""The batches users type, importable with the same preview, identity and error rules
(core.imports.rowwise): point records (加扣分), targets with monthly progress, honours
and user accounts. Each identity is stated where it is defined and in the README.

Rights are the pages' own: point records, targets and honours need the right to review
the branch (admins, the unit's reviewers); user accounts are the admin's. A branch the
user may not see reads as unknown."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select

from core.formatting import N_, sep
from core.auth.models import ROLES, User
from core.auth.scoping import can_review, unit_ids_in_scope
from core.honours.models import LEVELS, Honour
from core.imports.rowwise import RowImport, RowRefused, changes
from core.imports.table import code_key, normalise
from core.indicators.models import INDICES
from core.ledger.models import POINT_KINDS, PointRecord
from core.org.models import Branch, OrgNode
from core.targets.models import TARGET_GROUPS, Target, TargetProgress
from core.xlsx import Column, parse_choice, parse_date, parse_decimal, parse_text

ACTIVE = {"在用": True, "已停用": False}


def _branch(session, actor, code: str, header: str = "支部编码") -> Branch:
    """The branch of `code` (NFKC, case-insensitive) that `actor` may review."""
    branch = session.scalar(select(Branch).where(func.upper(Branch.code) == code_key(code)))
    scope = unit_ids_in_scope(session, actor)
    if branch is None or (scope is not None and branch.unit_id not in scope):
        raise RowRefused(header, gettext("找不到编码为“%(code)s”的支部。", code=code))
    if not can_review(actor, branch) or not branch.active:
        raise RowRefused(header, gettext("支部“%(code)s”不在您的管理范围内或已停用。", code=code))
    return branch



def parse_month(value):
    """2026-03, 2026年3月 or a date cell → the month's first day."""
    from datetime import date, datetime

    from core.periods.keys import PeriodKey
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1)
    text = normalise(value).replace("年", "-").replace("月", "").replace("/", "-")
    parts = text.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        text = f"{parts[0]}-{int(parts[1]):02d}"
    try:
        key = PeriodKey.parse(text)
    except ValueError:
        raise ValueError(gettext("月份格式应为 2026-03。")) from None
    if key.kind != "month":
        raise ValueError(gettext("月份格式应为 2026-03。"))
    return key.starts_on


# ---------------------------------------------------------------- point records (加扣分)

POINT_COLUMNS = [
    Column("支部编码", "branch", parse_text(32), example="LT-0101"),
    Column("类别", "kind", parse_choice(POINT_KINDS), example="加分", choices=tuple(POINT_KINDS.values())),
    Column("日期", "dated", parse_date, example="2026-03-15", number_format="yyyy-mm-dd"),
    Column("分值", "points", parse_decimal(), required=False, example="2", number_format="0.00",
           hint=lazy_gettext("否决填 0 或留空")),
    Column("事由", "reason", parse_text(500), example="获市级先进基层党组织"),
    Column("指标编码", "indicator_code", parse_text(40), required=False, example=""),
]
_POINT_HEADERS = {"points": "分值", "indicator_code": "指标编码"}


def _point_identify(session, actor, row):
    """A point record is (branch, kind, date, reason): the same line typed again is the
    same record; a different value of it is a change."""
    branch = _branch(session, actor, row["branch"])
    existing = session.scalar(select(PointRecord).where(
        PointRecord.branch_id == branch.id, PointRecord.kind == row["kind"], PointRecord.dated == row["dated"],
        PointRecord.reason == row["reason"].strip()).order_by(PointRecord.id).limit(1))
    row["_branch"] = branch
    return (branch.id, row["kind"], row["dated"], row["reason"].strip()), \
        f"{branch.code} {POINT_KINDS[row['kind']]} {row['dated']}", existing


def _point_values(row) -> dict:
    points = Decimal(0) if row["kind"] == "veto" else (row.get("points") or Decimal(0))
    return {"points": points.quantize(Decimal("0.01")), "indicator_code": row.get("indicator_code") or None}


def _point_compare(existing, row):
    return changes({"points": Decimal(existing.points), "indicator_code": existing.indicator_code},
                   _point_values(row), _POINT_HEADERS)


def _point_write(session, actor, row, existing):
    from core.audit.service import record
    from core.ledger.services import add_point_record
    from core.periods.locks import ensure_open
    if existing is None:
        add_point_record(session, branch=row["_branch"], actor=actor, kind=row["kind"], points=row.get("points"),
                         dated=row["dated"], reason=row["reason"], indicator_code=row.get("indicator_code"))
        return
    ensure_open(session, existing.dated)
    new = _point_values(row)
    if row["kind"] != "veto" and not Decimal(0) < new["points"] <= Decimal(100):
        raise ValueError(gettext("加分、扣分的分值须大于 0。"))
    old = {"points": existing.points, "indicator_code": existing.indicator_code}
    existing.points, existing.indicator_code = new["points"], new["indicator_code"]
    record(session, actor=actor, action="ledger.points.update", obj=existing, old=old, new=new,
           reason=gettext("Excel 导入"))


POINTS = RowImport("points", POINT_COLUMNS, _point_identify, _point_compare, _point_write)


# ---------------------------------------------------------------- honours

HONOUR_COLUMNS = [
    Column("支部编码", "branch", parse_text(32), example="LT-0101"),
    Column("荣誉名称", "title", parse_text(200), example="先进基层党组织"),
    Column("级别", "level", parse_choice(LEVELS), example="市级", choices=tuple(LEVELS.values())),
    Column("颁发单位", "issuer", parse_text(120), example="中共某市委"),
    Column("授予日期", "awarded_on", parse_date, example="2026-07-01", number_format="yyyy-mm-dd"),
    Column("备注", "note", parse_text(500), required=False, example=""),
]
_HONOUR_HEADERS = {"level": "级别", "issuer": "颁发单位", "note": "备注"}


def _honour_identify(session, actor, row):
    """An honour is (branch, title, award date)."""
    branch = _branch(session, actor, row["branch"])
    row["_branch"] = branch
    existing = session.scalar(select(Honour).where(Honour.branch_id == branch.id, Honour.title == row["title"],
                                                   Honour.awarded_on == row["awarded_on"]).limit(1))
    return (branch.id, row["title"], row["awarded_on"]), f"{branch.code} {row['title']}", existing


def _honour_values(row) -> dict:
    return {"title": row["title"], "level": row["level"], "issuer": row["issuer"], "awarded_on": row["awarded_on"],
            "note": row.get("note") or None}


def _honour_compare(existing, row):
    return changes({"level": existing.level, "issuer": existing.issuer, "note": existing.note},
                   _honour_values(row), _HONOUR_HEADERS)


def _honour_write(session, actor, row, existing):
    from core.honours.services import create_honour, update_honour
    if existing is None:
        create_honour(session, branch=row["_branch"], actor=actor, values=_honour_values(row))
    else:
        update_honour(session, existing, actor=actor, values=_honour_values(row), version=None)


HONOURS = RowImport("honours", HONOUR_COLUMNS, _honour_identify, _honour_compare, _honour_write)


# ---------------------------------------------------------------- targets with monthly progress

TARGET_COLUMNS = [
    Column("支部编码", "branch", parse_text(32), example="LT-0101"),
    Column("目标", "title", parse_text(200), example="全年安全生产无事故"),
    Column("类别", "group", parse_choice(TARGET_GROUPS), example="安全生产经营", choices=tuple(TARGET_GROUPS.values())),
    Column("指数", "index_code", parse_choice(INDICES), example="星级业绩", choices=tuple(INDICES.values())),
    Column("分值", "points", parse_decimal(), example="5", number_format="0.00"),
    Column("责任人", "owner", parse_text(60), example="王建国"),
    Column("完成期限", "deadline", parse_date, example="2026-12-31", number_format="yyyy-mm-dd"),
    Column("月份", "month", parse_month, required=False, example="2026-03",
           hint=lazy_gettext("与“完成率”一起填写，登记该月进度；同一目标可有多行（每月一行）")),
    Column("完成率（%）", "completion", parse_decimal(), required=False, example="30", number_format="0.00"),
    Column("说明", "note", parse_text(500), required=False, example=""),
]
_TARGET_HEADERS = {"group": "类别", "index_code": "指数", "points": "分值", "owner": "责任人", "deadline": "完成期限"}


def _target_identify(session, actor, row):
    """A target is (branch, title); its progress is (target, month)."""
    branch = _branch(session, actor, row["branch"])
    row["_branch"] = branch
    target = session.scalar(select(Target).where(Target.branch_id == branch.id, Target.title == row["title"])
                            .order_by(Target.id).limit(1))
    if (row.get("month") is None) != (row.get("completion") is None):
        raise RowRefused("月份", gettext("“月份”和“完成率（%）”须同时填写。"))
    progress = None
    if target is not None and row.get("month"):
        progress = session.scalar(select(TargetProgress).where(TargetProgress.target_id == target.id,
                                                               TargetProgress.month == row["month"]))
    row["_progress"] = progress
    label = f"{branch.code} {row['title']}" + (f" {row['month']:%Y-%m}" if row.get("month") else "")
    return (branch.id, row["title"], row.get("month")), label, target


def _target_values(row) -> dict:
    return {"title": row["title"], "group": row["group"], "index_code": row["index_code"],
            "points": (row.get("points") or Decimal(0)).quantize(Decimal("0.01")), "owner": row["owner"],
            "deadline": row["deadline"]}


def _target_compare(existing, row):
    cells = changes({"group": existing.group, "index_code": existing.index_code, "points": Decimal(existing.points),
                     "owner": existing.owner, "deadline": existing.deadline}, _target_values(row), _TARGET_HEADERS)
    if row.get("month"):
        progress = row.get("_progress")
        old = {"completion": Decimal(progress.completion) if progress else None,
               "note": progress.note if progress else None}
        cells += changes(old, {"completion": row["completion"].quantize(Decimal("0.01")), "note": row.get("note") or None},
                         {"completion": f"{row['month']:%Y-%m} 完成率（%）", "note": f"{row['month']:%Y-%m} 说明"})
    return cells


def _target_write(session, actor, row, existing):
    from core.targets.services import create_targets, record_progress, update_target
    values = _target_values(row)
    if existing is None:
        existing = create_targets(session, actor=actor, data=values, branches=[row["_branch"]])[0]
    elif changes({"group": existing.group, "index_code": existing.index_code, "points": Decimal(existing.points),
                  "owner": existing.owner, "deadline": existing.deadline}, values, _TARGET_HEADERS):
        update_target(session, target=existing, actor=actor, data={**values, "description": existing.description})
    if row.get("month"):
        record_progress(session, target=existing, actor=actor, month=row["month"], completion=row["completion"],
                        note=row.get("note"))


TARGETS = RowImport("targets", TARGET_COLUMNS, _target_identify, _target_compare, _target_write)


# ---------------------------------------------------------------- user accounts

USER_COLUMNS = [
    Column("用户名", "username", parse_text(60), example="wangjg"),
    Column("姓名", "display_name", parse_text(60), example="王建国"),
    Column("角色", "role", parse_choice(ROLES), example="支部书记", choices=tuple(ROLES.values())),
    Column("支部编码", "branch", parse_text(32), required=False, example="LT-0101", hint=lazy_gettext("支部书记填写")),
    Column("二级单位编码", "units", parse_text(500), required=False, example="",
           hint=lazy_gettext("审核员、只读用户填写；多个用顿号或逗号分隔")),
    Column("初始密码", "password", parse_text(128), required=False, example="",
           hint=lazy_gettext("新账号必填（至少 8 位）；已有账号的密码不会被导入修改")),
    Column("状态", "active", parse_choice({"1": "在用", "0": "已停用"}), required=False, example="在用",
           choices=tuple(ACTIVE)),
]
_USER_HEADERS = {"display_name": "姓名", "role": "角色", "branch_code": "支部编码", "unit_codes": "二级单位编码",
                 "active": "状态"}


def _user_identify(session, actor, row):
    """An account is its user name (case as typed, NFKC)."""
    if actor is None or actor.role != "admin":
        raise RowRefused("", gettext("只有组织部管理员可以导入用户。"))
    username = normalise(row["username"])
    row["username"] = username
    row["_branch_id"] = None
    if row.get("branch"):
        branch = session.scalar(select(Branch).where(func.upper(Branch.code) == code_key(row["branch"])))
        if branch is None:
            raise RowRefused("支部编码", gettext("找不到编码为“%(code)s”的支部。", code=row["branch"]))
        row["_branch_id"], row["branch"] = branch.id, branch.code
    codes = [code_key(c) for c in normalise(row.get("units") or "").replace("，", ",").replace("、", ",").split(",")
             if c.strip()]
    units = {code_key(n.code): n for n in session.scalars(select(OrgNode).where(
        func.upper(OrgNode.code).in_(codes), OrgNode.kind == "unit"))} if codes else {}
    missing = [c for c in codes if c not in units]
    if missing:
        raise RowRefused("二级单位编码", gettext("找不到编码为“%(code)s”的二级单位。", code=sep("list").join(missing)))
    row["_unit_ids"] = sorted({units[c].id for c in codes})
    row["units"] = "、".join(sorted(units[c].code for c in set(codes)))
    existing = session.scalar(select(User).where(User.username == username))
    if existing is not None:
        row["_old"] = {"display_name": existing.display_name, "role": existing.role,
                       "branch_code": session.scalar(select(Branch.code).where(Branch.id == existing.branch_id))
                       if existing.branch_id else None,
                       "unit_codes": "、".join(sorted(session.scalars(select(OrgNode.code).where(
                           OrgNode.id.in_(sorted(existing.unit_ids)))))), "active": existing.active}
    if existing is None and not row.get("password"):
        raise RowRefused("初始密码", gettext("新账号须填写初始密码。"))
    if row.get("password") and len(row["password"]) < 8:
        raise RowRefused("初始密码", gettext("密码至少 8 位。"))
    return username, username, existing


def _user_values(row) -> dict:
    role = row["role"]
    return {"display_name": row["display_name"], "role": role,
            "branch_code": row.get("branch") if role == "secretary" else None,
            "unit_codes": row.get("units") if role in ("reviewer", "viewer") else "",
            **({"active": row["active"] == "1"} if row.get("active") else {})}


def _user_compare(existing, row):
    return changes(row["_old"], _user_values(row), _USER_HEADERS)


def _user_write(session, actor, row, existing):
    from core.users.services import create_user, set_user_active, update_user
    values = {"username": row["username"], "display_name": row["display_name"], "role": row["role"],
              "branch_id": row["_branch_id"], "unit_ids": row["_unit_ids"]}
    if existing is None:
        user = create_user(session, values, password=row["password"], actor=actor)
    else:
        user = update_user(session, existing, values, version=existing.version, actor=actor)
    if row.get("active") and (row["active"] == "1") != user.active:
        set_user_active(session, user, row["active"] == "1", actor=actor)


USERS = RowImport("users", USER_COLUMNS, _user_identify, _user_compare, _user_write)

KINDS = {"points": (POINTS, N_("加扣分记录")), "honours": (HONOURS, N_("荣誉")), "targets": (TARGETS, N_("目标及进度")),
         "users": (USERS, N_("用户"))}
