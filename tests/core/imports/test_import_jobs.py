"""A large import applied as a job when a broker is configured (#15 "Bulk jobs with
progress"): the page sends it and shows the job; the worker applies exactly the preview,
all or nothing; a second delivery imports nothing twice; data changed since the preview
fails the job with the reason; a small import, or no broker, applies in the request."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.imports.batches import POINT_COLUMNS
from core.imports.jobs import run_import
from core.jobs.models import Job
from core.ledger.models import PointRecord
from tests.office import apply, preview, xlsx

BROKER = {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "IMPORT_JOB_ROWS": 2}


@pytest.fixture
def reviewer(make_unit, make_branch, make_user):
    unit = make_unit(code="UA")
    for code in ("B1", "B2", "B3"):
        make_branch(unit, code=code)
    return make_user("reviewer", units=[unit])


@pytest.fixture
def sent(monkeypatch):
    """The job ids the page sent to the broker (the test then runs the worker's side)."""
    from core.imports.tasks import import_task

    out = []
    monkeypatch.setattr(import_task, "apply_async", lambda args=(), kwargs=None, **options: out.append(args[0]))
    return out


def workbook(rows):
    return xlsx({"导入": [[c.header for c in POINT_COLUMNS], *rows]})


ROWS = [[code, "加分", "2026-03-15", 2, "获市级表彰", None] for code in ("B1", "B2", "B3")]


def points(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count(PointRecord.id)))


def start(client, rows):
    html = preview(client, "/imports/points", workbook(rows)).get_data(as_text=True)
    assert "新增" in html
    return apply(client, "/imports/points", html)


@pytest.mark.config(BROKER)
def test_a_large_import_is_applied_by_the_worker_once(app, db, client, login, reviewer, sent):
    login(reviewer)
    r = start(client, ROWS)
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"] and len(sent) == 1
    assert points(db) == 0  # nothing written by the request
    job = db.get(Job, sent[0])
    assert job.kind == "import" and job.status == "queued" and job.created_by == reviewer.id
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "排队中" in page
    result = run_import(db, app, job.id)  # what the worker runs
    assert result["created"] == 3 and points(db) == 3
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "导入成功：新增 3 条，修改 0 条，未变 0 条" in page and "2 / 2" in page
    assert run_import(db, app, job.id) is None and points(db) == 3  # delivered twice: imported once
    assert not list((Path(app.config["UPLOAD_DIR"]) / "import-jobs").iterdir())  # the upload is removed


@pytest.mark.config(BROKER)
def test_data_changed_since_the_preview_fails_the_job_and_writes_nothing(app, db, client, login, reviewer, sent):
    login(reviewer)
    start(client, ROWS)
    html = preview(client, "/imports/points", workbook(ROWS[:1])).get_data(as_text=True)
    apply(client, "/imports/points", html)  # small: applied in the request while the job waits
    assert points(db) == 1 and len(sent) == 1
    run_import(db, app, sent[0])
    job = db.get(Job, sent[0])
    assert job.status == "failed" and "预览之后数据已有变化" in job.error
    assert points(db) == 1
    assert "预览之后数据已有变化" in client.get(f"/jobs/{job.id}").get_data(as_text=True)


@pytest.mark.config(BROKER)
def test_an_apply_that_fails_midway_writes_nothing(app, db, client, login, reviewer, sent, monkeypatch):
    from core.imports import batches

    login(reviewer)
    start(client, ROWS)
    real = batches.POINTS.write
    calls = []

    def third_row_fails(session, actor, row, existing):
        calls.append(row["branch"])
        if len(calls) == 3:
            raise OSError("磁盘已满")
        return real(session, actor, row, existing)

    monkeypatch.setattr(batches.POINTS, "write", third_row_fails)
    with pytest.raises(OSError):
        run_import(db, app, sent[0])
    job = db.get(Job, sent[0])
    assert job.status == "failed" and "磁盘已满" in job.error and points(db) == 0


@pytest.mark.config({**BROKER, "IMPORT_JOB_ROWS": 5})
def test_a_small_import_is_applied_in_the_request(db, client, login, reviewer, sent):
    login(reviewer)
    r = start(client, ROWS)
    assert r.status_code == 302 and "/jobs/" not in r.headers["Location"] and sent == [] and points(db) == 3


@pytest.mark.config({"IMPORT_JOB_ROWS": 2})
def test_without_a_broker_a_large_import_is_applied_in_the_request(db, client, login, reviewer):
    login(reviewer)
    r = start(client, ROWS)
    assert "/jobs/" not in r.headers["Location"] and points(db) == 3
    assert db.scalar(select(func.count(Job.id))) == 0


@pytest.mark.config(BROKER)
def test_a_large_import_while_the_broker_is_down_says_so(app, db, client, login, reviewer):
    login(reviewer)
    r = start(client, ROWS)  # the real publish: connection refused
    assert r.status_code == 302 and r.headers["Location"].endswith("/imports/points")
    assert "任务未能排队" in client.get("/imports/points").get_data(as_text=True)
    job = db.scalar(select(Job))
    assert job.status == "failed" and "任务未能排队" in job.error and points(db) == 0
    assert not list((Path(app.config["UPLOAD_DIR"]) / "import-jobs").iterdir())


@pytest.mark.plugins("production")
def test_every_import_page_registers_its_importer_for_workers(app):
    from core.imports.jobs import job_importer

    kinds = ("points", "honours", "targets", "users", "branches", "members", "production")
    assert [k for k in kinds if job_importer(app, k) is None] == []


@pytest.mark.config(BROKER)
def test_a_lost_import_job_is_sent_again_and_imports_once(app, db, client, login, reviewer, sent):
    from datetime import timedelta

    from core.db import utcnow
    from core.jobs.recovery import recover

    login(reviewer)
    start(client, ROWS)
    job = db.get(Job, sent[0])
    job.beat_at = utcnow() - timedelta(minutes=10)  # its message went with a Redis restart
    db.commit()
    assert [s.id for s in recover(db, seconds=60)] == [job.id] and sent == [job.id, job.id]
    run_import(db, app, job.id)
    run_import(db, app, job.id)  # had the first message survived after all: nothing twice
    assert points(db) == 3 and db.get(Job, job.id).status == "done"
