"""Evidence in words (评分依据): the sheet shows why an item earned what it did in a
sentence a reviewer can check against the ledger, not the evaluator's raw dict.

Data for machines and words for people are two things: the evaluator keeps writing
its canonical JSON dict (Evaluation.evidence, byte-identical on both databases), and
each scoring method brings its own formatter (IndicatorKind.describe, Chinese through
gettext, English in the catalogue) next to the SQL that writes the keys. This module
is the one entry point the sheet calls.

Decided: a method without a formatter (a third-party plugin) or a formatter that
cannot read an old dict shows the dict as `key=value` pairs — never a 500, never
nothing; an item without evidence (manual, never evaluated) shows the method's words
for an empty dict.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def raw(evidence: dict | None) -> str:
    """The fallback: key=value pairs joined by '；' (groups and other nested dicts as is)."""
    from core.formatting import sep

    return sep("semicolon").join(f"{k}={v}" for k, v in sorted((evidence or {}).items()))


def describe(evidence: dict | None, indicator, ruleset, kinds: dict) -> str:
    """The words for one item's evidence: the method's formatter (kinds: method →
    IndicatorKind, as core.scoring.sources.kinds_from gives), else `raw`."""
    kind = kinds.get(indicator.method)
    formatter = getattr(kind, "describe", None)
    if formatter is None:
        return raw(evidence)
    try:
        return formatter(dict(evidence or {}), indicator, ruleset)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        log.warning("evidence of %s not understood by its formatter: %r", indicator.code, evidence)
        return raw(evidence)


def setting(ruleset, name: str, default):
    """A rule-set setting for a formatter (None when the sheet has no rule set)."""
    return ruleset.setting(name) if ruleset is not None else default


def percent(fraction) -> str:
    """A fraction as a percentage without trailing zeros: '0.5' → '50', '0.875' → '87.5'."""
    from decimal import Decimal
    return format((Decimal(str(fraction)) * 100).normalize(), "f")
