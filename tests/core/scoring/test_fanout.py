"""The close fanned out in batches of units (core.scoring.fanout) run here batch after
batch — the same functions the Celery chord runs (tests/integration/test_fanout_close.py
runs them on real workers): identical rows to the in-process close, however the units
are batched, one lock, idempotent batches, progress in units, nothing sent when the
transaction rolls back."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from core.jobs.models import Job, JobStep
from core.periods.keys import PeriodKey
from core.scoring import fanout
from core.scoring.close import close_period, reopen_period

ORDER = ["2026-01", "2026-02", "2026-03", "2026Q1", "2026-04", "2026-05", "2026-06", "2026Q2"]


def content(db) -> dict:
    """Every stored evaluation, result and period, without surrogate ids and times."""
    def rows(sql, drop=("id",)):
        res = db.execute(text(sql))
        keep = [i for i, k in enumerate(res.keys()) if k not in drop]
        return [tuple(str(r[i]) if r[i] is not None else None for i in keep) for r in res]

    return {
        "evaluations": rows("SELECT * FROM evaluations ORDER BY period_id, branch_id, indicator_id",
                            drop=("id", "verified_at")),
        "results": rows("SELECT * FROM score_results ORDER BY period_id, branch_id"),
        # closed windows only: a reopen also creates the (open) rows of the windows containing it
        "periods": rows("SELECT key, status, ruleset_id FROM periods WHERE status = 'closed' ORDER BY key"),
    }


@pytest.fixture
def group(db, make_unit, make_branch, make_ruleset, add_record, add_points):
    """Three units, five categories, a deactivated branch, ledger-scored and manual
    indicators, bonus/deduction/veto records, star proportions capped and promotion on."""
    units = [make_unit() for _ in range(3)]
    cats = ("production", "market", "production", "auxiliary", "production", "management", "nonpublic")
    branches = [make_branch(unit=units[i % 3], category=cats[i % len(cats)]) for i in range(14)]
    gone = make_branch(unit=units[2], category="production")
    rs = make_ruleset(indicators=[
        {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
         "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}},
        {"index_code": "team", "points": 6, "cycle": "quarter", "method": "attendance",
         "params": {"record_types": ["member_meeting"]}, "categories": ["production"]},
        {"index_code": "service", "points": 5, "cycle": "quarter", "method": "manual"},
        {"index_code": "performance", "kind": "deduction", "points": 3, "cycle": "quarter", "code": "DED1"},
    ], settings={"proportion_mode": "cap", "proportions": {"5": 20, "4": 40}, "unverified_policy": "zero"},
        bands={5: 46, 4: 40, 3: 33, 2: 30, 1: 0})
    for n, b in enumerate(branches + [gone]):
        for month in range(1, 7):
            if (n + month) % 4:
                add_record(b, "committee_meeting", date(2026, month, 3 + n % 5), late_days=n % 9)
        add_record(b, "member_meeting", date(2026, 2, 10), present_full=5 + n % 6)
        add_record(b, "member_meeting", date(2026, 5, 12), present_full=4 + n % 7)
    add_points(branches[0], "bonus", 4, date(2026, 2, 1))
    add_points(branches[1], "bonus", 9, date(2026, 5, 1))
    add_points(branches[2], "deduction", 2, date(2026, 3, 1), code="DED1")
    add_points(branches[2], "deduction", 2, date(2026, 3, 2), code="DED1")
    add_points(branches[4], "veto", 0, date(2026, 4, 20), code="V1")
    gone.active = False
    db.commit()
    return units, branches, rs


def _close_all(db, registry, how, batch_branches=None):
    for key in ORDER:
        if how == "fanout":
            fanout.close_in_units(db, key, registry, batch_branches=batch_branches)
        else:
            close_period(db, key, kinds=registry)
            db.commit()


def _wipe(db):
    db.execute(text("DELETE FROM evaluations"))
    db.execute(text("DELETE FROM score_results"))
    db.execute(text("UPDATE periods SET status = 'open', ruleset_id = NULL"))
    db.commit()


@pytest.mark.parametrize("batch_branches", [1, 10, 5000])  # a unit per batch, 2 + 1 units, all in one
def test_fanned_out_close_stores_the_rows_of_the_in_process_close(db, group, registry, batch_branches):
    _close_all(db, registry, "fanout", batch_branches)
    fanned = content(db)
    assert fanned["results"] and fanned["evaluations"]
    notes = " ".join(r[-1] or "" for r in fanned["results"])
    for rule in ("promotion", "proportion", "veto", "rescaled", "bonus_capped_from"):
        assert rule in notes, rule  # the scenario reaches every group-wide rule
    _wipe(db)
    _close_all(db, registry, "inprocess")
    assert content(db) == fanned

    # reopened and fanned out again over the stored rows (the merge path): unchanged
    reopen_period(db, "2026Q2", "复核")
    db.commit()
    result = fanout.close_in_units(db, "2026Q2", registry, batch_branches=batch_branches)
    assert not result.already_closed and result.results == 14
    assert content(db) == fanned


def test_proportions_that_only_warn_and_the_policy_self_give_the_in_process_rows(db, group, registry):
    """The group-wide part with proportions in "warn" mode (a note, stars kept) and
    unverified items counted at their self-assessment, written by each batch."""
    _units, _branches, rs = group
    rs.settings = {**rs.settings, "proportion_mode": "warn", "unverified_policy": "self"}
    db.commit()
    _close_all(db, registry, "fanout", batch_branches=10)
    fanned = content(db)
    notes = " ".join(r[-1] or "" for r in fanned["results"])
    assert "proportion_warning" in notes and '"rule": "proportion"' not in notes
    reasons = set(db.scalars(text("SELECT DISTINCT verify_reason FROM evaluations WHERE verify_reason IS NOT NULL")))
    assert len(reasons) == 1 and "自评" in reasons.pop()  # written by the batches
    _wipe(db)
    _close_all(db, registry, "inprocess")
    assert content(db) == fanned


def test_units_are_packed_into_batches_by_active_branches(db, make_unit, make_branch):
    units = [make_unit() for _ in range(5)]
    for unit, n in zip(units, (3, 2, 7, 1, 1)):
        for _ in range(n):
            make_branch(unit=unit)
    make_branch(unit=units[1]).active = False  # counts no work, but its unit is still a batch's
    db.commit()
    ids = [u.id for u in units]
    assert fanout.batches_of(db, 5) == [ids[0:2], [ids[2]], ids[3:5]]  # 3+2 | 7 alone | 1+1
    assert fanout.batches_of(db, 1) == [[i] for i in ids]
    assert fanout.batches_of(db, 100) == [ids]


def test_batches_across_units_with_a_plugin_disabled_in_one(db, group, registry, enable_plugin, make_ruleset):
    """A plugin indicator scored only in the unit that enabled it, in batches holding
    units with and without it: the rows of the in-process close."""
    from core.indicators.models import Indicator

    units, _branches, rs = group
    enable_plugin(units[1], "brands")
    rs.indicators.append(Indicator(position=9, code="BRX", name="品牌", kind="special", method="brands.progress",
                                   plugin="brands", index_code="brand", cycle="month", points=15, params={}))
    db.commit()
    sent = []
    fanout.start_close(db, "2026-01", dispatch=lambda *a: sent.append(a), batch_branches=10)
    db.commit()
    batches = sent[0][2]
    assert [len(b) for b in batches] == [2, 1] and units[1].id in batches[0]  # with and without, together
    db.rollback()
    db.execute(text("DELETE FROM job_steps"))
    db.execute(text("DELETE FROM jobs"))
    db.commit()
    _close_all(db, registry, "fanout", batch_branches=10)
    fanned = content(db)
    scored = set(db.scalars(text(f"SELECT branch_id FROM evaluations WHERE indicator_id = {rs.indicators[-1].id}")))
    in_unit = {b.id for b in _branches if b.unit_id == units[1].id and b.active}
    assert scored == in_unit  # only the enabled unit's branches
    _wipe(db)
    _close_all(db, registry, "inprocess")
    assert content(db) == fanned


def test_a_fanned_out_close_is_one_lock(db, group, registry):
    sent = []
    job = fanout.start_close(db, "2026-01", dispatch=lambda *a: sent.append(a))
    db.commit()
    assert sent and job.total == 3 and job.status == "queued"
    with pytest.raises(fanout.CloseInProgress):
        close_period(db, "2026-01", kinds=registry)
    db.rollback()
    with pytest.raises(fanout.CloseInProgress):
        fanout.start_close(db, "2026-01", dispatch=lambda *a: sent.append(a))
    db.rollback()
    assert len(sent) == 1


def test_a_rolled_back_transaction_sends_nothing(db, group, registry):
    sent = []
    fanout.start_close(db, "2026-01", dispatch=lambda *a: sent.append(a))
    db.rollback()
    assert sent == []
    assert db.scalar(select(Job.id)) is None
    db.commit()  # a later commit of other work does not send the forgotten chord
    assert sent == []


def test_batches_are_idempotent_and_units_counted_once(db, group, registry):
    sent = []
    job = fanout.start_close(db, "2026-01", dispatch=lambda *a: sent.append(a), batch_branches=10)
    db.commit()
    job_id, key, batches, _ = sent[0]
    assert [len(b) for b in batches] == [2, 1] and job.total == 3  # progress counts units
    fanout.close_batch(db, job_id, key, batches[0], registry)
    db.commit()
    assert db.get(Job, job_id).done == 2 and db.get(Job, job_id).status == "running"
    with pytest.raises(fanout.UnitsPending):
        fanout.finish_close(db, job_id, key, registry)
    db.rollback()
    rows_once = content(db)
    fanout.close_batch(db, job_id, key, batches[0], registry)  # redelivered
    db.commit()
    assert content(db) == rows_once and db.get(Job, job_id).done == 2
    for b in batches:
        fanout.close_batch(db, job_id, key, b, registry)
        db.commit()
    result = fanout.finish_close(db, job_id, key, registry)
    db.commit()
    job = db.get(Job, job_id)
    assert job.status == "done" and job.done == 3 and job.result["results"] == result.results == 14
    # each batch's evaluations counted once, though every unit's step carries them
    stored = db.scalar(text("SELECT count(*) FROM evaluations e JOIN periods p ON p.id = e.period_id "
                            "WHERE p.key = '2026-01'"))
    assert result.evaluations == stored > 0
    # the callback fired again, a batch redelivered after the close: nothing changes
    closed = content(db)
    assert fanout.finish_close(db, job_id, key, registry).already_closed
    assert fanout.close_batch(db, job_id, key, batches[1], registry)["skipped"]
    db.commit()
    assert content(db) == closed
    assert db.scalar(select(JobStep.key).where(JobStep.job_id == job_id, JobStep.key == "unit:0")) is None


def test_start_refuses_what_the_close_refuses(db, group, registry):
    from core.scoring.errors import CloseOrderError

    with pytest.raises(CloseOrderError):
        fanout.start_close(db, "2026Q1", dispatch=lambda *a: None)
    db.rollback()
    fanout.close_in_units(db, "2026-01", registry)
    assert fanout.close_in_units(db, "2026-01", registry).already_closed
    assert PeriodKey.parse("2026-01")


def test_a_branch_added_while_the_units_run_fails_the_close_in_words(db, group, registry, make_branch):
    from core.scoring.errors import ScoringError

    sent = []
    fanout.start_close(db, "2026-01", dispatch=lambda *a: sent.append(a))
    db.commit()
    job_id, key, batches, _ = sent[0]
    for b in batches:
        fanout.close_batch(db, job_id, key, b, registry)
        db.commit()
    make_branch(unit=group[0][0])
    with pytest.raises(ScoringError, match="请重新结账"):
        fanout.finish_close(db, job_id, key, registry)
