"""Index percentages on the radar and trends use the weight each index had in its window:
when indices drop out (a month without quarterly items) the others were re-scaled."""
from decimal import Decimal as D

from core.analysis.queries import scaled_percentages

W = {"team": 20, "management": 20, "performance": 30, "brand": 15, "service": 15}


def test_all_indices_scored_is_score_over_weight():
    scores = {"team": D("10"), "management": D("20"), "performance": D("15"), "brand": D("15"), "service": D("0")}
    assert scaled_percentages(scores, W) == {"team": D("50.00"), "management": D("100.00"),
                                             "performance": D("50.00"), "brand": D("100.00"), "service": D("0.00")}


def test_a_month_scored_on_two_indices_uses_their_rescaled_weights():
    # management 20 and brand 15 re-scaled to 100: brand's weight is 15 × 100/35 = 42.857
    scores = {"team": None, "management": D("57.14"), "performance": None, "brand": D("28.57"), "service": None}
    pct = scaled_percentages(scores, W)
    assert pct == {"team": None, "management": D("100.00"), "performance": None, "brand": D("66.66"), "service": None}
