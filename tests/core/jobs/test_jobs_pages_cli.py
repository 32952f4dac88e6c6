"""The job page (any job), the jobs list, the close page and CLI with a broker
configured (the chord replaced by the same functions run here), `starbranch jobs status`."""
from __future__ import annotations

from datetime import date

import pytest

from core.jobs.models import Job
from core.jobs.service import create_job, fail_job, step_done
from core.scoring import fanout
from tests.core.scoring.conftest import add_record, make_ruleset, registry  # noqa: F401 (fixtures)

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}}


@pytest.fixture
def scene(db, make_unit, make_branch, make_ruleset, add_record):  # noqa: F811
    units = [make_unit(), make_unit()]
    for u in units:
        b = make_branch(unit=u)
        add_record(b, "committee_meeting", date(2026, 1, 5))
    make_ruleset(indicators=[LEDGER])
    return units


class ChordHere:
    """send_chord replaced: the chord is recorded when the transaction commits (as the
    broker would receive it) and `run()` then runs its functions here, batch after batch."""

    def __init__(self, db, registry):  # noqa: F811
        self.db, self.registry, self.sent, self.pending = db, registry, [], []

    def __call__(self, job_id, key, batches, actor_id):
        self.sent.append(job_id)
        self.pending.append((job_id, key, batches))

    def run(self):
        while self.pending:
            job_id, key, batches = self.pending.pop(0)
            for unit_ids in batches:
                fanout.close_batch(self.db, job_id, key, unit_ids, self.registry)
                self.db.commit()
            fanout.finish_close(self.db, job_id, key, self.registry)
            self.db.commit()


@pytest.fixture
def broker_up(monkeypatch):
    """The broker check passes (the tests' broker address has nobody listening)."""
    from core.jobs import queueing
    monkeypatch.setattr(queueing, "ensure_broker", lambda app: None)


@pytest.fixture
def chord_here(monkeypatch, db, registry, broker_up):  # noqa: F811
    here = ChordHere(db, registry)
    monkeypatch.setattr(fanout, "send_chord", here)
    return here


def test_job_page_shows_progress_result_and_failure(db, client, login, make_user):
    admin, secretary, owner = make_user("admin"), make_user("secretary"), make_user("reviewer")
    job = create_job(db, "export", target="2026Q1", total=4, actor=owner)
    step_done(db, job.id, "chunk:1")
    db.commit()
    login(admin)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "1 / 4（25%）" in page and 'http-equiv="refresh"' in page
    assert job.id in client.get("/jobs/").get_data(as_text=True)
    job.status, job.result, job.output, job.output_name = "done", {"download": True, "rows": 3}, b"PK..", "x.xlsx"
    db.commit()
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/jobs/{job.id}/download"' in page and 'http-equiv="refresh"' not in page
    assert client.get(f"/jobs/{job.id}/download").data == b"PK.."
    fail_job(db, job.id, "too late")  # a done job stays done
    assert db.get(Job, job.id).status == "done"
    other = create_job(db, "import", total=2, actor=owner)
    db.commit()
    fail_job(db, other.id, "ValueError: 第3行缺少支部编码")
    assert "第3行缺少支部编码" in client.get(f"/jobs/{other.id}").get_data(as_text=True)
    # the one who asked sees her job; another non-admin does not, nor the list
    client.get("/logout")
    login(owner)
    assert client.get(f"/jobs/{other.id}").status_code == 200
    client.get("/logout")
    login(secretary)
    assert client.get(f"/jobs/{other.id}").status_code == 404
    assert client.get("/jobs/").status_code in (302, 403, 404)
    assert client.get("/jobs/nonexistent").status_code == 404


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
def test_close_page_with_a_broker_fans_out_and_shows_the_job(db, client, login, make_user, scene, chord_here):
    login(make_user("admin"))
    r = client.post("/scoring/periods/2026-01/close")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    job = db.get(Job, chord_here.sent[0])
    assert job.status == "queued" and "0 / 2" in client.get(r.headers["Location"]).get_data(as_text=True)
    chord_here.run()
    db.expire_all()
    assert job.status == "done" and job.done == job.total == 2
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "2 / 2" in page and "2 个党支部出结果" in page
    # asked again: already closed, nothing sent
    r = client.post("/scoring/periods/2026-01/close")
    assert r.status_code == 302 and len(chord_here.sent) == 1


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
def test_periods_page_shows_a_running_close(db, client, login, make_user, scene, monkeypatch, broker_up):
    monkeypatch.setattr(fanout, "send_chord", lambda *a: None)  # the workers never answer
    login(make_user("admin"))
    client.post("/scoring/periods/2026-01/close")
    page = client.get("/scoring/periods?year=2026").get_data(as_text=True)
    assert "后台结账中：0 / 2 个单位" in page
    r = client.post("/scoring/periods/2026-01/close", follow_redirects=True)
    assert "正在后台结账" in r.get_data(as_text=True)


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
def test_cli_close_wait_prints_progress(app, db, scene, chord_here, monkeypatch):
    import time

    from core.scoring.commands import close_cmd

    monkeypatch.setattr(time, "sleep", lambda s: chord_here.run())  # the workers work while the CLI waits
    r = app.test_cli_runner().invoke(close_cmd, ["2026-01", "--wait"])
    assert r.exit_code == 0, r.output
    assert "已提交后台结账" in r.output and "进度：0/2 个单位" in r.output and "进度：2/2 个单位" in r.output
    assert "2026年1月已结账：评分项 2 条，支部结果 2 个。" in r.output
    r = app.test_cli_runner().invoke(close_cmd, ["2026-01", "--wait"])
    assert "无需重复结账" in r.output


def test_cli_jobs_status_lists_running_and_failed(app, db):
    from core.jobs.commands import jobs_group

    running = create_job(db, "close", target="2026Q1", total=10)
    step_done(db, running.id, "unit:1")
    failed = create_job(db, "export", target="2026")
    db.commit()
    fail_job(db, failed.id, "磁盘已满")
    r = app.test_cli_runner().invoke(jobs_group, ["status"])
    assert r.exit_code == 0, r.output
    assert "任务在进程内执行" in r.output
    assert f"{running.id} 期间结账 2026Q1 running 1/10（10%）" in r.output
    assert "磁盘已满" in r.output
