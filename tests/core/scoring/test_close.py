"""Close and lock: order, idempotence, reopen, recompute, rule-set versioning, audit,
and the refusals of every scoring write path in a locked window."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.periods.models import Period
from core.scoring.close import close_period, dump_rows, recompute, reopen_period
from core.scoring.errors import (AlreadyClosed, CloseOrderError, InvalidScore, NoActiveRuleSet, PeriodLocked,
                                 ReasonRequired, StaleVersion)
from core.scoring.models import Evaluation, ScoreResult

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}}
MANUAL_Q = {"index_code": "team", "points": 10, "cycle": "quarter", "method": "manual"}


@pytest.fixture
def setup(db, make_branch, make_ruleset, add_record, add_points):
    branches = [make_branch(category=c) for c in ("production", "production", "market")]
    # unverified manual items count 0 here: these tests are about order and locks
    # (the policies are tested in test_unverified_items.py)
    rs = make_ruleset(indicators=[LEDGER, MANUAL_Q], settings={"unverified_policy": "zero"})
    add_record(branches[0], "committee_meeting", date(2026, 1, 5))
    add_record(branches[1], "committee_meeting", date(2026, 1, 6), late_days=20)
    add_points(branches[2], "bonus", 2, date(2026, 1, 9))
    return branches, rs


def test_quarter_refused_until_its_months_are_closed(db, setup, registry, close):
    close("2026-01")
    with pytest.raises(CloseOrderError, match="以下月份尚未结账：2026年2月、2026年3月；请先结账这些月份"):
        close_period(db, "2026Q1", kinds=registry)


def test_year_refused_until_its_quarters_are_closed(db, setup, registry, close):
    close.quarter("2026Q1")
    with pytest.raises(CloseOrderError, match="以下季度尚未结账：2026年第二季度、.*；请先结账这些季度"):
        close_period(db, "2026", kinds=registry)


def test_close_marks_period_closed_with_ruleset_and_audits(db, setup, close):
    branches, rs = setup
    result = close("2026-01")
    period = db.scalar(select(Period).where(Period.key == "2026-01"))
    assert period.status == "closed" and period.ruleset_id == rs.id
    assert (result.key, result.ruleset_id, result.results, result.evaluations) == ("2026-01", rs.id, 3, 3)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "period.close"))
    assert entry.new["results"] == 3


def test_closing_twice_changes_nothing(db, setup, close):
    """The second close reports the window as it stands (the CLI's and the job page's
    "already closed, N results unchanged"): its key, rule set and stored results."""
    branches, rs = setup
    first = close("2026-01")
    before = dump_rows(db, "2026-01")
    again = close("2026-01")
    assert (again.already_closed, again.key, again.ruleset_id, again.results) == (True, "2026-01", rs.id, 3)
    assert first.results == 3 and dump_rows(db, "2026-01") == before


def test_closing_twice_a_window_without_results_reports_none(db, make_ruleset, close):
    make_ruleset(indicators=[LEDGER])              # no branch: the month closes with no result
    assert close("2026-01").results == 0
    again = close("2026-01")
    assert (again.already_closed, again.results) == (True, 0)


def test_reopen_and_close_again_gives_byte_identical_rows(db, setup, close):
    close.quarter("2026Q1")
    before = dump_rows(db, "2026Q1")
    reopen_period(db, "2026Q1", "复核", actor=None)
    reopen_period(db, "2026-03", "复核", actor=None)
    db.commit()
    close("2026-03")
    close("2026Q1")
    assert dump_rows(db, "2026Q1") == before
    assert len(before) > 10


@pytest.mark.parametrize("reason", ["  ", "", None])   # None: a form sent without the field
def test_reopen_requires_reason(db, setup, close, reason):
    close("2026-01")
    with pytest.raises(ReasonRequired):
        reopen_period(db, "2026-01", reason)


def test_reopening_a_quarter_waits_for_the_next_quarters_reopening(db, setup, close):
    """A quarter's stars build on the previous quarter's closed ones: Q1 cannot be
    reopened while Q2 is closed, and can once Q2 is; the fourth quarter has no next
    quarter in its year."""
    for q in ("2026Q1", "2026Q2"):
        close.quarter(q)
    with pytest.raises(CloseOrderError, match="2026年第二季度已结账"):
        reopen_period(db, "2026Q1", "更正")
    reopen_period(db, "2026Q2", "更正")
    assert reopen_period(db, "2026Q1", "更正").status == "open"
    for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"):
        close.quarter(q)
    assert reopen_period(db, "2026Q4", "更正").status == "open"


def test_reopen_refused_while_parent_closed(db, setup, close):
    close.quarter("2026Q1")
    with pytest.raises(CloseOrderError, match="须先重新开启2026年第一季度"):
        reopen_period(db, "2026-02", "更正")


def test_reopen_is_audited_with_reason(db, setup, close):
    close("2026-01")
    reopen_period(db, "2026-01", "台账补录")
    db.commit()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "period.reopen"))
    assert entry.reason == "台账补录"
    assert db.scalar(select(Period.status).where(Period.key == "2026-01")) == "open"


def test_recompute_of_closed_window_refused(db, setup, registry, close):
    close("2026-01")
    with pytest.raises(AlreadyClosed):
        recompute(db, "2026-01", registry)


def test_no_active_ruleset_is_a_clear_error(db, make_branch, registry):
    make_branch()
    with pytest.raises(NoActiveRuleSet, match="2027年度没有启用的考核细则"):
        close_period(db, "2027-01", kinds=registry)


def test_editing_next_years_ruleset_does_not_change_closed_period(db, setup, make_ruleset, close):
    branches, rs = setup
    close("2026-01")
    before = dump_rows(db, "2026-01")
    nxt = make_ruleset(year=2027, indicators=[{**LEDGER, "points": 50}])
    nxt.indicators[0].points = Decimal(40)
    nxt.weights[0].weight = 99
    db.commit()
    assert dump_rows(db, "2026-01") == before


def test_closed_period_keeps_its_ruleset_when_a_new_version_is_activated(db, setup, make_ruleset, close, result_of):
    branches, rs = setup
    close("2026-01")
    rs.status = "retired"
    v2 = make_ruleset(year=2026, indicators=[{**LEDGER, "points": 99}])
    close("2026-02")
    assert result_of(branches[0], "2026-01").ruleset_id == rs.id
    assert result_of(branches[0], "2026-02").ruleset_id == v2.id
    pts = set(db.scalars(select(Evaluation.points).join(Period, Period.id == Evaluation.period_id)
                         .where(Period.key == "2026-01")))
    assert pts == {Decimal("10.00")}


def test_a_quarters_close_counts_its_branches_per_star(db, setup, close):
    """The close's star distribution (the CLI's 星级分布, the audit's stars): how many
    branches got each star, in star order."""
    result = close.quarter("2026Q1")
    stored = db.scalars(select(ScoreResult.stars).join(Period, Period.id == ScoreResult.period_id)
                        .where(Period.key == "2026Q1")).all()
    expected = {s: stored.count(s) for s in sorted(set(stored))}
    assert result.stars == expected and sum(expected.values()) == 3 and max(expected.values()) > 1


def test_months_get_totals_and_ranks_but_no_stars(db, setup, close, result_of):
    branches, _ = setup
    close("2026-01")
    r0, r1 = result_of(branches[0], "2026-01"), result_of(branches[1], "2026-01")
    assert (r0.total, r0.rank, r0.stars, r0.tier) == (Decimal("100.00"), 1, None, None)
    assert (r1.total, r1.rank) == (Decimal("50.00"), 2)


def test_recompute_keeps_verified_values_and_removes_stale_rows(db, setup, registry, make_branch):
    from core.scoring.adjust import verify_item
    branches, rs = setup
    recompute(db, "2026Q1", registry)
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branches[0].id,
                                            Evaluation.indicator_id == rs.indicators[1].id))
    verify_item(db, ev.ident, 7, "核实", ev.version)
    branches[2].active = False
    db.commit()
    result = recompute(db, "2026Q1", registry)
    db.commit()
    db.refresh(ev)
    assert ev.verified_earned == Decimal("7.00")
    assert result.removed_evaluations == 4  # 3 months + the quarter item of the deactivated branch
    assert not db.scalars(select(Evaluation).where(Evaluation.branch_id == branches[2].id)).all()


# ------------------------------------------------------------------ verification

def _manual_eval(db, registry, branch, rs, key="2026Q1"):
    recompute(db, key, registry)
    db.commit()
    return db.scalar(select(Evaluation).where(Evaluation.branch_id == branch.id,
                                              Evaluation.indicator_id == rs.indicators[1].id))


def test_verify_requires_reason(db, setup, registry):
    from core.scoring.adjust import verify_item
    branches, rs = setup
    ev = _manual_eval(db, registry, branches[0], rs)
    with pytest.raises(ReasonRequired, match="必须填写理由"):
        verify_item(db, ev.ident, 5, "", ev.version)


@pytest.mark.parametrize("value", ["-1", "10.01", "abc", "1.234", "NaN"])
def test_verify_refuses_values_outside_points(db, setup, registry, value):
    from core.scoring.adjust import verify_item
    branches, rs = setup
    ev = _manual_eval(db, registry, branches[0], rs)
    with pytest.raises(InvalidScore):
        verify_item(db, ev.ident, value, "理由", ev.version)
    db.refresh(ev)
    assert ev.verified_earned is None


def test_second_reviewer_with_stale_version_is_refused(db, setup, registry):
    from core.scoring.adjust import verify_item
    branches, rs = setup
    ev = _manual_eval(db, registry, branches[0], rs)
    seen = ev.version
    verify_item(db, ev.ident, 8, "第一位审核人", seen)
    with pytest.raises(StaleVersion, match="已被他人修改"):
        verify_item(db, ev.ident, 3, "第二位审核人", seen)
    db.refresh(ev)
    assert ev.verified_earned == Decimal("8.00") and ev.verify_reason == "第一位审核人"


def test_verification_audited(db, setup, registry):
    from core.scoring.adjust import verify_item
    branches, rs = setup
    ev = _manual_eval(db, registry, branches[0], rs)
    verify_item(db, ev.ident, 6, "现场核查", ev.version)
    db.commit()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "evaluation.verify"))
    assert entry.new == {"verified_earned": "6.00", "verify_reason": "现场核查"} and entry.reason == "现场核查"


def test_self_assessment_kept_next_to_verified(db, setup, registry):
    from core.scoring.adjust import self_assess, verify_item
    branches, rs = setup
    ev = _manual_eval(db, registry, branches[0], rs)
    self_assess(db, ev.ident, 9, "按要求完成", None)
    verify_item(db, ev.ident, 7, "材料不全", ev.version)
    db.refresh(ev)
    assert (ev.self_earned, ev.verified_earned, ev.earned) == (Decimal("9.00"), Decimal("7.00"), Decimal("7.00"))


def test_locked_period_refuses_verify(db, setup, registry, close):
    from core.scoring.adjust import verify_item
    branches, rs = setup
    close("2026-01")
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branches[0].id))
    with pytest.raises(PeriodLocked, match="已结账锁定"):
        verify_item(db, ev.ident, 5, "更正", ev.version)


def test_locked_period_refuses_self_assessment(db, setup, registry, close):
    from core.scoring.adjust import self_assess
    branches, rs = setup
    close.quarter("2026Q1")
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == branches[0].id,
                                            Evaluation.indicator_id == rs.indicators[1].id))
    with pytest.raises(PeriodLocked):
        self_assess(db, ev.ident, 5, "自评", None)


def test_locked_parent_window_refuses_month_item(db, setup, registry, close):
    from core.scoring.adjust import verify_item
    branches, rs = setup
    close.quarter("2026Q1")
    ev = db.scalar(select(Evaluation).join(Period, Period.id == Evaluation.period_id)
                   .where(Period.key == "2026-02", Evaluation.branch_id == branches[0].id))
    with pytest.raises(PeriodLocked):
        verify_item(db, ev.ident, 5, "更正", ev.version)


def test_locked_period_refuses_recompute_of_quarter(db, setup, registry, close):
    close.quarter("2026Q1")
    with pytest.raises(AlreadyClosed):
        recompute(db, "2026Q1", registry)


def test_yearly_item_editable_while_january_closed(db, make_branch, make_ruleset, registry, close):
    from core.scoring.adjust import verify_item
    branch = make_branch()
    rs = make_ruleset(indicators=[{"index_code": "team", "points": 5, "cycle": "year", "method": "manual"}])
    close("2026-01")
    recompute(db, "2026", registry)
    ev = db.scalar(select(Evaluation).where(Evaluation.indicator_id == rs.indicators[0].id))
    verify_item(db, ev.ident, 5, "年度核实", ev.version)
    assert ev.verified_earned == Decimal("5.00")


def test_self_assessment_is_audited_checked_against_its_version_and_can_be_cleared(db, setup, registry, make_user):
    """A self-assessment stores the value and the trimmed note, is audited (who, the old
    values, the new ones), is refused when another edit came first, and an empty value
    and note clear it."""
    from core.scoring.adjust import self_assess
    branches, rs = setup
    secretary = make_user(role="secretary", branch=branches[0])
    ev = _manual_eval(db, registry, branches[0], rs)
    seen = ev.version
    self_assess(db, ev.ident, "9", "  按要求完成 ", secretary, expected_version=seen)
    db.refresh(ev)
    assert (ev.self_earned, ev.self_note) == (Decimal("9.00"), "按要求完成")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.self_assess")).one()
    assert entry.user_id == secretary.id and entry.object_id == ev.key
    assert entry.old == {"self_earned": None, "self_note": None} and entry.new["self_note"] == "按要求完成"

    with pytest.raises(StaleVersion):
        self_assess(db, ev.ident, "8", None, secretary, expected_version=seen)   # the version seen before
    db.refresh(ev)
    assert ev.self_earned == Decimal("9.00")

    self_assess(db, ev.ident, "", "  ", secretary, expected_version=ev.version)
    db.refresh(ev)
    assert (ev.self_earned, ev.self_note) == (None, None)
