"""Imports of modest size written row by row through the services that already own the
writes (their checks, period locks and audit entries), with the same preview.

Decisions: the preview is a dry run — every row is written through its service inside
a savepoint that is rolled back, so the preview reports exactly the refusals the apply
would meet (scope, locks, values), all of them, and writes nothing. Apply writes the
same rows for real; should anything fail there (data changed in between), the whole
import is rolled back and the errors shown (ImportRefused)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from core.imports.plan import CellChange, ImportRefused, Plan, RowChange
from core.imports.table import Problems, read_tables
from core.xlsx import CellError, Column


class RowRefused(ValueError):
    """A row cannot be imported; `column` is the header at fault ('' for the row)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


@dataclass
class RowImport:
    """identify(session, actor, row) → (identity key, label, existing object or None),
    raising RowRefused; compare(existing, row) → changed cells; write(session, actor,
    row, existing) writes through a service (raising its ValueError on refusal)."""

    kind: str
    columns: Sequence[Column]
    identify: Callable
    compare: Callable
    write: Callable


def plan_rows(spec: RowImport, session, book, actor) -> Plan:
    problems = Problems()
    rows = [r for r in read_tables(book, spec.columns, problems) if not r.get("_bad")]
    plan = Plan(spec.kind, problems=problems, payload=rows)
    seen: dict = {}
    outer = session.begin_nested()
    try:
        for row in rows:
            sheet, n = row["_sheet"], row["_row"]
            try:
                key, label, existing = spec.identify(session, actor, row)
                if key in seen:
                    raise RowRefused("", _dup(seen[key]))
                seen[key] = n
                changes = spec.compare(existing, row) if existing is not None else []
                if existing is not None and not changes:
                    plan.unchanged += 1
                    continue
                inner = session.begin_nested()
                try:
                    spec.write(session, actor, row, existing)
                    session.flush()
                finally:
                    inner.rollback()
                (plan.changed if existing is not None else plan.new).append(RowChange(sheet, n, label, changes))
            except RowRefused as exc:
                problems.error(sheet, n, exc.column, str(exc))
            except IntegrityError:
                problems.error(sheet, n, "", _conflict())
            except ValueError as exc:  # the services' refusals (OrgError, LedgerError, PeriodLocked…)
                problems.error(sheet, n, "", str(exc))
    finally:
        outer.rollback()
        session.expire_all()
    return plan


def apply_rows(spec: RowImport, session, plan: Plan, actor) -> dict:
    created = updated = 0
    errors = []
    for row in plan.payload:
        try:
            _key, _label, existing = spec.identify(session, actor, row)
            if existing is not None and not spec.compare(existing, row):
                continue
            spec.write(session, actor, row, existing)
            session.flush()
            created, updated = (created + 1, updated) if existing is None else (created, updated + 1)
        except RowRefused as exc:
            errors.append(CellError(row["_sheet"], row["_row"], exc.column, str(exc)))
        except (ValueError, IntegrityError) as exc:
            errors.append(CellError(row["_sheet"], row["_row"], "", str(exc)))
    if errors:
        raise ImportRefused(errors)
    return {"created": created, "updated": updated, "unchanged": plan.unchanged}


def changes(old: dict, new: dict, headers: dict[str, str]) -> list[CellChange]:
    from core.imports.plan import cell_changes
    return cell_changes(old, new, headers)


def _dup(row: int) -> str:
    from flask_babel import gettext
    return gettext("与第 %(row)s 行是同一条记录（文件中重复）。", row=row)


def _conflict() -> str:
    from flask_babel import gettext
    return gettext("与已有数据冲突。")
