"""确认全部自动得分 (core.scoring.adjust.confirm_automatic), the rules the sheet's button
relies on beyond tests/core/scoring/test_unverified_items.py: only the window's own
cycle periods are confirmed; the confirmation is the reviewer's (who and when are kept,
the version moves on, so a reviewer holding the sheet from before is refused); it is
audited once against the branch and its unit; a window inside a closed one is refused.
And one item's verification (verify_item) without a reason: it confirms the proposed
value — the automatic score, or a manual item's self-assessment — and nothing else."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring.adjust import CONFIRM_AUTO, CONFIRM_SELF, confirm_automatic, self_assess, verify_item
from core.scoring.close import recompute
from core.scoring.errors import PeriodLocked, ReasonRequired, StaleVersion
from core.scoring.models import Evaluation

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1}}


def _items(db, branch):
    """period key → the branch's evaluation of that month."""
    rows = db.execute(select(Period.key, Evaluation).join(Period, Period.id == Evaluation.period_id)
                      .where(Evaluation.branch_id == branch.id)).all()
    return dict(rows)


@pytest.fixture
def trial(db, registry, make_branch, make_ruleset, add_record):
    """One branch with a monthly automatic item stored (a trial) for January to April."""
    b = make_branch()
    make_ruleset(indicators=[LEDGER])
    for month in (1, 2, 3, 4):
        add_record(b, "committee_meeting", date(2026, month, 5))
    recompute(db, "2026Q1", registry)
    recompute(db, "2026-04", registry)
    db.commit()
    return b


def test_confirm_all_is_the_reviewers_and_covers_only_the_windows_periods(db, trial, make_user):
    b = trial
    reviewer = make_user(role="admin")
    before = {k: ev.version for k, ev in _items(db, b).items()}

    assert confirm_automatic(db, b.id, PeriodKey.parse("2026Q1"), actor=reviewer) == 3
    db.commit()
    items = _items(db, b)
    for key in ("2026-01", "2026-02", "2026-03"):
        ev = items[key]
        assert (ev.verified_earned, ev.verify_reason, ev.verified_by) == (Decimal("10.00"), CONFIRM_AUTO, reviewer.id)
        assert ev.verified_at is not None and ev.version == before[key] + 1
    april = items["2026-04"]                      # open, automatic, unverified — but in Q2
    assert (april.verified_earned, april.verified_by, april.version) == (None, None, before["2026-04"])

    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.confirm_all")).one()
    assert (entry.user_id, entry.object_type, entry.object_id, entry.unit_id) == (reviewer.id, "branches", str(b.id),
                                                                                 b.unit_id)
    assert entry.new == {"window": "2026Q1", "confirmed": 3}

    # a reviewer who opened January's sheet before the confirmation saves on a stale version
    with pytest.raises(StaleVersion):
        verify_item(db, items["2026-01"].ident, "8", "更正", before["2026-01"])


def test_confirm_all_in_a_window_inside_a_closed_year_is_refused(db, trial):
    """Even for a window that has no period row of its own yet (no trial, no sheet)."""
    from core.periods.services import get_or_create_period
    get_or_create_period(db, PeriodKey(2026, "year", 0)).status = "closed"   # as a close leaves it
    db.commit()
    with pytest.raises(PeriodLocked, match="2026"):
        confirm_automatic(db, trial.id, PeriodKey.parse("2026Q3"))
    db.rollback()
    assert all(ev.verified_earned is None for ev in _items(db, trial).values())


def test_confirm_all_of_a_window_with_nothing_stored_confirms_nothing(db, trial):
    assert confirm_automatic(db, trial.id, PeriodKey.parse("2026Q3")) == 0
    db.commit()
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.confirm_all")).all() == []


# ------------------------------------------------- one item confirmed without a reason

MANUAL_Q = {"index_code": "team", "points": 10, "cycle": "quarter", "method": "manual"}


def test_confirming_the_automatic_score_needs_no_reason_a_change_does(db, trial, make_user):
    """The reviewer's verified value equal to the automatic score is stored with the
    reason 确认自动得分; another value without a reason is refused. A later change is the
    reviewer's, audited against the evaluation and its unit with what it replaced: the
    verified value, its reason and the automatic score."""
    jan = _items(db, trial)["2026-01"]                       # automatic 10 of 10
    with pytest.raises(ReasonRequired):
        verify_item(db, jan.ident, "8", "", jan.version)
    verify_item(db, jan.ident, "10", " ", jan.version)
    db.commit()
    assert (jan.verified_earned, jan.verify_reason) == (Decimal("10.00"), CONFIRM_AUTO)

    reviewer = make_user(role="admin")
    verify_item(db, jan.ident, "8", "会议记录不全", jan.version, actor=reviewer)
    db.commit()
    assert (jan.verified_earned, jan.verified_by) == (Decimal("8.00"), reviewer.id)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.verify")
                       .order_by(AuditEntry.id.desc())).first()
    assert (entry.user_id, entry.object_type, entry.object_id, entry.unit_id) == (reviewer.id, "evaluations", jan.key,
                                                                                 trial.unit_id)
    assert entry.old == {"verified_earned": "10.00", "verify_reason": CONFIRM_AUTO, "auto_earned": "10.00"}
    assert entry.new == {"verified_earned": "8.00", "verify_reason": "会议记录不全"}


def test_confirming_a_manual_items_self_assessment_needs_no_reason(db, registry, make_branch, make_ruleset):
    """A manual item has no automatic score: the proposal is the branch's
    self-assessment, confirmed unchanged as 确认自评得分; another value needs a reason."""
    b = make_branch()
    make_ruleset(indicators=[MANUAL_Q])
    recompute(db, "2026Q1", registry)
    ev = db.scalar(select(Evaluation).where(Evaluation.branch_id == b.id))
    self_assess(db, ev.ident, "7", None, expected_version=ev.version)
    with pytest.raises(ReasonRequired):
        verify_item(db, ev.ident, "6", "", ev.version)
    verify_item(db, ev.ident, "7", "", ev.version)
    db.commit()
    assert (ev.auto_earned, ev.verified_earned, ev.verify_reason) == (None, Decimal("7.00"), CONFIRM_SELF)


def test_a_sheet_seen_before_a_self_assessment_and_a_confirm_all_is_stale(db, trial):
    """Every save moves the version on: a reviewer who opened the sheet before the
    branch's self-assessment and the confirm-all button saves on a stale version."""
    jan = _items(db, trial)["2026-01"]
    seen = jan.version
    self_assess(db, jan.ident, "9", "自评", expected_version=seen)
    assert confirm_automatic(db, trial.id, PeriodKey.parse("2026-01")) == 1
    db.commit()
    with pytest.raises(StaleVersion):
        verify_item(db, jan.ident, "5", "更正", seen)
    db.rollback()
    jan = _items(db, trial)["2026-01"]
    assert (jan.self_earned, jan.verified_earned, jan.verify_reason) == (Decimal("9.00"), Decimal("10.00"),
                                                                         CONFIRM_AUTO)
