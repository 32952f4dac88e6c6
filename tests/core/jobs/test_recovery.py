"""Recovery of jobs whose message a broker lost (core.jobs.recovery): a fanned-out close
whose chord vanished is found stalled and sent again, ends with the in-process close's
results, and is not sent a second time once done."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import utcnow
from core.jobs.models import Job
from core.jobs.recovery import recover, stalled_jobs
from core.scoring import fanout
from core.scoring.models import ScoreResult
from tests.core.jobs.test_jobs_pages_cli import broker_up, chord_here, scene  # noqa: F401 (fixtures)
from tests.core.scoring.conftest import add_record, make_ruleset, registry  # noqa: F401 (fixtures)


def test_a_close_whose_chord_was_lost_is_sent_again_and_ends_once(db, scene, chord_here):  # noqa: F811
    job = fanout.start_close(db, "2026-01", dispatch=lambda *args: None)  # the message never arrives
    db.commit()
    assert stalled_jobs(db, seconds=60) == []  # just queued: not stalled yet
    job.beat_at = utcnow() - timedelta(minutes=10)
    db.commit()
    assert [s.id for s in recover(db, seconds=60)] == [job.id]
    assert chord_here.sent == [job.id]
    chord_here.run()  # the workers run the re-sent chord
    db.expire_all()
    job = db.get(Job, job.id)
    assert job.status == "done" and job.done == job.total == 2
    assert db.scalar(select(func.count(ScoreResult.id))) == 2
    assert recover(db, seconds=0) == [] and chord_here.sent == [job.id]


def test_a_running_close_with_a_recent_step_is_left_alone(db, scene, chord_here, registry):  # noqa: F811
    job = fanout.start_close(db, "2026-01", dispatch=lambda *args: None)
    db.commit()
    fanout.close_batch(db, job.id, "2026-01", [scene[0].id], registry)
    db.commit()
    job.created_at = utcnow() - timedelta(hours=1)  # old job, but a unit was done just now
    db.commit()
    assert recover(db, seconds=60) == [] and chord_here.sent == []


def test_a_lost_export_is_sent_again_to_its_own_task(db, monkeypatch):
    from core.jobs.service import create_job
    from core.jobs.tasks import export_task

    sent = []
    monkeypatch.setattr(export_task, "apply_async", lambda args=(), kwargs=None, **options: sent.append(args[0]))
    job = create_job(db, "export", target="排名", total=1, params={"export": "rankings", "args": {}, "user_id": 1})
    job.beat_at = utcnow() - timedelta(minutes=10)
    db.commit()
    assert [s.kind for s in recover(db, seconds=60)] == ["export"] and sent == [job.id]
    db.expire_all()
    assert db.get(Job, job.id).beat_at > utcnow() - timedelta(minutes=1)  # waits a full stall period again


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0"})
def test_a_close_whose_chord_cannot_be_sent_fails_its_job_and_can_be_asked_again(db, client, login, make_user,
                                                                                scene, chord_here):  # noqa: F811
    from core.periods.models import Period

    def broker_down(*args):
        from kombu.exceptions import OperationalError
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    chord_here_send = fanout.send_chord  # chord_here passes the broker check: Redis dies after it
    fanout.send_chord = broker_down
    try:
        login(make_user("admin"))
        r = client.post("/scoring/periods/2026-01/close")
    finally:
        fanout.send_chord = chord_here_send
    assert r.status_code == 302 and r.headers["Location"].endswith("/scoring/periods/2026-01/close")
    assert "任务未能排队" in client.get(r.headers["Location"]).get_data(as_text=True)
    job = db.scalar(select(Job))
    assert job.status == "failed" and "Connection refused" in job.error
    assert db.scalar(select(Period).where(Period.key == "2026-01")).status != "closed"
    r = client.post("/scoring/periods/2026-01/close")  # the broker back: the failed job holds no lock
    assert "/jobs/" in r.headers["Location"] and len(chord_here.sent) == 1


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0"})
def test_a_close_asked_with_no_broker_listening_is_refused_at_once(db, client, login, make_user, scene):
    import time

    login(make_user("admin"))
    t0 = time.monotonic()
    r = client.post("/scoring/periods/2026-01/close")  # the real broker check: connection refused
    assert time.monotonic() - t0 < 10
    assert r.status_code == 302 and "任务未能排队" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert db.scalar(select(func.count(Job.id))) == 0


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0"})
def test_cli_close_with_no_broker_listening_says_so(app, db, scene):
    from core.scoring.commands import close_cmd

    r = app.test_cli_runner().invoke(close_cmd, ["2026-01"])
    assert r.exit_code == 1 and "消息队列无法连接" in r.output and "--in-process" in r.output
    assert db.scalar(select(func.count(Job.id))) == 0


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0"})
def test_the_real_chord_send_with_no_redis_fails_within_seconds_and_keeps_the_workers_policy(app, db, scene):
    import time

    from core.jobs.queueing import broker_errors

    backend = app.extensions["celery"].backend
    patient = dict(backend.retry_policy)
    t0 = time.monotonic()
    with pytest.raises(broker_errors()):
        fanout.send_chord("job-1", "2026-01", [[scene[0].id]], None)
    assert time.monotonic() - t0 < 8  # the result backend alone would retry ~19 s
    assert backend.retry_policy == patient  # bounded only while sending


@pytest.mark.config({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0"})
def test_overlapping_bounded_sends_take_turns_and_leave_the_backend_as_it_was(app):
    """Two requests of a threaded server sending chords at once share the app's one
    backend: the second waits for the first's patch to be undone, so neither restores
    the other's patch (the worker's policy would stay bounded, the second undo fail)."""
    import threading

    from core.jobs.queueing import bounded_backend

    celery = app.extensions["celery"]
    backend = celery.backend
    patient = dict(backend.retry_policy)
    first_in, first_may_leave, second_in = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def first():
        with bounded_backend(celery):
            first_in.set()
            first_may_leave.wait(5)

    def second():
        try:
            with bounded_backend(celery):
                second_in.set()
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    a = threading.Thread(target=first)
    a.start()
    assert first_in.wait(5)
    b = threading.Thread(target=second)
    b.start()
    assert not second_in.wait(0.3)  # waits while the first is sending
    first_may_leave.set()
    a.join(5)
    b.join(5)
    assert second_in.is_set() and errors == []
    assert backend.retry_policy == patient
    consumer = getattr(backend, "result_consumer", None)
    assert consumer is None or "consume_from" not in consumer.__dict__
