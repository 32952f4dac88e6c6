"""Replay of a close (`starbranch verify KEY`): is what the close stored what a re-close
of the stored evidence gives?

- The window must be closed. Its stored rows — every Evaluation and ScoreResult of its
  cycle periods (a quarter: its months and itself; a year: all 17 windows) — are read,
  then, in ONE transaction that is always rolled back, the window and its sub-windows
  are closed again in close order (a quarter's months before it) with the rule set
  each close used (`Period.ruleset_id`), and the rows are read again.
- The two readings are compared column by column, byte for byte: the values as the
  database driver returns them, by their repr (5.00 and 5.0 differ, so does a changed
  key order in JSON). ScoreResult.id (a surrogate key) is left out; rows are matched on
  (period, branch, indicator) and (period, branch). A row only one side has is reported.
- The replay holds the window exclusively (core/periods/locks.hold_windows), as a close
  does, so a reopening or close cannot interleave; nothing of it is ever committed.
Decided in README "结账截止（cut-off）与 starbranch verify"."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from core.indicators.models import RuleSet
from core.periods.keys import PeriodKey
from core.periods.locks import hold_windows
from core.periods.models import Period
from core.scoring import sources
from core.scoring.close import ruleset_for
from core.scoring.compute import compute_window, cycle_keys
from core.scoring.errors import ScoringError

EVALUATION_KEY = ("period_id", "branch_id", "indicator_id")
RESULT_KEY = ("period_id", "branch_id")


class NotClosed(ScoringError):
    """Only a closed window has stored results to verify."""


@dataclass(frozen=True)
class Difference:
    """One column of one stored row that a re-close gives otherwise (or a row only one
    side has: column None)."""

    table: str
    period: str
    branch_id: int
    indicator_id: int | None
    column: str | None
    stored: str | None
    recomputed: str | None

    def __str__(self) -> str:
        where = f"{self.table} {self.period} branch={self.branch_id}"
        if self.indicator_id is not None:
            where += f" indicator={self.indicator_id}"
        if self.column is None:
            return f"{where}: stored={'row' if self.stored else '—'} recomputed={'row' if self.recomputed else '—'}"
        return f"{where} {self.column}: stored={self.stored} recomputed={self.recomputed}"


def close_order(pk: PeriodKey) -> list[PeriodKey]:
    """The windows a close of `pk` needed, in the order they were closed."""
    keys: list[PeriodKey] = []
    for child in pk.children():
        keys.extend(close_order(child))
    return keys + [pk]


def stored_rows(session: Session, key) -> dict[tuple, dict[str, str]]:
    """Every Evaluation and ScoreResult row of the window's cycle periods:
    (table, period key, *row key) → {column: repr(value)}."""
    pk = key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))
    periods = dict(session.execute(select(Period.id, Period.key)
                                   .where(Period.key.in_([k.key for k in cycle_keys(pk)]))).all())
    if not periods:
        return {}
    ids = ", ".join(str(int(i)) for i in periods)
    out: dict[tuple, dict[str, str]] = {}
    conn = session.connection()
    for table, row_key, skip in (("evaluations", EVALUATION_KEY, ()), ("score_results", RESULT_KEY, ("id",))):
        result = conn.execute(text(f"SELECT * FROM {table} WHERE period_id IN ({ids})"))
        cols = list(result.keys())
        for row in result:
            values = dict(zip(cols, row))
            ident = (table, periods[values["period_id"]], *(values[c] for c in row_key[1:]))
            out[ident] = {c: repr(v) for c, v in values.items() if c not in skip}
    return out


def _replay(session: Session, pk: PeriodKey, kinds: dict, gates: dict) -> None:
    keys = close_order(pk)
    rows = {p.key: p for p in session.scalars(select(Period).where(Period.key.in_([k.key for k in keys])))}
    session.execute(update(Period).where(Period.key.in_(list(rows))).values(status="open")
                    .execution_options(synchronize_session=False))
    session.expire_all()
    for k in keys:
        period = rows[k.key]
        ruleset = session.get(RuleSet, period.ruleset_id) if period.ruleset_id else ruleset_for(session, k.year)
        compute_window(session, k, ruleset, kinds, gates, store=True)
        session.execute(update(Period).where(Period.id == period.id).values(status="closed")
                        .execution_options(synchronize_session=False))
        session.expire_all()


def verify_window(session: Session, key, kinds, *, gates=None) -> list[Difference]:
    """Differences between the stored rows of closed window `key` and a re-close of its
    stored evidence ([] when identical). Rolls the session back: call it on a session
    with nothing pending. `kinds`: the plugin registry or a list of IndicatorKind."""
    pk = key if isinstance(key, PeriodKey) else PeriodKey.parse(str(key))
    kinds_d, gates_d = sources.resolve(kinds, gates)
    try:
        period = hold_windows(session, pk)
        if not period.is_closed:
            raise NotClosed(gettext("%(pk)s尚未结账，没有可核对的结账结果。", pk=pk.label))
        before = stored_rows(session, pk)
        _replay(session, pk, kinds_d, gates_d)
        after = stored_rows(session, pk)
    finally:
        session.rollback()
    return compare(before, after)


def compare(before: dict, after: dict) -> list[Difference]:
    diffs = []
    for ident in sorted(set(before) | set(after), key=repr):
        table, period, branch_id, *rest = ident
        indicator_id = rest[0] if rest else None
        old, new = before.get(ident), after.get(ident)
        if old is None or new is None:
            diffs.append(Difference(table, period, branch_id, indicator_id, None, "row" if old else None,
                                    "row" if new else None))
            continue
        for col in sorted(set(old) | set(new)):
            if old.get(col) != new.get(col):
                diffs.append(Difference(table, period, branch_id, indicator_id, col, old.get(col), new.get(col)))
    return diffs


__all__ = ["Difference", "NotClosed", "verify_window", "stored_rows", "close_order", "compare"]
