"""The brand matrix (品牌矩阵): vanguard types × units with each unit's named and
cultivating brands — the group's "一党委一特色、一支部一品牌" overview — and its Excel
export. Scoped: a user sees the units in his scope where the plugin is enabled."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugins.api import CATEGORIES, Branch, OrgNode, Sheet, cn_date, units_enabled_in_scope, write_workbook
from plugins.brands.models import STAGES, VANGUARD_TYPES, Brand
from plugins.brands.stages import PLUGIN

#: Stage filters of the matrix: code → stages shown.
STAGE_FILTERS = {
    "": ("cultivating", "proposed", "accepted", "named"),
    "named": ("named",),
    "cultivating": ("cultivating", "proposed", "accepted"),
    "declared": ("declared",),
}


@dataclass
class Matrix:
    units: list            # OrgNode rows, columns of the matrix
    cells: dict = field(default_factory=dict)   # (vanguard type, unit id) → [(brand, branch)]
    rows: list = field(default_factory=list)    # every (brand, branch, unit) shown, for the export

    def count(self, vtype=None, unit_id=None) -> int:
        return sum(len(v) for (t, u), v in self.cells.items()
                   if (vtype is None or t == vtype) and (unit_id is None or u == unit_id))


def build(session: Session, user, *, stage: str = "", category: str = "", unit_id: int | None = None,
          vanguard_type: str = "") -> Matrix:
    units_ok = units_enabled_in_scope(session, user, PLUGIN)
    if unit_id is not None:
        units_ok &= {unit_id}
    units = list(session.scalars(select(OrgNode).where(OrgNode.id.in_(sorted(units_ok)))
                                 .order_by(OrgNode.code))) if units_ok else []
    m = Matrix(units=units)
    if not units:
        return m
    stmt = (select(Brand, Branch).join(Branch, Branch.id == Brand.branch_id)
            .where(Brand.unit_id.in_([u.id for u in units]), Branch.active.is_(True),
                   Brand.stage.in_(STAGE_FILTERS.get(stage, STAGE_FILTERS[""])))
            .order_by(Branch.code))
    if category in CATEGORIES:
        stmt = stmt.where(Branch.category == category)
    if vanguard_type in VANGUARD_TYPES:
        stmt = stmt.where(Brand.vanguard_type == vanguard_type)
    by_id = {u.id: u for u in units}
    for brand, branch in session.execute(stmt):
        m.cells.setdefault((brand.vanguard_type, brand.unit_id), []).append((brand, branch))
        m.rows.append((brand, branch, by_id[brand.unit_id]))
    return m


def export(m: Matrix, gettext) -> bytes:
    headers = [gettext("单位"), gettext("支部编码"), gettext("支部"), gettext("支部类别"), gettext("先锋类型"),
               gettext("品牌名称"), gettext("品牌口号"), gettext("阶段"), gettext("阶段日期")]
    rows = [[unit.name, branch.code, branch.name, gettext(CATEGORIES.get(branch.category, branch.category)),
             gettext(VANGUARD_TYPES[brand.vanguard_type]), brand.name, brand.slogan, gettext(STAGES[brand.stage]),
             cn_date(brand.stage_on)] for brand, branch, unit in m.rows]
    return write_workbook([Sheet(gettext("品牌矩阵"), headers, rows)])
