"""When a branch moves to another unit, its records move with it (issue #14, item 2).

The rule, one place: every table that keeps a branch's rows with a denormalised
`unit_id` beside its `branch_id` (ledger records and their attachments' records,
point records, honours, targets, objections, production figures, and any plugin
table of that shape) is rewritten to the branch's new unit, so the new unit's
reviewers see them and the old unit's do not. Two kinds of table keep the unit they
had, because they are history: the engine's output (`evaluations`, `score_results`:
a closed window keeps the unit the branch was ranked in) and the audit log. A table
opts out by setting ``__table_args__ = {"info": {"unit_is_history": True}}`` (or the
same key in its table's `info`).

Tables are found from the metadata, so a plugin's new table follows without a line
here: what it must do is keep `branch_id` and `unit_id` named so.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from core.db import Base, import_all_models

#: Core tables whose unit is history (see the module docstring).
HISTORY_TABLES = frozenset({"evaluations", "score_results", "audit_log"})


def following_tables() -> list[Table]:
    """Tables whose rows follow their branch to a new unit, in a fixed order."""
    import_all_models()
    return [t for t in Base.metadata.sorted_tables
            if "branch_id" in t.c and "unit_id" in t.c and t.name not in HISTORY_TABLES
            and not t.info.get("unit_is_history")]


def follow_branches(session: Session, branch_ids: Iterable[int], new_unit_id: int) -> dict[str, int]:
    """Move every following row of these branches to `new_unit_id`; {table: rows moved}."""
    ids = sorted(set(branch_ids))
    moved = {}
    if not ids:
        return moved
    for table in following_tables():
        result = session.execute(update(table).where(table.c.branch_id.in_(ids), table.c.unit_id != new_unit_id)
                                 .values(unit_id=new_unit_id))
        if result.rowcount:
            moved[table.name] = result.rowcount
    return moved
