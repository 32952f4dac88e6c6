"""Refusals of the scoring engine: one exception type per kind of refusal, each a
ValueError whose message (Chinese) is for the user. Views show `str(exc)`."""
from __future__ import annotations

from core.periods.locks import PeriodLocked  # re-exported: writes into a closed window


class ScoringError(ValueError):
    """Base of every refusal below."""


class NoActiveRuleSet(ScoringError):
    """The window's year has no active rule set (考核细则)."""

    def __init__(self, year: int):
        from flask_babel import gettext

        super().__init__(gettext("%(y)s年度没有启用的考核细则，请先在指标库中启用一套细则（或运行 starbranch ruleset seed %(y)s）。",
                                 y=year))
        self.year = year


class CloseOrderError(ScoringError):
    """A quarter before its months, a year before its quarters, a reopen under a closed parent."""


class AlreadyClosed(ScoringError):
    """Recompute (or any scoring write) of a closed window."""


class ReasonRequired(ScoringError):
    """An adjustment or a reopening without a reason."""


class InvalidScore(ScoringError):
    """An earned value outside 0 … points, or not a number."""


class StaleVersion(ScoringError):
    """Someone saved the item after this sheet was loaded (two reviewers)."""


class NotFound(ScoringError):
    """An evaluation, notice or objection that does not exist."""


class NoticeError(ScoringError):
    """A public notice (公示) or objection step refused in the notice's current state."""


__all__ = ["PeriodLocked", "ScoringError", "NoActiveRuleSet", "CloseOrderError", "AlreadyClosed",
           "ReasonRequired", "InvalidScore", "StaleVersion", "NotFound", "NoticeError"]
