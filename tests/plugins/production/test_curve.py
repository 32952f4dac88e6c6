"""The scoring curve of SCORING.md, hand-computed (pure functions, no database)."""
from decimal import Decimal as D

import pytest

from plugins.production.scoring import UNBOUNDED, attainment, earned


@pytest.mark.parametrize("direction, target, actual, expected", [
    ("higher", "100", "95", D("0.95")),
    ("higher", "100", "120", D("1.2")),
    ("lower", "2800", "3000", D("2800") / D("3000")),
    ("lower", "2800", "2660", D("2800") / D("2660")),
    # zero plans
    ("higher", "0", "5", D(1)),            # nothing asked: met
    ("lower", "0", "0", D(1)),             # "0 incidents" kept
    ("lower", "0", "1", D(0)),             # "0 incidents" broken
    ("lower", "3", "0", UNBOUNDED),        # beaten outright
])
def test_attainment_by_direction_and_zero_plans(direction, target, actual, expected):
    assert attainment(direction, D(target), D(actual)) == expected


def test_linear_between_floor_and_plan():
    # a = 0.95, floor 0.8: 10 × (0.15 / 0.2) = 7.50
    assert earned(D(10), D("0.95")) == D("7.50")
    assert earned(D(10), D("0.9")) == D("5.00")


def test_at_or_below_floor_earns_nothing():
    assert earned(D(10), D("0.8")) == D("0.00")
    assert earned(D(10), D("0.5")) == D("0.00")


def test_meeting_the_plan_earns_full_points_and_no_bonus_by_default():
    assert earned(D(8), D(1)) == D("8.00")
    assert earned(D(8), D("1.5")) == D("8.00")   # bonus_cap defaults to 0


def test_bonus_for_beating_the_plan_is_capped():
    # a = 1.1, rate 0.5: bonus 0.5 × 0.1 × 10 = 0.5; cap 0.1 × 10 = 1 → 10.50
    assert earned(D(10), D("1.1"), bonus_rate=D("0.5"), bonus_cap=D("0.1")) == D("10.50")
    # a = 1.6: bonus 0.5 × 0.6 × 10 = 3 > cap 1 → 11.00
    assert earned(D(10), D("1.6"), bonus_rate=D("0.5"), bonus_cap=D("0.1")) == D("11.00")


def test_unbounded_attainment_earns_the_capped_bonus_only_with_a_rate():
    assert earned(D(5), UNBOUNDED) == D("5.00")
    assert earned(D(5), UNBOUNDED, bonus_rate=D("0.2"), bonus_cap=D("0.2")) == D("6.00")


def test_other_floor():
    # floor 0.5, a = 0.6: 10 × 0.1 / 0.5 = 2.00
    assert earned(D(10), D("0.6"), floor=D("0.5")) == D("2.00")


def test_rounding_is_half_up_to_cents():
    # 7 × (0.9233… − 0.8)/0.2: a = 2800/3032.5 → 0.92333…; 7 × 0.6166… = 4.3166… → 4.32
    a = attainment("lower", D("2800"), D("3032.5"))
    assert earned(D(7), a) == D("4.32")
