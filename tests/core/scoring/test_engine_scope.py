"""The window's scoring scope (core.scoring.compute.score_window): a one-branch preview
(the sheet) scores that branch, not the first active one; a star gate is asked with the
close's session and its quarter."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.indicators.models import Indicator
from core.org.models import Branch
from core.scoring.models import Evaluation
from core.scoring.gates import StarGate
from core.scoring.sheet import branch_sheet

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1}}
Q_ITEM = {"index_code": "team", "points": 100, "cycle": "quarter", "method": "manual"}


def test_a_branch_sheet_preview_shows_that_branchs_score_not_the_first_branchs(
        db, registry, make_branch, make_ruleset, add_record):
    make_ruleset(indicators=[LEDGER])
    first = make_branch(code="B-A")                  # first by code, no meeting: 0
    mine = make_branch(code="B-B")
    add_record(mine, "committee_meeting", date(2026, 1, 5))
    sheet = branch_sheet(db, mine.id, "2026-01", kinds=registry, today=date(2026, 2, 10))
    assert sheet.source == "preview"
    assert sheet.total == Decimal("100.00")
    assert [(i.code, i.earned) for s in sheet.sections for i in s.items] == [(i.code, Decimal("10.00"))
                                                                              for i in db.scalars(select(Indicator))]
    assert branch_sheet(db, first.id, "2026-01", kinds=registry, today=date(2026, 2, 10)).total == Decimal("0.00")


def test_a_star_gate_reads_the_database_as_of_the_quarters_end(db, make_branch, make_ruleset, rate):
    """A gate like the brand's: it asks the close's session about the quarter's end."""
    make_ruleset(indicators=[Q_ITEM], settings={"gates": {"5": "founded"}})
    old, new = make_branch(), make_branch()
    old.founded_on, new.founded_on = date(2020, 5, 1), date(2026, 4, 1)   # founded after Q1
    db.commit()

    def founded(session, ids, window):
        return set(session.scalars(select(Branch.id).where(Branch.id.in_(ids), Branch.founded_on <= window.ends_on)))

    res = rate({old: 95, new: 95}, gates=[StarGate("founded", "已成立", founded)])
    assert (res[old].stars, res[new].stars) == (5, 4)


def test_a_branch_sheet_preview_leaves_the_categorys_proportions_to_the_close(
        db, registry, make_branch, make_ruleset, add_record):
    """A one-branch preview does not know the category's ranking: it is not the category
    of one that the guide proportions would cap (floor of 1 × 50 % = no ★5 place)."""
    make_ruleset(indicators=[LEDGER], settings={"proportions": {"5": 50}, "proportion_mode": "cap",
                                                "proportion_rounding": "floor"})
    b = make_branch()
    make_branch()
    for month in (1, 2, 3):
        add_record(b, "committee_meeting", date(2026, month, 5))
    sheet = branch_sheet(db, b.id, "2026Q1", kinds=registry, today=date(2026, 4, 10))
    assert (sheet.source, sheet.total, sheet.stars, sheet.warnings) == ("preview", Decimal("100.00"), 5, [])


def test_a_year_preview_gives_the_annual_grade_of_its_band_and_leaves_proportions_to_the_close(
        db, registry, make_branch, make_ruleset, add_record):
    make_ruleset(indicators=[{**LEDGER, "cycle": "year"}],
                 settings={"proportions": {"5": 50}, "proportion_mode": "cap", "proportion_rounding": "floor"})
    b = make_branch()
    make_branch()
    add_record(b, "committee_meeting", date(2026, 6, 5))
    sheet = branch_sheet(db, b.id, "2026", kinds=registry, today=date(2027, 1, 10))
    assert (sheet.source, sheet.total, sheet.stars, sheet.warnings) == ("preview", Decimal("100.00"), 5, [])


def test_a_year_scored_for_every_branch_applies_the_categorys_proportions(
        db, registry, make_branch, make_ruleset, add_record, result_of):
    from core.scoring.close import recompute

    make_ruleset(indicators=[{**LEDGER, "cycle": "year"}], settings={"proportions": {"5": 50}, "proportion_mode": "cap"})
    a, b = make_branch(code="B-A"), make_branch(code="B-B")
    for branch in (a, b):
        add_record(branch, "committee_meeting", date(2026, 6, 5))
    recompute(db, "2026", registry, today=date(2027, 1, 10))
    # one ★5 place of two: the tie goes down in display order (code)
    assert (result_of(a, "2026").stars, result_of(b, "2026").stars) == (5, 4)


def test_a_branch_sheet_preview_writes_no_other_branchs_items(db, registry, make_branch, make_ruleset):
    """store=False writes nothing: the manual items of the periods not yet due are
    stored by the close (and by each branch's own sheet), not by another's preview."""
    make_ruleset(indicators=[{"index_code": "team", "points": 10, "cycle": "month", "method": "manual"}])
    mine, other = make_branch(), make_branch()
    sheet = branch_sheet(db, mine.id, "2026Q1", kinds=registry, today=date(2026, 2, 10))
    assert sheet.source == "preview"
    assert db.scalars(select(Evaluation).where(Evaluation.branch_id == other.id)).all() == []


def test_a_plugins_indicator_skips_a_unit_with_only_another_plugin_enabled(
        db, make_unit, make_branch, make_ruleset, enable_plugin, close):
    u1, u2 = make_unit(), make_unit()
    b1, _b2 = make_branch(unit=u1), make_branch(unit=u2)
    enable_plugin(u1, "brands")
    enable_plugin(u2, "typical_staff")
    rs = make_ruleset(indicators=[{"index_code": "brand", "points": 5, "cycle": "month", "plugin": "brands"}],
                      settings={"unverified_policy": "zero"})
    close("2026-01")
    assert set(db.scalars(select(Evaluation.branch_id).where(Evaluation.indicator_id == rs.indicators[0].id))) == {b1.id}


def test_a_quarter_preview_counts_its_closed_months_stored_rows(db, registry, make_branch, make_ruleset, add_record,
                                                                close):
    make_ruleset(indicators=[LEDGER])
    make_branch()
    make_branch()
    mine = make_branch()   # an id no period has
    add_record(mine, "committee_meeting", date(2026, 1, 5))
    close("2026-01")
    sheet = branch_sheet(db, mine.id, "2026Q1", kinds=registry, today=date(2026, 2, 10))   # February not yet due
    assert sheet.source == "preview"
    assert next(s for s in sheet.sections if s.index_code == "management").earned == Decimal("10.00")
    assert sheet.total == Decimal("100.00")


def test_a_plugins_method_applies_only_where_its_plugin_is_enabled(
        db, make_unit, make_branch, make_ruleset, enable_plugin):
    """An indicator naming no plugin but scored by a plugin's method belongs to that
    plugin too: only branches of units that enabled it are evaluated."""
    from core.scoring.close import close_period
    from core.scoring.kinds import EvalRow, IndicatorKind

    def evaluate(ctx):
        for ind in ctx.indicators:
            for bid in ctx.session.scalars(ctx.applicable[ind.id]):
                yield EvalRow(bid, ind.id, Decimal(5))

    u1, u2 = make_unit(), make_unit()
    b1, _b2 = make_branch(unit=u1), make_branch(unit=u2)
    enable_plugin(u1, "brands")
    make_ruleset(indicators=[{"index_code": "brand", "points": 5, "cycle": "month", "method": "brands.counted"}])
    result = close_period(db, "2026-01", kinds=[IndicatorKind("brands.counted", "品牌", evaluate, plugin="brands")])
    assert result.evaluations == 1
    assert db.execute(select(Evaluation.branch_id, Evaluation.auto_earned)).all() == [(b1.id, Decimal("5.00"))]
