"""core/scoring/stars.py as pure functions over BranchScores (no close): the order of
the quarter's rules, proportion warnings and counts, bands and the annual grade."""
from decimal import Decimal
from types import SimpleNamespace

from core.indicators.models import DEFAULT_SETTINGS
from core.periods.keys import PeriodKey
from core.scoring.aggregate import BranchScore
from core.scoring.stars import apply_proportions, band_star, bands_of, rate_quarter, rate_year

Q1 = PeriodKey.parse("2026Q1")


def ruleset(bands=None, **settings):
    bands = bands or {5: 90, 4: 80, 3: 70, 2: 60, 1: 0}
    values = {**DEFAULT_SETTINGS, **settings}
    return SimpleNamespace(bands=[SimpleNamespace(stars=s, min_score=Decimal(m)) for s, m in bands.items()],
                           setting=lambda name: values[name])


def scores(*totals, category="production", vetoed=()):
    return [BranchScore(i + 1, 7, category, f"C{i + 1:02d}", total=Decimal(str(t)), vetoed=(i + 1) in vetoed)
            for i, t in enumerate(totals)]


def test_bands_highest_first_and_below_every_band_is_one_star():
    rs = ruleset({5: 90, 4: 80, 3: 70, 2: 60, 1: 10})
    assert bands_of(rs) == [(Decimal(90), 5), (Decimal(80), 4), (Decimal(70), 3), (Decimal(60), 2), (Decimal(10), 1)]
    assert [band_star(Decimal(t), bands_of(rs)) for t in ("100", "90", "89.99", "60", "59.99", "10", "5")] == [
        5, 5, 4, 2, 1, 1, 1]


def test_quarter_records_band_star_and_steps_in_order():
    rs = ruleset(gates={"4": "g4"})
    s = scores(95, 95, 85, 50, vetoed=(2,))
    warnings = rate_quarter(None, s, rs, window=Q1, previous_stars={1: 3, 3: 4, 4: 1}, gates={})
    assert warnings == []
    assert [x.notes["band_star"] for x in s] == [5, 5, 4, 1]
    # C01: promotion 5 → 4 (had ★3), then the unknown ★4 gate → 3
    assert s[0].notes["steps"] == [{"rule": "promotion", "from": 5, "to": 4, "previous": 3},
                                   {"rule": "gate", "from": 4, "to": 3, "gate": "g4", "unknown": True}]
    # C02: no previous star, ★5 (no gate at 5), then the veto
    assert s[1].notes["steps"] == [{"rule": "veto", "from": 5, "to": 1}]
    assert [x.stars for x in s] == [3, 1, 3, 1]
    assert [x.tier for x in s] == [2, 3, 2, 3]
    assert "steps" not in s[3].notes


def test_promotion_step_can_be_off_and_previous_one_star_limits_to_two():
    s = scores(95)
    rate_quarter(None, s, ruleset(promotion_step=False), window=Q1, previous_stars={1: 1}, gates={})
    assert s[0].stars == 5
    s = scores(95)
    rate_quarter(None, s, ruleset(), window=Q1, previous_stars={1: 1}, gates={})
    assert s[0].stars == 2
    s = scores(85)
    rate_quarter(None, s, ruleset(), window=Q1, previous_stars={1: 3}, gates={})
    assert s[0].stars == 4 and "steps" not in s[0].notes     # one step up is allowed


def test_proportion_warning_text_and_counts_per_category():
    # the old rounding (floor): a category of one gets no place — see test_annual_rules for
    # the default (half up, at least one place)
    rs = ruleset(proportions={"5": 25, "4": None}, proportion_mode="warn", proportion_rounding="floor")
    s = scores(99, 98, 97, 96, 95) + scores(91, category="market")
    s[-1].branch_id, s[-1].code = 99, "M01"
    warnings = rate_quarter(None, s, rs, window=Q1, previous_stars={}, gates={})
    # categories in code order (market, production)
    assert warnings == ["市场经营类5星 1 个，超过指导比例 25%（最多 0 个）", "生产类5星 5 个，超过指导比例 25%（最多 1 个）"]
    assert [x.stars for x in s] == [5] * 6
    assert [x.notes.get("proportion_warning") for x in s[:2]] == [None, {"level": 5, "allowed": 1}]


def test_proportions_off_or_unset_change_nothing():
    for rs in (ruleset(proportions={"5": 10}, proportion_mode="off"), ruleset(proportions={}, proportion_mode="cap"),
               ruleset(proportions={"5": None}, proportion_mode="cap")):
        s = scores(99, 98)
        rate_quarter(None, s, rs, window=Q1, previous_stars={}, gates={})
        assert apply_proportions(None, s, rs, {}, {}, Q1) == []
        assert [x.stars for x in s] == [5, 5]
    s = scores(99, 98)   # a preview of one sheet does not apply proportions
    assert rate_quarter(None, s, ruleset(proportions={"5": 0}, proportion_mode="cap"), window=Q1,
                        previous_stars={}, gates={}, proportions=False) == []
    assert [x.stars for x in s] == [5, 5]


def test_proportion_cap_takes_the_excess_by_total_then_code():
    rs = ruleset(proportions={"5": 50}, proportion_mode="cap")
    s = scores(95, 99, 95, 96)
    rate_quarter(None, s, rs, window=Q1, previous_stars={}, gates={})
    # allowed 2: C02 (99) and C04 (96) keep ★5; C01 and C03 (95, by code) go down
    assert [x.stars for x in s] == [4, 5, 4, 5]
    assert s[0].notes["steps"] == [{"rule": "proportion", "from": 5, "to": 4, "allowed": 2}]


def test_gate_passes_for_some():
    rs = ruleset(gates={"5": "g5"})
    s = scores(95, 95, 85)
    rate_quarter("S", s, rs, window=Q1, previous_stars={}, gates={
        "g5": SimpleNamespace(check=lambda session, ids, window: {1} if (session, window) == ("S", Q1) else set())})
    assert [x.stars for x in s] == [5, 4, 4]
    assert s[1].notes["steps"] == [{"rule": "gate", "from": 5, "to": 4, "gate": "g5"}]


def test_year_grade_is_band_and_veto_only():
    """With proportions scoped to the quarters, the year grade is its band and the veto."""
    s = scores(95, 95, 65, vetoed=(2,))
    rate_year(s, ruleset(veto_cap=2, gates={"5": "g5"}, proportions={"5": 0}, proportion_mode="cap",
                         proportion_scope="quarter"))
    assert [x.stars for x in s] == [5, 2, 2]
    assert [x.notes["band_star"] for x in s] == [5, 5, 2]
    assert [x.tier for x in s] == [1, 3, 3]


def test_ranks_on_stored_integers_and_on_decimals():
    from core.scoring.ranking import assign_ranks, by_category
    s = scores(80, "79.99", 80, 100) + scores(10, category="market")
    s[-1].branch_id = 9
    for x in s:   # BranchScores carry their integers once scored
        x.cents = (None, None, None, None, None, 0, 0, 0, int(x.total * 100))
    assign_ranks(s)
    assert [x.rank for x in s] == [2, 4, 2, 1, 1]
    plain = [SimpleNamespace(category="c", total=Decimal(t), code=c, index_scores={}, rank=0)
             for t, c in (("5", "b"), ("7", "a"), ("5", "c"))]
    assign_ranks(plain)
    assert [x.rank for x in plain] == [2, 1, 2]
    assert {k: [x.code for x in v] for k, v in by_category(s).items()} == {
        "production": ["C01", "C02", "C03", "C04"], "market": ["C01"]}
