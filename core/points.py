"""Points are Decimals with two places; this module is the one rounding rule.

SQLite has no decimal type, so points are stored as integer hundredths (`PointsType`)
and every sum done in SQL is a sum of integers; ratios and weights are done here."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.types import Integer, TypeDecorator

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100.00")


def to_points(value) -> Decimal:
    """Round half-up to two places — the only place points are rounded."""
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half-up to an integer (numerator ≥ 0, denominator
    > 0): the rule above in integer arithmetic, as the engine's SQL does it
    (core.scoring.sqlfuncs.round_div)."""
    return (2 * numerator + denominator) // (2 * denominator)


def to_cents(value) -> int:
    return int(to_points(value) * 100)


def from_cents(cents) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


class PointsType(TypeDecorator):
    """A Decimal(…, 2) in Python, an INTEGER of hundredths in the database."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else to_cents(value)

    def process_result_value(self, value, dialect):
        return None if value is None else from_cents(value)
