"""Bounds that keep the scoring's integer arithmetic exact (plugins/production/scoring.py):
a monthly figure below 10¹⁰ units, points at most 100, bonus cap at most 10 × points."""
from decimal import Decimal as D

import pytest

from plugins.production.measures import MeasureError, validate
from plugins.production.services import parse_quantity

GOOD = {"floor": "0.8", "bonus_rate": "0.5", "bonus_cap": "0.2", "points": "10", "direction": "higher"}


def test_figures_up_to_ten_billion_units(app):
    with app.test_request_context():
        assert parse_quantity("9999999999.9999") == D("9999999999.9999")
        with pytest.raises(ValueError, match="数值过大"):
            parse_quantity("10000000000")


@pytest.mark.parametrize("field, value, message", [
    ("points", "100.01", "分值不能超过 100"),
    ("bonus_cap", "10.0001", "封顶比例不能超过 10"),
    ("bonus_rate", "101", "超额奖励系数不能超过 100"),
])
def test_measure_bounds(field, value, message):
    validate(GOOD)
    validate({**GOOD, "points": "100", "bonus_cap": "10", "bonus_rate": "100"})
    with pytest.raises(MeasureError, match=message):
        validate({**GOOD, field: value})
