"""The scoring curve of SCORING.md, hand-computed (pure functions, no database). The
attainment is rounded half-up to millionths before the curve (scoring.py docstring)."""
from decimal import Decimal as D

import pytest

from plugins.production.scoring import UNBOUNDED, attainment, earned


@pytest.mark.parametrize("direction, target, actual, expected", [
    ("higher", "100", "95", D("0.95")),
    ("higher", "100", "120", D("1.2")),
    ("lower", "2800", "3000", D("0.933333")),   # 0.9333333… → six places
    ("lower", "2800", "2660", D("1.052632")),   # 140/133 = 1.05263157… → six places, up
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


def test_attainment_rounds_half_up_to_millionths():
    # 0.0001 / 200 = 0.0000005 exactly: a tie, rounded up (half-even would give 0)
    assert attainment("higher", D("200"), D("0.0001")) == D("0.000001")
    # 0.0001 / 300 = 0.000000333… → 0
    assert attainment("higher", D("300"), D("0.0001")) == D(0)
    # 2 / 3 = 0.6666666… → 0.666667
    assert attainment("higher", D(3), D(2)) == D("0.666667")


def test_earned_follows_the_rounded_attainment():
    # floor 0.9999 leaves a span of 100 millionths. a = 999.9949 / 1000 = 0.9999949 is
    # rounded to 0.999995 first: 10 × 95/100 = 9.50 (the unrounded formula: 9.49).
    a = attainment("higher", D(1000), D("999.9949"))
    assert a == D("0.999995")
    assert earned(D(10), a, floor=D("0.9999")) == D("9.50")
    # an attainment with more places given by hand is rounded the same way
    assert earned(D(10), D("0.9999949"), floor=D("0.9999")) == D("9.50")
    assert earned(D(10), D("0.9999944"), floor=D("0.9999")) == D("9.40")   # → 0.999994: 94/100


def test_huge_attainments_are_capped_at_a_billion():
    # 10^8 / 0.0001 = 10^12 counts as 10^9
    assert attainment("higher", D("0.0001"), D(10) ** 8) == D(10) ** 9
    assert earned(D(10), D(10) ** 12, bonus_rate=D("0.5"), bonus_cap=D("0.1")) == D("11.00")


def test_bonus_rounding_and_odd_parameters():
    # a = 1.0101, rate 0.3, cap 0.5, 7 points: 700 × 0.3 × 0.0101 = 2.121 → 2 hundredths
    assert earned(D(7), D("1.0101"), bonus_rate=D("0.3"), bonus_cap=D("0.5")) == D("7.02")
    # a = 1.0119: 700 × 0.3 × 0.0119 = 2.499 → 2;  a = 1.012: 2.52 → 3
    assert earned(D(7), D("1.0119"), bonus_rate=D("0.3"), bonus_cap=D("0.5")) == D("7.02")
    assert earned(D(7), D("1.012"), bonus_rate=D("0.3"), bonus_cap=D("0.5")) == D("7.03")
    # a negative rate or cap is no bonus, also when unbounded
    assert earned(D(5), UNBOUNDED, bonus_rate=D("-0.2"), bonus_cap=D("0.2")) == D("5.00")
    assert earned(D(5), D(2), bonus_rate=D("0.2"), bonus_cap=D("-0.2")) == D("5.00")
    # a floor of 1 or more: below the plan earns nothing, the plan full points
    assert earned(D(5), D("0.999999"), floor=D(1)) == D("0.00")
    assert earned(D(5), D(1), floor=D("1.2")) == D("5.00")


def test_parameters_that_could_overflow_are_refused():
    with pytest.raises(ValueError, match="过大"):
        earned(D(1000), D(2), bonus_rate=D("0.000001"), bonus_cap=D(100000))
