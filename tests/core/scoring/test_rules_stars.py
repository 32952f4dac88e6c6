"""core/scoring/stars.py's guide proportions at their edges, as pure functions over
BranchScores (no database): the places a share gives under either rounding, and the
annual grade's proportions when its caller does not say."""
from decimal import Decimal
from types import SimpleNamespace

from tests.core.scoring.test_star_rules import Q1, ruleset, scores

from core.scoring.stars import allowed_places, rate_quarter, rate_year


def test_floor_rounding_gives_the_exact_share_its_place():
    """10 % of a category of 10 is exactly one place, under the old rule (floor) too."""
    assert allowed_places(10, Decimal(10), "floor") == 1
    assert allowed_places(20, Decimal(15), "floor") == 3
    s = scores(99, 98, 97, 96, 95, 94, 93, 92, 91, 90)
    rate_quarter(None, s, ruleset(proportions={"5": 10}, proportion_mode="cap", proportion_rounding="floor"),
                 window=Q1, previous_stars={}, gates={})
    assert [x.stars for x in s] == [5] + [4] * 9


def test_a_share_of_one_percent_keeps_one_place_in_a_small_category():
    """Half up with at least one place: any share above 0 — 1 % (the smallest the rule
    set's form takes) of 4 branches is 0.04, still one place."""
    assert allowed_places(4, Decimal(1), "half_up_min1") == 1
    s = scores(99, 98, 97, 96)
    rate_quarter(None, s, ruleset(proportions={"5": 1}, proportion_mode="cap"), window=Q1, previous_stars={},
                 gates={})
    assert [x.stars for x in s] == [5, 4, 4, 4]


def test_year_grade_applies_the_proportions_unless_told_not_to():
    """rate_year, like rate_quarter, applies the guide proportions (scope "both" or
    "year") unless its caller passes proportions=False (a preview of part of a year)."""
    rs = ruleset(proportions={"5": 50}, proportion_mode="cap")
    s = scores(99, 98, 97, 96)
    assert rate_year(s, rs) == ["生产类5星 4 个，超过指导比例 50%（最多 2 个）"]
    assert [x.stars for x in s] == [5, 5, 4, 4]
    s = scores(99, 98, 97, 96)
    assert rate_year(s, rs, proportions=False) == []
    assert [x.stars for x in s] == [5, 5, 5, 5]


def test_a_two_star_gate_lowers_to_one_star_and_one_star_is_the_floor():
    """Gates apply down to ★2 (failing it gives ★1); ★1 has no gate to fail — a gate
    named at level 1 (the rule set's form refuses one) never takes a star below ★1."""
    s = scores(65, 65, 50)
    rate_quarter("S", s, ruleset(gates={"2": "g2", "1": "g1"}), window=Q1, previous_stars={}, gates={
        "g2": SimpleNamespace(check=lambda session, ids, window: {2}),
        "g1": SimpleNamespace(check=lambda session, ids, window: set())})
    assert [x.stars for x in s] == [1, 2, 1]
    assert s[0].notes["steps"] == [{"rule": "gate", "from": 2, "to": 1, "gate": "g2"}]
    assert "steps" not in s[2].notes
    assert [x.tier for x in s] == [3, 3, 3]


def test_a_level_nobody_reaches_does_not_stop_the_gates_below_it():
    """With gates at ★5 and ★4 and no branch at ★5, the ★4 gate is still checked."""
    s = scores(85, 85)
    rate_quarter("S", s, ruleset(gates={"5": "g5", "4": "g4"}), window=Q1, previous_stars={}, gates={
        "g5": SimpleNamespace(check=lambda session, ids, window: set(ids)),
        "g4": SimpleNamespace(check=lambda session, ids, window: {1})})
    assert [x.stars for x in s] == [4, 3]
    assert s[1].notes["steps"] == [{"rule": "gate", "from": 4, "to": 3, "gate": "g4"}]


def test_a_quarter_capped_by_the_proportions_checks_the_lower_gates_of_the_close():
    """Scope "quarter": the quarter's proportions cap; a branch moved down to ★4 must
    pass the ★4 gate, checked in the close's session and window."""
    rs = ruleset(proportions={"5": 34}, proportion_mode="cap", proportion_scope="quarter", gates={"4": "g4"})
    s = scores(99, 98, 97)
    warnings = rate_quarter("S", s, rs, window=Q1, previous_stars={}, gates={
        "g4": SimpleNamespace(check=lambda session, ids, window: {2} if (session, window) == ("S", Q1) else set())})
    assert warnings == ["生产类5星 3 个，超过指导比例 34%（最多 1 个）"]
    assert [x.stars for x in s] == [5, 4, 3]
    assert s[2].notes["steps"] == [{"rule": "proportion", "from": 5, "to": 4, "allowed": 1},
                                   {"rule": "gate", "from": 4, "to": 3, "gate": "g4"}]


def test_proportions_cap_every_level_with_a_share_down_to_two_stars():
    """Each level from ★5 down to ★2 with a share is capped on its own: a level within
    its share (★5) or without one (★3) does not stop the levels below."""
    rs = ruleset(proportions={"5": 50, "4": 20, "2": 20}, proportion_mode="cap")
    s = scores(99, 85, 84, 65, 64, 63)
    warnings = rate_quarter(None, s, rs, window=Q1, previous_stars={}, gates={})
    assert [x.stars for x in s] == [5, 4, 3, 2, 1, 1]
    assert warnings == ["生产类4星 2 个，超过指导比例 20%（最多 1 个）", "生产类2星 3 个，超过指导比例 20%（最多 1 个）"]
    assert [x.tier for x in s] == [1, 2, 2, 3, 3, 3]


def test_a_proportion_warning_names_an_unknown_category_by_its_code():
    s = scores(99, 98, category="pilot")
    assert rate_quarter(None, s, ruleset(proportions={"5": 50}, proportion_mode="warn"), window=Q1,
                        previous_stars={}, gates={}) == ["pilot5星 2 个，超过指导比例 50%（最多 1 个）"]
