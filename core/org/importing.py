"""Excel/CSV import and export of branches and members, with a preview (core.imports).

Decisions (README "Excel 导入与导出"):
- Identity: a branch is its code (NFKC, trimmed, case-insensitive); a member is his
  member number (党员编号, generated when absent and carried in every export), or when
  the row has none, (branch, name, birth date): one such member is that member, several
  (or two such rows in the file) are refused as 可能重复.
- An existing row whose cells are equal is unchanged; a different one is updated (only
  the columns present in the file; an empty cell of a present column clears it); rows
  absent from the file are left alone; deactivation is the 状态 column (在用/已停用).
- A member's branch is not changed by an import (a move is a 转接 with its history).
- Every error of the file is reported in one pass; with any error nothing is written.
- Apply writes with set-based statements (bulk insert and update) so 100,000 members
  fit the figures in the README; audit: one entry per changed row, one per unit for
  the rows created."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from core.audit.service import record, record_many
from core.auth.scoping import unit_ids_in_scope
from core.imports.plan import Plan, RowChange, cell_changes
from core.imports.table import Problems, code_key, gc_paused, normalise, read_tables
from core.org.models import (CATEGORIES, GENDERS, MEMBER_STATUSES, NUMBER_PREFIX, Branch, Member, OrgNode,
                             next_member_numbers)
from core.org.services import can_edit_members, can_manage_branch, check_member_values, parent_nodes_for
from core.xlsx import Column, Sheet, parse_choice, parse_date, parse_text, template_workbook, write_workbook

BRANCH_SHEET = "支部"
MEMBER_SHEET = "党员"
_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")
_GENERATED = re.compile(rf"^{NUMBER_PREFIX}\d{{8}}$")
ACTIVE = {"在用": True, "启用": True, "已停用": False, "停用": False}


def parse_code(value):
    """A code as typed in Excel or WPS: NFKC (ＬＴ－０２ → LT-02), trimmed; a number cell
    (1001.0) becomes its digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise(value)
    if len(text) > 32:
        raise ValueError(gettext("不能超过 32 个字符。"))
    if not _CODE.match(text):
        raise ValueError(gettext("编码只能包含字母、数字、下划线和连字符。"))
    return text


def parse_status(value):
    """正式/预备 are accepted besides 正式党员/预备党员 and the codes."""
    text = normalise(value)
    short = {"正式": "full", "预备": "probationary"}
    if text in short:
        return short[text]
    return parse_choice(MEMBER_STATUSES)(text)


def parse_active(value):
    text = normalise(value)
    if text in ACTIVE:
        return ACTIVE[text]
    raise ValueError(gettext("应为“在用”或“已停用”。"))


BRANCH_COLUMNS = [
    Column("支部编码", "code", parse_code, example="LT-0101", hint=lazy_gettext("字母、数字、连字符；按编码识别已有支部")),
    Column("支部名称", "name", parse_text(120), example="1号高炉作业区党支部"),
    Column("支部类别", "category", parse_choice(CATEGORIES), example="生产类", choices=tuple(CATEGORIES.values())),
    Column("上级组织编码", "parent_code", parse_code, example="LT", hint=lazy_gettext("二级单位党委或党总支的编码")),
    Column("支部书记", "secretary_name", parse_text(60), required=False, example="王建国"),
    Column("状态", "active", parse_active, required=False, example="在用", choices=tuple(ACTIVE)[::2],
           hint=lazy_gettext("在用 / 已停用；留空或无此列不改变状态")),
    Column("成立日期", "founded_on", parse_date, required=False, example="2012-07-01", number_format="yyyy-mm-dd",
           hint=lazy_gettext("支部成立的日期；台账检查从这一天起计算应开会议")),
]

MEMBER_COLUMNS = [
    Column("党员编号", "number", parse_code, required=False, example="",
           hint=lazy_gettext("导出文件中带有；新党员留空，系统自动生成；按编号识别已有党员")),
    Column("支部编码", "branch_code", parse_code, example="LT-0101"),
    Column("姓名", "name", parse_text(60), example="李明"),
    Column("性别", "gender", parse_choice(GENDERS), example="男", choices=tuple(GENDERS.values())),
    Column("出生日期", "birth_date", parse_date, required=False, example="1985-06-12", number_format="yyyy-mm-dd"),
    Column("入党日期", "joined_on", parse_date, required=False, example="2010-07-01", number_format="yyyy-mm-dd"),
    Column("党员类别", "status", parse_status, example="正式党员", choices=tuple(MEMBER_STATUSES.values())),
    Column("岗位", "post", parse_text(60), required=False, example="炉前工"),
    Column("状态", "active", parse_active, required=False, example="在用", choices=tuple(ACTIVE)[::2],
           hint=lazy_gettext("在用 / 已停用；留空或无此列不改变状态")),
]

BRANCH_HEADERS = {c.key: c.header for c in BRANCH_COLUMNS}
MEMBER_HEADERS = {c.key: c.header for c in MEMBER_COLUMNS}
#: Member fields an import compares and writes (number and branch are the identity).
MEMBER_VALUES = ("name", "gender", "birth_date", "joined_on", "status", "post", "active")
BRANCH_VALUES = ("name", "category", "parent_code", "secretary_name", "active", "founded_on")


def _read(book, columns, problems) -> list[dict]:
    """Rows with `_cols`, the columns their sheet has (one shared frozenset per sheet)."""
    rows = read_tables(book, columns, problems)
    shared: dict = {}
    for row in rows:
        if "_cols" not in row:
            keys = tuple(k for k in row if not k.startswith("_"))
            row["_cols"] = shared.setdefault(keys, frozenset(keys))
    return rows


# ---------------------------------------------------------------- branches

@dataclass
class BranchPayload:
    creates: list[dict]
    updates: list[tuple[Branch, dict, dict]]  # branch, old values, new values
    nodes: dict


@gc_paused
def plan_branches(session: Session, book, *, actor) -> Plan:
    """The preview of a branch import (nothing written)."""
    problems = Problems()
    rows = _read(book, BRANCH_COLUMNS, problems)
    keys = {code_key(r["code"]) for r in rows if r.get("code")}
    pkeys = {code_key(r["parent_code"]) for r in rows if r.get("parent_code")}
    existing = {code_key(b.code): b for b in _by_codes(session, Branch, keys)}
    nodes = {code_key(n.code): n for n in _by_codes(session, OrgNode, pkeys)}
    allowed = {n.id for n in parent_nodes_for(session, actor)}
    plan = Plan("branches", problems=problems)
    creates, updates, seen = [], [], {}
    for row in rows:
        sheet, n, code = row["_sheet"], row["_row"], row.get("code")
        bad = problems.error_count
        if code:
            key = code_key(code)
            if key in seen:
                problems.error(sheet, n, BRANCH_HEADERS["code"],
                               gettext("支部编码“%(code)s”与第 %(row)s 行重复。", code=code, row=seen[key]))
            seen.setdefault(key, n)
            branch = existing.get(key)
            if branch is not None and not can_manage_branch(actor, branch):
                problems.error(sheet, n, BRANCH_HEADERS["code"],
                               gettext("支部编码“%(code)s”已被其他单位的支部使用，不在您的管理范围内。", code=code))
        pcode = row.get("parent_code")
        node = nodes.get(code_key(pcode)) if pcode else None
        if pcode:
            if node is None or node.kind not in ("unit", "general_branch"):
                problems.error(sheet, n, BRANCH_HEADERS["parent_code"],
                               gettext("找不到编码为“%(code)s”的二级单位党委或党总支。", code=pcode))
            elif node.id not in allowed:
                problems.error(sheet, n, BRANCH_HEADERS["parent_code"],
                               gettext("上级组织“%(code)s”不在您的管理范围内或已停用。", code=pcode))
        if problems.error_count != bad or not code or not node:
            continue
        new = {k: row.get(k) for k in BRANCH_VALUES if k in row["_cols"]}
        if new.get("active") is None:
            new.pop("active", None)  # an empty 状态 keeps the status
        new["parent_code"] = node.code
        new["secretary_name"] = new.get("secretary_name") or None
        branch = existing.get(code_key(code))
        label = f"{code} {row.get('name') or ''}".strip()
        if branch is None:
            creates.append({**new, "code": code, "active": new.get("active", True), "_node": node})
            plan.new.append(RowChange(sheet, n, label))
            continue
        old = {"name": branch.name, "category": branch.category, "parent_code": branch.parent.code,
               "secretary_name": branch.secretary_name, "active": branch.active, "founded_on": branch.founded_on}
        changes = _labelled(cell_changes(old, new, {k: BRANCH_HEADERS[k] for k in BRANCH_VALUES}))
        if changes:
            plan.changed.append(RowChange(sheet, n, label, changes))
            updates.append((branch, old, {**new, "_node": node}))
        else:
            plan.unchanged += 1
    plan.payload = BranchPayload(creates, updates, nodes)
    return plan


def apply_branches(session: Session, plan: Plan, *, actor) -> dict:
    """Write a checked branch plan; the caller commits."""
    payload: BranchPayload = plan.payload
    created_by_unit: dict[int, list[str]] = {}
    for values in payload.creates:
        node = values["_node"]
        session.add(Branch(code=values["code"], name=values["name"], category=values["category"], parent_id=node.id,
                           unit_id=node.unit_id, secretary_name=values.get("secretary_name"),
                           founded_on=values.get("founded_on"), active=values["active"], version=1))
        created_by_unit.setdefault(node.unit_id, []).append(values["code"])
    for branch, old, new in payload.updates:
        node = new["_node"]
        before = {k: old[k] for k in BRANCH_VALUES}
        for k in ("name", "category", "secretary_name", "active", "founded_on"):
            if k in new:
                setattr(branch, k, new[k])
        branch.parent_id, branch.unit_id = node.id, node.unit_id
        branch.version = (branch.version or 0) + 1
        after = {**before, **{k: v for k, v in new.items() if not k.startswith("_")}}
        changed = [k for k in BRANCH_VALUES if before.get(k) != after.get(k)]
        record(session, actor=actor, action="branch.update", obj=branch, old={k: before[k] for k in changed},
               new={k: after[k] for k in changed}, reason=gettext("Excel 导入"))
    session.flush()
    for unit_id, codes in created_by_unit.items():
        record(session, actor=actor, action="branch.import", object_type="branches",
               new={"created": len(codes), "codes": sorted(codes)}, unit_id=unit_id)
    return {"created": len(payload.creates), "updated": len(payload.updates), "unchanged": plan.unchanged}


#: How the preview shows coded values: the labels the file itself uses.
_LABELS = {"性别": GENDERS, "党员类别": MEMBER_STATUSES, "支部类别": CATEGORIES, "状态": {True: "在用", False: "已停用"}}


def _labelled(changes):
    for c in changes:
        labels = _LABELS.get(c.column)
        if labels:
            c.old, c.new = labels.get(c.old, c.old), labels.get(c.new, c.new)
    return changes


def _by_codes(session, model, keys):
    keys = sorted(keys)
    out = []
    for i in range(0, len(keys), 500):
        out.extend(session.scalars(select(model).where(func.upper(model.code).in_(keys[i:i + 500]))))
    return out


# ---------------------------------------------------------------- members

_MEMBER_COLS = (Member.id, Member.number, Member.branch_id, Member.version, *(getattr(Member, f) for f in MEMBER_VALUES))


@dataclass
class MemberPayload:
    creates: list[dict]
    updates: list[tuple[int, int, dict, dict, int]]  # id, version, old, new, unit id


@gc_paused
def plan_members(session: Session, book, *, actor) -> Plan:
    """The preview of a member import (nothing written)."""
    problems = Problems()
    rows = _read(book, MEMBER_COLUMNS, problems)
    branches = {code_key(b.code): b for b in _by_codes(session, Branch, {code_key(r["branch_code"]) for r in rows
                                                                            if r.get("branch_code")})}
    scope = unit_ids_in_scope(session, actor)
    by_number = _members_by_number(session, {code_key(r["number"]) for r in rows if r.get("number")})
    unnumbered = {branches[code_key(r["branch_code"])].id for r in rows
                  if not r.get("number") and r.get("branch_code") and code_key(r["branch_code"]) in branches}
    by_person: dict[tuple, list] = {}
    for m in _members_of_branches(session, unnumbered):
        by_person.setdefault((m.branch_id, m.name, m.birth_date), []).append(m)
    branch_names = {b.id: b.code for b in branches.values()}
    plan = Plan("members", problems=problems)
    creates, updates = [], []
    seen_numbers: dict[str, int] = {}
    seen_people: dict[tuple, int] = {}
    claimed: set[int] = set()
    headers = {k: MEMBER_HEADERS[k] for k in MEMBER_VALUES}
    for row in rows:
        sheet, n = row["_sheet"], row["_row"]
        bad = problems.error_count
        branch = None
        code = row.get("branch_code")
        if code:
            branch = branches.get(code_key(code))
            if branch is None or (scope is not None and branch.unit_id not in scope):
                problems.error(sheet, n, MEMBER_HEADERS["branch_code"], gettext("找不到编码为“%(code)s”的支部。", code=code))
                branch = None
            elif not can_edit_members(actor, branch) or not branch.active:
                problems.error(sheet, n, MEMBER_HEADERS["branch_code"],
                               gettext("支部“%(code)s”不在您的管理范围内或已停用。", code=code))
                branch = None
        for fld, message in check_member_values(row):
            if row.get(fld) is not None:  # unparsed cells already have their error
                problems.error(sheet, n, MEMBER_HEADERS[fld], message)
        member = None
        number = code_key(row["number"]) if row.get("number") else None
        if number:
            if number in seen_numbers:
                problems.error(sheet, n, MEMBER_HEADERS["number"],
                               gettext("党员编号“%(no)s”与第 %(row)s 行重复。", no=number, row=seen_numbers[number]))
            seen_numbers.setdefault(number, n)
            member = by_number.get(number)
            if member is None and _GENERATED.match(number):
                problems.error(sheet, n, MEMBER_HEADERS["number"],
                               gettext("找不到党员编号“%(no)s”：以 %(p)s 开头的编号由系统生成，新党员请留空。",
                                       no=number, p=NUMBER_PREFIX))
            elif member is not None and branch is not None and member.branch_id != branch.id:
                problems.error(sheet, n, MEMBER_HEADERS["branch_code"],
                               gettext("党员编号“%(no)s”属于其他支部的党员：调整所在支部请使用“组织关系转接”。", no=number))
        elif branch is not None and row.get("name"):
            person = (branch.id, row["name"], row.get("birth_date"))
            if person in seen_people:
                problems.error(sheet, n, MEMBER_HEADERS["name"],
                               gettext("可能重复：与第 %(row)s 行同一支部、同名且出生日期相同；如确为两人，请填写党员编号。",
                                       row=seen_people[person]))
            seen_people.setdefault(person, n)
            matches = [m for m in by_person.get(person, ()) if m.id not in claimed]
            if len(matches) > 1:
                problems.error(sheet, n, MEMBER_HEADERS["name"],
                               gettext("可能重复：支部内有 %(k)s 名同名且出生日期相同的党员，无法确定是哪一位；"
                                       "请填写党员编号（见导出文件）。", k=len(matches)))
            elif matches:
                member = matches[0]
        if problems.error_count != bad or branch is None:
            continue
        if member is not None:
            if member.id in claimed:
                problems.error(sheet, n, MEMBER_HEADERS["number"], gettext("该党员在文件中出现了不止一次。"))
                continue
            claimed.add(member.id)
        new = {k: row.get(k) for k in MEMBER_VALUES if k in row["_cols"]}
        if new.get("active") is None:
            new.pop("active", None)  # an empty 状态 keeps the status
        if "post" in new:
            new["post"] = new["post"] or None
        label = f"{number or ''} {branch.code} {row['name']}".strip()
        if member is None:
            creates.append({"number": number, "branch_id": branch.id, "unit_id": branch.unit_id,
                            **{k: new.get(k) for k in MEMBER_VALUES}, "active": new.get("active", True)})
            plan.new.append(RowChange(sheet, n, label))
            continue
        old = {k: getattr(member, k) for k in MEMBER_VALUES}
        changes = _labelled(cell_changes(old, new, headers))
        if changes:
            plan.changed.append(RowChange(sheet, n, f"{member.number} {branch_names.get(member.branch_id, '')} "
                                                    f"{member.name}", changes))
            updates.append((member.id, member.version, old, new, branch.unit_id))
        else:
            plan.unchanged += 1
    plan.payload = MemberPayload(creates, updates)
    return plan


def _members_by_number(session, numbers) -> dict:
    numbers = sorted(numbers)
    out = {}
    for i in range(0, len(numbers), 900):
        for m in session.execute(select(*_MEMBER_COLS).where(Member.number.in_(numbers[i:i + 900]))):
            out[m.number] = m
    return out


def _members_of_branches(session, branch_ids):
    ids = sorted(branch_ids)
    for i in range(0, len(ids), 900):
        yield from session.execute(select(*_MEMBER_COLS).where(Member.branch_id.in_(ids[i:i + 900])))


@gc_paused
def apply_members(session: Session, plan: Plan, *, actor) -> dict:
    """Write a checked member plan with set-based statements; the caller commits."""
    payload: MemberPayload = plan.payload
    creates = payload.creates
    fresh = iter(next_member_numbers(session, sum(1 for c in creates if not c["number"])))
    for i in range(0, len(creates), 5000):  # in chunks: 100,000 rows are not copied at once
        session.execute(insert(Member), [{**{k: v for k, v in c.items() if k != "unit_id"},
                                          "number": c["number"] or next(fresh), "version": 1}
                                         for c in creates[i:i + 5000]])
    if payload.updates:
        session.execute(update(Member), [{"id": mid, **new, "version": version + 1}
                                         for mid, version, _old, new, _unit in payload.updates])
        audit = []
        for mid, _version, old, new, unit_id in payload.updates:
            keys = [k for k in new if old.get(k) != new[k]]
            audit.append({"actor": actor, "action": "member.update", "object_type": "members", "object_id": mid,
                          "old": {k: old[k] for k in keys}, "new": {k: new[k] for k in keys},
                          "reason": gettext("Excel 导入"), "unit_id": unit_id})
        record_many(session, audit)
    for unit_id, count in _count_by(c["unit_id"] for c in creates).items():
        record(session, actor=actor, action="member.import", object_type="members", new={"created": count},
               unit_id=unit_id)
    session.flush()
    return {"created": len(creates), "updated": len(payload.updates), "unchanged": plan.unchanged}


def _count_by(values) -> dict:
    out: dict = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


# ---------------------------------------------------------------- templates and exports

def _lines(what: str) -> list[str]:
    return [gettext("在“%(s)s”工作表中从第 2 行起填写，一行一条；不要修改第 1 行的列名。", s=what),
            gettext("导入前会先显示预览：新增、修改（原值 → 新值）、未变和全部错误；确认后才写入。"),
            gettext("文件中没有的记录不会被删除；停用请在“状态”列填写“已停用”。"),
            gettext("可以直接修改导出的文件后重新导入：按编码（党员按党员编号）识别已有记录。")]


def branch_template() -> bytes:
    return template_workbook(BRANCH_SHEET, BRANCH_COLUMNS, lines=_lines(BRANCH_SHEET))


def member_template() -> bytes:
    return template_workbook(MEMBER_SHEET, MEMBER_COLUMNS, lines=_lines(MEMBER_SHEET))


def export_branches(session: Session, stmt) -> bytes:
    """The branches of `stmt` (already scoped and filtered): the import columns first,
    so an edited export reads back through the import."""
    from core.org.services import member_counts

    branches = list(session.scalars(stmt.options(joinedload(Branch.parent), joinedload(Branch.unit))))
    counts = member_counts(session, [b.id for b in branches])
    rows = [[b.code, b.name, b.category_label, b.parent.code, b.secretary_name or "", "在用" if b.active else "已停用",
             b.founded_on, b.unit.name, counts.get(b.id, 0)] for b in branches]
    headers = [c.header for c in BRANCH_COLUMNS] + ["所属二级单位", "党员人数"]
    return write_workbook([Sheet(BRANCH_SHEET, headers, rows, widths=[14, 30, 12, 14, 12, 8, 12, 24, 10],
                                 formats={6: "yyyy-mm-dd"})])


def member_rows(session: Session, stmt):
    """Export rows of the members of `stmt`, streamed (no ORM objects for 100,000 rows)."""
    for m in session.scalars(stmt.options(joinedload(Member.branch)).execution_options(yield_per=2000)):
        yield [m.number, m.branch.code, m.name, m.gender_label, m.birth_date, m.joined_on, m.status_label,
               m.post or "", "在用" if m.active else "已停用", m.branch.name]


def export_members(session: Session, stmt) -> bytes:
    headers = [c.header for c in MEMBER_COLUMNS] + ["支部名称"]
    return write_workbook([Sheet(MEMBER_SHEET, headers, member_rows(session, stmt),
                                 widths=[14, 14, 12, 6, 12, 12, 10, 16, 8, 30])])
