"""The close fanned out in batches of units on real worker processes (Redis broker,
PostgreSQL): the stored rows equal the in-process close's, whatever the batching and
with a plugin enabled in only some units of a batch; a worker SIGKILLed mid-chord and
restarted finishes the close with the same rows and no duplicates; a rolled-back
transaction publishes nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from core.jobs.models import Job
from core.scoring import fanout
from core.scoring.close import close_period
from tests.core.scoring.conftest import add_points, add_record, make_ruleset, registry  # noqa: F401 (fixtures)
from tests.core.scoring.test_fanout import ORDER, _wipe, content, group  # noqa: F401 (fixture)
from tests.integration.conftest import PG_URL, REDIS_URL, WORKER_CONFIG
from tests.integration.waiting import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not (REDIS_URL and PG_URL),
                       reason="set STARBRANCH_TEST_REDIS_URL and STARBRANCH_TEST_DATABASE_URL for worker tests"),
    pytest.mark.config(WORKER_CONFIG),
]


def wait_job(db, worker, job_id, *, timeout=90, until=lambda job: not job.is_active) -> Job:
    return wait_for(db, worker, Job, job_id, until=until, timeout=timeout)


def close_on_workers(db, worker, key, batch_branches=None):
    job = fanout.start_close(db, key, batch_branches=batch_branches)
    db.commit()
    job = wait_job(db, worker, job.id)
    assert job.status == "done", job.error
    return job


def in_process(db, registry):  # noqa: F811
    _wipe(db)
    for key in ORDER:
        close_period(db, key, kinds=registry)
        db.commit()
    return content(db)


# one batch of the 3 units (the default size), and batches of 2 + 1 units
@pytest.mark.parametrize("batch_branches", [None, 10])
def test_fanned_out_close_on_workers_equals_the_in_process_close(db, worker, group, registry,  # noqa: F811
                                                                 batch_branches):
    for key in ORDER:
        job = close_on_workers(db, worker, key, batch_branches)
        assert job.done == job.total == 3
        assert len(job.params["batches"]) == (1 if batch_branches is None else 2)
    fanned = content(db)
    assert "proportion" in str(fanned["results"])
    assert in_process(db, registry) == fanned


def test_batches_with_a_plugin_disabled_in_one_unit_equal_the_in_process_close(db, worker, group, registry,  # noqa: F811
                                                                               enable_plugin):
    from core.indicators.models import Indicator

    units, branches, rs = group
    enable_plugin(units[1], "brands")  # a batch holds units 0 (without) and 1 (with)
    rs.indicators.append(Indicator(position=9, code="BRX", name="品牌", kind="special", method="brands.progress",
                                   plugin="brands", index_code="brand", cycle="month", points=15, params={}))
    db.commit()
    for key in ORDER:
        job = close_on_workers(db, worker, key, batch_branches=10)
        assert [len(b) for b in job.params["batches"]] == [2, 1]
    fanned = content(db)
    scored = set(db.scalars(text(f"SELECT DISTINCT branch_id FROM evaluations WHERE indicator_id = {rs.indicators[-1].id}")))
    assert scored == {b.id for b in branches if b.unit_id == units[1].id}
    assert in_process(db, registry) == fanned


@pytest.fixture
def many_units(db, make_unit, make_branch, make_ruleset, add_record):  # noqa: F811
    units = [make_unit() for _ in range(40)]
    for n, unit in enumerate(units):
        for k in range(3):
            b = make_branch(unit=unit, category=("production", "market")[k % 2])
            add_record(b, "committee_meeting", date(2026, 1, 2 + (n + k) % 20), late_days=(n * k) % 11)
    make_ruleset(indicators=[
        {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
         "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}},
        {"index_code": "team", "points": 5, "cycle": "month", "method": "ledger_count",
         "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 3}}])
    return units


def test_worker_killed_mid_chord_then_restarted_gives_the_same_rows(db, worker, many_units, registry):  # noqa: F811
    job = fanout.start_close(db, "2026-01", batch_branches=6)  # 20 batches of 2 units
    db.commit()
    assert len(job.params["batches"]) == 20
    job = wait_job(db, worker, job.id, until=lambda j: j.done >= 1)
    worker.kill()
    db.expire_all()
    job = db.get(Job, job.id)
    assert job.done < job.total, "the chord finished before the kill: nothing was tested"
    killed_at = job.done
    db.rollback()
    worker.start()
    # the unit in flight comes back after the visibility timeout; Redis hands it out on a
    # later poll, which takes a while on a loaded machine: a generous bound
    job = wait_job(db, worker, job.id, timeout=300)
    assert job.status == "done", job.error
    assert job.done == job.total == 40 and killed_at < 40
    assert db.scalar(select(func.count()).select_from(text("score_results"))) == 120
    fanned = content(db)
    _wipe(db)
    close_period(db, "2026-01", kinds=registry)
    db.commit()
    assert content(db) == fanned


def test_a_rolled_back_transaction_publishes_nothing(db, worker, group):  # noqa: F811
    from celery.signals import before_task_publish

    published = []

    def seen(sender=None, **kw):
        published.append(sender)

    before_task_publish.connect(seen)
    try:
        fanout.start_close(db, "2026-01")
        db.rollback()
        assert published == []
        assert db.scalar(select(func.count()).select_from(Job)) == 0
        job = fanout.start_close(db, "2026-01")
        db.commit()
        assert "scoring.close_batch" in published
        assert wait_job(db, worker, job.id).status == "done"
    finally:
        before_task_publish.disconnect(seen)


def test_a_failing_unit_marks_the_job_failed_with_the_reason(db, worker, group):  # noqa: F811
    from core.indicators.models import IndexWeight

    # a category without weights: score_all refuses, in words, on the unit that has one
    db.execute(IndexWeight.__table__.delete().where(IndexWeight.category == "nonpublic"))
    db.commit()
    job = fanout.start_close(db, "2026-01")
    db.commit()
    job = wait_job(db, worker, job.id)
    assert job.status == "failed" and "缺少以下支部类别的指数权重" in job.error
    # the lock is released: a close may be asked again (and fails the same way in-process)
    assert fanout.refuse_if_running(db, __import__("core.periods.keys", fromlist=["PeriodKey"]).PeriodKey.parse("2026-01")) is None
