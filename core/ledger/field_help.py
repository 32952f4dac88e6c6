"""Field help of the ledger form: which indicators of the year's rule set each activity
type feeds, how many are owed per cycle, and the entry deadline after which a record
counts only in part — read from the rule set itself, so the help never disagrees with
the score (core.ledger.kinds decides the arithmetic; this only describes it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from core.indicators.catalogue import active_ruleset


@dataclass(frozen=True)
class FedIndicator:
    """One indicator a record of some activity type counts towards."""

    code: str
    name: str
    index_code: str
    points: Decimal
    cycle: str
    #: ledger_count (held on time), attendance (attendance rate) or appraisal (results).
    method: str
    min_count: int | None = None
    deadline_days: int | None = None


@dataclass
class LedgerHelp:
    """The year's answers to "why does this field matter for the score"."""

    year: int
    #: activity type → the indicators its records feed, in the rule set's order.
    by_type: dict[str, list[FedIndicator]] = field(default_factory=dict)
    #: Share of the points a late record still earns (rule set setting late_factor).
    late_factor: Decimal = Decimal("0.5")
    #: Attendance rate at or below which nothing is earned, at or above which all is.
    attendance_low: Decimal = Decimal("0.5")
    attendance_high: Decimal = Decimal("0.9")

    @property
    def attendance(self) -> list[FedIndicator]:
        seen: dict[str, FedIndicator] = {}
        for fed in self.by_type.values():
            for ind in fed:
                if ind.method == "attendance":
                    seen.setdefault(ind.code, ind)
        return list(seen.values())

    @property
    def late_percent(self) -> int:
        return int(self.late_factor * 100)


def _types_of(ind) -> list[str]:
    params = ind.params or {}
    return list(params.get("record_types") or ([params["record_type"]] if params.get("record_type") else []))


def ledger_help(session: Session, year: int) -> LedgerHelp | None:
    """What the active rule set of `year` does with ledger records; None without one."""
    ruleset = active_ruleset(session, year)
    if ruleset is None:
        return None
    help_ = LedgerHelp(year=year, late_factor=Decimal(str(ruleset.setting("late_factor"))),
                       attendance_low=Decimal(str(ruleset.setting("attendance_low"))),
                       attendance_high=Decimal(str(ruleset.setting("attendance_high"))))
    for ind in ruleset.indicators:
        params = ind.params or {}
        if ind.method in ("ledger_count", "attendance"):
            types = _types_of(ind)
        elif ind.method == "appraisal":
            types = ["appraisal"]
        else:
            continue
        fed = FedIndicator(code=ind.code, name=ind.name, index_code=ind.index_code, points=ind.points,
                           cycle=ind.cycle, method=ind.method,
                           min_count=params.get("min_count", 1) if ind.method == "ledger_count" else None,
                           deadline_days=params.get("deadline_days") if ind.method == "ledger_count" else None)
        for t in types:
            help_.by_type.setdefault(t, []).append(fed)
    return help_
