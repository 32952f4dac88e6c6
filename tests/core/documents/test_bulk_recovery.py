"""Bulk issue when the broker misbehaves (#14, #15 "Bad input and faults"): a message
delivered twice issues nothing twice; an outdated attempt throws its work away; a job
whose message was lost is found stalled and re-run by `starbranch jobs recover`; a
broker that cannot be reached makes the page say the job could not be queued."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import utcnow
from core.documents import bulk
from core.documents.models import DocumentJob, IssuedDocument
from core.jobs.commands import jobs_group

#: A broker address nothing listens on: publishing fails for real (connection refused).
DOWN = {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0"}


@pytest.fixture
def year(graded_year, make_unit, make_branch):
    unit = make_unit(name="炼钢厂党委", code="LG")
    branches = [make_branch(unit=unit, name=f"炼钢厂第{i}党支部") for i in range(1, 4)]
    graded_year({b: 5 for b in branches})
    return sorted(f"branch:{b.id}" for b in branches)  # the subjects a bulk issue covers


def documents(db):
    db.expire_all()
    return list(db.scalars(select(IssuedDocument).order_by(IssuedDocument.id)))


def valid_subjects(db) -> list[str]:
    return sorted(d.subject for d in documents(db) if d.revoked_at is None)


def test_a_message_delivered_twice_issues_once(app, db, year):
    job = bulk.create_job(db, "certificate", "2025")
    db.commit()
    bulk.run_job(db, app, job.id)
    first = [(d.serial, d.file_hash) for d in documents(db)]
    assert len(first) == 3 and db.get(DocumentJob, job.id).status == "done"
    bulk.run_job(db, app, job.id)  # the redelivery (or a recovery's re-send) of a finished job
    assert [(d.serial, d.file_hash) for d in documents(db)] == first
    assert db.get(DocumentJob, job.id).attempt == 1


def test_an_outdated_attempt_throws_its_documents_and_files_away(app, db, year, monkeypatch):
    import core.documents.pool as pool

    job = bulk.create_job(db, "certificate", "2025")
    db.commit()
    real = pool.render_many

    def taken_over_while_rendering(jobs, **kw):
        pdfs = real(jobs, **kw)
        bulk.claim(db, job.id)  # a newer attempt (a re-sent message) claims the job meanwhile
        return pdfs

    monkeypatch.setattr(pool, "render_many", taken_over_while_rendering)
    bulk.run_job(db, app, job.id)
    assert documents(db) == []
    assert not list((Path(app.config["UPLOAD_DIR"]) / "documents").glob("*.pdf"))
    row = db.get(DocumentJob, job.id)
    assert row.status == "running" and row.attempt == 2  # the newer attempt owns it
    monkeypatch.setattr(pool, "render_many", real)
    bulk.run_job(db, app, job.id)  # that attempt's own run (claims attempt 3) finishes the job
    assert valid_subjects(db) == year and len(documents(db)) == 3


def test_a_lost_job_is_shown_stalled_and_recovered_once(app, db, year, client, login, make_user):
    """The broker lost the message (Redis restarted without persistence): the job row
    still says queued. Status and page call it stalled; recover runs it (no broker here:
    in-process); a second recover finds nothing to do."""
    admin = make_user("admin")
    job = bulk.create_job(db, "certificate", "2025", actor=admin)
    job.total = 3
    job.beat_at = job.created_at = utcnow() - timedelta(minutes=20)
    db.commit()
    runner = app.test_cli_runner()
    status = runner.invoke(jobs_group, ["status"]).output
    assert f"{job.id} 批量出具文件 2025 queued 0/3" in status and "无进展" in status
    login(admin)
    assert "无进展" in client.get(f"/documents/jobs/{job.id}").get_data(as_text=True)
    r = runner.invoke(jobs_group, ["recover"])
    assert r.exit_code == 0, r.output
    assert "重新排队的后台任务：1 个" in r.output and str(job.id) in r.output
    db.expire_all()
    assert db.get(DocumentJob, job.id).status == "done"
    assert valid_subjects(db) == year and len(documents(db)) == 3
    again = runner.invoke(jobs_group, ["recover", "--stall-seconds", "0"])
    assert "重新排队的后台任务：0 个" in again.output and len(documents(db)) == 3
    assert "无进展" not in client.get(f"/documents/jobs/{job.id}").get_data(as_text=True)


def test_a_job_with_a_recent_sign_of_life_is_not_stalled(app, db, year):
    from core.jobs.recovery import stalled_jobs

    job = bulk.create_job(db, "certificate", "2025")
    db.commit()
    assert stalled_jobs(db, seconds=300) == []
    assert [s.id for s in stalled_jobs(db, seconds=300, now=utcnow() + timedelta(seconds=301))] == [str(job.id)]


@pytest.mark.config(DOWN)
def test_bulk_issue_while_the_broker_is_down_says_so_and_writes_nothing(app, db, year, client, login, make_user):
    login(make_user("admin"))
    r = client.post("/documents/bulk", data={"bulk-doc_type": "certificate", "bulk-period": "2025",
                                             "bulk-unit": "", "bulk-output": "zip"})
    assert r.status_code == 503
    assert "消息队列（Redis）暂时无法连接，任务未能排队" in r.get_data(as_text=True)
    db.expire_all()
    job = db.scalar(select(DocumentJob))
    assert job.status == "failed" and "任务未能排队" in job.error and "Connection refused" in job.error
    assert db.scalar(select(func.count(IssuedDocument.id))) == 0
    status = app.test_cli_runner().invoke(jobs_group, ["status"]).output
    assert "任务未能排队" in status and "最近失败的后台任务：1 个" in status


@pytest.mark.config(DOWN)
def test_recover_while_the_broker_is_down_fails_clearly_and_keeps_the_job(app, db, year):
    job = bulk.create_job(db, "certificate", "2025")
    job.beat_at = utcnow() - timedelta(minutes=20)
    db.commit()
    r = app.test_cli_runner().invoke(jobs_group, ["recover"])
    assert r.exit_code == 1 and "消息队列无法连接，未能重新排队" in r.output
    db.expire_all()
    assert db.get(DocumentJob, job.id).status == "queued"  # the next recover tries again
