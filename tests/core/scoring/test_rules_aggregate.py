"""core/scoring/aggregate.py's formula at its edges, on the pure `score` (no database):
the smallest index that counts, and the total's bounds 0 and 100 by one hundredth."""
from decimal import Decimal

from core.scoring.aggregate import Adjustments, score

FIVE = ("team", "management", "performance", "brand", "service")
W = {"team": 20, "management": 20, "performance": 20, "brand": 20, "service": 20}
B = (1, 7, "production", "A1")


def test_an_index_of_one_hundredth_of_a_point_counts():
    """An index is present when its evaluations are worth more than 0 points — 0.01 is
    enough: the weights are re-scaled over it."""
    r = score(B, {"team": (1, 1), "brand": (1000, 0)}, None, W, Decimal(5))
    assert r.index_scores["team"] == Decimal("50.00") and r.total == Decimal("50.00")
    assert r.notes["rescaled"] == ["management", "performance", "service"]


def test_a_branch_scored_on_every_index_has_nothing_to_note():
    """No index dropped out, no bonus cap, clamp or veto: the result carries no notes
    (stored as none), not an empty list of re-scaled indices."""
    r = score(B, {i: (1000, 800) for i in FIVE}, None, W, Decimal(5))
    assert r.total == Decimal("80.00") and r.notes == {}


def test_the_total_is_clamped_from_one_hundredth_beyond_either_bound():
    full = {i: (1000, 1000) for i in FIVE}
    r = score(B, full, Adjustments(bonus_raw=Decimal("0.01")), W, Decimal(5))
    assert r.total == Decimal("100.00") and r.notes["clamped_from"] == "100.01"
    assert r.cents[-1] == 10000
    r = score(B, {"team": (1000, 1)}, Adjustments(deduction=Decimal("0.11")), W, Decimal(5))
    assert r.total == Decimal("0.00") and r.notes["clamped_from"] == "-0.01"
    r = score(B, {"team": (1000, 1)}, Adjustments(deduction=Decimal("0.10")), W, Decimal(5))
    assert r.total == Decimal("0.00") and "clamped_from" not in r.notes


def test_a_what_if_counts_the_rows_it_does_not_rescore_as_stored(db, make_branch, make_ruleset, registry):
    """index_sums_from_db(index_of=…, rescored=…) as a what-if calls it: the rescored
    indicator's rows count the draft's points and earned, every other listed
    indicator's rows their stored points and automatic value; of the branches asked for."""
    from sqlalchemy import literal, select

    from core.periods.models import Period
    from core.scoring.aggregate import index_sums_from_db
    from core.scoring.close import recompute
    from core.scoring.models import Evaluation
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 10, "cycle": "month", "method": "manual"},
                                  {"index_code": "service", "points": 4, "cycle": "month", "method": "manual"}])
    a, b = make_branch(), make_branch()
    recompute(db, "2026-01", registry)
    period_id = db.scalar(select(Period.id).where(Period.key == "2026-01"))
    db.execute(Evaluation.__table__.update().where(Evaluation.period_id == period_id)
               .values(auto_earned=Decimal("2.5")))
    team, service = (i.id for i in rs.indicators)
    sums = index_sums_from_db(db, [period_id], index_of={team: "team", service: "service"},
                              rescored={team: (600, literal(450))})
    assert dict(sums) == {x.id: {"team": (600, 450), "service": (400, 250)} for x in (a, b)}
    assert dict(index_sums_from_db(db, [period_id], [b.id], index_of={team: "team"})) == {b.id: {"team": (1000, 250)}}


def test_records_of_one_day_count_each_under_its_own_kind_and_code(db, make_branch, make_ruleset, add_points):
    """A branch's records of one day, of different kinds and codes, each count as what
    they are: the capped indicator's deductions up to its points, other deductions in
    full (added up over the days), the bonus as bonus; every veto code is noted."""
    from datetime import date

    from core.periods.keys import PeriodKey
    from core.scoring.aggregate import adjustments
    rs = make_ruleset(indicators=[{"code": "D-M", "index_code": "management", "points": 3, "cycle": "month",
                                   "kind": "deduction"}])
    b = make_branch()
    day = date(2026, 1, 5)
    add_points(b, "deduction", 4, day, code="D-M")   # capped at 3
    add_points(b, "deduction", 1, day)               # no indicator: in full
    add_points(b, "deduction", 2, date(2026, 1, 20))  # another day: added
    add_points(b, "bonus", "0.5", day)               # a bonus of that day, on its own
    add_points(b, "veto", 0, day, code="V-A")
    add_points(b, "veto", 0, day, code="V-B")
    adj = adjustments(db, PeriodKey.parse("2026-01"), rs)[b.id]
    assert (adj.bonus_raw, adj.deduction, adj.vetoes, adj.veto_codes) == (
        Decimal("0.50"), Decimal("6.00"), 2, ["V-A", "V-B"])


def test_branches_of_equal_inputs_get_the_whole_result_of_the_first():
    """score_all scores one branch of each group of equal inputs (category, index sums,
    no adjustment) and copies its result: every field, each branch its own notes."""
    from types import SimpleNamespace

    from core.scoring.aggregate import score_all
    rs = SimpleNamespace(name="细则", weights=[SimpleNamespace(category="production", index_code=i, weight=20)
                                             for i in FIVE], setting=lambda name: 5)
    sums = {"team": (1000, 900), "brand": (1000, 500)}
    first, copy = score_all([B, (2, 7, "production", "A2")], {1: sums, 2: sums}, {}, rs)
    assert first.cents == (4500, None, None, 2500, None, 7000, 0, 0, 7000)
    assert (copy.branch_id, copy.unit_id, copy.category, copy.code) == (2, 7, "production", "A2")
    assert (copy.index_scores, copy.base, copy.bonus, copy.deduction, copy.total, copy.vetoed, copy.cents) == (
        first.index_scores, Decimal("70.00"), Decimal("0.00"), Decimal("0.00"), Decimal("70.00"), False, first.cents)
    assert copy.notes == first.notes == {"rescaled": ["management", "performance", "service"]}
    assert copy.notes is not first.notes and copy.index_scores is not first.index_scores


def test_an_index_without_a_weight_row_weighs_nothing():
    """An index the rule set gives no weight to (no row for the category) scores 0 and
    takes no share of the re-scaled weights."""
    r = score(B, {"team": (1000, 1000), "brand": (1000, 1000)}, None, {"team": 20}, Decimal(5))
    assert (r.index_scores["team"], r.index_scores["brand"], r.total) == (
        Decimal("100.00"), Decimal("0.00"), Decimal("100.00"))


def test_branches_of_two_categories_with_equal_sums_and_a_bonus_each_get_their_own_weights():
    """score_all remembers index scores per category (the weights are not in the
    memo's key): a branch with a bonus whose index sums equal another category's
    branch's is scored with its own category's weights, not handed the other's."""
    from types import SimpleNamespace

    from core.scoring.aggregate import score_all
    weights = {"production": {"team": 50, "brand": 50}, "auxiliary": {"team": 20, "brand": 80}}
    rs = SimpleNamespace(name="细则", setting=lambda name: 5,
                         weights=[SimpleNamespace(category=c, index_code=i, weight=w)
                                  for c, by_index in weights.items() for i, w in by_index.items()])
    sums = {"team": (1000, 1000), "brand": (1000, 0)}
    bonus = Adjustments(bonus_raw=Decimal(1))
    prod, aux = score_all([B, (2, 7, "auxiliary", "A2")], {1: sums, 2: sums}, {1: bonus, 2: bonus}, rs)
    assert (prod.index_scores["team"], prod.total) == (Decimal("50.00"), Decimal("51.00"))
    assert (aux.index_scores["team"], aux.base, aux.total) == (Decimal("20.00"), Decimal("20.00"), Decimal("21.00"))


def test_a_windows_scores_name_each_active_branch_by_its_code(db, make_branch, make_ruleset):
    """score_window scores the active branches in code order, each result carrying the
    branch's id, unit, category and code — the code is the display order's last
    tie-break (ranking.display_key), which decides the guide proportions' excess among
    equal totals whatever order the database's collation gave the rows."""
    from core.periods.keys import PeriodKey
    from core.scoring.compute import score_window
    rs = make_ruleset()
    second, first = make_branch(code="B-B", category="market"), make_branch(code="B-A")
    gone = make_branch(code="B-0")
    gone.active = False
    db.commit()
    scores, _warnings = score_window(db, PeriodKey.parse("2026-01"), rs, {}, {})
    assert [(s.branch_id, s.unit_id, s.category, s.code) for s in scores] == [
        (first.id, first.unit_id, "production", "B-A"), (second.id, second.unit_id, "market", "B-B")]
