"""What an import would do, shown before it is done: N new rows, M changed rows (old →
new per cell), K unchanged, every error and note. An importer builds a Plan from a file
(nothing written); applying it writes exactly the plan.

Decisions:
- `digest` fingerprints what the preview showed; apply recomputes the plan from the
  stored file and refuses (showing the new preview) when the digest differs, so a user
  never applies changes other than those he confirmed (someone edited in between).
- Rows absent from the file are never touched: there is no implicit deletion."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from core.imports.table import Problems


@dataclass
class CellChange:
    column: str
    old: object
    new: object


@dataclass
class RowChange:
    """A changed (or new) row of the file: where it is, what it is, which cells change."""

    sheet: str
    row: int
    label: str
    cells: list[CellChange] = field(default_factory=list)


@dataclass
class Plan:
    """The preview of one import; `payload` is the importer's own data for apply."""

    kind: str
    new: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    problems: Problems = field(default_factory=Problems)
    payload: object = None

    @property
    def ok(self) -> bool:
        return self.problems.ok

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed)

    def digest(self) -> str:
        h = hashlib.sha256(self.kind.encode())
        for tag, rows in (("n", self.new), ("c", self.changed)):
            for r in rows:
                h.update(f"{tag}|{r.sheet}|{r.row}|{r.label}".encode())
                for c in r.cells:
                    h.update(f"|{c.column}={shown(c.old)}>{shown(c.new)}".encode())
        h.update(f"u{self.unchanged}".encode())
        return h.hexdigest()


class ImportRefused(ValueError):
    """An apply met errors (the data changed since the preview); nothing was written."""

    def __init__(self, errors: list):
        super().__init__(f"导入失败，共 {len(errors)} 处错误，未写入任何数据。")
        self.errors = errors


def shown(value) -> str:
    """A value as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def cell_changes(old: dict, new: dict, headers: dict[str, str]) -> list[CellChange]:
    """The cells whose value differs, by header, in `headers` order."""
    return [CellChange(header, old.get(key), new[key]) for key, header in headers.items()
            if key in new and old.get(key) != new[key] and _norm(old.get(key)) != _norm(new[key])]


def _norm(value):
    if isinstance(value, Decimal):
        return value.normalize()
    if value == "":
        return None
    return value
