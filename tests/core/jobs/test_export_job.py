"""A large export runs as a job when a broker is configured: the job builds the file
for the user who asked (her scope), the job page links it, a failure says why."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from core.jobs import exports
from core.jobs.models import Job
from core.scoring.close import close_period
from tests.core.jobs.test_jobs_pages_cli import LEDGER
from tests.core.scoring.conftest import add_record, make_ruleset, registry  # noqa: F401 (fixtures)

BROKER = {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "EXPORT_JOB_ROWS": 2}


@pytest.fixture
def closed(db, make_unit, make_branch, make_ruleset, add_record, registry):  # noqa: F811
    units = [make_unit(), make_unit()]
    for n in range(6):
        b = make_branch(unit=units[n % 2])
        add_record(b, "committee_meeting", date(2026, 1, 5))
    make_ruleset(indicators=[LEDGER])
    close_period(db, "2026-01", kinds=registry)
    db.commit()
    return units


@pytest.fixture
def sent(monkeypatch):
    from core.jobs import tasks

    out = []
    monkeypatch.setattr(tasks.export_task, "apply_async", lambda args=(), kwargs=None, **options: out.append(args[0]))
    return out


@pytest.mark.config(BROKER)
def test_large_export_runs_as_a_job_in_the_askers_scope(db, client, login, make_user, closed, sent):
    reviewer = make_user("reviewer", units=[closed[0]])
    login(reviewer)
    r = client.get("/analysis/rankings.xlsx?period=2026-01")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    assert len(sent) == 1  # sent once the job row was committed
    job = db.get(Job, sent[0])
    assert job.status == "queued" and job.created_by == reviewer.id
    exports.run_export(db, job.id)  # what the worker runs
    db.commit()
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "共 3 行" in page
    ws = load_workbook(BytesIO(client.get(f"/jobs/{job.id}/download").data)).active
    assert ws.max_row == 1 + 3  # the reviewer's unit only
    assert exports.run_export(db, job.id) is None  # done: a redelivered task changes nothing


@pytest.mark.config(BROKER)
def test_small_export_or_no_broker_answers_at_once(db, client, login, make_user, closed, sent, app):
    login(make_user("reviewer", units=[closed[1]]))
    app.config["EXPORT_JOB_ROWS"] = 100
    r = client.get("/analysis/rankings.xlsx?period=2026-01")
    assert r.status_code == 200 and r.data[:2] == b"PK" and sent == []


@pytest.mark.config(BROKER)
def test_a_failing_export_says_why(db, client, login, make_user, closed, sent, monkeypatch):
    admin = make_user("admin")
    login(admin)
    client.get("/analysis/rankings.xlsx?period=2026-01")
    from core.jobs.tasks import export_task

    monkeypatch.setattr(exports, "builder", lambda name: (_ for _ in ()).throw(OSError("磁盘已满")))
    with pytest.raises(OSError):
        export_task.run(sent[0])
    job = db.get(Job, sent[0])
    assert job.status == "failed" and "磁盘已满" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
