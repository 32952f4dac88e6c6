"""core/points.py, the one rounding rule: floats (Excel cells, JSON numbers) are read by
their shortest repr, not their binary value; Decimals are rounded half-up to hundredths
before they are stored as integers (issue #20, rule 10)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from core.points import PointsType, div_half_up, from_cents, to_cents, to_points


@pytest.mark.parametrize("value,expected", [
    (2.675, "2.68"),       # binary 2.67499999… : broken by `Decimal(value)` on the float → 2.67
    (1.005, "1.01"),       # binary 1.00499999…
    (0.125, "0.13"),       # exact in binary: half-up, not half-even (0.12)
    (Decimal("1.005"), "1.01"),
    (Decimal("-1.005"), "-1.01"),
    ("2.5", "2.50"),
    (3, "3.00"),
])
def test_to_points_rounds_half_up_from_the_written_digits(value, expected):
    assert to_points(value) == Decimal(expected)
    assert str(to_points(value)) == expected


def test_to_cents_rounds_before_truncating():
    # broken: `int(Decimal(value) * 100)` → 100 and 267
    assert to_cents(Decimal("1.005")) == 101
    assert to_cents(2.675) == 268
    assert to_cents(Decimal("0.994")) == 99
    assert from_cents(101) == Decimal("1.01") and str(from_cents(5)) == "0.05"


def test_points_type_stores_rounded_hundredths(db, make_branch):
    from datetime import date

    from core.ledger.models import PointRecord
    branch = make_branch()
    rec = PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="bonus", points=Decimal("1.005"),
                      dated=date(2026, 1, 5), reason="原因")
    db.add(rec)
    db.commit()
    assert db.execute(text("SELECT points FROM point_records")).scalar_one() == 101
    db.expire_all()
    assert db.get(PointRecord, rec.id).points == Decimal("1.01")
    assert PointsType().process_bind_param(2.675, None) == 268
    assert PointsType().process_bind_param(None, None) is None


@pytest.mark.parametrize("num,den,expected", [(5, 2, 3), (4, 2, 2), (7, 3, 2), (1, 3, 0), (3, 2, 2), (0, 9, 0)])
def test_div_half_up(num, den, expected):
    assert div_half_up(num, den) == expected


@pytest.mark.parametrize("value,expected", [("-0.01", "0"), ("0", "0"), ("7.5", "7.5"), ("10", "10"), ("10.01", "10")])
def test_clamp(value, expected):
    from core.points import clamp
    assert clamp(Decimal(value), Decimal("0"), Decimal("10")) == Decimal(expected)
