"""Excel import and export of branches and members, through core.xlsx.

An import is all-or-nothing: every row is parsed and checked (cells, codes, scope,
duplicates in the file and in the database) before anything is written; one bad cell
and nothing is written, every error reported by sheet/row/column in Chinese."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.audit.service import record
from core.auth.scoping import unit_ids_in_scope
from core.org.models import CATEGORIES, GENDERS, MEMBER_STATUSES, Branch, Member, OrgNode
from core.org.services import can_edit_members, check_member_values, parent_nodes_for
from core.xlsx import (CellError, Column, ImportFileError, Sheet, open_workbook, parse_choice, parse_date,
                       parse_text, read_rows, template_workbook, write_workbook)

BRANCH_SHEET = "支部"
MEMBER_SHEET = "党员"
_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")


def parse_code(value):
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if len(text) > 32:
        raise ValueError(gettext("不能超过 32 个字符。"))
    if not _CODE.match(text):
        raise ValueError(gettext("编码只能包含字母、数字、下划线和连字符。"))
    return text


def parse_status(value):
    """正式/预备 are accepted besides 正式党员/预备党员 and the codes."""
    text = str(value).strip()
    short = {"正式": "full", "预备": "probationary"}
    if text in short:
        return short[text]
    return parse_choice(MEMBER_STATUSES)(text)


BRANCH_COLUMNS = [
    Column("支部编码", "code", parse_code, example="LT-0101"),
    Column("支部名称", "name", parse_text(120), example="1号高炉作业区党支部"),
    Column("支部类别", "category", parse_choice(CATEGORIES), example="生产类"),
    Column("上级组织编码", "parent_code", parse_code, example="LT"),
    Column("支部书记", "secretary_name", parse_text(60), required=False, example="王建国"),
    Column("成立日期", "founded_on", parse_date, required=False, example="2012-07-01"),
]

MEMBER_COLUMNS = [
    Column("支部编码", "branch_code", parse_code, example="LT-0101"),
    Column("姓名", "name", parse_text(60), example="李明"),
    Column("性别", "gender", parse_choice(GENDERS), example="男"),
    Column("出生日期", "birth_date", parse_date, required=False, example="1985-06-12"),
    Column("入党日期", "joined_on", parse_date, required=False, example="2010-07-01"),
    Column("党员类别", "status", parse_status, example="正式党员"),
    Column("岗位", "post", parse_text(60), required=False, example="炉前工"),
]

_HEADER = {c.key: c.header for c in BRANCH_COLUMNS + MEMBER_COLUMNS}
_MEMBER_HEADER = {c.key: c.header for c in MEMBER_COLUMNS}


@dataclass
class ImportOutcome:
    created: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _sheet(wb, title):
    return wb[title] if title in wb.sheetnames else wb.worksheets[0]


def _read(stream, title, columns):
    try:
        wb = open_workbook(stream)
    except ImportFileError as exc:
        return None, [CellError(title, 0, "", str(exc))]
    ws = _sheet(wb, title)
    result = read_rows(ws, columns, sheet_name=ws.title)
    return result, list(result.errors)


def import_branches(session: Session, stream, *, actor) -> ImportOutcome:
    """Create the branches of the sheet, or none of them."""
    result, errors = _read(stream, BRANCH_SHEET, BRANCH_COLUMNS)
    if result is None:
        return ImportOutcome(errors=errors)
    sheet = BRANCH_SHEET
    codes = [r["code"] for r in result.rows if r.get("code")]
    parent_codes = {r["parent_code"] for r in result.rows if r.get("parent_code")}
    taken = set(session.scalars(select(Branch.code).where(Branch.code.in_(codes)))) if codes else set()
    nodes = {n.code: n for n in session.scalars(select(OrgNode).where(OrgNode.code.in_(parent_codes)))} if parent_codes else {}
    allowed = {n.id for n in parent_nodes_for(session, actor)}
    seen: dict[str, int] = {}
    for row in result.rows:
        n, code = row["_row"], row.get("code")
        if code:
            if code in seen:
                errors.append(CellError(sheet, n, _HEADER["code"], gettext("支部编码“%(code)s”与第 %(row)s 行重复。", code=code, row=seen[code])))
            else:
                seen[code] = n
            if code in taken:
                errors.append(CellError(sheet, n, _HEADER["code"], gettext("支部编码“%(code)s”已存在于系统中。", code=code)))
        pcode = row.get("parent_code")
        if pcode:
            node = nodes.get(pcode)
            if node is None or node.kind not in ("unit", "general_branch"):
                errors.append(CellError(sheet, n, _HEADER["parent_code"],
                                        gettext("找不到编码为“%(code)s”的二级单位党委或党总支。", code=pcode)))
            elif node.id not in allowed:
                errors.append(CellError(sheet, n, _HEADER["parent_code"],
                                        gettext("上级组织“%(code)s”不在您的管理范围内或已停用。", code=pcode)))
    outcome = ImportOutcome(errors=_ordered(errors))
    if not outcome.ok:
        return outcome
    for row in result.rows:
        node = nodes[row["parent_code"]]
        session.add(Branch(code=row["code"], name=row["name"], category=row["category"], parent_id=node.id,
                           unit_id=node.unit_id, secretary_name=row.get("secretary_name") or None,
                           founded_on=row.get("founded_on"), active=True, version=1))
    outcome.created = len(result.rows)
    session.flush()
    for unit_id, count in _count_by(nodes[r["parent_code"]].unit_id for r in result.rows).items():
        record(session, actor=actor, action="branch.import", object_type="branches",
               new={"created": count, "codes": sorted(r["code"] for r in result.rows
                                                      if nodes[r["parent_code"]].unit_id == unit_id)},
               unit_id=unit_id)
    return outcome


def import_members(session: Session, stream, *, actor) -> ImportOutcome:
    """Add the members of the sheet to their branches, or none of them."""
    result, errors = _read(stream, MEMBER_SHEET, MEMBER_COLUMNS)
    if result is None:
        return ImportOutcome(errors=errors)
    sheet = MEMBER_SHEET
    codes = {r["branch_code"] for r in result.rows if r.get("branch_code")}
    branches = {b.code: b for b in session.scalars(select(Branch).where(Branch.code.in_(codes)))} if codes else {}
    scope = unit_ids_in_scope(session, actor)
    for row in result.rows:
        n, code = row["_row"], row.get("branch_code")
        if code:
            branch = branches.get(code)
            if branch is None or (scope is not None and branch.unit_id not in scope):
                errors.append(CellError(sheet, n, _HEADER["branch_code"], gettext("找不到编码为“%(code)s”的支部。", code=code)))
            elif not can_edit_members(actor, branch) or not branch.active:
                errors.append(CellError(sheet, n, _HEADER["branch_code"],
                                        gettext("支部“%(code)s”不在您的管理范围内或已停用。", code=code)))
        for fld, message in check_member_values(row):
            if row.get(fld) is not None:  # unparsed cells already have their error
                errors.append(CellError(sheet, n, _MEMBER_HEADER[fld], message))
    outcome = ImportOutcome(errors=_ordered(errors))
    if not outcome.ok:
        return outcome
    for row in result.rows:
        session.add(Member(branch_id=branches[row["branch_code"]].id, name=row["name"], gender=row["gender"],
                           birth_date=row.get("birth_date"), joined_on=row.get("joined_on"),
                           status=row["status"], post=row.get("post") or None, active=True, version=1))
    outcome.created = len(result.rows)
    session.flush()
    for unit_id, count in _count_by(branches[r["branch_code"]].unit_id for r in result.rows).items():
        record(session, actor=actor, action="member.import", object_type="members",
               new={"created": count}, unit_id=unit_id)
    return outcome


def _ordered(errors):
    return sorted(errors, key=lambda e: (e.sheet, e.row))


def _count_by(values) -> dict:
    out: dict = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


# ---------------------------------------------------------------- templates and exports

def branch_template() -> bytes:
    return template_workbook(BRANCH_SHEET, BRANCH_COLUMNS)


def member_template() -> bytes:
    return template_workbook(MEMBER_SHEET, MEMBER_COLUMNS)


def export_branches(session: Session, stmt) -> bytes:
    """The branches of `stmt` (already scoped and filtered): the import columns first,
    so an edited export reads back through the import."""
    from core.org.services import member_counts

    branches = list(session.scalars(stmt.options(joinedload(Branch.parent), joinedload(Branch.unit))))
    counts = member_counts(session, [b.id for b in branches])
    rows = [[b.code, b.name, b.category_label, b.parent.code, b.secretary_name or "", b.founded_on, b.unit.name,
             "在用" if b.active else "已停用", counts.get(b.id, 0)] for b in branches]
    headers = [c.header for c in BRANCH_COLUMNS] + ["所属二级单位", "状态", "党员人数"]
    return write_workbook([Sheet(BRANCH_SHEET, headers, rows, widths=[14, 30, 12, 14, 12, 12, 24, 8, 10])])


def export_members(session: Session, stmt) -> bytes:
    members = session.scalars(stmt.options(joinedload(Member.branch)))
    rows = [[m.branch.code, m.name, m.gender_label, m.birth_date, m.joined_on, m.status_label, m.post or "",
             m.branch.name, "在用" if m.active else "已停用"] for m in members]
    headers = [c.header for c in MEMBER_COLUMNS] + ["支部名称", "状态"]
    return write_workbook([Sheet(MEMBER_SHEET, headers, rows, widths=[14, 12, 6, 12, 12, 10, 16, 30, 8])])
