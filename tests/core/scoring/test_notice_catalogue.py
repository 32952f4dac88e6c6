"""Annual grade, public notice and objections, commendation list; default catalogue,
seeding and the weight/band checks."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.indicators.catalogue import CatalogueError, default_indicators, seed_ruleset, validate_bands, validate_weights
from core.scoring import notice
from core.scoring.errors import NoticeError, NotFound, ReasonRequired

from tests.core.scoring.conftest import Y_ITEM


def test_annual_grade_from_year_total_capped_by_veto(graded, result_of):
    bs = graded({"A": ("production", 92), "B": ("production", 85), "C": ("production", 95)}, vetoes=["C"])
    assert [result_of(bs[c], "2026").stars for c in "ABC"] == [5, 4, 1]


def test_notice_objection_and_finalise(db, graded):
    bs = graded({"A": ("production", 92)})
    n = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11))
    assert n.ends_on == date(2027, 1, 15)  # five working days, Monday to Friday
    with pytest.raises(NoticeError, match="已在公示或已确定"):   # one round at a time
        notice.start_notice(db, 2026, starts_on=date(2027, 1, 12))
    with pytest.raises(NoticeError, match="公示期内"):
        notice.file_objection(db, n.id, bs["A"].id, "分数有误", today=date(2027, 1, 16))
    for empty in (" ", None):   # None: a form sent without the field
        with pytest.raises(ReasonRequired):
            notice.file_objection(db, n.id, bs["A"].id, empty, today=date(2027, 1, 11))
    obj = notice.file_objection(db, n.id, bs["A"].id, "分数有误", today=date(2027, 1, 11))
    with pytest.raises(NoticeError, match="期满后"):
        notice.finalise_grades(db, n.id, today=date(2027, 1, 15))
    with pytest.raises(NoticeError, match="未处理的异议"):
        notice.finalise_grades(db, n.id, today=date(2027, 1, 16))
    for empty in ("", None):
        with pytest.raises(ReasonRequired):
            notice.resolve_objection(db, obj.id, upheld=False, resolution=empty)
    notice.resolve_objection(db, obj.id, upheld=False, resolution="经核实无误")
    assert notice.finalise_grades(db, n.id, today=date(2027, 1, 16)).status == "final"
    with pytest.raises(NoticeError, match="已在公示或已确定"):   # nor after the final one
        notice.start_notice(db, 2026, starts_on=date(2027, 1, 18))


def test_an_objection_needs_the_branchs_grade_of_the_noticed_year(db, graded, make_branch):
    """Only a branch graded in the noticed year can be objected to: not one with
    quarterly results only (dissolved before the year closed: its year row is removed
    here), nor one with no result at all — while other branches have theirs."""
    from sqlalchemy import delete

    from core.periods.models import Period
    from core.scoring.models import ScoreResult

    bs = graded({"A": ("production", 92), "B": ("production", 85)})
    n = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11))
    year_id = db.scalar(select(Period.id).where(Period.key == "2026"))
    db.execute(delete(ScoreResult).where(ScoreResult.period_id == year_id, ScoreResult.branch_id == bs["B"].id))
    assert db.scalar(select(ScoreResult.id).where(ScoreResult.branch_id == bs["B"].id))  # its quarters' stay
    for branch in (bs["B"], make_branch(code="NEW")):
        with pytest.raises(NotFound):
            notice.file_objection(db, n.id, branch.id, "分数有误", today=date(2027, 1, 11))
    assert notice.file_objection(db, n.id, bs["A"].id, "分数有误", today=date(2027, 1, 11)).branch_id == bs["A"].id


def test_upheld_objection_blocks_final_until_year_reopened(db, graded, make_user):
    from core.audit.models import AuditEntry
    from core.scoring.close import reopen_period
    bs = graded({"A": ("production", 92)})
    n = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11))
    obj = notice.file_objection(db, n.id, bs["A"].id, "漏计加分", today=date(2027, 1, 11))
    notice.resolve_objection(db, obj.id, upheld=True, resolution="异议成立，需更正")
    with pytest.raises(NoticeError, match="异议成立"):
        notice.finalise_grades(db, n.id, today=date(2027, 2, 1))
    admin = make_user("admin")
    reopen_period(db, "2026", "按异议更正", actor=admin)
    assert n.status == "cancelled"
    # the notice's cancelling is audited with the reopening's actor and reason
    cancelled = db.scalars(select(AuditEntry).where(AuditEntry.action == "notice.cancel")).all()
    assert [(e.user_id, e.object_id, e.reason) for e in cancelled] == [(admin.id, str(n.id), "按异议更正")]


def test_commendation_list_entries_carry_the_branch_and_its_year_result(db, graded, result_of):
    """Each commended branch is listed with its id, code, name, category, the year's
    total and stars, and its place (1, 2 …); top_n overrides the rule set's places; a
    year without its window has no list (and is not final)."""
    bs = graded({"A": ("production", 95), "B": ("production", 91), "C": ("production", 90)})
    final, lists = notice.commendation_list(db, 2026)
    assert final is False
    expected = []
    for place, code in enumerate(("A", "B"), start=1):   # the rule set's 2 places
        r = result_of(bs[code], "2026")
        expected.append((bs[code].id, code, bs[code].name, "production", r.total, r.stars, place))
    assert [(c.branch_id, c.code, c.name, c.category, c.total, c.stars, c.rank)
            for c in lists["production"]] == expected
    assert [c.code for c in notice.commendation_list(db, 2026, top_n=1)[1]["production"]] == ["A"]
    assert notice.commendation_list(db, 2031) == (False, {})


def test_a_notice_lasts_1_to_60_working_days(db, graded, make_user):
    from core.periods.models import Period
    graded({"A": ("production", 92)})
    for days in (0, 61):
        with pytest.raises(NoticeError):
            notice.start_notice(db, 2026, starts_on=date(2027, 1, 11), days=days)
    admin = make_user("admin")
    one = notice.start_notice(db, 2026, starts_on=date(2027, 1, 11), days=1, actor=admin)
    assert (one.ends_on, one.created_by) == (date(2027, 1, 11), admin.id)   # who started it is kept
    notice.cancel_notice(db, db.scalar(select(Period).where(Period.key == "2026")), reason="改期")
    assert notice.start_notice(db, 2026, starts_on=date(2027, 1, 11), days=60).status == "open"


def test_notice_needs_closed_year(db, make_ruleset):
    make_ruleset(indicators=[Y_ITEM])
    with pytest.raises(NoticeError, match="尚未结账"):
        notice.start_notice(db, 2026)


def test_commendation_list_top_n_without_veto_and_at_least_four_stars(db, graded):
    graded({"A": ("production", 95), "B": ("production", 91), "C": ("production", 91), "D": ("production", 88),
            "E": ("production", 99), "F": ("market", 75), "G": ("market", 85)}, vetoes=["E"])
    final, lists = notice.commendation_list(db, 2026)
    assert final is False
    # E vetoed; top 2 eligible with ties at the cut-off included
    assert [c.code for c in lists["production"]] == ["A", "B", "C"]
    assert [c.code for c in lists["market"]] == ["G"]  # F is ★3


def test_commendation_list_reads_the_years_unvetoed_results_in_display_order(db, make_ruleset, make_branch):
    """From the year's stored results only (not a quarter's), never a vetoed branch —
    even one a rule set's veto cap of ★4 left at ★4 — and a tie of total and
    performance is ordered by branch code (not by name or by which branch came first):
    with the "order" rule exactly n places are taken in that order."""
    from core.periods.keys import PeriodKey
    from core.periods.services import get_or_create_period
    from core.scoring.models import ScoreResult

    rs = make_ruleset(settings={"veto_cap": 4, "commendation_top_n": 2})
    year, q4 = (get_or_create_period(db, PeriodKey.parse(k)) for k in ("2026", "2026Q4"))
    for p in (year, q4):
        p.status, p.ruleset_id = "closed", rs.id
    late, early = make_branch(code="C2", name="Alpha"), make_branch(code="C1", name="Zeta")   # C2 came first
    vetoed, quarter_only = make_branch(code="C0"), make_branch(code="C3")

    def result(period, branch, total, stars, rank, vetoed=False):
        db.add(ScoreResult(period_id=period.id, branch_id=branch.id, unit_id=branch.unit_id, category="production",
                           ruleset_id=rs.id, performance=Decimal(20), base=Decimal(total), bonus=0, deduction=0,
                           total=Decimal(total), stars=stars, rank=rank, vetoed=vetoed))
    result(year, vetoed, 99, 4, 1, vetoed=True)
    result(year, late, 90, 5, 1)
    result(year, early, 90, 5, 1)
    result(q4, quarter_only, 98, 5, 1)
    db.commit()

    final, lists = notice.commendation_list(db, 2026)
    assert (final, [(c.code, c.rank) for c in lists["production"]]) == (False, [("C1", 1), ("C2", 1)])
    assert [c.code for c in notice.commendation_list(db, 2026, top_n=1)[1]["production"]] == ["C1", "C2"]
    rs.settings = {**rs.settings, "commendation_ties": "order"}
    db.commit()
    assert [c.code for c in notice.commendation_list(db, 2026, top_n=1)[1]["production"]] == ["C1"]


# ------------------------------------------------------------------ catalogue

def test_default_catalogue_covers_six_basic_items_and_frequencies():
    rows = default_indicators(None)
    names = " ".join(r["name"] for r in rows)
    for item in ("组织设置", "班子建设", "运行机制", "组织生活", "党员队伍", "工作保障"):
        assert item in names
    freq = {r["params"]["record_types"][0]: r["cycle"] for r in rows if r["method"] == "ledger_count"}
    assert freq == {"committee_meeting": "month", "member_meeting": "quarter", "group_meeting": "month",
                    "party_lecture": "quarter", "theme_day": "month", "life_meeting": "year", "appraisal": "year"}
    kinds = {r["kind"] for r in rows}
    assert kinds == {"basic", "special", "deduction", "veto"}
    assert {r["method"] for r in rows} >= {"ledger_count", "attendance", "appraisal", "target", "manual"}


def test_seed_ruleset_is_valid_and_active(db, registry):
    rs = seed_ruleset(db, 2026, None, registry=registry)
    db.commit()
    assert rs.status == "active" and rs.version == 1
    validate_weights(rs.weights)
    validate_bands(rs.bands)
    by_cat = {}
    for w in rs.weights:
        by_cat.setdefault(w.category, {})[w.index_code] = w.weight
    assert by_cat["production"]["performance"] > by_cat["management"]["performance"]
    second = seed_ruleset(db, 2026, None)
    assert second.version == 2 and second.status == "draft"


def test_seeded_default_catalogue_closes_a_month(db, registry, make_branch, add_record, close, result_of):
    seed_ruleset(db, 2026, None, registry=registry)
    db.commit()
    b = make_branch()
    add_record(b, "committee_meeting", date(2026, 1, 5))
    add_record(b, "group_meeting", date(2026, 1, 6))
    add_record(b, "theme_day", date(2026, 1, 7))
    close("2026-01")
    assert result_of(b, "2026-01").total == Decimal("100.00")


@pytest.mark.parametrize("rows,message", [
    ([("production", "team", 20), ("production", "management", 20), ("production", "performance", 20),
      ("production", "brand", 20), ("production", "service", 19)], "合计为 99"),
    ([("production", "team", 100)], "缺少以下指数"),
    ([("production", "team", "x")], "不是数字"),
    ([("production", "team", -5)], "0–100的整数"),
    ([("nowhere", "team", 100)], "未知的支部类别"),
])
def test_weights_must_sum_to_100_per_category(rows, message):
    with pytest.raises(CatalogueError, match=message):
        validate_weights(rows)


@pytest.mark.parametrize("rows,message", [
    ({5: 90, 4: 80, 3: 70, 2: 60}, "缺少 1星"),
    ({5: 90, 4: 80, 3: 70, 2: 60, 1: 10}, "从 0 分开始"),
    ({5: 80, 4: 80, 3: 70, 2: 60, 1: 0}, "重叠"),
    ({5: 90, 4: 95, 3: 70, 2: 60, 1: 0}, "重叠"),
    ({5: 101, 4: 80, 3: 70, 2: 60, 1: 0}, "0–100"),
])
def test_bands_cover_0_to_100_without_gaps_or_overlaps(rows, message):
    with pytest.raises(CatalogueError, match=message):
        validate_bands(rows.items())


def test_default_bands_are_valid():
    validate_bands([(5, 90), (4, 80), (3, 70), (2, 60), (1, 0)])
